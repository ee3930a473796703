"""One vital sign over time, as a trend plot draws it (issue 10): which signs, their units in
either unit system, and the adult reference range shown as a band behind the points.

The ranges are the usual adult ones a clinic reads against (a blood pressure under 120/80,
a resting pulse of 60-100, a BMI of 18.5-24.9...). A reading outside its range is flagged
"H" or "L" on the plot; the form's warnings (``vital_limits``) stay what they are.
Weight and pain have no band: there is no normal weight, and a pain score is the patient's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from medrec_desktop.domain.trends import Trend, TrendPoint
from medrec_desktop.domain.vital_units import UnitSystem, c_to_f, kg_to_lb


class VitalSign(StrEnum):
    SYSTOLIC = "systolic"
    DIASTOLIC = "diastolic"
    PULSE = "pulse"
    RESPIRATIONS = "respirations"
    TEMPERATURE = "temperature"
    SPO2 = "spo2"
    WEIGHT = "weight"
    BMI = "bmi"
    PAIN = "pain"

    @property
    def label(self) -> str:
        return _SIGNS[self].title

    @property
    def column(self) -> str:
        """The stored field of ``VitalsData`` (metric)."""
        return _SIGNS[self].column


@dataclass(frozen=True)
class _Sign:
    title: str
    column: str
    unit: str
    low: float | None = None
    high: float | None = None
    us_unit: str = ""  # when the value is shown converted in US units


_SIGNS = {
    VitalSign.SYSTOLIC: _Sign("Systolic blood pressure", "systolic", "mmHg", 90, 120),
    VitalSign.DIASTOLIC: _Sign("Diastolic blood pressure", "diastolic", "mmHg", 60, 80),
    VitalSign.PULSE: _Sign("Pulse", "pulse", "beats/min", 60, 100),
    VitalSign.RESPIRATIONS: _Sign("Respiratory rate", "respirations", "breaths/min", 12, 20),
    VitalSign.TEMPERATURE: _Sign("Temperature", "temperature_c", "°C", 36.1, 37.2, "°F"),
    VitalSign.SPO2: _Sign("Oxygen saturation (SpO2)", "spo2", "%", 95, 100),
    VitalSign.WEIGHT: _Sign("Weight", "weight_kg", "kg", us_unit="lb"),
    VitalSign.BMI: _Sign("Body-mass index", "bmi", "kg/m²", 18.5, 24.9),
    VitalSign.PAIN: _Sign("Pain score", "pain", "of 10"),
}


@dataclass(frozen=True)
class Reading:
    """One stored value of a sign (metric), when it was taken (UTC) and the units the set
    was typed in."""

    at: dt.datetime
    value: float
    units: UnitSystem


def usual_units(entries: Iterable[tuple[dt.datetime, UnitSystem]]) -> UnitSystem:
    """The unit system most sets were typed in (the clinic's habit), from (taken at, units)
    pairs; a tie goes to the latest set's, no sets to metric."""
    listed = list(entries)
    if not listed:
        return UnitSystem.METRIC
    counts = Counter(units for _at, units in listed)
    latest = max(listed, key=lambda e: e[0])[1]
    return max(counts, key=lambda u: (counts[u], u is latest))


def _shown(sign: VitalSign, value: float, units: UnitSystem) -> float:
    """A stored metric value in ``units``, rounded as the screens show it."""
    if units is UnitSystem.US and sign is VitalSign.TEMPERATURE:
        return round(c_to_f(value), 1)
    if units is UnitSystem.US and sign is VitalSign.WEIGHT:
        return round(kg_to_lb(value), 1)
    return round(value, 1)


def flag(value: float, low: float | None, high: float | None) -> str:
    """ "H" above the range, "L" below it, "" inside it (or with no range)."""
    if high is not None and value > high:
        return "H"
    if low is not None and value < low:
        return "L"
    return ""


def vital_trend(
    sign: VitalSign, readings: Sequence[Reading], units: UnitSystem | None = None
) -> Trend:
    """The trend of ``sign`` from its readings (any order), in ``units`` (default: the
    units most of them were typed in), oldest first."""
    spec = _SIGNS[sign]
    system = units if units is not None else usual_units((r.at, r.units) for r in readings)
    us = system is UnitSystem.US and bool(spec.us_unit)
    low = None if spec.low is None else _shown(sign, spec.low, system)
    high = None if spec.high is None else _shown(sign, spec.high, system)
    points = tuple(
        TrendPoint(r.at, shown, flag(shown, low, high))
        for r in sorted(readings, key=lambda r: r.at)
        for shown in (_shown(sign, r.value, system),)
    )
    return Trend(
        title=spec.title,
        unit=spec.us_unit if us else spec.unit,
        points=points,
        low=low,
        high=high,
    )
