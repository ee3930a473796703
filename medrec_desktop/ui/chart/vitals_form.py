"""The vitals form's live parts: each measurement's unit follows the entry's unit system and
the same value shows in the other system beside it ("= 154.3 lb"), the BMI is computed as
height and weight are typed, and the domain's check runs on every change, so an unusual
value is marked beside its field before saving (and saves) and an impossible one is
explained under its field as soon as the user has left it (and is refused by Save).

The typed numbers stay as typed when the units change: switching says in which units they
were typed (the scale read pounds), it does not convert them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.vital_units import (
    UnitSystem,
    bmi,
    c_to_f,
    feet_inches,
    height_cm,
    kg_to_lb,
    temperature_c,
    us_height_inches,
    weight_kg,
)
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.ui.chart.field_widgets import (
    ComputedField,
    DateTimeField,
    NumberField,
    parse_local,
)
from medrec_desktop.ui.chart.form_parts import FormParts

# quantity: (metric unit, US unit, US placeholder)
UNITS = {
    "temperature": ("°C", "°F", "e.g. 98.6"),
    "height": ("cm", "in", "e.g. 5' 5\" or 65"),
    "weight": ("kg", "lb", "e.g. 154.5"),
}
COUNTS = ("systolic", "diastolic", "pulse", "respirations", "spo2", "pain")
TYPED = ("taken_at", "units", *COUNTS, "temperature", "height", "weight")


def build_vitals(**values: Any) -> VitalsInput:
    """The input from the form's text: the time is local (the form shows local time)."""
    taken = parse_local(str(values.pop("taken_at", "") or ""))
    return VitalsInput(taken_at=taken, **values)


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def _metric_value(quantity: str, text: str, units: UnitSystem) -> float | None:
    """What was typed, in the stored metric unit (None while it is not a number yet)."""
    if quantity == "height" and units is UnitSystem.US:
        try:
            inches: float | None = us_height_inches(text) if text.strip() else None
        except ValidationError:
            inches = None
        return None if inches is None else height_cm(inches, units)
    typed = _number(text)
    if typed is None:
        return None
    convert: Callable[[float, UnitSystem], float] = {
        "temperature": temperature_c,
        "height": height_cm,
        "weight": weight_kg,
    }[quantity]
    return convert(typed, units)


def other_units(quantity: str, text: str, units: UnitSystem) -> str:
    """ "= 154.3 lb" beside 70 kg; "= 165.1 cm" beside 5' 5"; blank while not a number."""
    metric = _metric_value(quantity, text, units)
    if metric is None:
        return ""
    if units is UnitSystem.US:
        return f"= {metric:.1f} {UNITS[quantity][0]}"
    if quantity == "height":
        return f"= {feet_inches(metric)}"
    if quantity == "weight":
        return f"= {kg_to_lb(metric):.1f} lb"
    return f"= {c_to_f(metric):.1f} °F"


def typed_bmi(height: str, weight: str, units: UnitSystem) -> float | None:
    cm = _metric_value("height", height, units)
    kg = _metric_value("weight", weight, units)
    if cm is None or kg is None or cm <= 0:
        return None
    return bmi(cm, kg)


def vitals_behaviour(parts: FormParts) -> None:
    inputs = parts.inputs
    left: set[str] = set()  # typed in, then left: its refusal may be said now
    live: list[str] = []  # the field whose refusal this check put under it

    def units() -> UnitSystem:
        try:
            return UnitSystem(parts.text_of("units"))
        except ValueError:
            return UnitSystem.METRIC

    def number(name: str) -> NumberField | None:
        return inputs[name].number

    def show_units() -> None:
        system = units()
        for quantity, (metric, us, example) in UNITS.items():
            field = number(quantity)
            if field is None:
                continue
            field.unit.setText(us if system is UnitSystem.US else metric)
            field.edit.setPlaceholderText(example if system is UnitSystem.US else "")
            field.other.setText(other_units(quantity, field.value(), system))
        computed = inputs["bmi"].computed
        if computed is not None:
            value = typed_bmi(parts.text_of("height"), parts.text_of("weight"), system)
            computed.show_text(f"{value:.1f} kg/m²" if value is not None else "")

    def check() -> None:
        show_units()
        values = {name: inputs[name].value() for name in TYPED}
        warnings: dict[str, str] = {}
        for name in live:
            parts.host.errors[name].clear_message()
        live.clear()
        try:
            for w in build_vitals(**values).check(dt.date.today()):
                warnings.setdefault(w.field, w.message)
        except ValidationError as err:
            name = err.field or ""
            if name in left and name in parts.host.errors and not inputs[name].focus.hasFocus():
                parts.host.errors[name].error(err.message)
                live.append(name)
        for name, field in inputs.items():
            target = field.widget
            if isinstance(target, NumberField | ComputedField):
                if name in warnings:
                    target.warning.warning(warnings[name])
                else:
                    target.warning.clear_message()

    def leave(name: str) -> Callable[[], None]:
        def done() -> None:
            left.add(name)
            check()

        return done

    for name in TYPED:
        field = inputs[name]
        numeric = field.number
        if numeric is not None:
            numeric.edit.textChanged.connect(lambda _t: check())
            numeric.edit.editingFinished.connect(leave(name))
    taken = inputs["taken_at"].widget
    if isinstance(taken, DateTimeField):
        taken.edit.editingFinished.connect(leave("taken_at"))
        taken.edit.dateTimeChanged.connect(lambda _d: check())
    combo = inputs["units"].combo
    if combo is not None:
        combo.currentIndexChanged.connect(lambda _i: check())

    def filled() -> None:
        left.clear()
        check()

    parts.filled.connect(filled)
