"""How a result reads: its kind of value, its flag with the flag's symbol and words, and
numbers and ranges written as labs print them (issue 10)."""

from __future__ import annotations

from enum import StrEnum


class ValueKind(StrEnum):
    NUMERIC = "numeric"
    TEXT = "text"
    CODED = "coded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Flag(StrEnum):
    """A result's interpretation, computed (see :attr:`ResultData.flag`)."""

    CRITICAL_LOW = "critical-low"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL_HIGH = "critical-high"
    ABNORMAL = "abnormal"
    NONE = "none"  # no range to judge by

    @property
    def symbol(self) -> str:
        """The HL7 interpretation code ("H", "LL"...); empty for normal or unjudged."""
        return _SYMBOLS[self]

    @property
    def mark(self) -> str:
        """What a screen writes beside the value: the symbol with an arrow ("H ↑"), or
        "‼" for a critical value; empty when there is nothing to say."""
        return _MARKS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def abnormal(self) -> bool:
        return self not in (Flag.NORMAL, Flag.NONE)

    @property
    def critical(self) -> bool:
        return self in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)


_SYMBOLS = {
    Flag.CRITICAL_LOW: "LL",
    Flag.LOW: "L",
    Flag.NORMAL: "",
    Flag.HIGH: "H",
    Flag.CRITICAL_HIGH: "HH",
    Flag.ABNORMAL: "A",
    Flag.NONE: "",
}
_MARKS = {
    Flag.CRITICAL_LOW: "LL ‼",
    Flag.LOW: "L ↓",
    Flag.NORMAL: "",
    Flag.HIGH: "H ↑",
    Flag.CRITICAL_HIGH: "HH ‼",
    Flag.ABNORMAL: "A",
    Flag.NONE: "",
}
_LABELS = {
    Flag.CRITICAL_LOW: "Critically low",
    Flag.LOW: "Low",
    Flag.NORMAL: "Normal",
    Flag.HIGH: "High",
    Flag.CRITICAL_HIGH: "Critically high",
    Flag.ABNORMAL: "Abnormal",
    Flag.NONE: "No reference range",
}


def number_text(value: float) -> str:
    """140.0 -> "140", 1.010 -> "1.01", 0.0005 -> "0.0005" (six places at most)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def decimal_places(value: float | None) -> int:
    if value is None:
        return 0
    text = number_text(value)
    return len(text) - text.index(".") - 1 if "." in text else 0


def range_text(low: float | None, high: float | None, words: str | None = None) -> str:
    if low is not None and high is not None:
        return f"{number_text(low)}–{number_text(high)}"
    if low is not None:
        return f"≥ {number_text(low)}"
    if high is not None:
        return f"≤ {number_text(high)}"
    return words or ""
