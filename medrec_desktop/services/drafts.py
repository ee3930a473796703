"""Drafts: every form's unsaved text (chart items, demographics, a new registration), kept
for its author (issue 9, DESIGN §6).

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

Keeping or reading a draft takes what saving its form takes (:func:`form_permission`): a
front-desk user keeps drafts of demographics and new registrations, never of chart items; a
draft of a labelled item also needs the label's access, like the item itself.
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
from medrec_desktop.domain.enums import Action, DataCategory, Role
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
# The New patient form's draft: one per user (a user registers one patient at a time), about
# a patient who has no record yet, so it names no patient row.
REGISTRATION = "registration"
REGISTRATION_KEY = "registration:new"

# Every permission some form with a draft needs (see form_permission).
_FORM_PERMISSIONS = frozenset(
    {
        (Action.CREATE, DataCategory.DEMOGRAPHICS),
        (Action.UPDATE, DataCategory.DEMOGRAPHICS),
        (Action.CREATE, DataCategory.CLINICAL),
        (Action.UPDATE, DataCategory.CLINICAL),
    }
)


def form_permission(item_type: str, *, new: bool) -> tuple[Action, DataCategory]:
    """What saving a form takes, and so what keeping or reading its draft takes: registering
    a patient, changing a record's demographics, or adding (``new``) or changing a chart item.
    A sensitivity label needs more, checked against the saved item."""
    if item_type == REGISTRATION:
        return Action.CREATE, DataCategory.DEMOGRAPHICS
    if item_type == DEMOGRAPHICS:
        return Action.UPDATE, DataCategory.DEMOGRAPHICS
    return (Action.CREATE if new else Action.UPDATE), DataCategory.CLINICAL


def may_keep(role: Role, item_type: str, *, new: bool) -> bool:
    """Whether ``role`` keeps drafts of that form (the UI asks before writing one)."""
    return permissions.allowed(role, *form_permission(item_type, new=new))


def keeps_drafts(role: Role) -> bool:
    """Whether ``role`` fills any form that keeps a draft (so has drafts to be offered)."""
    return any(permissions.allowed(role, a, c) for a, c in _FORM_PERMISSIONS)


def _admit_form(op: Op, item_type: str, item_id: int | None, patient_id: int | None) -> None:
    """Require what the draft's form takes; the event is filed under what the draft holds
    (a chart item's draft is clinical data, a registration's demographics)."""
    action, category = form_permission(item_type, new=item_id is None)
    op.event.category = category
    op.require(action, category, patient_id)


def _registration_info(row: FormDraft) -> DraftInfo:
    # The name as typed is the only way to tell two unsaved registrations apart; the offer is
    # read by the draft's author only, who typed it.
    typed = json.loads(row.data_json)
    parts = (
        str(typed.get("family_name") or "").strip(),
        str(typed.get("given_names") or "").strip(),
    )
    return DraftInfo(
        key=row.form_key,
        patient_id=None,
        patient_name=", ".join(p for p in parts if p),
        mrn=None,
        item_type=row.item_type,
        item_id=None,
        base_version=None,
        saved_at=stored_utc(row.saved_at),
    )


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
    """The caller's own drafts: save (replace), read, list and discard.

    Every draft carries a patient's identity (the record's name and MRN, or the name typed
    for a new registration), so the decorators admit roles with demographics access; each
    body then requires what the draft's own form takes (:func:`form_permission`). Every role
    that may fill a chart form may also write demographics (a test holds the matrix to it).
    """

    @audited(Action.UPDATE, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def save_draft(
        self,
        op: Op,
        key: str,
        patient_id: PatientId | None,
        item_type: str,
        base_version: int | None,
        fields: Mapping[str, str],
    ) -> None:
        """Keep (or replace) the draft of form ``key``: ``fields`` maps each field to its text
        as typed, ``base_version`` is the saved item's version the form was filled from
        (None for a new item). The edited item is read from the key (``problem:45``).
        A new registration's draft (``REGISTRATION_KEY``) has no patient yet: ``patient_id``
        is None."""
        form_key = _checked_key(key)
        model = ITEM_MODELS.get(item_type)
        if model is None and item_type not in (DEMOGRAPHICS, REGISTRATION):
            raise ValidationError("The form sent a draft for an unknown kind of item.")
        item_id = edited_item(form_key, item_type)
        _admit_form(op, item_type, item_id, patient_id)
        data_json = _fields_json(fields)
        if item_type == REGISTRATION:
            if form_key != REGISTRATION_KEY or patient_id is not None:
                raise ValidationError("The form sent a registration draft for a saved record.")
        elif patient_id is None or op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        if item_type == DEMOGRAPHICS:  # the edited "item" is the patient record itself
            if item_id is None or int(item_id) != patient_id or base_version is None:
                raise ValidationError("The form sent a demographics draft for another record.")
        elif model is not None and item_id is not None:
            item = op.db.get(model, item_id)
            if item is None or item.patient_id != patient_id:
                raise ValidationError("The form's item does not belong to this patient.")
            if base_version is None:
                raise ValidationError("The draft of a saved item needs the version it edits.")
            if item.sensitivity is not None:
                op.require(Action.UPDATE, DataCategory.SENSITIVE, patient_id)
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

    @audited(Action.UPDATE, DataCategory.DEMOGRAPHICS)
    def discard_draft(self, op: Op, key: str) -> None:
        """Forget the caller's draft of form ``key`` (the form was saved or its changes
        discarded). No draft: nothing to do."""
        form_key = _checked_key(key)
        row = self._own(op, form_key)
        if row is None:
            op.event.detail = "no draft"
            return
        if row.patient_id is not None:
            op.about_patient(row.patient_id)
        # Filed under what it held, but not refused: deleting one's own unsaved typing shows
        # nothing, and a user whose role changed since can still clear it away.
        op.event.category = form_permission(row.item_type, new=row.item_id is None)[1]
        op.db.execute(delete(FormDraft).where(FormDraft.id == row.id))
        op.event.detail = f"draft of {row.item_type} {row.item_id or 'new'} discarded"

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS)
    def draft(self, op: Op, key: str) -> Draft | None:
        """The caller's draft of form ``key`` with its fields, or None."""
        row = self._own(op, _checked_key(key))
        if row is None:
            op.event.detail = "no draft"
            return None
        if row.patient_id is not None:
            op.about_patient(row.patient_id)
        # Admitted before the draft was known: what it holds is checked now, with the patient
        # so a break-the-glass grant for them is used (and flagged).
        _admit_form(op, row.item_type, row.item_id, row.patient_id)
        op.require(Action.VIEW, op.event.category, row.patient_id)  # reading it back, too
        saved = self._saved_items(op, [row])
        item = saved.get((row.item_type, row.item_id)) if row.item_id is not None else None
        if item is not None and item.sensitivity is not None:
            op.require(Action.VIEW, DataCategory.SENSITIVE, row.patient_id)
        [info] = self._infos(op, [row])
        op.event.detail = f"draft of {row.item_type} {row.item_id or 'new'}"
        return Draft(info, json.loads(row.data_json))

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def my_drafts(self, op: Op) -> list[DraftInfo]:
        """The caller's drafts, newest first, for the offer at sign-in: which patient and
        item, when, and whether the saved item changed since the draft's base version.
        Drafts of forms the caller's role may no longer fill are not offered."""
        rows = [
            r
            for r in op.db.execute(
                select(FormDraft)
                .where(FormDraft.user_id == op.user.id)
                .order_by(FormDraft.saved_at.desc(), FormDraft.id.desc())
            ).scalars()
            if may_keep(op.role, r.item_type, new=r.item_id is None)
        ]
        infos = self._infos(op, rows)
        op.event.detail = patients_detail(i.patient_id for i in infos if i.patient_id is not None)
        return infos

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _own(op: Op, form_key: str) -> FormDraft | None:
        return op.db.execute(
            select(FormDraft).where(FormDraft.user_id == op.user.id, FormDraft.form_key == form_key)
        ).scalar()

    @staticmethod
    def _saved_items(op: Op, rows: list[FormDraft]) -> dict[tuple[str, int], ClinicalItem]:
        """The saved chart items ``rows`` edit, by (item type, id): one query per kind."""
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
        return saved

    @classmethod
    def _infos(cls, op: Op, rows: list[FormDraft]) -> list[DraftInfo]:
        """DTOs for ``rows``: one query for their patients and one per kind of item edited,
        whatever the number of drafts."""
        wanted = {r.patient_id for r in rows if r.patient_id is not None}
        patients = {
            p.id: p for p in op.db.execute(select(Patient).where(Patient.id.in_(wanted))).scalars()
        }
        saved = cls._saved_items(op, rows)
        names = versioning.display_names(op.db, (i.changed_by for i in saved.values()))
        infos: list[DraftInfo] = []
        for r in rows:
            if r.patient_id is None:
                infos.append(_registration_info(r))
                continue
            patient = patients[r.patient_id]
            if r.item_type == DEMOGRAPHICS:
                infos.append(_demographics_info(r, patient))
                continue
            item = saved.get((r.item_type, r.item_id)) if r.item_id is not None else None
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
