"""The encounter screens' reads, each a fixed number of queries whatever the count (a chart
with 500 encounters opens as fast as one with 5). Used inside EncounterService's audited
bodies, which check access and write the event."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, null, select

from medrec_desktop.domain.amendments import AmendmentData
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.coder_queries import QueryData, QueryState
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounter_views import (
    WITHHELD,
    AnsweredQuery,
    EncounterList,
    EncounterRow,
    LinkedEntry,
    TodayRow,
    UnsignedRow,
)
from medrec_desktop.domain.encounters import EncounterType, encounter_title
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.item_codec import from_plain, item_from_plain
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.domain.results import Flag, ResultData
from medrec_desktop.domain.vital_limits import vitals_warnings
from medrec_desktop.domain.vitals import VitalsData
from medrec_desktop.models import (
    AmendmentRequest,
    ClinicalItem,
    ClinicalItemVersion,
    CoderQuery,
    Encounter,
    EncounterAddendum,
    LabTest,
    Patient,
    Problem,
    Procedure,
    User,
    Vitals,
)
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op
from medrec_desktop.services.chart_lines import vitals_parts
from medrec_desktop.services.context import iso


def _sees_labels(op: Op, patient_id: int) -> bool:
    return op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)


def patient_encounters(op: Op, patient_id: int, *, include_entered_in_error: bool) -> EncounterList:
    """The patient's encounters, newest first, with provider names and addendum counts, in
    one query."""
    addenda = (
        select(EncounterAddendum.encounter_id, func.count().label("n"))
        .where(EncounterAddendum.patient_id == patient_id)
        .group_by(EncounterAddendum.encounter_id)
        .subquery()
    )
    query = (
        select(
            Encounter.id,
            Encounter.version,
            Encounter.starts_at,
            Encounter.encounter_type,
            User.display_name,
            Encounter.reason_for_visit,
            Encounter.signed_at,
            func.coalesce(addenda.c.n, 0),
            Encounter.status,
            Encounter.sensitivity,
        )
        .join(User, User.id == Encounter.provider_id)
        .outerjoin(addenda, addenda.c.encounter_id == Encounter.id)
        .where(Encounter.patient_id == patient_id)
        .order_by(Encounter.starts_at.desc(), Encounter.id.desc())
    )
    if not include_entered_in_error:
        query = query.where(Encounter.status != ItemStatus.ENTERED_IN_ERROR)
    found = op.db.execute(query).all()
    withheld: Counter[Sensitivity] = Counter()
    if any(r.sensitivity for r in found) and not _sees_labels(op, patient_id):
        withheld.update(Sensitivity(r.sensitivity) for r in found if r.sensitivity)
        found = [r for r in found if not r.sensitivity]
    rows = tuple(
        EncounterRow(
            id=ItemId(r[0]),
            version=r[1],
            starts_at=r[2],
            encounter_type=EncounterType(r[3]),
            provider=r[4],
            reason_for_visit=r[5],
            signed=r[6] is not None,
            signed_at=r[6],
            addenda=int(r[7]),
            status=ItemStatus(r[8]),
            sensitivity=Sensitivity(r[9]) if r[9] else None,
        )
        for r in found
    )
    return EncounterList(rows, dict(withheld))


def _patient_name(family: str, given: str) -> str:
    return f"{family}, {given}"


def _label_access(op: Op, found: Sequence[Any]) -> frozenset[int]:
    """The patients among ``found``'s labelled rows whose labels the caller may see (one
    query for the whole list; a grant for a patient without a labelled row here is not
    used, so it does not flag this clinic-wide event)."""
    labelled = {r.patient_id for r in found if r.sensitivity}
    return op.can_for(Action.VIEW, DataCategory.SENSITIVE, labelled)


def day_list(op: Op, day: dt.date) -> tuple[TodayRow, ...]:
    """Every visit that took place (or will) on ``day`` in local time, clinic-wide, in
    order of time; cancelled and entered-in-error ones are left out. A labelled visit the
    caller may not see shows only its time and patient."""
    start = dt.datetime.combine(day, dt.time.min).astimezone()  # local midnight
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min).astimezone()
    found = op.db.execute(
        select(
            Encounter.patient_id,
            Patient.mrn,
            Patient.family_name,
            Patient.given_names,
            Encounter.id,
            Encounter.starts_at,
            Encounter.encounter_type,
            User.display_name,
            Encounter.reason_for_visit,
            Encounter.signed_at,
            Encounter.sensitivity,
        )
        .join(Patient, Patient.id == Encounter.patient_id)
        .join(User, User.id == Encounter.provider_id)
        .where(
            Encounter.starts_at >= start,
            Encounter.starts_at < end,
            Encounter.status == ItemStatus.ACTIVE,
        )
        .order_by(Encounter.starts_at, Encounter.id)
    ).all()
    seen = _label_access(op, found)
    rows = []
    for r in found:
        hidden = bool(r.sensitivity) and r.patient_id not in seen
        rows.append(
            TodayRow(
                patient_id=PatientId(r.patient_id),
                mrn=r.mrn,
                patient_name=_patient_name(r.family_name, r.given_names),
                encounter_id=ItemId(r.id),
                starts_at=r.starts_at,
                encounter_type=None if hidden else EncounterType(r.encounter_type),
                provider=WITHHELD if hidden else r.display_name,
                reason="" if hidden else r.reason_for_visit,
                signed=r.signed_at is not None,
                withheld=hidden,
            )
        )
    return tuple(rows)


def unsigned_notes(op: Op, provider_id: int, days: int) -> tuple[UnsignedRow, ...]:
    """``provider_id``'s notes of visits that took place more than ``days`` days ago and are
    still unsigned, oldest first (labelled ones the caller may not see withheld, as in
    :func:`day_list`)."""
    now = op.ctx.now()
    found = op.db.execute(
        select(
            Encounter.patient_id,
            Patient.mrn,
            Patient.family_name,
            Patient.given_names,
            Encounter.id,
            Encounter.version,
            Encounter.starts_at,
            Encounter.encounter_type,
            Encounter.reason_for_visit,
            Encounter.sensitivity,
        )
        .join(Patient, Patient.id == Encounter.patient_id)
        .where(
            Encounter.provider_id == provider_id,
            Encounter.signed_at.is_(None),
            Encounter.status == ItemStatus.ACTIVE,
            Encounter.starts_at < now - dt.timedelta(days=days),
        )
        .order_by(Encounter.starts_at, Encounter.id)
    ).all()
    seen = _label_access(op, found)
    rows = []
    for r in found:
        hidden = bool(r.sensitivity) and r.patient_id not in seen
        rows.append(
            UnsignedRow(
                patient_id=PatientId(r.patient_id),
                mrn=r.mrn,
                patient_name=_patient_name(r.family_name, r.given_names),
                encounter_id=ItemId(r.id),
                version=r.version,
                starts_at=r.starts_at,
                encounter_type=None if hidden else EncounterType(r.encounter_type),
                reason="" if hidden else r.reason_for_visit,
                days_open=(now - r.starts_at).days,
                withheld=hidden,
            )
        )
    return tuple(rows)


def open_encounters(op: Op, patient_id: int) -> tuple[tuple[int, str], ...]:
    """The patient's encounters entries may still be recorded in (unsigned, took place),
    newest first, as (id, "03/14/2025 office visit"); a labelled one says its label."""
    found = op.db.execute(
        select(Encounter.id, Encounter.starts_at, Encounter.encounter_type, Encounter.sensitivity)
        .where(
            Encounter.patient_id == patient_id,
            Encounter.signed_at.is_(None),
            Encounter.status == ItemStatus.ACTIVE,
        )
        .order_by(Encounter.starts_at.desc(), Encounter.id.desc())
    ).all()
    if any(r.sensitivity for r in found) and not _sees_labels(op, patient_id):
        found = [r for r in found if not r.sensitivity]
    return tuple((r.id, _choice_text(r)) for r in found)


def _choice_text(row: Any) -> str:
    """ "03/14/2025 office visit", and the visit's label if it has one: what is recorded in
    it must carry the same label, so the form says so before Save does."""
    title = encounter_title(row.starts_at, EncounterType(row.encounter_type))
    if row.sensitivity:
        return f"{title} (labelled {Sensitivity(row.sensitivity).label})"
    return title


# ---------------------------------------------------------------------- one encounter


def _visible(op: Op, patient_id: int, rows: list[Any]) -> tuple[list[Any], int]:
    """``rows`` the caller may see, and how many labelled ones were left out."""
    if not any(r.sensitivity for r in rows) or _sees_labels(op, patient_id):
        return rows, 0
    shown = [r for r in rows if not r.sensitivity]
    return shown, len(rows) - len(shown)


def _linked(op: Op, model: type[ClinicalItem], encounter_id: int) -> list[Any]:
    column = model.__table__.c.encounter_id  # type: ignore[attr-defined]
    return list(
        op.db.execute(
            select(model)
            .where(column == encounter_id, model.status != ItemStatus.ENTERED_IN_ERROR)
            .order_by(model.id)
        ).scalars()
    )


def _vitals_entry(row: Vitals) -> LinkedEntry:
    fields = versioning.content_fields(VitalsData)
    data = from_plain(VitalsData, {n: getattr(row, n) for n in fields})
    return LinkedEntry(
        item_type=Vitals.__item_type__,
        item_id=ItemId(row.id),
        when=data.taken_at,
        text=", ".join(vitals_parts(data)),
        abnormal=bool(vitals_warnings(data)),
    )


def _flagged(result: object) -> bool:
    """Whether one stored result (the ``results`` column's JSON) is out of range or
    critical: its flag is computed from the range, as the results grid shows it."""
    if not isinstance(result, dict):
        return False
    return from_plain(ResultData, result).flag not in (Flag.NORMAL, Flag.NONE)


def _test_entry(row: LabTest) -> LinkedEntry:
    results = json.loads(row.results or "[]")
    count = len(results)
    text = f"{row.name} ({count} result{'s' if count != 1 else ''})" if count else row.name
    return LinkedEntry(
        item_type=LabTest.__item_type__,
        item_id=ItemId(row.id),
        when=row.collected_at,
        text=text,
        abnormal=any(_flagged(r) for r in results),
    )


NO_COMPLICATIONS = frozenset({"none", "no", "nil"})


def had_complications(complications: str | None) -> bool:
    """Whether what was typed as complications reports one: "None", "no.", "NIL" do not."""
    said = " ".join((complications or "").split()).rstrip(".").strip().casefold()
    return bool(said) and said not in NO_COMPLICATIONS


def _procedure_entry(row: Procedure) -> LinkedEntry:
    code = f" ({(row.code_system or '').upper()} {row.code})".replace("( ", "(") if row.code else ""
    return LinkedEntry(
        item_type=Procedure.__item_type__,
        item_id=ItemId(row.id),
        when=row.performed_at,
        text=f"{row.description}{code}",
        abnormal=had_complications(row.complications),
    )


def linked_entries(
    op: Op, encounter: Encounter
) -> tuple[tuple[LinkedEntry, ...], tuple[LinkedEntry, ...], tuple[LinkedEntry, ...], int]:
    """Vitals, tests and procedures recorded in the encounter (not entered in error), and
    how many labelled ones the caller may not see."""
    pid = encounter.patient_id
    vitals, hidden_v = _visible(op, pid, _linked(op, Vitals, encounter.id))
    tests, hidden_t = _visible(op, pid, _linked(op, LabTest, encounter.id))
    procedures, hidden_p = _visible(op, pid, _linked(op, Procedure, encounter.id))
    return (
        tuple(_vitals_entry(v) for v in vitals),
        tuple(_test_entry(t) for t in tests),
        tuple(_procedure_entry(p) for p in procedures),
        hidden_v + hidden_t + hidden_p,
    )


def addressed_problems(op: Op, encounter: Encounter) -> tuple[tuple[int, str], ...]:
    """The problems addressed, in the order chosen, as (id, description); labelled ones
    only for who may see them. A signed note shows each problem as it stood when the note
    was signed (its latest version saved by then), not as it was reworded since: what the
    provider signed is what the note says. One query."""
    wanted = [int(p) for p in json.loads(encounter.problems_addressed or "[]")]
    if not wanted:
        return ()
    found = {r.id: r for r in _problems_as_of(op, wanted, encounter.signed_at)}
    sees = (
        _sees_labels(op, encounter.patient_id)
        if any(r.sensitivity or r.signed_sensitivity for r in found.values())
        else True
    )
    shown = []
    for pid in wanted:
        r = found.get(pid)
        if r is None or (not sees and (r.sensitivity or r.signed_sensitivity)):
            continue
        description = r.description
        if r.data_json is not None:  # the version the note was signed with
            description = item_from_plain(ProblemData, json.loads(r.data_json)).data.description
        shown.append((pid, description))
    return tuple(shown)


def _problems_as_of(op: Op, wanted: list[int], signed_at: dt.datetime | None) -> list[Any]:
    """``wanted`` problems now (id, description, sensitivity), each with the version it had
    at ``signed_at`` (``data_json``, ``signed_sensitivity``; None for an unsigned note, or
    when none was saved by then: a workstation's clock behind another's)."""
    if signed_at is None:
        return list(
            op.db.execute(
                select(
                    Problem.id,
                    Problem.description,
                    Problem.sensitivity,
                    null().label("data_json"),
                    null().label("signed_sensitivity"),
                ).where(Problem.id.in_(wanted))
            ).all()
        )
    version = ClinicalItemVersion
    problem_type = Problem.__item_type__
    latest = (
        select(version.item_id, func.max(version.version).label("version"))
        .where(
            version.item_type == problem_type,
            version.item_id.in_(wanted),
            version.changed_at <= iso(signed_at),
        )
        .group_by(version.item_id)
        .subquery()
    )
    signed = (
        select(version.item_id, version.data_json, version.sensitivity)
        .join(
            latest,
            (latest.c.item_id == version.item_id) & (latest.c.version == version.version),
        )
        .where(version.item_type == problem_type)
        .subquery()
    )
    return list(
        op.db.execute(
            select(
                Problem.id,
                Problem.description,
                Problem.sensitivity,
                signed.c.data_json,
                signed.c.sensitivity.label("signed_sensitivity"),
            )
            .outerjoin(signed, signed.c.item_id == Problem.id)
            .where(Problem.id.in_(wanted))
        ).all()
    )


def requests_about(op: Op, encounter: Encounter) -> tuple[ItemInfo[AmendmentData], ...]:
    """The amendment requests about this note (not entered in error), oldest first."""
    rows = list(
        op.db.execute(
            select(AmendmentRequest)
            .where(
                AmendmentRequest.encounter_id == encounter.id,
                AmendmentRequest.status != ItemStatus.ENTERED_IN_ERROR,
            )
            .order_by(AmendmentRequest.id)
        ).scalars()
    )
    rows, _ = _visible(op, encounter.patient_id, rows)
    names = versioning.display_names(
        op.db, {r.created_by for r in rows} | {r.changed_by for r in rows}
    )
    return tuple(versioning.to_info(r, AmendmentData, names) for r in rows)


def answered_queries(op: Op, encounter: Encounter) -> tuple[AnsweredQuery, ...]:
    """The coders' queries about this note that its provider answered, oldest first (the
    answer is part of the record; open and withdrawn ones stay in the coding screens)."""
    rows = list(
        op.db.execute(
            select(CoderQuery)
            .where(
                CoderQuery.encounter_id == encounter.id,
                CoderQuery.state == QueryState.ANSWERED.value,
            )
            .order_by(CoderQuery.id)
        ).scalars()
    )
    rows, _ = _visible(op, encounter.patient_id, rows)
    infos = [versioning.to_info(r, QueryData, {}) for r in rows]
    names = versioning.display_names(
        op.db, {i.data.asked_by for i in infos} | {i.data.provider_id for i in infos}
    )
    unknown = "(unknown user)"
    return tuple(
        AnsweredQuery(
            kind=i.data.template.label,
            question=i.data.question,
            asked_by=names.get(i.data.asked_by, unknown),
            asked_at=i.data.asked_at,
            answer=i.data.answer or "",
            note=i.data.answer_note,
            answered_by=names.get(i.data.provider_id, unknown),
            answered_at=i.data.answered_at or i.changed_at,
        )
        for i in infos
    )
