"""Reading dates the way clinic staff type them."""

from __future__ import annotations

import datetime as dt
import re

from medrec_desktop.domain.errors import ValidationError

# ISO first; then US month/day/year (the clinic's default); then day.month.year with dots.
_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
)

FORMATS_HELP = "1980-03-14, 03/14/1980 or 14.03.1980"


def looks_like_date(text: str) -> bool:
    return any(p.match(text.strip()) for p, _ in _PATTERNS)


def parse_date(text: str, *, field: str = "date") -> dt.date:
    """The date in ``text``; a ValidationError in plain words if it is not a real date."""
    raw = text.strip()
    if not raw:
        raise ValidationError("Enter a date.", field=field)
    for pattern, order in _PATTERNS:
        m = pattern.match(raw)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValidationError(
                    f"{raw} is not a real date (check the month and the day).", field=field
                ) from None
    raise ValidationError(f"Type the date like {FORMATS_HELP}.", field=field)


def age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))
