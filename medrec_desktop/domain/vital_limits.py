"""What a vital sign can be, and what deserves a second look.

**Refused** (a ValidationError naming the field, with the reason): values no living patient
can have, e.g. a pulse above 300/min, SpO2 above 100 %, a temperature outside 25-45 °C, a
height above 272 cm (the tallest person measured), a systolic pressure not above the
diastolic, or a height and weight whose BMI cannot be.

**Warned** (saved if the user goes on): possible but unusual values in an adult, e.g. a blood
pressure in the hypertensive crisis range (180/120 or higher), SpO2 under 90 %, a fever of
39.5 °C or more. The warning thresholds are adult ones: they never block a save, so a
child's normal fast pulse costs one glance, not a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import Typed, optional_number
from medrec_desktop.domain.vital_units import UnitSystem, c_to_f, cm_to_in, kg_to_lb

if TYPE_CHECKING:
    from medrec_desktop.domain.vitals import VitalsData


@dataclass(frozen=True)
class Limit:
    low: float
    high: float
    what: str
    unit: str


# Whole-number measurements, in their only unit.
COUNTS = {
    "systolic": Limit(20, 300, "systolic pressure", " mmHg"),
    "diastolic": Limit(10, 200, "diastolic pressure", " mmHg"),
    "pulse": Limit(1, 300, "pulse", "/min"),
    "respirations": Limit(1, 100, "respiratory rate", "/min"),
    "spo2": Limit(1, 100, "SpO2 reading", " %"),
    "pain": Limit(0, 10, "pain score", ""),
}
# Measurements with units, in the stored metric unit; refused messages speak the entry's units.
MEASURES = {
    "temperature": Limit(25, 45, "temperature", " °C"),
    "height": Limit(20, 272, "height", " cm"),
    "weight": Limit(0.2, 650, "weight", " kg"),
}
_US = {
    "temperature": (c_to_f, " °F"),
    "height": (cm_to_in, " in"),
    "weight": (kg_to_lb, " lb"),
}
BMI_LIMIT = Limit(6, 200, "BMI", "")


@dataclass(frozen=True)
class VitalsWarning:
    """An unusual value to show beside its field (``field`` as in ``VitalsInput``)."""

    field: str
    message: str


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _refuse(limit: Limit, field: str, *, above: bool, low: str, high: str, units: bool) -> None:
    bound = f"above {high}" if above else f"below {low}"
    check = "check the value and the units" if units else "check the value"
    raise ValidationError(f"A {limit.what} {bound} is not possible; {check}.", field=field)


def _metric(limit: Limit, value: float) -> str:
    return f"{_plain(value)}{limit.unit}"


def read_count(value: Typed, name: str) -> int | None:
    """A whole-number measurement, refused outside what is possible."""
    limit = COUNTS[name]
    number = optional_number(
        value, field=name, what=limit.what, low=float("-inf"), high=float("inf")
    )
    if number is None:
        return None
    if not number.is_integer():
        raise ValidationError(f"Type the {limit.what} as a whole number.", field=name)
    if not limit.low <= number <= limit.high:
        _refuse(
            limit,
            name,
            above=number > limit.high,
            low=_metric(limit, limit.low),
            high=_metric(limit, limit.high),
            units=False,
        )
    return int(number)


def read_measure(value: Typed, name: str) -> float | None:
    """A measurement as typed in the entry's units (checked once converted)."""
    what = MEASURES[name].what
    return optional_number(value, field=name, what=what, low=float("-inf"), high=float("inf"))


def check_measure(stored: float | None, name: str, units: UnitSystem) -> None:
    """Refuse a converted measurement outside what is possible, speaking the entry's units."""
    if stored is None:
        return
    limit = MEASURES[name]
    if limit.low <= stored <= limit.high:
        return
    low, high = _metric(limit, limit.low), _metric(limit, limit.high)
    if units is UnitSystem.US:
        convert, unit = _US[name]
        low = f"{_plain(round(convert(limit.low), 1))}{unit} ({low})"
        high = f"{_plain(round(convert(limit.high), 1))}{unit} ({high})"
    _refuse(limit, name, above=stored > limit.high, low=low, high=high, units=True)


def refuse_impossible(data: VitalsData) -> None:
    """The checks across fields, once each value is read."""
    if (data.systolic is None) != (data.diastolic is None):
        missing = "diastolic" if data.diastolic is None else "systolic"
        raise ValidationError(
            "Enter both numbers of the blood pressure (systolic and diastolic).", field=missing
        )
    if data.systolic is not None and data.diastolic is not None:
        if data.systolic <= data.diastolic:
            raise ValidationError(
                "The systolic pressure (the first number) must be higher than the diastolic; "
                "check the order of the two.",
                field="systolic",
            )
    check_measure(data.temperature_c, "temperature", data.units)
    check_measure(data.height_cm, "height", data.units)
    check_measure(data.weight_kg, "weight", data.units)


def refuse_impossible_bmi(bmi: float) -> None:
    if not BMI_LIMIT.low <= bmi <= BMI_LIMIT.high:
        raise ValidationError(
            "This height and weight give a BMI that is not possible; check both values and "
            "the units.",
            field="weight",
        )


def vitals_warnings(data: VitalsData) -> tuple[VitalsWarning, ...]:
    """Possible but unusual values (adult thresholds), each beside its field."""
    found: list[VitalsWarning] = []

    def warn(field: str, message: str) -> None:
        found.append(VitalsWarning(field, message))

    if data.systolic is not None and data.diastolic is not None:
        if data.systolic >= 180 or data.diastolic >= 120:
            field = "systolic" if data.systolic >= 180 else "diastolic"
            warn(field, "Blood pressure in the hypertensive crisis range (180/120 or higher).")
        elif data.systolic < 90:
            warn("systolic", "Low blood pressure (systolic under 90).")
    if data.pulse is not None:
        if data.pulse > 120:
            warn("pulse", "Fast pulse (over 120/min).")
        elif data.pulse < 40:
            warn("pulse", "Slow pulse (under 40/min).")
    if data.respirations is not None:
        if data.respirations > 30:
            warn("respirations", "Fast breathing (over 30/min).")
        elif data.respirations < 8:
            warn("respirations", "Slow breathing (under 8/min).")
    if data.temperature_c is not None:
        if data.temperature_c >= 39.5:
            warn("temperature", "High fever (39.5 °C / 103.1 °F or higher).")
        elif data.temperature_c < 35:
            warn("temperature", "Low body temperature (under 35 °C / 95 °F).")
    if data.spo2 is not None and data.spo2 < 90:
        warn("spo2", "Low oxygen saturation (SpO2 under 90 %).")
    if data.bmi is not None:
        if data.bmi >= 40:
            warn("bmi", "BMI of 40 or more (severe obesity).")
        elif data.bmi < 16:
            warn("bmi", "BMI under 16 (severe thinness).")
    if data.pain is not None and data.pain >= 7:
        warn("pain", "Severe pain (7 or more out of 10).")
    return tuple(found)
