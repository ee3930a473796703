"""The scanner inbox (issue 12): what a picked-up scan is while it waits, and what became of
it. No Qt, no database.

A scan arrives from the clinic's scanner folder (``services.inbox_intake``), its bytes
already stored inside the encrypted database. It waits *unfiled* until a records specialist
files it to a patient (it becomes a document item, the same bytes), marks it *not ours*
with a reason, or *splits* it into parts that wait on their own. A scan whose first page is
one of the clinic's cover sheets is filed automatically; a cover sheet that cannot be used
(unknown, expired, printed for a merged record) leaves the scan here with that ``note``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

#: clinic settings
FOLDER_KEY = "inbox_folder"
HIGHLIGHT_DAYS_KEY = "inbox_highlight_days"
DEFAULT_HIGHLIGHT_DAYS = 3
MAX_HIGHLIGHT_DAYS = 90


class InboxStatus(StrEnum):
    UNFILED = "unfiled"
    FILED = "filed"
    NOT_OURS = "not_ours"
    SPLIT = "split"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    InboxStatus.UNFILED: "Waiting to be filed",
    InboxStatus.FILED: "Filed",
    InboxStatus.NOT_OURS: "Not ours",
    InboxStatus.SPLIT: "Split into parts",
}


@dataclass(frozen=True)
class InboxEntry:
    """One inbox item as a list shows it. ``source_name`` is the file's name in the scanner
    folder (may name a patient: PHI). ``pages_of_parent`` ("1-3") for a part of a split
    scan. ``closed_by`` is a username."""

    id: int
    source_name: str
    arrived_at: dt.datetime
    content_type: str
    page_count: int
    size: int
    sha256: str
    status: InboxStatus
    note: str | None
    version: int
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    close_reason: str | None = None
    document_id: int | None = None
    parent_id: int | None = None
    pages_of_parent: str | None = None

    def age_days(self, now: dt.datetime) -> int:
        """Whole days since it arrived."""
        return max(0, (now - self.arrived_at).days)

    def is_old(self, now: dt.datetime, highlight_days: int) -> bool:
        """Still waiting after the clinic's number of days: the list highlights it."""
        return self.status is InboxStatus.UNFILED and self.age_days(now) >= highlight_days


@dataclass(frozen=True)
class InboxSettings:
    """Where the scanner writes (None: no inbox folder chosen yet) and after how many days a
    waiting scan is highlighted."""

    folder: str | None
    highlight_days: int = DEFAULT_HIGHLIGHT_DAYS


@dataclass(frozen=True)
class Received:
    """What one pick-up did: ``inbox_id`` is the inbox item (new, or the one an interrupted
    pick-up had already committed: ``already`` True); ``document_id`` is set when a cover
    sheet filed it at once."""

    inbox_id: int
    already: bool = False
    document_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A patient a scan without a cover sheet may belong to, with why (never filed
    automatically: a records specialist chooses). ``score`` 0-100, best first in lists;
    ``evidence`` in plain words ("MRN 100234 in the text on page 1", "name “Ana Rivera” in
    the file name", "date of birth 04/12/1961 in the text")."""

    patient_id: int
    name: str
    birth_date: dt.date | None
    mrn: str
    score: int
    evidence: tuple[str, ...]
