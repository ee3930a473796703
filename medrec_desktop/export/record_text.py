"""How dates, times and statuses read on a printed record (issue 14). The chart's one-line
texts live in ``services/chart_lines.py``, which this layer may not import; a printed record
lays items out in columns instead, so these are the few pieces the columns need.

Times are shown in the workstation's local time, month first, as every screen shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.partial_dates import PartialDate


def day(value: dt.date | None) -> str:
    """ "03/14/1998", blank for none."""
    return f"{value:%m/%d/%Y}" if value is not None else ""


def local_time(moment: dt.datetime | None) -> str:
    """ "11/20/2026 14:05" in the workstation's time (a naive time is taken as local)."""
    if moment is None:
        return ""
    shown = moment.astimezone() if moment.tzinfo else moment
    return shown.strftime("%m/%d/%Y %H:%M")


def local_day(moment: dt.datetime) -> dt.date:
    return (moment.astimezone() if moment.tzinfo else moment).date()


def partial(value: PartialDate | None) -> str:
    """ "1998", "03/1998", "03/14/1998", blank for none."""
    return value.display if value is not None else ""


def number(value: float | None, places: int = 1) -> str:
    return shown_number(value, places) if value is not None else ""


def status(item: ItemInfo[object], labels: Mapping[ItemStatus, str] | None = None) -> str:
    """The item's status in its kind's words ("Stopped", "Not counted")."""
    said = labels.get(item.status) if labels else None
    return said or item.status.label


def joined(*parts: str | None, sep: str = "; ") -> str:
    """The parts that say something, joined."""
    return sep.join(p for p in parts if p)


def labelled(label: str, value: str | None) -> str:
    """ "Notes: took it with food", blank when there is no value."""
    return f"{label}: {value}" if value else ""


_PRIORITY = {1: "Primary", 2: "Secondary", 3: "Tertiary"}


def coverage_label(priority: int) -> str:
    """1 -> "Primary", 2 -> "Secondary"... as an insurance card's order is said."""
    return _PRIORITY.get(priority, f"Coverage {priority}")
