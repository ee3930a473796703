"""The inbox as a table: one row per scan (DTOs only), with the picture of its first page,
when it arrived, its size, the patient suggested for it and why it waits. A scan waiting
longer than the clinic allows is highlighted amber *and* says "waiting N days" (never
colour alone); a closed one says what became of it, by whom and when."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap

from medrec_desktop.domain.documents import size_text
from medrec_desktop.domain.inbox import (
    DEFAULT_HIGHLIGHT_DAYS,
    Candidate,
    InboxEntry,
    InboxStatus,
)
from medrec_desktop.ui.inbox.texts import (
    candidate_text,
    closed_text,
    days_text,
    pages_text,
    part_text,
    waiting_text,
    when_text,
)
from medrec_desktop.ui.itemmodels.base import ROW_ROLE, SORT_ROLE, RowsModel

Index = QModelIndex | QPersistentModelIndex
THUMB = QSize(44, 57)  # a letter page's shape
OLD_BACKGROUND = QColor("#ffe3a1")  # amber, with dark text in light and dark themes alike
OLD_TEXT = QColor("#3b2600")
CLOSED_TEXT = QColor("#6b6b6b")
ThumbKey = tuple[int, str]  # (inbox id, sha256): a picture belongs to those exact bytes


def thumb_key(entry: InboxEntry) -> ThumbKey:
    return (entry.id, entry.sha256)


class InboxModel(RowsModel[InboxEntry]):
    COL_SCAN, COL_ARRIVED, COL_SUGGESTED, COL_NOTE, COL_STATUS = range(5)
    HEADERS = ("Scan", "Arrived", "Suggested patient", "Why it waits", "What became of it")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.now = dt.datetime.now(dt.UTC)
        self.highlight_days = DEFAULT_HIGHLIGHT_DAYS
        #: first-page pictures, kept in memory only, for the life of the screen
        self.thumbs: dict[ThumbKey, QPixmap] = {}
        #: scans whose picture could not be drawn (a damaged file): not asked for again
        self.no_thumb: set[ThumbKey] = set()
        #: suggested patients by inbox id; None while not asked or not answered
        self.suggestions: dict[int, tuple[Candidate, ...]] = {}
        self._parts: Counter[int] = Counter()
        self._blank = QPixmap(THUMB)
        self._blank.fill(QColor("#f2f2f2"))

    def set_entries(
        self, entries: Sequence[InboxEntry], *, now: dt.datetime, highlight_days: int
    ) -> None:
        self.now, self.highlight_days = now, highlight_days
        self._parts = Counter(e.parent_id for e in entries if e.parent_id is not None)
        self.set_rows(entries)

    def find(self, inbox_id: int) -> int:
        """The row of scan ``inbox_id``, or -1."""
        return next((n for n, e in enumerate(self._rows) if e.id == inbox_id), -1)

    def is_old(self, entry: InboxEntry) -> bool:
        return entry.is_old(self.now, self.highlight_days)

    def old_count(self) -> int:
        return sum(1 for e in self._rows if self.is_old(e))

    def waiting_count(self) -> int:
        return sum(1 for e in self._rows if e.status is InboxStatus.UNFILED)

    def set_thumbnail(self, entry: InboxEntry, picture: QPixmap | None) -> None:
        if picture is None:
            self.no_thumb.add(thumb_key(entry))
        else:
            self.thumbs[thumb_key(entry)] = picture
        self._changed(entry.id, self.COL_SCAN)

    def set_suggestions(self, inbox_id: int, found: Sequence[Candidate]) -> None:
        self.suggestions[inbox_id] = tuple(found)
        self._changed(inbox_id, self.COL_SUGGESTED)

    def _changed(self, inbox_id: int, col: int) -> None:
        row = self.find(inbox_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, col), self.index(row, col))

    # ------------------------------------------------------------------ cells

    def text(self, e: InboxEntry, col: int) -> str:
        if col == self.COL_SCAN:
            # Name, then pages and size, then (a part of a split scan) which pages it was.
            lines = [e.source_name, f"{pages_text(e.page_count)} · {size_text(e.size)}"]
            part = part_text(e)
            return "\n".join([*lines, part] if part else lines)
        if col == self.COL_ARRIVED:
            arrived = when_text(e.arrived_at, self.now)
            if self.is_old(e):
                return f"{arrived}\n⚠ {waiting_text(e, self.now)}"
            return arrived
        if col == self.COL_SUGGESTED:
            return self._suggested_text(e)
        if col == self.COL_NOTE:
            return e.note or ""
        if col == self.COL_STATUS:
            return closed_text(e, self.now, self._parts.get(e.id, 0))
        return ""

    def _suggested_text(self, e: InboxEntry) -> str:
        if e.status is not InboxStatus.UNFILED:
            return ""
        found = self.suggestions.get(e.id)
        if found is None:
            return ""  # not asked yet
        if not found:
            return "None found in the scan"
        best = found[0]
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        why = best.evidence[0] if best.evidence else ""
        # Name and MRN (the evidence usually names the MRN); the date of birth in the tip.
        return f"★ {best.name} · MRN {best.mrn}{more}\n{why}"

    def sort_key(self, e: InboxEntry, col: int) -> Any:
        if col == self.COL_ARRIVED:
            return e.arrived_at.isoformat()
        return self.text(e, col).casefold()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(e, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(e, col).replace("\n", ", ")
        if role == ROW_ROLE:
            return e
        if role == SORT_ROLE:
            return self.sort_key(e, col)
        if role == Qt.ItemDataRole.DecorationRole and col == self.COL_SCAN:
            return self.thumbs.get(thumb_key(e), self._blank)
        if role == Qt.ItemDataRole.BackgroundRole and self.is_old(e):
            return QBrush(OLD_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.is_old(e):
                return QBrush(OLD_TEXT)
            if e.status is not InboxStatus.UNFILED:
                return QBrush(CLOSED_TEXT)
        if role == Qt.ItemDataRole.FontRole and col == self.COL_ARRIVED and self.is_old(e):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(e, col)
        return None

    def _tooltip(self, e: InboxEntry, col: int) -> str | None:
        if col == self.COL_ARRIVED and self.is_old(e):
            return (
                f"Waiting {days_text(e.age_days(self.now))}: longer than the clinic's"
                f" {days_text(self.highlight_days)}"
            )
        if col == self.COL_SUGGESTED:
            found = self.suggestions.get(e.id)
            if found:
                return "\n".join(f"{candidate_text(c)}: {'; '.join(c.evidence)}" for c in found)
        if col == self.COL_SCAN and thumb_key(e) in self.no_thumb:
            return "This scan's first page could not be drawn."
        return None
