"""Units of the vital signs: metric or US per entry, stored metric, shown both ways.

A measurement is typed in the entry's unit system, rounded to one decimal there (scales,
stadiometers and thermometers read to a tenth), then converted to the stored metric value.
The stored value keeps enough decimals that showing it again in the typed units gives back
exactly what was typed, so opening an entry and saving it changes nothing.
"""

from __future__ import annotations

import re
from enum import StrEnum

from medrec_desktop.domain.errors import ValidationError

CM_PER_INCH = 2.54
KG_PER_LB = 0.45359237
# Decimals kept in the stored metric value (see the module docstring).
CM_PLACES, KG_PLACES, C_PLACES = 2, 3, 2


class UnitSystem(StrEnum):
    METRIC = "metric"
    US = "us"

    @property
    def label(self) -> str:
        return "Metric (cm, kg, °C)" if self is UnitSystem.METRIC else "US (in, lb, °F)"


def cm_to_in(cm: float) -> float:
    return cm / CM_PER_INCH


def kg_to_lb(kg: float) -> float:
    return kg / KG_PER_LB


def c_to_f(c: float) -> float:
    return c * 9 / 5 + 32


def f_to_c(f: float) -> float:
    return (f - 32) * 5 / 9


def height_cm(typed: float, units: UnitSystem) -> float:
    value = round(typed, 1)
    return round(value * CM_PER_INCH if units is UnitSystem.US else value, CM_PLACES)


def weight_kg(typed: float, units: UnitSystem) -> float:
    value = round(typed, 1)
    return round(value * KG_PER_LB if units is UnitSystem.US else value, KG_PLACES)


def temperature_c(typed: float, units: UnitSystem) -> float:
    value = round(typed, 1)
    return round(f_to_c(value) if units is UnitSystem.US else value, C_PLACES)


def in_units(value: float, quantity: str, units: UnitSystem) -> float:
    """A stored metric value in the entry's units, as the form shows it (one decimal)."""
    if units is UnitSystem.METRIC:
        return round(value, 1)
    convert = {"height": cm_to_in, "weight": kg_to_lb, "temperature": c_to_f}[quantity]
    return round(convert(value), 1)


def bmi(height_cm: float, weight_kg: float) -> float:
    """Body-mass index (kg/m²) to one decimal; computed, never typed."""
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


# ---------------------------------------------------------------------- US height as typed

_FEET_INCHES = re.compile(
    r"""^\s*(\d+)\s*(?:'|ft|feet|foot)\s*(?:(\d+(?:\.\d+)?)\s*(?:"|''|in|inches|inch)?)?\s*$""",
    re.IGNORECASE,
)
_INCHES = re.compile(r"""^\s*(\d+(?:\.\d+)?)\s*(?:"|in|inches|inch)?\s*$""", re.IGNORECASE)


def us_height_inches(text: str) -> float:
    """``65``, ``65 in``, ``5'5"``, ``5 ft 5 in`` -> inches (a plain ValidationError else)."""
    if m := _FEET_INCHES.match(text):
        inches = float(m.group(2) or 0)
        if inches >= 12:
            raise ValidationError(
                "Type the inches after the feet as 0 to 11 (or the whole height in inches).",
                field="height",
            )
        return int(m.group(1)) * 12 + inches
    if m := _INCHES.match(text):
        return float(m.group(1))
    raise ValidationError(
        "Type the height in inches (65) or in feet and inches (5' 5\").", field="height"
    )


# ---------------------------------------------------------------------- showing both ways


def _number(value: float) -> str:
    return f"{value:.1f}"


def feet_inches(cm: float) -> str:
    """ "5 ft 5 in" (whole inches, as people say a height)."""
    total = round(cm_to_in(cm))
    return f"{total // 12} ft {total % 12} in"


def height_display(cm: float, units: UnitSystem = UnitSystem.METRIC) -> str:
    """ "165.1 cm (5 ft 5 in)", the entry's units first."""
    metric, us = f"{_number(cm)} cm", f"{feet_inches(cm)}"
    return f"{metric} ({us})" if units is UnitSystem.METRIC else f"{us} ({metric})"


def weight_display(kg: float, units: UnitSystem = UnitSystem.METRIC) -> str:
    """ "70.0 kg (154.3 lb)", the entry's units first."""
    metric, us = f"{_number(kg)} kg", f"{_number(kg_to_lb(kg))} lb"
    return f"{metric} ({us})" if units is UnitSystem.METRIC else f"{us} ({metric})"


def temperature_display(c: float, units: UnitSystem = UnitSystem.METRIC) -> str:
    """ "37.0 °C (98.6 °F)", the entry's units first."""
    metric, us = f"{_number(c)} °C", f"{_number(c_to_f(c))} °F"
    return f"{metric} ({us})" if units is UnitSystem.METRIC else f"{us} ({metric})"
