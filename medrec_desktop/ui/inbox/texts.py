"""How the scanner inbox words things: arrival times in local time ("Today 9:14 AM"), how long
a scan has waited, what became of a closed one, and the parts a split makes. No Qt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from medrec_desktop.domain.inbox import Candidate, InboxEntry, InboxStatus


def _local(moment: dt.datetime) -> dt.datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone()


def clock_text(moment: dt.datetime) -> str:
    """ "9:14 AM" in local time."""
    local = _local(moment)
    return f"{local.hour % 12 or 12}:{local:%M %p}"


def when_text(moment: dt.datetime, now: dt.datetime) -> str:
    """ "Today 9:14 AM", "Yesterday 4:02 PM", "Nov 21, 9:14 AM", "11/21/2025 9:14 AM": local
    time, as near as the day allows."""
    local, today = _local(moment), _local(now).date()
    if local.date() == today:
        return f"Today {clock_text(moment)}"
    if local.date() == today - dt.timedelta(days=1):
        return f"Yesterday {clock_text(moment)}"
    if local.year == today.year:
        return f"{local:%b} {local.day}, {clock_text(moment)}"
    return f"{local:%m/%d/%Y} {clock_text(moment)}"


def days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def waiting_text(entry: InboxEntry, now: dt.datetime) -> str:
    """ "waiting 5 days" (for a scan still waiting a day or more)."""
    return f"waiting {days_text(entry.age_days(now))}"


def pages_text(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"


def part_text(entry: InboxEntry) -> str:
    """ "Pages 4-5 of a split scan" for a part, else ""."""
    if entry.parent_id is None:
        return ""
    pages = entry.pages_of_parent or "?"
    word = "Page" if pages.isdigit() else "Pages"
    return f"{word} {pages} of a split scan"


def closed_text(entry: InboxEntry, now: dt.datetime, parts: int = 0) -> str:
    """What became of a closed scan, by whom and when: "Not ours: Fax for another
    practice · jsmith, Today 10:02 AM". ``parts``: how many parts a split made."""
    if entry.status is InboxStatus.UNFILED:
        return "Waiting to be filed"
    if entry.status is InboxStatus.FILED:
        what = "Filed to a chart"
        if entry.document_id is not None:
            what += f" (document {entry.document_id})"
    elif entry.status is InboxStatus.NOT_OURS:
        what = f"Not ours: {entry.close_reason}" if entry.close_reason else "Not ours"
    else:
        what = f"Split into {parts} parts" if parts else "Split into parts"
    who = entry.closed_by or "someone"
    when = f", {when_text(entry.closed_at, now)}" if entry.closed_at is not None else ""
    return f"{what} · {who}{when}"


def candidate_text(candidate: Candidate) -> str:
    """ "Okafor, Chidi · 07/01/1990 · MRN 1000003"."""
    born = f" · {candidate.birth_date:%m/%d/%Y}" if candidate.birth_date is not None else ""
    return f"{candidate.name}{born} · MRN {candidate.mrn}"


def evidence_text(candidate: Candidate) -> str:
    """The reasons for a suggestion in one line ("MRN 1000003 in the text on page 1; name
    “Chidi Okafor” in the file name")."""
    return "; ".join(candidate.evidence)


def summary_text(waiting: int, old: int, days: int) -> str:
    """The main window's status: "Inbox: 4 waiting (1 over 3 days)"."""
    if waiting == 0:
        return "Inbox: nothing waiting"
    over = f" ({old} over {days_text(days)})" if old else ""
    return f"Inbox: {waiting} waiting{over}"


# ---------------------------------------------------------------------- splitting


def parts_from_starts(starts: Iterable[int], count: int) -> list[tuple[int, int]]:
    """The parts (1-based inclusive page ranges, in order) a scan of ``count`` pages makes
    when a new part starts at each page in ``starts`` (page 1 always starts the first)."""
    firsts = sorted({1, *(p for p in starts if 1 < p <= count)})
    ends = [f - 1 for f in firsts[1:]] + [count]
    return list(zip(firsts, ends, strict=True))


def range_text(first: int, last: int) -> str:
    return f"page {first}" if first == last else f"pages {first}-{last}"


def parts_text(parts: Sequence[tuple[int, int]]) -> str:
    """ "Part 1: pages 1-3 · Part 2: page 4"."""
    return " · ".join(
        f"Part {n}: {range_text(first, last)}" for n, (first, last) in enumerate(parts, 1)
    )
