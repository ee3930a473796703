"""Entries recorded in an encounter (vitals, tests, procedures) and the lock of its signed
note, checked by each such kind before the database's triggers would refuse (schema 0012).

A kind whose content has ``encounter_id`` declares (services/chart_kinds.py)::

    before_save=linked_before_save,            # or call check_encounter_link in its own
    before_entered_in_error=refuse_locked_entry,
"""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.models import ClinicalItem, Encounter
from medrec_desktop.services.base import Op

NO_SUCH_ENCOUNTER = "Choose the encounter from this patient's encounters."
LOCKED_ENTRY = (
    "This entry was recorded in a signed note and is locked with it. Add an addendum to the "
    "note instead."
)
SIGNED_ENCOUNTER = (
    "That encounter's note is signed, so nothing more can be recorded in it. Record this "
    "without the encounter, or add an addendum to the note."
)
ENCOUNTER_IN_ERROR = "That encounter was entered in error; choose another or clear the link."


def is_signed(op: Op, encounter_id: int | None) -> bool:
    if encounter_id is None:
        return False
    encounter = op.db.get(Encounter, encounter_id)
    return encounter is not None and encounter.signed_at is not None


def check_encounter_link(
    op: Op,
    patient_id: int,
    data: Any,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
) -> None:
    """Refuse, in plain words naming ``encounter_id``: changing an entry recorded in a signed
    note (``row``'s encounter), or linking ``data`` to an encounter that is not this
    patient's, is entered in error, carries a label the user may not see, or is signed.
    A link the entry already had is kept whatever became of its encounter since.

    An entry recorded in a labelled encounter carries the same label (``sensitivity``, the
    label to save), refused on the ``sensitivity`` field otherwise: a drug screen done in a
    substance-use visit tells what the visit was about to everyone who sees results."""
    current = getattr(row, "encounter_id", None) if row is not None else None
    if is_signed(op, current):
        raise ValidationError(LOCKED_ENTRY, field="encounter_id")
    wanted: int | None = data.encounter_id
    if wanted is None:
        return
    encounter = patients_encounter(op, patient_id, wanted, kept=wanted == current)
    if encounter.signed_at is not None:
        raise ValidationError(SIGNED_ENCOUNTER, field="encounter_id")
    if encounter.sensitivity is not None and sensitivity != encounter.sensitivity:
        message = _labelled_like(op, patient_id, Sensitivity(encounter.sensitivity))
        raise ValidationError(message, field="sensitivity")


def _labelled_like(op: Op, patient_id: int, label: Sensitivity) -> str:
    # Named to who may see labels; otherwise (an old link, kept) only said to exist.
    if op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id):
        return (
            f"The encounter this was recorded in carries the {label.label} label: give this entry "
            "the same label, or clear the encounter link."
        )
    return (
        "The encounter this was recorded in carries a sensitivity label: this entry needs "
        "the same label, which someone allowed to set labels must give it."
    )


def patients_encounter(op: Op, patient_id: int, encounter_id: int, *, kept: bool) -> Encounter:
    """The encounter an entry (or an amendment request) points at: this patient's, not
    entered in error and not behind a label the user may not see, unless the link is
    ``kept`` (already there before this save)."""
    encounter = op.db.get(Encounter, encounter_id)
    if encounter is None or encounter.patient_id != patient_id:
        raise ValidationError(NO_SUCH_ENCOUNTER, field="encounter_id")
    # The label first: an unseen labelled encounter must look the same whatever its state.
    if (
        encounter.sensitivity
        and not kept
        and not op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)
    ):
        raise ValidationError(NO_SUCH_ENCOUNTER, field="encounter_id")
    if encounter.status == ItemStatus.ENTERED_IN_ERROR and not kept:
        raise ValidationError(ENCOUNTER_IN_ERROR, field="encounter_id")
    return encounter


def linked_before_save(
    op: Op,
    patient_id: int,
    _status: ItemStatus,
    data: Any,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
) -> None:
    """:func:`check_encounter_link` as a kind's ``before_save``."""
    check_encounter_link(op, patient_id, data, row, sensitivity)


def refuse_locked_entry(op: Op, row: ClinicalItem) -> None:
    """A kind's ``before_entered_in_error``: an entry of a signed note stays as signed."""
    if is_signed(op, getattr(row, "encounter_id", None)):
        raise ValidationError(LOCKED_ENTRY, field="encounter_id")
