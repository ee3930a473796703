"""Merging two records of the same person: which to keep, the required reason, the merge.

The audited entry points are :meth:`PatientService.merge_suggestion` and
:meth:`PatientService.merge`; the work is here so the registry module stays readable.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import DETAIL_FIELDS, PatientInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.merge_choice import MergeFacts, MergeSuggestion, suggest_keep
from medrec_desktop.models import PATIENT_OWNED, ClinicalNote, Coverage, Patient, RelatedPerson
from medrec_desktop.services import patient_rows as rows
from medrec_desktop.services.base import Op
from medrec_desktop.services.context import iso, stored_utc

REASON_MAX = 500
REASON_EXAMPLE = "Same person: registered twice at front desk"


def clean_reason(reason: str) -> str:
    """The reason on one line; a plain ValidationError when blank or too long."""
    text = " ".join(reason.split())
    if not text:
        raise ValidationError(
            f"Say why these are the same person (for example: {REASON_EXAMPLE}).",
            field="reason",
        )
    if len(text) > REASON_MAX:
        # The length only: the text itself may name the patient.
        raise ValidationError(
            f"The reason is {len(text)} characters long; keep it to {REASON_MAX}.",
            field="reason",
        )
    return text


def refuse_merged(*patients: Patient) -> None:
    if any(p.merged_into_id is not None for p in patients):
        raise ValidationError("One of these records was already merged into another.")


def _count(db: Session, *where: ColumnElement[bool]) -> int:
    return int(db.execute(select(func.count()).where(*where)).scalar_one())


def facts(op: Op, p: Patient) -> MergeFacts:
    filled = sum(1 for v in [p.phone, *(getattr(p, n) for n in DETAIL_FIELDS)] if v)
    notes: int | None = None
    # Counts say no more than the notes screen would: nothing to a role without clinical
    # access (administrators merge on demographics), sensitive notes only to roles that see them.
    if op.can(Action.VIEW, DataCategory.CLINICAL):
        note_filter = [ClinicalNote.patient_id == p.id, ClinicalNote.entered_in_error.is_(False)]
        if not op.can(Action.VIEW, DataCategory.SENSITIVE):
            note_filter.append(ClinicalNote.sensitive.is_(False))
        notes = _count(op.db, *note_filter)
    return MergeFacts(
        patient=rows.info(p),
        registered_at=stored_utc(p.created_at),
        filled_fields=filled,
        notes=notes,
        contacts=_count(op.db, RelatedPerson.patient_id == p.id),
        coverages=_count(op.db, Coverage.patient_id == p.id),
    )


def suggestion(op: Op, a: Patient, b: Patient, *, now: dt.datetime) -> MergeSuggestion:
    refuse_merged(a, b)
    return suggest_keep(facts(op, a), facts(op, b), now=now)


def merge(op: Op, keep: Patient, gone: Patient, reason: str) -> PatientInfo:
    """Move everything of ``gone``'s that is patient-owned (notes, contacts, insurance,
    clinical items...) to ``keep``; ``gone`` stays, pointing at ``keep``, and both new
    versions say why (the reason is also in the audit event)."""
    why = clean_reason(reason)
    refuse_merged(keep, gone)
    op.require(Action.DELETE, DataCategory.DEMOGRAPHICS, gone.id)
    # The merge is recorded first: the database lets a signed note, its entries and addenda
    # move only to the record theirs was merged into (db.signed_locks), and it must see so.
    now = iso(op.ctx.now())
    gone.merged_into_id = keep.id
    gone.updated_at = now
    op.db.flush()
    # Every patient-owned table (models/registry.py), clinical items included. Item rows move
    # without a new version: their version rows name no patient, so their history is intact.
    for model in PATIENT_OWNED.values():
        table = cast(Table, model.__table__)
        op.db.execute(update(table).where(table.c.patient_id == gone.id).values(patient_id=keep.id))
    if not keep.previous_names and (gone.family_name, gone.given_names) != (
        keep.family_name,
        keep.given_names,
    ):
        keep.previous_names = f"{gone.given_names} {gone.family_name}"
    keep.updated_at = now
    op.db.flush()
    rows.reindex(op.db, gone)
    rows.reindex(op.db, keep)
    rows.snapshot(op, keep, summary=f"merged MRN {gone.mrn} into this record. Reason: {why}")
    rows.snapshot(op, gone, summary=f"merged into MRN {keep.mrn}. Reason: {why}")
    op.event.reason = why
    # The typed reason lives in the event's reason field only: details hold ids.
    op.event.detail = f"merged patient {gone.id} (MRN {gone.mrn}) into {keep.id}"
    return rows.info(keep)


def with_merged(db: Session, patient_id: int) -> list[int]:
    """``patient_id`` and every record merged into it, directly or through another merged
    record: what stays with the record merged away (its disclosures, its imports) belongs
    to the kept one's accounting."""
    found, frontier = [patient_id], [patient_id]
    while frontier:
        frontier = list(
            db.execute(select(Patient.id).where(Patient.merged_into_id.in_(frontier))).scalars()
        )
        frontier = [pid for pid in frontier if pid not in found]
        found.extend(frontier)
    return found
