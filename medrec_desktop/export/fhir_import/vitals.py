"""Vital-sign Observations -> sets of vitals: the measurements taken at the same moment in
the same encounter make one set (a blood pressure panel gives its systolic and diastolic
components), in this chart's metric units.

Read by LOINC code: blood pressure (85354-9, 55284-4 panels and 8480-6, 8462-4 alone), heart
rate, respiratory rate, body temperature, oxygen saturation, body height (or length), body
weight and pain score. Other vital signs (BMI, which this chart computes from height and
weight; head circumference; growth percentiles) have no field here and are left out, listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.fhir_import import EntryRef, ImportKind
from medrec_desktop.domain.vital_units import KG_PER_LB, UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.values import (
    LOINC,
    code_in,
    codings,
    first_when,
    number,
    sensitivity,
    unit_of,
    words,
)

SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
BP_PANELS = frozenset({"85354-9", "55284-4"})
# LOINC -> this chart's field.
FIELDS = {
    SYSTOLIC: "systolic",
    DIASTOLIC: "diastolic",
    "8867-4": "pulse",
    "9279-1": "respirations",
    "8310-5": "temperature",
    "8331-1": "temperature",  # oral temperature
    "2708-6": "spo2",
    "59408-5": "spo2",
    "8302-2": "height",
    "8306-3": "height",  # body length, lying (infants)
    "29463-7": "weight",
    "3141-9": "weight",
    "72514-3": "pain",
}
_NOT_KEPT = {
    "39156-5": "BMI (this chart computes it from height and weight)",
    "9843-4": "head circumference",
    "8289-1": "head circumference percentile",
    "59576-9": "BMI percentile",
    "77606-2": "weight-for-length percentile",
    "85353-1": "the vital signs panel (its members are read on their own)",
    "3150-0": "inhaled oxygen concentration",
    "3151-8": "inhaled oxygen flow rate",
}
_COUNT_UNITS = {"/min", "{beats}/min", "{breaths}/min", "beats/min", "breaths/min", "bpm"}
_UNITS: dict[str, dict[str, float]] = {
    # unit (lower case) -> factor to this chart's metric unit (temperature: see _celsius)
    "systolic": {"mm[hg]": 1.0, "mmhg": 1.0},
    "diastolic": {"mm[hg]": 1.0, "mmhg": 1.0},
    "pulse": dict.fromkeys(_COUNT_UNITS, 1.0),
    "respirations": dict.fromkeys(_COUNT_UNITS, 1.0),
    "spo2": {"%": 1.0, "%o2": 1.0},
    "height": {"cm": 1.0, "m": 100.0, "[in_i]": 2.54, "in": 2.54, "[in_us]": 2.54},
    "weight": {"kg": 1.0, "g": 0.001, "[lb_av]": KG_PER_LB, "lb": KG_PER_LB, "lbs": KG_PER_LB},
    "pain": {"{score}": 1.0, "": 1.0, "1": 1.0, "{pain score}": 1.0},
}
_TEMPERATURE = {"cel": "C", "°c": "C", "c": "C", "[degf]": "F", "°f": "F", "degf": "F", "f": "F"}
_WHAT = {
    "systolic": "systolic pressure",
    "diastolic": "diastolic pressure",
    "pulse": "heart rate",
    "respirations": "respiratory rate",
    "temperature": "body temperature",
    "spo2": "oxygen saturation",
    "height": "body height",
    "weight": "body weight",
    "pain": "pain score",
}


def is_vital(obs: Observation) -> bool:
    codes = {c.code for c in codings(obs.code) if c.system in LOINC}
    return bool(codes & (FIELDS.keys() | BP_PANELS))


@dataclass
class _Set:
    """One set being gathered: field -> (metric value, the entry it came from)."""

    values: dict[str, tuple[float, EntryRef]] = field(default_factory=dict)
    entries: list[EntryRef] = field(default_factory=list)
    labels: list[Sensitivity] = field(default_factory=list)


@dataclass
class VitalsGatherer:
    """Collects vital-sign entries, then makes the sets (:meth:`planned`)."""

    _groups: dict[tuple[str, str], list[_Set]] = field(default_factory=dict)
    _moments: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)

    def add(self, entry: Entry) -> None:
        """Read one vital-sign Observation into its set (Skip or Unreadable otherwise)."""
        obs = entry.resource
        assert isinstance(obs, Observation)
        values = _measurements(obs)
        taken = first_when(
            obs.effectiveDateTime,
            obs.effectiveInstant,
            obs.effectivePeriod.start if obs.effectivePeriod else None,
        )
        moment = taken.instant() if taken is not None else None
        if moment is None:
            raise Unreadable("effective[x]", "the day (and time) the vitals were taken is missing")
        where = str(obs.encounter.reference or "") if obs.encounter else ""
        key = (moment.isoformat(), where)
        self._moments[key] = moment
        sets = self._groups.setdefault(key, [])
        target = next((s for s in sets if not values.keys() & s.values.keys()), None)
        if target is None:
            target = _Set()
            sets.append(target)
        for name, value in values.items():
            target.values[name] = (value, entry.ref)
        target.entries.append(entry.ref)
        label = sensitivity(obs)
        if label is not None:
            target.labels.append(label)

    def planned(self) -> list[PlannedItem]:
        found = []
        for key, sets in self._groups.items():
            for s in sets:
                v = {name: value for name, (value, _) in s.values.items()}
                data = VitalsInput(
                    sensitivity=s.labels[0] if s.labels else None,
                    taken_at=self._moments[key],
                    units=UnitSystem.METRIC,
                    systolic=v.get("systolic"),
                    diastolic=v.get("diastolic"),
                    pulse=v.get("pulse"),
                    respirations=v.get("respirations"),
                    temperature=v.get("temperature"),
                    spo2=v.get("spo2"),
                    height=v.get("height"),
                    weight=v.get("weight"),
                    pain=v.get("pain"),
                )
                shown = ", ".join(_WHAT[n] for n in s.values)
                found.append(
                    PlannedItem(
                        ImportKind.VITALS,
                        data,
                        tuple(s.entries),
                        summary=f"Vitals: {shown}",
                        sources={name: ref for name, (_, ref) in s.values.items()},
                    )
                )
        return found


def _measurements(obs: Observation) -> dict[str, float]:
    codes = [c.code for c in codings(obs.code) if c.system in LOINC and c.code]
    if any(c in BP_PANELS for c in codes):
        found: dict[str, float] = {}
        for comp in obs.component or []:
            code = code_in(comp.code, LOINC)
            if code in (SYSTOLIC, DIASTOLIC) and comp.valueQuantity is not None:
                part = FIELDS[code]
                found[part] = _metric(part, comp.valueQuantity, f"component ({_WHAT[part]})")
        if not found:
            raise Skip("a blood pressure with no value (data absent at the source)")
        return found
    name: str | None = next((FIELDS[c] for c in codes if c in FIELDS), None)
    if name is None:
        said = next((_NOT_KEPT[c] for c in codes if c in _NOT_KEPT), None)
        raise Skip(f"this chart keeps no {said or words(obs.code) or 'such vital sign'}")
    if obs.valueQuantity is None:
        raise Skip(f"a {_WHAT[name]} with no value (data absent at the source)")
    return {name: _metric(name, obs.valueQuantity, "valueQuantity")}


def _metric(name: str, q: Quantity, element: str) -> float:
    value = number(q.value)
    if value is None:
        raise Unreadable(f"{element}.value", f"the {_WHAT[name]} has no value")
    unit = unit_of(q).lower()
    if name == "temperature":
        scale = _TEMPERATURE.get(unit)
        if scale is None:
            raise Unreadable(f"{element}.code", _unit_message(name, ("Cel", "[degF]")))
        return (value - 32) * 5 / 9 if scale == "F" else value
    factors = _UNITS[name]
    if unit not in factors:
        raise Unreadable(f"{element}.code", _unit_message(name, factors.keys()))
    return value * factors[unit]


def _unit_message(name: str, known: Iterable[str]) -> str:
    shown = ", ".join(k for k in known if k and not k.startswith(("%o", "{b", "lbs")))
    return f"the unit of this {_WHAT[name]} is not one read here ({shown})"
