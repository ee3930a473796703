"""Vital signs: one set taken at one moment (issue 9).

Physiologically impossible values are refused with the reason (a ValidationError naming the
field); unusual ones are accepted and come back as :class:`VitalsWarning` s from
:func:`vitals_warnings`, which the form calls before saving (``VitalsInput.check``) and a list
calls to mark a saved value. The limits and warnings are in ``domain/vital_limits.py``.
Statuses: ``active`` counts; ``inactive`` is a set kept but not counted (a wrong cuff, a
reading repeated), which the "latest vitals" skip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import Typed, choice, shown_number
from medrec_desktop.domain.partial_dates import EARLIEST_YEAR
from medrec_desktop.domain.vital_limits import (
    VitalsWarning,
    read_count,
    read_measure,
    refuse_impossible,
    refuse_impossible_bmi,
    vitals_warnings,
)
from medrec_desktop.domain.vital_units import (
    UnitSystem,
    bmi,
    height_cm,
    in_units,
    temperature_c,
    us_height_inches,
    weight_kg,
)

VITALS_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
VITALS_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Counted",
    ItemStatus.INACTIVE: "Not counted",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
MEASUREMENTS = (
    "systolic",
    "diastolic",
    "pulse",
    "respirations",
    "temperature_c",
    "spo2",
    "height_cm",
    "weight_kg",
    "pain",
)
# Fields of a set that are not measurements (left out of "latest of each").
_NOT_MEASURED = ("taken_at", "units", "encounter_id")


@dataclass(frozen=True)
class VitalsData:
    """Stored metric whatever the entry's ``units``; ``bmi`` is computed from this entry's
    height and weight (both needed). ``taken_at`` is UTC."""

    taken_at: dt.datetime = field(metadata=label("Taken at"))
    units: UnitSystem = field(default=UnitSystem.METRIC, metadata=label("Units entered"))
    systolic: int | None = field(default=None, metadata=label("Systolic BP (mmHg)"))
    diastolic: int | None = field(default=None, metadata=label("Diastolic BP (mmHg)"))
    pulse: int | None = field(default=None, metadata=label("Pulse (/min)"))
    respirations: int | None = field(default=None, metadata=label("Respirations (/min)"))
    temperature_c: float | None = field(default=None, metadata=label("Temperature (°C)"))
    spo2: int | None = field(default=None, metadata=label("SpO2 (%)"))
    height_cm: float | None = field(default=None, metadata=label("Height (cm)"))
    weight_kg: float | None = field(default=None, metadata=label("Weight (kg)"))
    bmi: float | None = field(default=None, metadata=label("BMI (kg/m²)"))
    pain: int | None = field(default=None, metadata=label("Pain score (0-10)"))
    # The encounter they were taken in (issue 10); locked with its signed note.
    encounter_id: int | None = field(default=None, metadata=label("Encounter"))

    @property
    def blood_pressure(self) -> str:
        """ "120/80", or blank."""
        if self.systolic is None or self.diastolic is None:
            return ""
        return f"{self.systolic}/{self.diastolic}"


@dataclass(frozen=True, kw_only=True)
class VitalsInput(ItemInput[VitalsData]):
    """The vitals form as typed, in ``units``. ``taken_at`` naive means local time (what a
    QDateTimeEdit gives); it is stored in UTC."""

    taken_at: dt.datetime | None = None
    units: UnitSystem | str = UnitSystem.METRIC
    systolic: Typed = ""
    diastolic: Typed = ""
    pulse: Typed = ""
    respirations: Typed = ""
    temperature: Typed = ""
    spo2: Typed = ""
    height: Typed = ""
    weight: Typed = ""
    pain: Typed = ""
    encounter_id: int | None = None

    def validated(self, today: dt.date) -> VitalsData:
        if self.status not in VITALS_STATUSES:
            raise ValidationError("A set of vitals is counted or not counted.", field="status")
        units = choice(UnitSystem, self.units, field="units", what="the units")
        taken_at = _taken_at(self.taken_at, today)
        height = self._height(units)
        weight = read_measure(self.weight, "weight")
        temperature = read_measure(self.temperature, "temperature")
        data = VitalsData(
            taken_at=taken_at,
            units=units,
            systolic=read_count(self.systolic, "systolic"),
            diastolic=read_count(self.diastolic, "diastolic"),
            pulse=read_count(self.pulse, "pulse"),
            respirations=read_count(self.respirations, "respirations"),
            temperature_c=None if temperature is None else temperature_c(temperature, units),
            spo2=read_count(self.spo2, "spo2"),
            height_cm=None if height is None else height_cm(height, units),
            weight_kg=None if weight is None else weight_kg(weight, units),
            pain=read_count(self.pain, "pain"),
            encounter_id=self.encounter_id,
        )
        if all(getattr(data, name) is None for name in MEASUREMENTS):
            raise ValidationError("Enter at least one measurement.", field="systolic")
        refuse_impossible(data)
        return _with_bmi(data)

    def check(self, today: dt.date) -> tuple[VitalsWarning, ...]:
        """What the form shows before saving: raises ValidationError for an impossible value,
        returns the warnings (unusual but possible values, saved if the user goes on)."""
        return vitals_warnings(self.validated(today))

    def _height(self, units: UnitSystem) -> float | None:
        if units is UnitSystem.US and isinstance(self.height, str) and self.height.strip():
            return us_height_inches(self.height)
        return read_measure(self.height, "height")

    @classmethod
    def editing(cls, item: ItemInfo[VitalsData]) -> VitalsInput:
        data = item.data
        units = data.units

        def shown(value: float | None, quantity: str) -> str:
            return "" if value is None else shown_number(in_units(value, quantity, units))

        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            taken_at=data.taken_at,
            units=units,
            systolic=shown_number(data.systolic),
            diastolic=shown_number(data.diastolic),
            pulse=shown_number(data.pulse),
            respirations=shown_number(data.respirations),
            temperature=shown(data.temperature_c, "temperature"),
            spo2=shown_number(data.spo2),
            height=shown(data.height_cm, "height"),
            weight=shown(data.weight_kg, "weight"),
            pain=shown_number(data.pain),
            encounter_id=data.encounter_id,
        )


def _taken_at(value: dt.datetime | None, today: dt.date) -> dt.datetime:
    if value is None:
        raise ValidationError("Enter when the vitals were taken.", field="taken_at")
    utc = value.astimezone(dt.UTC).replace(microsecond=0)
    if utc.date() > today:
        raise ValidationError("The vitals cannot be taken in the future.", field="taken_at")
    if utc.year < EARLIEST_YEAR:
        raise ValidationError(f"That is before {EARLIEST_YEAR}; check the year.", field="taken_at")
    return utc


def _with_bmi(data: VitalsData) -> VitalsData:
    if data.height_cm is None or data.weight_kg is None:
        return data
    computed = bmi(data.height_cm, data.weight_kg)
    refuse_impossible_bmi(computed)
    return replace(data, bmi=computed)


def latest_vitals(items: Iterable[ItemInfo[VitalsData]]) -> ItemInfo[VitalsData] | None:
    """The most recently taken counted set (pass ``inst.vitals.list(session, patient).items``)."""
    counted = [i for i in items if i.status is ItemStatus.ACTIVE]
    return max(counted, key=lambda i: (i.data.taken_at, i.id), default=None)


def latest_of_each(
    items: Iterable[ItemInfo[VitalsData]],
) -> dict[str, tuple[object, dt.datetime]]:
    """Each measurement's latest counted value with when it was taken (a height measured
    last year still stands beside today's blood pressure): field name -> (value, taken at)."""
    found: dict[str, tuple[object, dt.datetime]] = {}
    ordered = sorted(
        (i for i in items if i.status is ItemStatus.ACTIVE),
        key=lambda i: (i.data.taken_at, i.id),
    )
    names = [f.name for f in fields(VitalsData) if f.name not in _NOT_MEASURED]
    for item in ordered:
        for name in names:
            value = getattr(item.data, name)
            if value is not None:
                found[name] = (value, item.data.taken_at)
    return found
