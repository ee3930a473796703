"""Encounters: a visit (office, telehealth, procedure, phone, lab only) with its SOAP note
(issue 10).

The note is signed by its provider (``EncounterService.sign``, password again); from then on
it is locked, by the service and by the database (schema 0012), and later text goes in
addenda. ``signed_by``/``signed_at`` are never typed in a form: :meth:`EncounterInput.validated`
leaves them empty. Statuses: ``active`` is a visit that took place; ``inactive`` one that was
cancelled (it needs no signature).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import choice, optional_text, required_text
from medrec_desktop.domain.partial_dates import EARLIEST_YEAR

ENCOUNTER_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
ENCOUNTER_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Took place",
    ItemStatus.INACTIVE: "Cancelled",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
REASON_FOR_VISIT_MAX = 500
LOCATION_MAX = 200
# One SOAP section: a long note fits many times over; a paste of a whole chart does not.
SOAP_MAX = 20_000
# A visit may be entered ahead of time (tomorrow morning's), not further.
AHEAD = dt.timedelta(days=1)
# The clinic setting: notes left unsigned longer than this many days are listed for their
# provider (``EncounterService.unsigned``).
UNSIGNED_NOTE_DAYS_SETTING = "unsigned_note_days"
UNSIGNED_NOTE_DAYS_DEFAULT = 3
UNSIGNED_NOTE_DAYS_MAX = 365
SOAP_SECTIONS = ("subjective", "objective", "assessment", "plan")


class EncounterType(StrEnum):
    OFFICE = "office"
    TELEHEALTH = "telehealth"
    PROCEDURE = "procedure"
    PHONE = "phone"
    LAB_ONLY = "lab-only"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    EncounterType.OFFICE: "Office visit",
    EncounterType.TELEHEALTH: "Telehealth visit",
    EncounterType.PROCEDURE: "Procedure visit",
    EncounterType.PHONE: "Phone call",
    EncounterType.LAB_ONLY: "Lab-only visit",
}


@dataclass(frozen=True)
class EncounterData:
    """``starts_at`` and ``signed_at`` are UTC; ``provider_id`` and ``signed_by`` are user
    ids; ``problems_addressed`` are ids of this patient's problems."""

    starts_at: dt.datetime = field(metadata=label("Date and time"))
    encounter_type: EncounterType = field(metadata=label("Type"))
    provider_id: int = field(metadata=label("Provider"))
    location: str | None = field(metadata=label("Location"))
    reason_for_visit: str = field(metadata=label("Reason for visit"))
    subjective: str | None = field(default=None, metadata=label("Subjective"))
    objective: str | None = field(default=None, metadata=label("Objective"))
    assessment: str | None = field(default=None, metadata=label("Assessment"))
    plan: str | None = field(default=None, metadata=label("Plan"))
    problems_addressed: tuple[int, ...] = field(default=(), metadata=label("Problems addressed"))
    signed_by: int | None = field(default=None, metadata=label("Signed by"))
    signed_at: dt.datetime | None = field(default=None, metadata=label("Signed at"))

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True, kw_only=True)
class EncounterInput(ItemInput[EncounterData]):
    """The encounter form as typed. ``starts_at`` naive means local time (what a
    QDateTimeEdit gives); it is stored in UTC. ``provider_id`` None: the signed-in user, when
    that user is a provider (the service fills it in before validating)."""

    starts_at: dt.datetime | None = None
    encounter_type: EncounterType | str = EncounterType.OFFICE
    provider_id: int | None = None
    location: str = ""
    reason_for_visit: str = ""
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    problems_addressed: tuple[int, ...] = ()

    def validated(self, today: dt.date) -> EncounterData:
        if self.status not in ENCOUNTER_STATUSES:
            raise ValidationError(
                "An encounter took place or was cancelled (choose one).", field="status"
            )
        starts_at = _starts_at(self.starts_at, today)
        kind = choice(
            EncounterType, self.encounter_type, field="encounter_type", what="the type of visit"
        )
        if self.provider_id is None:
            raise ValidationError("Choose the provider of this visit.", field="provider_id")
        reason = required_text(
            self.reason_for_visit,
            field="reason_for_visit",
            what="reason for visit",
            missing="Enter the reason for the visit.",
            limit=REASON_FOR_VISIT_MAX,
        )
        return EncounterData(
            starts_at=starts_at,
            encounter_type=kind,
            provider_id=self.provider_id,
            location=optional_text(
                self.location, field="location", what="location", limit=LOCATION_MAX
            ),
            reason_for_visit=reason,
            subjective=self._section("subjective"),
            objective=self._section("objective"),
            assessment=self._section("assessment"),
            plan=self._section("plan"),
            problems_addressed=tuple(dict.fromkeys(int(p) for p in self.problems_addressed)),
        )

    def _section(self, name: str) -> str | None:
        value: str = getattr(self, name)
        return optional_text(value, field=name, what=f"{name} section", limit=SOAP_MAX)

    @classmethod
    def editing(cls, item: ItemInfo[EncounterData]) -> EncounterInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            starts_at=data.starts_at,
            encounter_type=data.encounter_type,
            provider_id=data.provider_id,
            location=data.location or "",
            reason_for_visit=data.reason_for_visit,
            subjective=data.subjective or "",
            objective=data.objective or "",
            assessment=data.assessment or "",
            plan=data.plan or "",
            problems_addressed=data.problems_addressed,
        )


def _starts_at(value: dt.datetime | None, today: dt.date) -> dt.datetime:
    if value is None:
        raise ValidationError("Enter the date and time of the visit.", field="starts_at")
    utc = value.astimezone(dt.UTC).replace(microsecond=0)
    if utc.date() > today + AHEAD:
        raise ValidationError(
            "A visit can be entered at most a day ahead; check the date.", field="starts_at"
        )
    if utc.year < EARLIEST_YEAR:
        raise ValidationError(f"That is before {EARLIEST_YEAR}; check the year.", field="starts_at")
    return utc


def encounter_title(starts_at: dt.datetime, encounter_type: EncounterType) -> str:
    """ "03/14/2025 office visit", in local time: how a linked entry names its encounter."""
    local = starts_at.astimezone()
    return f"{local:%m/%d/%Y} {encounter_type.label.lower()}"


def unsigned_note_days(text: str | None) -> int:
    """The clinic setting as stored (blank: the default); a plain error for anything else."""
    raw = (text or "").strip()
    if not raw:
        return UNSIGNED_NOTE_DAYS_DEFAULT
    if not raw.isdigit() or int(raw) > UNSIGNED_NOTE_DAYS_MAX:
        raise ValidationError(
            "Unsigned notes are listed after a whole number of days from 0 to "
            f"{UNSIGNED_NOTE_DAYS_MAX}.",
            field=UNSIGNED_NOTE_DAYS_SETTING,
        )
    return int(raw)
