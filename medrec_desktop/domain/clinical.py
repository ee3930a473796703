"""What every versioned clinical item has in common (DESIGN §6): its status, sensitivity
label, who and when, and the typed content of its kind.

An item reaches the UI as ``ItemInfo[D]``, where ``D`` is the frozen dataclass of its kind's
content (``ProblemData``, ``AllergyData``...). Every content field names its label in its
metadata (``field(metadata={"label": "Onset"})``): the history computes its differences
from those, for every kind alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, NewType, TypeVar

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError

ItemId = NewType("ItemId", int)

D = TypeVar("D")

REASON_MAX = 500


class ItemStatus(StrEnum):
    """Where an item stands. Each kind accepts a subset; entered-in-error is set only by
    marking the item so (never through a form's status field)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"
    ENTERED_IN_ERROR = "entered-in-error"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class Sensitivity(StrEnum):
    """Sensitivity labels (DESIGN §5): labelled items are shown only to roles with access to
    sensitive data, or under break-the-glass; others see how many are withheld."""

    BEHAVIORAL_HEALTH = "behavioral-health"
    SUBSTANCE_USE = "substance-use"
    HIV_STI = "hiv-sti"
    REPRODUCTIVE = "reproductive"
    GENETIC = "genetic"
    CLINIC_DEFINED = "clinic-defined"

    @property
    def label(self) -> str:
        return _SENSITIVITY_LABELS[self]


_SENSITIVITY_LABELS = {
    Sensitivity.BEHAVIORAL_HEALTH: "behavioral health",
    Sensitivity.SUBSTANCE_USE: "substance use disorder",
    Sensitivity.HIV_STI: "HIV/STI",
    Sensitivity.REPRODUCTIVE: "reproductive health",
    Sensitivity.GENETIC: "genetic",
    Sensitivity.CLINIC_DEFINED: "clinic-defined",
}


def label(text: str) -> dict[str, str]:
    """Field metadata naming the field for people: ``field(metadata=label("Onset"))``."""
    return {"label": text}


def field_label(f: dataclasses.Field[Any]) -> str | None:
    found = f.metadata.get("label")
    return found if isinstance(found, str) else None


@dataclass(frozen=True)
class ItemInfo(Generic[D]):
    """One clinical item as saved at ``version``; ``data`` is its kind's content.

    ``created_by``/``changed_by`` are display names; times are UTC (tz-aware). ``reason`` is
    why the latest version was saved (a correction, entered in error...), if given.
    """

    id: ItemId
    item_type: str
    patient_id: PatientId
    version: int
    status: ItemStatus = field(metadata=label("Status"))
    sensitivity: Sensitivity | None = field(metadata=label("Sensitivity"))
    created_by: str
    created_at: dt.datetime
    changed_by: str
    changed_at: dt.datetime
    reason: str | None
    data: D

    @property
    def entered_in_error(self) -> bool:
        return self.status is ItemStatus.ENTERED_IN_ERROR


@dataclass(frozen=True)
class ItemList(Generic[D]):
    """A patient's items of one kind as this user may see them: the labelled items the role
    may not see are only counted, per label, never shown."""

    items: tuple[ItemInfo[D], ...]
    withheld: Mapping[Sensitivity, int] = field(default_factory=dict)

    @property
    def withheld_notes(self) -> tuple[str, ...]:
        """ "1 item withheld (behavioral health)", one line per label."""
        return tuple(
            f"{n} item{'s' if n != 1 else ''} withheld ({s.label})"
            for s, n in sorted(self.withheld.items())
        )


@dataclass(frozen=True)
class FieldChange:
    """One field's change between two versions, shown as text (blank when empty)."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemVersion(Generic[D]):
    """One saved version: who, when, status, why, what changed field by field, and the item
    exactly as it was saved (``item``) for side-by-side views and restoring."""

    version: int
    changed_by: str
    changed_at: dt.datetime
    status: ItemStatus
    sensitivity: Sensitivity | None
    reason: str | None
    changes: tuple[FieldChange, ...]
    item: ItemInfo[D]

    @property
    def summary(self) -> str:
        """One line for a history list."""
        if self.version == 1:
            said = "recorded"
        elif self.status is ItemStatus.ENTERED_IN_ERROR and any(
            c.field == "status" for c in self.changes
        ):
            said = "marked entered in error"
        elif self.changes:
            said = "changed " + ", ".join(c.label for c in self.changes)
        else:
            said = "saved without changes"
        return f"{said}. Reason: {self.reason}" if self.reason else said


@dataclass(frozen=True, kw_only=True)
class ItemInput(Generic[D]):
    """Base of every kind's form input: what was typed, kept as typed until
    :meth:`validated` turns it into the kind's content (or a plain ValidationError naming
    the field)."""

    status: ItemStatus = ItemStatus.ACTIVE
    sensitivity: Sensitivity | None = None

    def validated(self, today: dt.date) -> D:
        raise NotImplementedError


def clean_reason(reason: str | None, *, required: bool, what: str = "") -> str | None:
    """The reason on one line; required ones say so in plain words (``what`` says for what)."""
    text = " ".join((reason or "").split())
    if not text:
        if required:
            raise ValidationError(f"Say why {what}.".replace(" .", "."), field="reason")
        return None
    if len(text) > REASON_MAX:
        # The length only: the text may name the patient.
        raise ValidationError(
            f"The reason is {len(text)} characters long; keep it to {REASON_MAX}.",
            field="reason",
        )
    return text


def text_value(value: object) -> str:
    """A field value as the history shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple):  # a list inside one item (a test's results): one per line
        return "\n".join(text_value(v) for v in value)
    shown = getattr(value, "label", None)  # enums name themselves for people
    if isinstance(shown, str):
        return shown
    return str(value)


def changes(before: ItemInfo[Any] | None, after: ItemInfo[Any]) -> tuple[FieldChange, ...]:
    """Field-by-field differences from the labels in the DTOs' metadata (``before`` None: the
    first version, every filled field is a change from blank)."""
    found: list[FieldChange] = []

    def compare(old: object | None, new: object) -> None:
        for f in dataclasses.fields(new):  # type: ignore[arg-type]
            name = field_label(f)
            if name is None:
                continue
            was = getattr(old, f.name) if old is not None else None
            now = getattr(new, f.name)
            if old is None and now in (None, "", False, ()):
                continue  # a first version lists what was recorded, not every blank
            if was != now:
                found.append(FieldChange(f.name, name, text_value(was), text_value(now)))

    compare(before, after)
    compare(before.data if before is not None else None, after.data)
    return tuple(found)
