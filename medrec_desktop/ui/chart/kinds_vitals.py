"""Vitals as the chart shows them (declaration, see kind_view.py): newest first, each value
in the units it was typed in, an unusual one marked "⚠" (a symbol, not colour alone)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.vital_limits import vitals_warnings
from medrec_desktop.domain.vital_units import (
    UnitSystem,
    height_display,
    in_units,
    temperature_display,
    weight_display,
)
from medrec_desktop.domain.vitals import VITALS_STATUS_LABELS, VitalsData, VitalsInput
from medrec_desktop.ui.chart.encounter_choices import encounter_options
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec
from medrec_desktop.ui.chart.kind_text import number_text
from medrec_desktop.ui.chart.kind_view import Column, KindView, when
from medrec_desktop.ui.chart.vitals_form import build_vitals, vitals_behaviour
from medrec_desktop.ui.chart.vitals_trend import TREND_ACTION

Item = ItemInfo[VitalsData]
MARK = " ⚠"


def _warned(item: Item) -> set[str]:
    return {w.field for w in vitals_warnings(item.data)}


def _cell(text: str, item: Item, *fields: str) -> str:
    """The value, marked when the domain finds it unusual."""
    return text + MARK if text and _warned(item) & set(fields) else text


def _measure(item: Item, quantity: str, unit: tuple[str, str]) -> str:
    stored = {
        "temperature": item.data.temperature_c,
        "height": item.data.height_cm,
        "weight": item.data.weight_kg,
    }[quantity]
    if stored is None:
        return ""
    units = item.data.units
    shown = in_units(stored, quantity, units)
    return f"{shown:.1f} {unit[1] if units is UnitSystem.US else unit[0]}"


def _column(header: str, show: Callable[[Item], str], *fields: str) -> Column[VitalsData]:
    return Column(header, lambda i: _cell(show(i), i, *fields))


def _newest(items: tuple[Item, ...], _show_all: bool, _today: dt.date) -> tuple[Item, ...]:
    return tuple(sorted(items, key=lambda i: (i.data.taken_at, i.id), reverse=True))


def _line(item: Item) -> str:
    d = item.data
    parts = [f"BP {d.blood_pressure}" if d.blood_pressure else ""]
    parts.append(f"pulse {d.pulse}" if d.pulse is not None else "")
    parts.append(f"SpO2 {d.spo2} %" if d.spo2 is not None else "")
    parts.append(_measure(item, "weight", ("kg", "lb")))
    return f"{when(d.taken_at)}: " + ", ".join(p for p in parts if p)


def _both(
    show: Callable[[float, UnitSystem], str], pick: Callable[[VitalsData], float | None]
) -> Callable[[Item], str]:
    """A stored metric value as "70.0 kg (154.3 lb)", the entry's units first."""

    def shown(item: Item) -> str:
        value = pick(item.data)
        return "" if value is None else show(value, item.data.units)

    return shown


VITALS: KindView[VitalsData, VitalsInput] = KindView(
    key="vitals",
    title="Vitals",
    tab="Vitals",
    noun="set of vitals",
    service=lambda inst: inst.vitals,
    change=ChangeKind.VITALS,
    columns=(
        Column("Taken", lambda i: when(i.data.taken_at), lambda i: i.data.taken_at.isoformat()),
        _column("BP (mmHg)", lambda i: i.data.blood_pressure, "systolic", "diastolic"),
        _column("Pulse", lambda i: number_text(i.data.pulse), "pulse"),
        _column("Resp.", lambda i: number_text(i.data.respirations), "respirations"),
        _column("Temp.", lambda i: _measure(i, "temperature", ("°C", "°F")), "temperature"),
        _column("SpO2 %", lambda i: number_text(i.data.spo2), "spo2"),
        Column("Height", lambda i: _measure(i, "height", ("cm", "in"))),
        Column("Weight", lambda i: _measure(i, "weight", ("kg", "lb"))),
        _column("BMI", lambda i: number_text(i.data.bmi), "bmi"),
        _column("Pain", lambda i: number_text(i.data.pain), "pain"),
        Column("Status", lambda i: VITALS_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec("taken_at", "Ta&ken at", FieldKind.DATETIME, required=True),
        FieldSpec(
            "units", "Un&its", FieldKind.CHOICE, tuple((u.value, u.label) for u in UnitSystem)
        ),
        FieldSpec("systolic", "Systolic &BP", FieldKind.NUMBER_UNIT, unit="mmHg"),
        FieldSpec("diastolic", "Diastolic BP", FieldKind.NUMBER_UNIT, unit="mmHg"),
        FieldSpec("pulse", "Puls&e", FieldKind.NUMBER_UNIT, unit="/min"),
        FieldSpec("respirations", "Respirations", FieldKind.NUMBER_UNIT, unit="/min"),
        FieldSpec("temperature", "Te&mperature", FieldKind.MEASURE, unit="°C", us_unit="°F"),
        FieldSpec("spo2", "SpO&2", FieldKind.NUMBER_UNIT, unit="%"),
        FieldSpec("height", "Height", FieldKind.MEASURE, unit="cm", us_unit="in"),
        FieldSpec("weight", "Weight", FieldKind.MEASURE, unit="kg", us_unit="lb"),
        FieldSpec("bmi", "BMI", FieldKind.COMPUTED),
        FieldSpec("pain", "Pain score", FieldKind.NUMBER_UNIT, unit="of 10"),
        # Issue 10: the visit they were taken in (an unsigned one of this patient's).
        FieldSpec("encounter_id", "Encounter", FieldKind.LOOKUP, options=encounter_options),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
    status_labels=VITALS_STATUS_LABELS,
    formats={
        "taken_at": lambda i: when(i.data.taken_at),
        "units": lambda i: i.data.units.label,
        "temperature_c": _both(temperature_display, lambda d: d.temperature_c),
        "height_cm": _both(height_display, lambda d: d.height_cm),
        "weight_kg": _both(weight_display, lambda d: d.weight_kg),
        "bmi": lambda i: number_text(i.data.bmi),
    },
    behaviour=vitals_behaviour,
    editing=VitalsInput.editing,
    build=build_vitals,
    line=_line,
    name=lambda i: f"vitals of {when(i.data.taken_at)}",
    summary_title="Latest vitals",
    summary_empty="No vitals recorded.",
    add_label="&Add vitals…",
    arrange=_newest,
    show_all="Show all, &including sets not counted",
    actions=(TREND_ACTION,),
)
