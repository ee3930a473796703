"""One analyte's result as stored (issue 10): its value (a number, text or a coded answer),
unit, reference range and critical limits, and the flag computed from them. Re-exported by
``domain/results.py`` beside the test that holds it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from medrec_desktop.domain.result_flags import (
    Flag,
    ValueKind,
    decimal_places,
    number_text,
    range_text,
)

SNOMED = "http://snomed.info/sct"


def analyte_key(loinc: str | None, analyte: str) -> str:
    """What makes two results the same analyte over time: its LOINC code, else its name
    (case and spacing aside). The grid's rows and the trends are keyed by it."""
    if loinc:
        return f"loinc:{loinc}"
    return "name:" + " ".join(analyte.split()).casefold()


@dataclass(frozen=True)
class CodedValue:
    """An answer from a code system (SNOMED CT by default): "260385009" "Negative"."""

    code: str
    display: str
    system: str = SNOMED


@dataclass(frozen=True)
class ResultData:
    """One analyte's result. ``numeric``, ``text`` or ``coded`` holds the value, as ``kind``
    says; ``low``/``high`` are the reference range (either may be open), ``reference_text``
    a range said in words ("Negative", "<200 desirable"); ``critical_low``/``critical_high``
    the limits beyond which the value is critical. ``abnormal`` is the user's (or the
    template's) judgement of a value the range cannot judge: text, coded, or a number with
    only a range in words. ``comparator`` ("<", "<=", ">", ">=") marks a censored number,
    one the lab could only bound ("<0.01" below its assay's limit, ">14" above it):
    ``numeric`` holds the bound. It comes last, with a default, so results saved before it
    existed read back."""

    analyte: str
    kind: ValueKind = ValueKind.NUMERIC
    numeric: float | None = None
    text: str | None = None
    coded: CodedValue | None = None
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    reference_text: str | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    abnormal: bool = False
    loinc: str | None = None
    comparator: str | None = None

    @property
    def key(self) -> str:
        return analyte_key(self.loinc, self.analyte)

    @property
    def flag(self) -> Flag:
        if self.kind is ValueKind.NUMERIC and self.numeric is not None:
            if self.critical_low is not None and self._below(self.critical_low):
                return Flag.CRITICAL_LOW
            if self.critical_high is not None and self._above(self.critical_high):
                return Flag.CRITICAL_HIGH
            if self.low is not None and self._below(self.low):
                return Flag.LOW
            if self.high is not None and self._above(self.high):
                return Flag.HIGH
            if self.low is not None or self.high is not None:
                return Flag.NORMAL
        if self.abnormal:
            return Flag.ABNORMAL
        return Flag.NORMAL if self.has_reference else Flag.NONE

    def _below(self, limit: float) -> bool:
        """Whether the value is surely below ``limit``: a censored one by its bound ("<0.01"
        is below a low of 0.45; "<0.45" too), and never one bounded from below (">2" may
        lie either side of a low of 4: its flag does not claim it is low)."""
        bound = self.numeric
        assert bound is not None
        if self.comparator is None:
            return bound < limit
        if self.comparator == "<":
            return bound <= limit
        if self.comparator == "<=":
            return bound < limit
        return False

    def _above(self, limit: float) -> bool:
        """Whether the value is surely above ``limit`` (">14" is above a high of 5.6)."""
        bound = self.numeric
        assert bound is not None
        if self.comparator is None:
            return bound > limit
        if self.comparator == ">":
            return bound >= limit
        if self.comparator == ">=":
            return bound > limit
        return False

    @property
    def has_reference(self) -> bool:
        return self.low is not None or self.high is not None or bool(self.reference_text)

    @property
    def value_text(self) -> str:
        """The value as read: "5.8", "<0.01", "Yellow", "Negative". A number shows at least
        the decimals of its range, as labs print it (creatinine 1.0 beside 0.6–1.3, not 1),
        after its comparator if it is censored."""
        if self.kind is ValueKind.NUMERIC and self.numeric is not None:
            places = max(decimal_places(v) for v in (self.numeric, self.low, self.high))
            return f"{self.comparator or ''}{self.numeric:.{places}f}"
        if self.kind is ValueKind.CODED and self.coded is not None:
            return self.coded.display
        return self.text or ""

    @property
    def range_text(self) -> str:
        """ "3.5–5.1", "≥ 40", "≤ 99", or the range in words; blank without one."""
        return range_text(self.low, self.high, self.reference_text)

    @property
    def critical_text(self) -> str:
        """ "critical below 2.8 or above 6.2" (blank without critical limits)."""
        parts = []
        if self.critical_low is not None:
            parts.append(f"below {number_text(self.critical_low)}")
        if self.critical_high is not None:
            parts.append(f"above {number_text(self.critical_high)}")
        return "critical " + " or ".join(parts) if parts else ""

    def __str__(self) -> str:
        """ "Potassium 5.8 mmol/L (H)": one result in a history or a line of text."""
        unit = f" {self.unit}" if self.unit and self.kind is ValueKind.NUMERIC else ""
        symbol = self.flag.symbol
        return f"{self.analyte} {self.value_text}{unit}" + (f" ({symbol})" if symbol else "")


# ---------------------------------------------------------------------- reading stored results


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


_KINDS = {k.value: k for k in ValueKind}


def results_from_json(text: str) -> tuple[ResultData, ...]:
    """A test's ``results`` column read straight into DTOs: the grid reads thousands of
    results at once, where the generic codec's type-hint walk would cost more than the
    query. Keys missing from older rows take the field's default, as the codec does.
    (The kind is found by dictionary: this runs for every result of a patient's years.)"""
    found = []
    for d in json.loads(text):
        coded = d.get("coded")
        found.append(
            ResultData(
                analyte=d["analyte"],
                kind=_KINDS[d.get("kind", "numeric")],
                numeric=_float(d.get("numeric")),
                text=d.get("text"),
                coded=None
                if coded is None
                else CodedValue(coded["code"], coded["display"], coded.get("system", SNOMED)),
                unit=d.get("unit"),
                low=_float(d.get("low")),
                high=_float(d.get("high")),
                reference_text=d.get("reference_text"),
                critical_low=_float(d.get("critical_low")),
                critical_high=_float(d.get("critical_high")),
                abnormal=bool(d.get("abnormal", False)),
                loinc=d.get("loinc"),
                comparator=d.get("comparator"),
            )
        )
    return tuple(found)
