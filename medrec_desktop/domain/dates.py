"""Reading dates the way clinic staff type them.

Every screen shows dates month first (MM/DD/YYYY), so that is how typed dates are read too.
A day-first dotted form ("14.03.1980") is not read: in a US clinic "03.04.1980" would be read
one way and meant the other, so it is refused with the formats that do work.
"""

from __future__ import annotations

import datetime as dt
import re

from medrec_desktop.domain.errors import ValidationError

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})$")
_EIGHT = re.compile(r"^\d{8}$")
# The oldest year of birth the registry accepts (PatientInput.validated says the same).
EARLIEST_YEAR = 1880

FORMATS_HELP = "03/14/1980, 3/14/80, 03141980 or 1980-03-14"


def looks_like_date(text: str) -> bool:
    raw = text.strip()
    return bool(_ISO.match(raw) or _US.match(raw) or _EIGHT.match(raw))


def _real(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _two_digit_year(yy: int, month: int, day: int, today: dt.date) -> dt.date | None:
    # "10/27/35" is a date that has happened: this century if that is not after today,
    # otherwise the last one. Birth dates and dates of service are never in the future.
    this_century = _real(today.year - today.year % 100 + yy, month, day)
    if this_century is not None and this_century <= today:
        return this_century
    return _real(today.year - today.year % 100 - 100 + yy, month, day)


def _eight_digits(raw: str, today: dt.date) -> dt.date | None:
    # MMDDYYYY (how US staff type a birth date without separators) and YYYYMMDD (how it
    # comes out of other systems) are both 8 digits. Of the readings that are real dates,
    # one that is already past and after EARLIEST_YEAR wins; a tie goes to month first. In
    # practice they never tie: a month of 01-12 would make YYYYMMDD's year 0100-1299.
    readings = [
        _real(int(raw[4:]), int(raw[:2]), int(raw[2:4])),
        _real(int(raw[:4]), int(raw[4:6]), int(raw[6:])),
    ]
    real = [d for d in readings if d is not None]
    plausible = [d for d in real if EARLIEST_YEAR <= d.year and d <= today]
    if plausible:
        return plausible[0]
    return real[0] if real else None


def parse_date(text: str, *, field: str = "date", today: dt.date | None = None) -> dt.date:
    """The date in ``text``; a ValidationError in plain words if it is not a real date.

    ``today`` decides the century of a two-digit year and which reading of 8 digits is meant;
    it defaults to the workstation's date.
    """
    raw = text.strip()
    if not raw:
        raise ValidationError("Enter a date.", field=field)
    day = today or dt.date.today()
    found: dt.date | None
    if m := _ISO.match(raw):
        found = _real(int(m[1]), int(m[2]), int(m[3]))
    elif m := _US.match(raw):
        month, dom, year = int(m[1]), int(m[3]), m[4]
        if len(year) == 2:
            found = _two_digit_year(int(year), month, dom, day)
        else:
            found = _real(int(year), month, dom)
    elif _EIGHT.match(raw):
        found = _eight_digits(raw, day)
    else:
        raise ValidationError(f"Type the date like {FORMATS_HELP}.", field=field)
    if found is None:
        raise ValidationError(
            f"{raw} is not a real date (check the month and the day).", field=field
        )
    return found


def age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))
