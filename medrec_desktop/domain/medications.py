"""Medications on the chart: content, form input and the "current medications" view (issue 9).

A medication's status uses the shared item statuses with the words a clinic says for a drug:
active, **stopped** (``inactive``: discontinued before its course ended) and **completed**
(``resolved``: the course ran its length). :data:`MEDICATION_STATUS_LABELS` holds the words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import (
    Typed,
    optional_choice,
    optional_number,
    optional_text,
    required_text,
    shown_number,
)
from medrec_desktop.domain.partial_dates import PartialDate, parse_optional, refuse_before

NAME_MAX = 200
SHORT_MAX = 100
DOSE_MAX = 100_000.0
# A stop date is often planned ("10 days of amoxicillin"); further out than this is a typo.
STOP_AHEAD_YEARS = 5

MEDICATION_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED})
MEDICATION_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Active",
    ItemStatus.INACTIVE: "Stopped",
    ItemStatus.RESOLVED: "Completed",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}

# Offered in the frequency field's list; any other text is accepted as typed.
COMMON_FREQUENCIES = (
    "once daily",
    "twice daily",
    "three times daily",
    "four times daily",
    "every 4 hours",
    "every 6 hours",
    "every 8 hours",
    "every 12 hours",
    "at bedtime",
    "as needed",
    "weekly",
)


class DoseUnit(StrEnum):
    TABLET = "tablet"
    CAPSULE = "capsule"
    MG = "mg"
    ML = "mL"
    UNITS = "units"
    PUFF = "puff"
    DROP = "drop"
    PATCH = "patch"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value


class Route(StrEnum):
    ORAL = "oral"
    SUBLINGUAL = "sublingual"
    TOPICAL = "topical"
    INHALED = "inhaled"
    INTRANASAL = "intranasal"
    OPHTHALMIC = "ophthalmic"
    OTIC = "otic"
    SUBCUTANEOUS = "subcutaneous"
    INTRAMUSCULAR = "intramuscular"
    INTRAVENOUS = "intravenous"
    RECTAL = "rectal"
    VAGINAL = "vaginal"
    TRANSDERMAL = "transdermal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class MedicationData:
    """``name`` is kept as typed (brand or generic). ``indication_problem_id`` links the
    problem it treats (same patient, checked when saved); ``indication`` is free text."""

    name: str = field(metadata=label("Medication"))
    strength: str | None = field(default=None, metadata=label("Strength"))
    dose: float | None = field(default=None, metadata=label("Dose"))
    dose_unit: DoseUnit | None = field(default=None, metadata=label("Dose unit"))
    route: Route | None = field(default=None, metadata=label("Route"))
    frequency: str | None = field(default=None, metadata=label("Frequency"))
    instructions: str | None = field(default=None, metadata=label("Instructions"))
    start: PartialDate | None = field(default=None, metadata=label("Start"))
    stop: PartialDate | None = field(default=None, metadata=label("Stop"))
    indication: str | None = field(default=None, metadata=label("Indication"))
    indication_problem_id: ItemId | None = field(default=None, metadata=label("Treats problem"))
    prescriber: str | None = field(default=None, metadata=label("Prescriber"))

    @property
    def dose_text(self) -> str:
        """ "1 tablet", "0.5 mL", or blank."""
        if self.dose is None:
            return ""
        unit = f" {self.dose_unit.label}" if self.dose_unit else ""
        return f"{shown_number(self.dose, 3)}{unit}"


@dataclass(frozen=True, kw_only=True)
class MedicationInput(ItemInput[MedicationData]):
    """The medication form as typed: dates as text ("2019", "03/2019", "03/14/2019")."""

    name: str
    strength: str = ""
    dose: Typed = ""
    dose_unit: DoseUnit | str | None = None
    route: Route | str | None = None
    frequency: str = ""
    instructions: str = ""
    start: str = ""
    stop: str = ""
    indication: str = ""
    indication_problem_id: int | None = None
    prescriber: str = ""

    def validated(self, today: dt.date) -> MedicationData:
        name = required_text(
            self.name,
            field="name",
            what="medication name",
            missing="Name the medication.",
            limit=NAME_MAX,
        )
        if self.status not in MEDICATION_STATUSES:
            raise ValidationError("A medication is active, stopped or completed.", field="status")
        dose = optional_number(self.dose, field="dose", what="dose", low=0.0, high=DOSE_MAX)
        if dose == 0:
            raise ValidationError("A dose of 0 is no dose: clear it or correct it.", field="dose")
        unit = optional_choice(DoseUnit, self.dose_unit, field="dose_unit", what="a dose unit")
        if dose is not None and unit is None:
            raise ValidationError(
                "Choose the unit of the dose (tablet, mg, mL...).", field="dose_unit"
            )
        start = parse_optional(self.start, today=today, field="start")
        stop = _stop_date(self.stop, today)
        refuse_before(
            stop, start, field="stop", message="The medication cannot stop before it started."
        )
        return MedicationData(
            name=name,
            strength=optional_text(
                self.strength, field="strength", what="strength", limit=SHORT_MAX
            ),
            dose=dose,
            dose_unit=unit,
            route=optional_choice(Route, self.route, field="route", what="a route"),
            frequency=optional_text(
                self.frequency, field="frequency", what="frequency", limit=SHORT_MAX
            ),
            instructions=optional_text(
                self.instructions, field="instructions", what="instructions"
            ),
            start=start,
            stop=stop,
            indication=optional_text(
                self.indication, field="indication", what="indication", limit=NAME_MAX
            ),
            indication_problem_id=(
                ItemId(self.indication_problem_id) if self.indication_problem_id else None
            ),
            prescriber=optional_text(
                self.prescriber, field="prescriber", what="prescriber", limit=NAME_MAX
            ),
        )

    @classmethod
    def editing(cls, item: ItemInfo[MedicationData]) -> MedicationInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            name=data.name,
            strength=data.strength or "",
            dose=shown_number(data.dose, 6),
            dose_unit=data.dose_unit,
            route=data.route,
            frequency=data.frequency or "",
            instructions=data.instructions or "",
            start=data.start.display if data.start else "",
            stop=data.stop.display if data.stop else "",
            indication=data.indication or "",
            indication_problem_id=data.indication_problem_id,
            prescriber=data.prescriber or "",
        )


def _stop_date(text: str, today: dt.date) -> PartialDate | None:
    """Unlike other chart dates, a stop date may lie ahead (a planned end of a course)."""
    stop = parse_optional(text, today=dt.date.max, field="stop")
    if stop is not None and stop.earliest.year > today.year + STOP_AHEAD_YEARS:
        raise ValidationError(
            f"The stop date is more than {STOP_AHEAD_YEARS} years ahead; check the year.",
            field="stop",
        )
    return stop


def is_current(item: ItemInfo[MedicationData], today: dt.date) -> bool:
    """Taken now: active, and not stopped before ``today`` (a stop date of today or later,
    or none). A stop date known only to the month or year counts until its last day."""
    stop = item.data.stop
    return item.status is ItemStatus.ACTIVE and (stop is None or stop.latest >= today)


def current_medications(
    items: Iterable[ItemInfo[MedicationData]], today: dt.date
) -> tuple[ItemInfo[MedicationData], ...]:
    """The "current medications" view: pass ``inst.medications.list(session, patient).items``
    and the local date; sorted by name, as a medication list is read."""
    return tuple(
        sorted((i for i in items if is_current(i, today)), key=lambda i: i.data.name.casefold())
    )
