"""Reads a patient's record for a release (issue 14): :func:`gather`, inside the caller's
audited unit of work. Only the kinds of the sections chosen are read at all (minimum
necessary starts at the query); items entered in error are never read; labelled items only
when the scope asks for them and the role may read them (refused otherwise, not silently
dropped: the person releasing must know the release is not what they chose)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.coding_work import CodingData
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.domain.patient_extract import EncounterExtract, PatientExtract, item_day
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.models import ClinicSetting, EncounterCoding, Patient
from medrec_desktop.services import patient_rows, versioning
from medrec_desktop.services.addenda import addenda_of
from medrec_desktop.services.base import Op
from medrec_desktop.services.billing_claims import CLINIC_NAME_KEY
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    PROCEDURES,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
)
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.documents import DOCUMENTS
from medrec_desktop.services.encounter_kinds import ENCOUNTERS
from medrec_desktop.services.result_kinds import LAB_TESTS

#: the kinds each section reads (results, encounters and documents have their own shapes)
SECTION_KINDS: dict[RecordSection, tuple[ClinicalItemKind[Any, Any], ...]] = {
    RecordSection.PROBLEMS: (PROBLEMS,),
    RecordSection.HISTORIES: (MEDICAL_HISTORY, SURGICAL_HISTORY, FAMILY_HISTORY, SOCIAL_HISTORY),
    RecordSection.MEDICATIONS: (MEDICATIONS,),
    RecordSection.ALLERGIES: (ALLERGIES, ALLERGY_STATEMENTS),
    RecordSection.IMMUNIZATIONS: (IMMUNIZATIONS,),
    RecordSection.VITALS: (VITALS,),
    RecordSection.PROCEDURES: (PROCEDURES,),
}
#: what a record holds beside entered-in-error items: active, inactive and resolved ones
_KEPT = (ItemStatus.ACTIVE.value, ItemStatus.INACTIVE.value, ItemStatus.RESOLVED.value)


def gather(op: Op, patient_id: int, scope: RecordScope) -> PatientExtract:
    """The record in ``scope`` (validated by the caller). Checks VIEW of the clinical record
    (and of labelled items when the scope includes them) for this patient."""
    patient = op.db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    op.about_patient(patient.id)
    op.require(Action.VIEW, DataCategory.CLINICAL, patient.id)
    if scope.labelled:
        op.require(Action.VIEW, DataCategory.SENSITIVE, patient.id)
    return _read(op, patient, scope)


def gather_for_bulk(op: Op, patient_id: int, scope: RecordScope) -> PatientExtract:
    """The record in ``scope`` for the bulk export of every patient (issue 14, item 6). Its
    right is the bulk-export one, checked here explicitly, instead of VIEW of each chart:
    the administrators who hold it see no chart on screen, and the run is recorded as one
    disclosure naming every patient. The audit event names no single patient."""
    op.require(Action.EXPORT, DataCategory.BULK_EXPORT)
    patient = op.db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    return _read(op, patient, scope)


def _read(op: Op, patient: Patient, scope: RecordScope) -> PatientExtract:
    withheld: Counter[str] = Counter()
    people: set[int] = set()

    def read(kind: ClinicalItemKind[Any, Any]) -> list[Any]:
        model = kind.model
        rows = list(
            op.db.execute(
                select(model)
                .where(model.patient_id == patient.id, model.status.in_(_KEPT))
                .order_by(model.id)
            ).scalars()
        )
        if not scope.labelled:
            left = [r for r in rows if not r.sensitivity]
            if len(left) != len(rows):
                withheld[kind.item_type] += len(rows) - len(left)
            rows = left
        people.update(r.created_by for r in rows)
        people.update(r.changed_by for r in rows)
        return rows

    def infos(kind: ClinicalItemKind[Any, Any]) -> tuple[ItemInfo[Any], ...]:
        found = (versioning.to_info(r, kind.data, {}) for r in read(kind))
        return tuple(i for i in found if scope.covers(item_day(i.data)))

    items: dict[str, tuple[ItemInfo[Any], ...]] = {}
    for section, kinds in SECTION_KINDS.items():
        if section in scope.sections:
            for kind in kinds:
                items[kind.item_type] = infos(kind)
    tests = infos(LAB_TESTS) if RecordSection.RESULTS in scope.sections else ()
    documents = infos(DOCUMENTS) if RecordSection.DOCUMENTS in scope.sections else ()
    encounters: tuple[EncounterExtract, ...] = ()
    wants_visits = {RecordSection.ENCOUNTERS, RecordSection.CODING} & set(scope.sections)
    if wants_visits:
        visits = infos(ENCOUNTERS)
        codings = (
            _codings(op, [v.id for v in visits]) if RecordSection.CODING in wants_visits else {}
        )
        for v in visits:
            people.add(v.data.provider_id)
            if v.data.signed_by is not None:
                people.add(v.data.signed_by)
        names = versioning.display_names(op.db, people)
        encounters = tuple(
            EncounterExtract(
                item=v,
                provider=names.get(v.data.provider_id, "(unknown user)"),
                signed_by=names.get(v.data.signed_by) if v.data.signed_by is not None else None,
                addenda=(addenda_of(op, v.id) if RecordSection.ENCOUNTERS in wants_visits else ()),
                coding=codings.get(int(v.id)),
            )
            for v in visits
        )
    clinic = op.db.get(ClinicSetting, CLINIC_NAME_KEY)
    return PatientExtract(
        record=patient_rows.record(op.db, patient),
        scope=scope,
        clinic_name=clinic.value if clinic is not None else "",
        items=items,
        tests=tests,
        encounters=encounters,
        documents=documents,
        withheld=dict(withheld),
        names=versioning.display_names(op.db, people),
    )


def _codings(op: Op, encounter_ids: list[int]) -> dict[int, CodingData]:
    if not encounter_ids:
        return {}
    rows = op.db.execute(
        select(EncounterCoding).where(EncounterCoding.encounter_id.in_(encounter_ids))
    ).scalars()
    return {r.encounter_id: versioning.to_info(r, CodingData, {}).data for r in rows}
