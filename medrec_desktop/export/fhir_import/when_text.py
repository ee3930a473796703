"""A dosage's timing in the words a clinic writes a frequency ("twice daily", "every 6
hours", "at bedtime", "as needed")."""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.dosage import Dosage

from medrec_desktop.export.fhir_import.values import joined, words

_TIMES_A_DAY = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
_UNITS = {"s": "second", "min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month"}
_WHEN = {
    "HS": "at bedtime",
    "WAKE": "on waking",
    "AC": "before meals",
    "PC": "after meals",
    "C": "with meals",
    "MORN": "in the morning",
    "EVE": "in the evening",
    "NIGHT": "at night",
}


def frequency_text(dosage: Dosage) -> str | None:
    timing = dosage.timing
    said: list[str | None] = []
    repeat = timing.repeat if timing is not None else None
    if repeat is not None:
        said.append(_every(repeat.frequency, repeat.period, repeat.periodUnit))
        said += [_WHEN.get(str(w)) for w in repeat.when or []]
    if timing is not None and not any(said):
        said.append(words(timing.code))
    if dosage.asNeededBoolean or dosage.asNeededCodeableConcept is not None:
        reason = words(dosage.asNeededCodeableConcept)
        said.append(f"as needed for {reason}" if reason else "as needed")
    return joined(said, ", ")[:100] or None


def _every(frequency: int | None, period: Decimal | None, unit: str | None) -> str | None:
    if period is None or unit not in _UNITS:
        return None
    times = frequency or 1
    length = float(period)
    if unit == "d" and length == 1 and times in _TIMES_A_DAY:
        return _TIMES_A_DAY[times]
    if unit == "wk" and length == 1 and times == 1:
        return "weekly"
    if times == 1:
        count = f"{length:g}"
        noun = _UNITS[unit] + ("s" if length != 1 else "")
        return f"every {count} {noun}" if length != 1 else f"every {noun}"
    noun = _UNITS[unit]
    per = f"every {length:g} {noun}s" if length != 1 else f"a {noun}"
    return f"{times} times {per}"
