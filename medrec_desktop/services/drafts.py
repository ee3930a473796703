"""Drafts: every chart form's unsaved text, kept for its author (issue 9, DESIGN §6).

The form saves its fields here within two seconds of the last keystroke and when the screen
locks; after a crash or a kill, the next sign-in by the same user offers them back
(:meth:`DraftService.my_drafts`), saying whether someone saved the item meanwhile.

"Encrypted draft in the database": a draft is a row of the clinic database, so it is
encrypted at rest with everything else in the SQLCipher file (and kept on the clinic's
PostgreSQL server, behind its access controls, in server mode). Nothing is written to a
plaintext file, a temp file or a log: events and errors name the form, never its text.

A draft belongs to its author only: every call reads and writes the caller's own drafts, so
no other user (an administrator included) ever sees one. The form deletes its draft
(:meth:`DraftService.discard_draft`) when it saves or when the user discards the changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from medrec_desktop.domain.clinical import ItemId, ItemStatus
from medrec_desktop.domain.drafts import (
    FIELD_NAME_MAX,
    KEY_MAX,
    TEXT_MAX,
    Draft,
    DraftInfo,
    edited_item,
)
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.models import ITEM_MODELS, ClinicalItem, FormDraft, Patient
from medrec_desktop.security import permissions
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import iso, stored_utc
from medrec_desktop.services.listing import patients_detail


def _fields_json(fields: Mapping[str, str]) -> str:
    for name, value in fields.items():
        if not isinstance(name, str) or not name or len(name) > FIELD_NAME_MAX:
            raise ValidationError("The form sent a draft field without a proper name.")
        if not isinstance(value, str):
            raise ValidationError("The form sent a draft field that is not text.")
    text = json.dumps(dict(fields), sort_keys=True, ensure_ascii=False)
    if len(text) > TEXT_MAX:
        # The size only: the text is what the user typed.
        raise ValidationError(
            f"This form holds {len(text):,} characters, more than a draft keeps "
            f"({TEXT_MAX:,}). Save the form or shorten the text."
        )
    return text


def _checked_key(key: str) -> str:
    clean = key.strip()
    if not clean or len(clean) > KEY_MAX:
        raise ValidationError("The form sent a draft without a proper form key.")
    return clean


def _upsert(op: Op, values: dict[str, Any]) -> None:
    """One statement, insert or replace: the autosave runs every few seconds of typing."""
    changing = {k: v for k, v in values.items() if k not in ("user_id", "form_key")}
    if op.db.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(FormDraft).values(values)
        op.db.execute(
            pg.on_conflict_do_update(index_elements=["user_id", "form_key"], set_=changing)
        )
    else:
        lite = sqlite.insert(FormDraft).values(values)
        op.db.execute(
            lite.on_conflict_do_update(index_elements=["user_id", "form_key"], set_=changing)
        )


# The demographics form's drafts (key ``demographics:<patient id>``): the record it edits is
# the patient's own, versioned by ``Patient.version_id``.
DEMOGRAPHICS = "demographics"


def _demographics_info(row: FormDraft, patient: Patient) -> DraftInfo:
    return DraftInfo(
        key=row.form_key,
        patient_id=PatientId(patient.id),
        patient_name=f"{patient.family_name}, {patient.given_names}",
        mrn=patient.mrn,
        item_type=row.item_type,
        item_id=ItemId(patient.id),
        base_version=row.base_version,
        saved_at=stored_utc(row.saved_at),
        current_version=patient.version_id,
        changed_at=stored_utc(patient.updated_at),
    )


class DraftService(Service):
    """The caller's own drafts: save (replace), read, list and discard."""

    @audited(Action.UPDATE, DataCategory.CLINICAL, patient="patient_id")
    def save_draft(
        self,
        op: Op,
        key: str,
        patient_id: PatientId,
        item_type: str,
        base_version: int | None,
        fields: Mapping[str, str],
    ) -> None:
        """Keep (or replace) the draft of form ``key``: ``fields`` maps each field to its text
        as typed, ``base_version`` is the saved item's version the form was filled from
        (None for a new item). The edited item is read from the key (``problem:45``)."""
        form_key = _checked_key(key)
        model = ITEM_MODELS.get(item_type)
        if model is None and item_type != DEMOGRAPHICS:
            raise ValidationError("The form sent a draft for an unknown kind of item.")
        data_json = _fields_json(fields)
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        item_id = edited_item(form_key, item_type)
        if model is None:  # demographics: the edited "item" is the patient record itself
            if item_id is None or int(item_id) != int(patient_id) or base_version is None:
                raise ValidationError("The form sent a demographics draft for another record.")
        elif item_id is not None:
            item = op.db.get(model, item_id)
            if item is None or item.patient_id != patient_id:
                raise ValidationError("The form's item does not belong to this patient.")
            if base_version is None:
                raise ValidationError("The draft of a saved item needs the version it edits.")
        _upsert(
            op,
            {
                "user_id": op.user.id,
                "form_key": form_key,
                "patient_id": patient_id,
                "item_type": item_type,
                "item_id": item_id,
                "base_version": base_version if item_id is not None else None,
                "data_json": data_json,
                "saved_at": iso(op.ctx.now()),
            },
        )
        op.event.detail = f"draft of {item_type} {item_id or 'new'}; {len(fields)} fields"

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def discard_draft(self, op: Op, key: str) -> None:
        """Forget the caller's draft of form ``key`` (the form was saved or its changes
        discarded). No draft: nothing to do."""
        form_key = _checked_key(key)
        row = self._own(op, form_key)
        if row is None:
            op.event.detail = "no draft"
            return
        op.about_patient(row.patient_id)
        op.db.execute(delete(FormDraft).where(FormDraft.id == row.id))
        op.event.detail = f"draft of {row.item_type} {row.item_id or 'new'} discarded"

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def draft(self, op: Op, key: str) -> Draft | None:
        """The caller's draft of form ``key`` with its fields, or None."""
        row = self._own(op, _checked_key(key))
        if row is None:
            op.event.detail = "no draft"
            return None
        op.about_patient(row.patient_id)
        # Admitted before the patient was known: checked again so a break-the-glass grant
        # for this patient is used (and flagged).
        op.require(Action.VIEW, DataCategory.CLINICAL, row.patient_id)
        [info] = self._infos(op, [row])
        op.event.detail = f"draft of {row.item_type} {row.item_id or 'new'}"
        return Draft(info, json.loads(row.data_json))

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def my_drafts(self, op: Op) -> list[DraftInfo]:
        """The caller's drafts, newest first, for the offer at sign-in: which patient and
        item, when, and whether the saved item changed since the draft's base version.
        Drafts of forms the caller's role may no longer fill are not offered."""
        if not permissions.allowed(op.role, Action.UPDATE, DataCategory.CLINICAL):
            op.event.detail = patients_detail([])
            return []
        rows = list(
            op.db.execute(
                select(FormDraft)
                .where(FormDraft.user_id == op.user.id)
                .order_by(FormDraft.saved_at.desc(), FormDraft.id.desc())
            ).scalars()
        )
        infos = self._infos(op, rows)
        op.event.detail = patients_detail(i.patient_id for i in infos)
        return infos

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _own(op: Op, form_key: str) -> FormDraft | None:
        return op.db.execute(
            select(FormDraft).where(FormDraft.user_id == op.user.id, FormDraft.form_key == form_key)
        ).scalar()

    @staticmethod
    def _infos(op: Op, rows: list[FormDraft]) -> list[DraftInfo]:
        """DTOs for ``rows``: one query for their patients and one per kind of item edited,
        whatever the number of drafts."""
        patients = {
            p.id: p
            for p in op.db.execute(
                select(Patient).where(Patient.id.in_({r.patient_id for r in rows}))
            ).scalars()
        }
        edited: dict[str, set[int]] = defaultdict(set)
        for r in rows:
            if r.item_id is not None:
                edited[r.item_type].add(r.item_id)
        saved: dict[tuple[str, int], ClinicalItem] = {}
        for item_type, ids in edited.items():
            model = ITEM_MODELS.get(item_type)
            if model is None:
                continue
            for found in op.db.execute(select(model).where(model.id.in_(ids))).scalars():
                saved[(item_type, found.id)] = found
        names = versioning.display_names(op.db, (i.changed_by for i in saved.values()))
        infos: list[DraftInfo] = []
        for r in rows:
            patient = patients[r.patient_id]
            item = saved.get((r.item_type, r.item_id)) if r.item_id is not None else None
            if r.item_type == DEMOGRAPHICS:
                infos.append(_demographics_info(r, patient))
                continue
            infos.append(
                DraftInfo(
                    key=r.form_key,
                    patient_id=PatientId(patient.id),
                    patient_name=f"{patient.family_name}, {patient.given_names}",
                    mrn=patient.mrn,
                    item_type=r.item_type,
                    item_id=ItemId(r.item_id) if r.item_id is not None else None,
                    base_version=r.base_version,
                    saved_at=stored_utc(r.saved_at),
                    current_version=item.version if item is not None else None,
                    current_status=ItemStatus(item.status) if item is not None else None,
                    changed_by=names.get(item.changed_by) if item is not None else None,
                    changed_at=stored_utc(item.changed_at) if item is not None else None,
                )
            )
        return infos
