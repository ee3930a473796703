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
    MOMENT_HELP,
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
MOMENT_REFUSED = f"Type the date and time as {MOMENT_HELP} (24-hour clock), e.g. 05/01/2024 14:02."
COUNTS = ("systolic", "diastolic", "pulse", "respirations", "spo2", "pain")
TYPED = ("taken_at", "units", *COUNTS, "temperature", "height", "weight")


def build_vitals(**values: Any) -> VitalsInput:
    """The input from the form's text: the time is local (the form shows local time)."""
    taken = parse_local(str(values.pop("taken_at", "") or ""))
    link = str(values.pop("encounter_id", "") or "").strip()
    return VitalsInput(taken_at=taken, encounter_id=int(link) if link.isdigit() else None, **values)


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


def checked(
    values: dict[str, Any], now: dt.datetime | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The domain's refusals and warnings for what is typed: each refused field is set
    aside and the rest checked again, so one wrong value does not hide the others' warnings.
    Returns (field -> refusal, field -> warning). ``now``: the moment (aware), now by default.
    """
    moment = now or dt.datetime.now(dt.UTC)
    # The day the service checks against is the UTC one (it compares the moment in UTC):
    # the local date refused an evening's vitals west of Greenwich as taken "in the future".
    today = moment.astimezone(dt.UTC).date()
    local_now = moment.astimezone().replace(tzinfo=None).isoformat(timespec="minutes")
    refused: dict[str, str] = {}
    warnings: dict[str, str] = {}
    typed = dict(values)
    text = str(values.get("taken_at") or "")
    if text and parse_local(text) is None:
        refused["taken_at"] = MOMENT_REFUSED
        values = {**values, "taken_at": local_now}
    for _ in TYPED:
        try:
            found = build_vitals(**values).check(today)
        except ValidationError as err:
            name = err.field or ""
            if not refused or typed.get(name):
                # Once a value is set aside, "enter at least one" is about that one.
                refused.setdefault(name, err.message)
            if name == "taken_at":
                aside = {name: local_now}
            elif name in ("systolic", "diastolic"):
                aside = {"systolic": "", "diastolic": ""}  # a pressure is both numbers
            elif values.get(name):
                aside = {name: ""}
            else:
                break  # nothing left to set aside
            values = {**values, **aside}
            continue
        for w in found:
            warnings.setdefault(w.field, w.message)
        break
    return refused, warnings


def vitals_behaviour(parts: FormParts) -> None:
    inputs = parts.inputs
    left: set[str] = set()  # typed in, then left: its refusal may be said now
    touched: set[str] = set()

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
        values: dict[str, Any] = {name: inputs[name].value() for name in TYPED}
        refused, warnings = checked(values)
        for name in TYPED:
            label, message = parts.host.errors[name], refused.get(name)
            if message is None:
                label.clear_message()
            elif label.severity is not None:
                label.error(message)  # said already (by Save, or on leaving): still so
            elif name in left and not inputs[name].focus.hasFocus():
                label.error(message)
        for name, field in inputs.items():
            target = field.widget
            if isinstance(target, NumberField | ComputedField):
                if name in warnings:
                    target.warning.warning(warnings[name])
                else:
                    target.warning.clear_message()

    def leave(name: str) -> Callable[[], None]:
        def done() -> None:
            if name in touched:
                left.add(name)
            check()

        return done

    for name in TYPED:
        field = inputs[name]
        numeric = field.number
        if numeric is not None:
            numeric.edit.textChanged.connect(lambda _t: check())
            numeric.edit.textEdited.connect(lambda _t, n=name: touched.add(n))
            numeric.edit.editingFinished.connect(leave(name))
    taken = inputs["taken_at"].widget
    if isinstance(taken, DateTimeField):
        taken.edit.editingFinished.connect(leave("taken_at"))
        taken.edit.textEdited.connect(lambda _t: touched.add("taken_at"))
        taken.edit.textChanged.connect(lambda _t: check())
    combo = inputs["units"].combo
    if combo is not None:
        combo.currentIndexChanged.connect(lambda _i: check())

    def filled() -> None:
        left.clear()
        touched.clear()
        check()

    parts.filled.connect(filled)
