"""Coded encounters read as claim summaries (issue 13), for the billing hand-off: one encounter
or every one with a date of service in a range, in a handful of queries whatever their
number (patients, coverages and names are read once for all of them).

Called inside an audited service method (``BillingExportService``), which has checked the
caller's rights; encounters with a sensitivity label are returned only when the caller may see
that patient's labelled records, and otherwise only counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select

from medrec_desktop.domain.billing import (
    ClaimCoverage,
    ClaimDiagnosis,
    ClaimLine,
    ClaimPatient,
    ClaimSummary,
    pointer_letter,
)
from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.coding_work import CodingData, CodingState
from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.models import ClinicSetting, Coverage, Encounter, EncounterCoding, Patient
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op

CLINIC_NAME_KEY = "clinic_name"
# SQLite's default limit on bound parameters is far above this; PostgreSQL has none to speak of.
_CHUNK = 900

Found = tuple[Encounter, EncounterCoding, Patient]


def _coded() -> Select[Encounter, EncounterCoding, Patient]:
    """Signed encounters (not entered in error) whose coding is marked coded."""
    return (
        select(Encounter, EncounterCoding, Patient)
        .join(EncounterCoding, EncounterCoding.encounter_id == Encounter.id)
        .join(Patient, Patient.id == Encounter.patient_id)
        .where(
            Encounter.signed_at.is_not(None),
            Encounter.status != ItemStatus.ENTERED_IN_ERROR.value,
            EncounterCoding.status != ItemStatus.ENTERED_IN_ERROR.value,
            EncounterCoding.state == CodingState.CODED.value,
        )
    )


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """Dates of service are local dates: the range starts at the workstation's midnight."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def local_dos(starts_at: dt.datetime) -> dt.date:
    return starts_at.astimezone().date()


def in_range(op: Op, since: dt.date, until: dt.date) -> tuple[list[Found], int]:
    """Coded encounters with a date of service from ``since`` to ``until`` (inclusive), by
    date of service, and how many labelled ones were left out."""
    rows = op.db.execute(
        _coded()
        .where(
            Encounter.starts_at >= local_midnight_utc(since),
            Encounter.starts_at < local_midnight_utc(until + dt.timedelta(days=1)),
        )
        .order_by(Encounter.starts_at, Encounter.id)
    ).all()
    return visible(op, [(e, c, p) for e, c, p in rows])


def one(op: Op, encounter_id: int) -> Found | None:
    row = op.db.execute(_coded().where(Encounter.id == encounter_id)).first()
    return None if row is None else (row[0], row[1], row[2])


def labelled(found: Found) -> bool:
    encounter, coding, _ = found
    return encounter.sensitivity is not None or coding.sensitivity is not None


def visible(op: Op, found: Sequence[Found]) -> tuple[list[Found], int]:
    """Those the caller may see, and how many labelled ones were left out."""
    marked = {f[2].id for f in found if labelled(f)}
    allowed = op.can_for(Action.VIEW, DataCategory.SENSITIVE, marked) if marked else frozenset()
    kept = [f for f in found if not labelled(f) or f[2].id in allowed]
    return kept, len(found) - len(kept)


def summaries(op: Op, found: Sequence[Found]) -> list[ClaimSummary]:
    """The claim summary of each, in the order given."""
    if not found:
        return []
    clinic = op.db.get(ClinicSetting, CLINIC_NAME_KEY)
    clinic_name = clinic.value if clinic is not None else ""
    coverages = _coverages(op, {p.id for _, _, p in found})
    people: set[int] = set()
    for encounter, coding, _ in found:
        people.add(encounter.provider_id)
        if coding.coded_by is not None:
            people.add(coding.coded_by)
    names = versioning.display_names(op.db, people)
    return [summary(clinic_name, e, c, p, coverages.get(p.id, ()), names) for e, c, p in found]


def summary(
    clinic_name: str,
    encounter: Encounter,
    coding: EncounterCoding,
    patient: Patient,
    coverages: Sequence[ClaimCoverage],
    names: dict[int, str],
) -> ClaimSummary:
    data = versioning.to_info(coding, CodingData, {}).data
    return ClaimSummary(
        clinic_name=clinic_name,
        encounter_id=encounter.id,
        patient=ClaimPatient(
            patient_id=patient.id,
            mrn=patient.mrn,
            family_name=patient.family_name,
            given_names=patient.given_names,
            birth_date=patient.birth_date,
            sex=patient.sex,
        ),
        coverages=tuple(coverages),
        date_of_service=local_dos(encounter.starts_at),
        visit_type=EncounterType(encounter.encounter_type).label,
        place=encounter.location,
        setting=data.setting,
        provider_id=encounter.provider_id,
        provider=names.get(encounter.provider_id, "(unknown user)"),
        diagnoses=tuple(
            ClaimDiagnosis(position=i, code=d.code, title=d.title)
            for i, d in enumerate(data.diagnoses, 1)
        ),
        lines=tuple(
            ClaimLine(
                line=i,
                system=p.system,
                code=p.code,
                title=p.title,
                modifiers=p.modifiers,
                units=p.units,
                pointers=tuple(pointer_letter(x) for x in p.pointers),
            )
            for i, p in enumerate(data.procedures, 1)
        ),
        coded_by=names.get(data.coded_by) if data.coded_by is not None else None,
        coded_at=data.coded_at,
        overrides=len(data.overrides),
    )


def _coverages(op: Op, patient_ids: Iterable[int]) -> dict[int, tuple[ClaimCoverage, ...]]:
    found: dict[int, list[ClaimCoverage]] = defaultdict(list)
    ids = sorted(patient_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = op.db.execute(
            select(Coverage)
            .where(Coverage.patient_id.in_(ids[start : start + _CHUNK]))
            .order_by(Coverage.patient_id, Coverage.priority, Coverage.id)
        ).scalars()
        for c in rows:
            found[c.patient_id].append(
                ClaimCoverage(
                    priority=c.priority,
                    payer=c.payer,
                    member_id=c.member_id,
                    plan=c.plan,
                    group_number=c.group_number,
                    subscriber_name=c.subscriber_name,
                    subscriber_relationship=c.subscriber_relationship,
                )
            )
    return {pid: tuple(covers) for pid, covers in found.items()}
