"""Dates known only to the year or the month, the way clinics really get them ("1998",
"03/1998"): an onset from a patient's memory, a surgery from an old letter.

A :class:`PartialDate` keeps the precision it was typed with: it displays as typed (US order),
is stored as sortable ISO text of that precision ("1998", "1998-03", "1998-03-14") and sorts
by its earliest day, a year before the months of that year.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from medrec_desktop.domain.dates import FORMATS_HELP, parse_date
from medrec_desktop.domain.errors import ValidationError

# Nobody's history in a clinic chart starts before this; an earlier year is a typing slip.
EARLIEST_YEAR = 1900

PARTIAL_HELP = "1998, 03/1998 or 03/14/1998"

_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/-](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_STORED = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@functools.total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A year, a month of a year, or a whole date. ``day`` is only set with ``month``."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        # Raises ValueError for a month or day that does not exist.
        dt.date(self.year, self.month or 1, self.day or 1)

    # ------------------------------------------------------------------ reading

    @classmethod
    def parse(cls, text: str, *, today: dt.date, field: str = "date") -> PartialDate:
        """What was typed: ``1998``, ``03/1998``, ``1998-03``, ``03/14/1998``, ``1998-03-14``
        (and the other whole-date forms of :func:`~medrec_desktop.domain.dates.parse_date`).
        A plain ValidationError names the problem; nothing in the future is accepted."""
        raw = text.strip()
        if not raw:
            raise ValidationError("Enter a date.", field=field)
        found: PartialDate | None = None
        if m := _YEAR.match(raw):
            found = cls(int(m.group(1)))
        elif month_year := _month_year(raw):
            month, year = month_year
            if not 1 <= month <= 12:
                raise ValidationError(
                    f"{raw}: there is no month {month}. Type the date like {PARTIAL_HELP}.",
                    field=field,
                )
            found = cls(year, month)
        else:
            try:
                whole = parse_date(raw, field=field)
            except ValidationError as err:
                if "not a real date" in err.message:
                    raise
                raise ValidationError(
                    f"Type the date like {PARTIAL_HELP} (or {FORMATS_HELP}).", field=field
                ) from None
            found = cls(whole.year, whole.month, whole.day)
        if found.year < EARLIEST_YEAR:
            raise ValidationError(f"{raw} is before {EARLIEST_YEAR}; check the year.", field=field)
        if found.earliest > today:
            raise ValidationError(f"{raw} is in the future.", field=field)
        return found

    @classmethod
    def from_storage(cls, text: str) -> PartialDate:
        """The stored form back ("1998", "1998-03", "1998-03-14")."""
        m = _STORED.match(text)
        if m is None:
            raise ValueError(f"not a stored partial date: {text!r}")
        year, month, day = m.groups()
        return cls(int(year), int(month) if month else None, int(day) if day else None)

    @classmethod
    def of(cls, day: dt.date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    # ------------------------------------------------------------------ showing and storing

    @property
    def storage(self) -> str:
        """ISO text of the precision typed: sorts correctly as text too."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def display(self) -> str:
        """As the clinic types it: ``1998``, ``03/1998``, ``03/14/1998``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.month:02d}/{self.day:02d}/{self.year:04d}"

    def __str__(self) -> str:
        return self.display

    @property
    def precision(self) -> str:
        """``year``, ``month`` or ``day``."""
        return "year" if self.month is None else "month" if self.day is None else "day"

    @property
    def earliest(self) -> dt.date:
        """The first day this date may mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        """The last day this date may mean."""
        if self.day is not None:
            return self.earliest
        if self.month is None:
            return dt.date(self.year, 12, 31)
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    def _key(self) -> tuple[int, int, int, int]:
        # Earliest day first; at the same day the coarser date first ("1998" before "01/1998").
        rank = {"year": 0, "month": 1, "day": 2}[self.precision]
        return (self.year, self.month or 1, self.day or 1, rank)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()


def _month_year(raw: str) -> tuple[int, int] | None:
    """(month, year) of "03/1998", "3-1998" or "1998-03"."""
    if m := _MONTH_YEAR.match(raw):
        return int(m.group(1)), int(m.group(2))
    if m := _ISO_MONTH.match(raw):
        return int(m.group(2)), int(m.group(1))
    return None


def parse_optional(text: str, *, today: dt.date, field: str) -> PartialDate | None:
    """Blank means "not known"; anything else must be a partial date."""
    return PartialDate.parse(text, today=today, field=field) if text.strip() else None


def refuse_before(
    later: PartialDate | None, earlier: PartialDate | None, *, field: str, message: str
) -> None:
    """Refuse ``later`` when it certainly lies before ``earlier`` (overlapping precisions,
    e.g. "1998" and "03/1998", are accepted)."""
    if later is not None and earlier is not None and later.latest < earlier.earliest:
        raise ValidationError(message, field=field)
