"""One generic service for every clinical item kind: a kind is declared, not re-coded.

A :class:`ClinicalItemKind` names the model, the content dataclass and the form input; the
installation builds one :class:`ClinicalItemService` per kind (``inst.problems``,
``inst.allergies``...). Every method is one audited transaction about one patient. Items with
a sensitivity label need access to sensitive data (or a break-the-glass grant, which flags
the event): without it a list counts them per label instead of showing them, and reading,
changing or marking one entered in error is refused.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select

from medrec_desktop.domain.clinical import (
    ItemId,
    ItemInfo,
    ItemInput,
    ItemList,
    ItemStatus,
    ItemVersion,
    Sensitivity,
    clean_reason,
)
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.domain.item_codec import from_plain
from medrec_desktop.models import ClinicalItem, Patient
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import ServiceContext

D = TypeVar("D")
I = TypeVar("I", bound=ItemInput[Any])  # noqa: E741 - the input type, beside D (the data)

# (op, patient id, status to save, content to save, the row before or None for a new item)
# (op, patient id, status, the validated content, the stored row or None, the label to save)
BeforeSave = Callable[[Op, int, ItemStatus, Any, ClinicalItem | None, Sensitivity | None], None]
# (op, the item as just saved)
AfterSave = Callable[[Op, ItemInfo[Any]], None]
# (op, the stored row about to be marked entered in error)
BeforeEnteredInError = Callable[[Op, ClinicalItem], None]


class ItemRefused(ValidationError):
    """One item of a batch (``ClinicalItemService._add_many``) was refused: ``position``
    (from 0) says which, ``error`` why (its field too)."""

    def __init__(self, position: int, error: ValidationError) -> None:
        super().__init__(error.message, field=error.field)
        self.position = position
        self.error = error


@dataclass(frozen=True)
class ClinicalItemKind(Generic[D, I]):
    """Everything the generic service needs to know about one kind of item.

    ``noun`` names one item in messages ("problem"); ``change`` is what the UI notifies after
    a successful write. ``before_save`` may refuse a save (a plain ValidationError);
    ``after_save`` may update related items (each through :func:`versioning.save`);
    ``before_entered_in_error`` may refuse marking an item so (e.g. one locked with a signed
    note).
    """

    model: type[ClinicalItem]
    data: type[D]
    input: type[I]
    noun: str
    change: ChangeKind
    before_save: BeforeSave | None = None
    after_save: AfterSave | None = None
    before_entered_in_error: BeforeEnteredInError | None = None

    @property
    def item_type(self) -> str:
        return self.model.__item_type__


def _patient_for_new_item(op: Op, patient_id: int, noun: str) -> Patient:
    patient = op.db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    if patient.merged_into_id is not None:
        kept = op.db.get(Patient, patient.merged_into_id)
        mrn = kept.mrn if kept is not None else "another record"
        raise ValidationError(
            f"This record was merged into MRN {mrn}; add the {noun} there instead."
        )
    return patient


class ClinicalItemService(Service, Generic[D, I]):
    """List, add, update, history and entered-in-error for one kind of clinical item."""

    def __init__(self, *, ctx: ServiceContext, kind: ClinicalItemKind[D, I]) -> None:
        super().__init__(ctx=ctx)
        self._kind = kind

    # ------------------------------------------------------------------ reading

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def list(
        self,
        op: Op,
        patient_id: PatientId,
        *,
        include_inactive: bool = False,
        include_entered_in_error: bool = False,
    ) -> ItemList[D]:
        """The patient's items in the order entered: active ones, plus inactive/resolved
        with ``include_inactive``, plus those entered in error (for records review) with
        ``include_entered_in_error``. Labelled items the caller may not see are counted in
        ``withheld`` instead."""
        kind = self._kind
        model = kind.model
        statuses = {ItemStatus.ACTIVE}
        if include_inactive:
            statuses |= {ItemStatus.INACTIVE, ItemStatus.RESOLVED}
        if include_entered_in_error:
            statuses.add(ItemStatus.ENTERED_IN_ERROR)
        rows = builtins.list(
            op.db.execute(
                select(model)
                .where(model.patient_id == patient_id, model.status.in_(statuses))
                .order_by(model.id)
            ).scalars()
        )
        withheld: Counter[Sensitivity] = Counter()
        if any(r.sensitivity for r in rows) and not op.can(
            Action.VIEW, DataCategory.SENSITIVE, patient_id
        ):
            withheld.update(Sensitivity(r.sensitivity) for r in rows if r.sensitivity)
            rows = [r for r in rows if not r.sensitivity]
        names = versioning.display_names(
            op.db, {r.created_by for r in rows} | {r.changed_by for r in rows}
        )
        items = tuple(versioning.to_info(r, kind.data, names) for r in rows)
        detail = f"{len(items)} {kind.item_type} items"
        if withheld:
            detail += "; withheld " + ", ".join(f"{s.value} {n}" for s, n in withheld.items())
        op.event.detail = detail
        return ItemList(items, dict(withheld))

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def get(self, op: Op, item_id: ItemId) -> ItemInfo[D]:
        """One item as stored now (entered-in-error ones included)."""
        row = self._row(op, item_id)
        self._require_label_access(op, Action.VIEW, row)
        return versioning.info_of(op.db, row, self._kind.data)

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def history(self, op: Op, item_id: ItemId) -> builtins.list[ItemVersion[D]]:
        """Every version, oldest first: who, when, status, reason and what changed."""
        kind = self._kind
        row = self._row(op, item_id)
        versions = versioning.history(op, kind.item_type, row.id, kind.data)
        # A label on any version guards the whole history: older versions hold the content.
        labelled = row.sensitivity or any(v.sensitivity for v in versions)
        if labelled:
            op.require(Action.VIEW, DataCategory.SENSITIVE, row.patient_id)
        return versions

    # ------------------------------------------------------------------ writing

    @audited(Action.CREATE, DataCategory.CLINICAL, patient="patient_id")
    def add(self, op: Op, patient_id: PatientId, data: I) -> ItemInfo[D]:
        """Record a new item (version 1). Raises ValidationError naming the field."""
        return self._add_new(op, patient_id, data)

    def _add_new(
        self, op: Op, patient_id: int, data: I, *, reason: str | None = None
    ) -> ItemInfo[D]:
        """``add``'s body, for a service whose own audited call records an item too (a
        document filed with its bytes, a document re-filed on another chart, an import).
        ``reason``: why this first version was saved (where an imported item came from)."""
        kind = self._kind
        _patient_for_new_item(op, patient_id, kind.noun)
        if data.sensitivity is not None:
            op.require(Action.CREATE, DataCategory.SENSITIVE, patient_id)
        clean = self._validated(op, data)
        if kind.before_save is not None:
            kind.before_save(op, patient_id, data.status, clean, None, data.sensitivity)
        row = kind.model()
        row.patient_id = patient_id
        row.status = data.status
        row.sensitivity = data.sensitivity
        versioning.assign(row, clean)
        saved = versioning.save(op, row, kind.data, reason=clean_reason(reason, required=False))
        op.event.detail = f"{kind.item_type} {saved.id}"
        self._after(op, saved)
        return saved

    def _add_many(
        self, op: Op, patient_id: int, batch: Sequence[tuple[I, str | None]]
    ) -> builtins.list[ItemInfo[D]]:
        """Several new items (each with the reason of its first version) as ``_add_new``
        records them, with the same checks, hooks and version rows, in one flush: an import
        writes hundreds. Every item is checked before any is written; each kind's
        ``before_save`` runs before the rows are written, its ``after_save`` after all of
        them. A refused item raises :class:`ItemRefused` saying which."""
        kind = self._kind
        _patient_for_new_item(op, patient_id, kind.noun)
        if any(data.sensitivity is not None for data, _ in batch):
            op.require(Action.CREATE, DataCategory.SENSITIVE, patient_id)
        rows: builtins.list[tuple[ClinicalItem, str | None]] = []
        for position, (data, reason) in enumerate(batch):
            try:
                clean = self._validated(op, data)
                why = clean_reason(reason, required=False)
                if kind.before_save is not None:
                    kind.before_save(op, patient_id, data.status, clean, None, data.sensitivity)
            except ValidationError as err:
                raise ItemRefused(position, err) from None
            row = kind.model()
            row.patient_id = patient_id
            row.status = data.status
            row.sensitivity = data.sensitivity
            versioning.assign(row, clean)
            rows.append((row, why))
        saved = versioning.save_new(op, rows, kind.data)
        for position, item in enumerate(saved):
            try:
                self._after(op, item)
            except ValidationError as err:
                raise ItemRefused(position, err) from None
        return saved

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def update(
        self,
        op: Op,
        item_id: ItemId,
        data: I,
        *,
        expected_version: int,
        reason: str | None = None,
    ) -> ItemInfo[D]:
        """Save an edit made on ``expected_version``. Raises VersionConflictError (with the
        stored item) when someone saved another version meanwhile; an edit that changes
        nothing returns the item as it is, without a new version."""
        kind = self._kind
        row = self._row(op, item_id)
        if row.sensitivity is not None or data.sensitivity is not None:
            op.require(Action.UPDATE, DataCategory.SENSITIVE, row.patient_id)
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, kind.data)
        )
        if row.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError(
                f"This {kind.noun} was entered in error and can no longer be changed. "
                f"Record a new {kind.noun} instead."
            )
        clean = self._validated(op, data)
        why = clean_reason(reason, required=False)
        current = from_plain(
            kind.data, {n: getattr(row, n) for n in versioning.content_fields(kind.data)}
        )
        op.event.detail = f"{kind.item_type} {row.id}"
        if (current, row.status, row.sensitivity) == (clean, data.status, data.sensitivity):
            return versioning.info_of(op.db, row, kind.data)
        if kind.before_save is not None:
            kind.before_save(op, row.patient_id, data.status, clean, row, data.sensitivity)
        row.status = data.status
        row.sensitivity = data.sensitivity
        versioning.assign(row, clean)
        saved = versioning.save(op, row, kind.data, reason=why)
        op.event.detail = f"{kind.item_type} {row.id} version {saved.version}"
        self._after(op, saved)
        return saved

    @audited(Action.DELETE, DataCategory.CLINICAL)
    def mark_entered_in_error(
        self, op: Op, item_id: ItemId, *, reason: str, expected_version: int
    ) -> ItemInfo[D]:
        """ "Delete": the item leaves the working lists and stays readable, with ``reason``
        (required), in its history and the audit trail."""
        kind = self._kind
        row = self._row(op, item_id)
        self._require_label_access(op, Action.DELETE, row)
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, kind.data)
        )
        if kind.before_entered_in_error is not None:
            kind.before_entered_in_error(op, row)
        saved = versioning.entered_in_error(op, row, kind.data, reason, noun=kind.noun)
        # The typed reason is clinical text: for a labelled item it stays behind the label
        # (in the item's history), and the audit trail, which administrators read, says so.
        op.event.reason = (
            "entered in error; the reason is in the item's history"
            if row.sensitivity is not None
            else saved.reason
        )
        op.event.detail = f"{kind.item_type} {row.id} entered in error"
        return saved

    # ------------------------------------------------------------------ helpers

    def _row(self, op: Op, item_id: int) -> ClinicalItem:
        """The item's row (locked for this transaction); the event names its patient."""
        row = versioning.locked_row(op.db, self._kind.model, item_id, self._kind.noun)
        op.about_patient(row.patient_id)
        # The admission check ran before the patient was known: run it again for a
        # break-the-glass grant to be used (and flagged) for this patient.
        op.require(op.event.action, DataCategory.CLINICAL, row.patient_id)
        return row

    @staticmethod
    def _require_label_access(op: Op, action: Action, row: ClinicalItem) -> None:
        if row.sensitivity is not None:
            op.require(action, DataCategory.SENSITIVE, row.patient_id)

    @staticmethod
    def _validated(op: Op, data: I) -> D:
        clean: D = data.validated(op.ctx.now().date())
        return clean

    def _after(self, op: Op, saved: ItemInfo[D]) -> None:
        if self._kind.after_save is not None:
            self._kind.after_save(op, saved)
