"""Reading a chart form's typed fields: text, numbers and choices, each refused in plain words
that name the field and never repeat what was typed (it may be PHI)."""

from __future__ import annotations

import math
from enum import Enum
from typing import TypeVar

from medrec_desktop.domain.errors import ValidationError

E = TypeVar("E", bound=Enum)

TEXT_MAX = 1000

Typed = str | int | float | None
"""What a number field may hold: the text of a line edit, or a spin box's value."""


def optional_text(value: str, *, field: str, what: str, limit: int = TEXT_MAX) -> str | None:
    """Outer spaces trimmed; blank -> None; too long -> refused with the length only."""
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(
            f"The {what} is {len(text)} characters long; keep it to {limit}.", field=field
        )
    return text or None


def required_text(value: str, *, field: str, what: str, missing: str, limit: int = TEXT_MAX) -> str:
    found = optional_text(value, field=field, what=what, limit=limit)
    if found is None:
        raise ValidationError(missing, field=field)
    return found


def choice(enum: type[E], value: E | str | None, *, field: str, what: str) -> E:
    """One of an enum's values; the message lists the choices by their labels."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(f"Choose {what}: {choices_text(enum)}.", field=field) from None


def optional_choice(enum: type[E], value: E | str | None, *, field: str, what: str) -> E | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return choice(enum, value, field=field, what=what)


def choices_text(enum: type[Enum]) -> str:
    shown = [str(getattr(m, "label", m.value)) for m in enum]
    # Mid-sentence: a capital only where the label needs one ("mL", "Intramuscular (IM)").
    names = [s[:1].lower() + s[1:] if s[1:2].islower() else s for s in shown]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _number_text(value: Typed) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: never a measurement
        raise TypeError("a yes/no value is not a number")
    return str(value).strip().replace(",", "")


def optional_number(
    value: Typed, *, field: str, what: str, low: float, high: float, unit: str = ""
) -> float | None:
    """A decimal number between ``low`` and ``high`` (inclusive); blank -> None."""
    text = _number_text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(f"Type the {what} as a number.", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"Type the {what} as a number.", field=field)
    if not low <= number <= high:
        raise ValidationError(
            f"The {what} must be between {_plain(low)} and {_plain(high)}{unit}.", field=field
        )
    return number


def optional_whole(
    value: Typed, *, field: str, what: str, low: int, high: int, unit: str = ""
) -> int | None:
    """A whole number between ``low`` and ``high`` (inclusive); blank -> None."""
    number = optional_number(value, field=field, what=what, low=low, high=high, unit=unit)
    if number is None:
        return None
    if not number.is_integer():
        raise ValidationError(f"Type the {what} as a whole number.", field=field)
    return int(number)


def _plain(number: float) -> str:
    """``300`` rather than ``300.0``; other decimals as they are."""
    return str(int(number)) if float(number).is_integer() else str(number)


def shown_number(value: float | int | None, places: int = 1) -> str:
    """A stored number back in a form field: ``70`` -> "70", ``69.5`` -> "69.5"."""
    if value is None:
        return ""
    rounded = round(float(value), places)
    return _plain(rounded)
