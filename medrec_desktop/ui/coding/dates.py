"""Dates of service as coders type them: 2026-11-20, 11/20/2026, 11/20/26, 11202026, today."""

from __future__ import annotations

import datetime as dt
import re

_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_dos(text: str, today: dt.date | None = None) -> dt.date | None:
    """The date ``text`` means (US month-first order), or None if it is not a date."""
    value = text.strip().lower()
    today = today or dt.date.today()
    if value in ("", "t", "today"):
        return today
    try:
        if m := _ISO.match(value):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SLASHED.match(value):
            year = int(m[3])
            if year < 100:  # two-digit years are this century: dates of service are recent
                year += 2000
            return dt.date(year, int(m[1]), int(m[2]))
        if value.isdigit() and len(value) == 8:
            if value[:2] in ("19", "20"):
                return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
            return dt.date(int(value[4:]), int(value[:2]), int(value[2:4]))
    except ValueError:
        return None
    return None
