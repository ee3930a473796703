"""Table models over the coding reports' rows (``domain/coding_reports.py``): the coders'
days, each coder's totals with query turnaround, and the diagnosis groups. Counts are right
aligned and sort as numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt

from medrec_desktop.domain.coding_reports import (
    CoderDay,
    CoderTotals,
    DiagnosisGroup,
    DiagnosisGrouping,
)
from medrec_desktop.ui.itemmodels.base import DtoTableModel, Index

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def hours_text(value: float | None) -> str:
    """ "45 min", "6.5 h", "2 d 3 h", "–" when nothing was answered."""
    if value is None:
        return "–"
    if value < 1:
        return f"{max(1, round(value * 60))} min"
    if value < 48:
        return f"{value:.1f} h".replace(".0 h", " h")
    days, rest = divmod(round(value), 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def day_text(day: dt.date) -> str:
    return f"{day:%a %m/%d/%Y}"


class _Counts(DtoTableModel[Any]):
    """Columns from ``FIRST_COUNT`` on are counts: right aligned, sorted as numbers."""

    FIRST_COUNT = 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid():
            return int(RIGHT if index.column() >= self.FIRST_COUNT else LEFT)
        return super().data(index, role)

    def values(self, row: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def display(self, row: Any, column: int) -> str:
        value = self.values(row)[column]
        return value if isinstance(value, str) else f"{value:,}"

    def sort_key(self, row: Any, column: int) -> Any:
        value = self.values(row)[column]
        return value.casefold() if isinstance(value, str) else value


class CoderDayModel(_Counts):
    HEADERS = ("Day", "Coder", "Coded", "Re-coded", "Errors overridden")
    COL_DAY, COL_CODER, COL_CODED, COL_RECODED, COL_OVERRIDDEN = range(5)
    FIRST_COUNT = COL_CODED

    def values(self, row: CoderDay) -> tuple[Any, ...]:
        return (row.day, row.coder, row.coded, row.recoded, row.overridden)

    def display(self, row: CoderDay, column: int) -> str:
        return day_text(row.day) if column == self.COL_DAY else super().display(row, column)

    def sort_key(self, row: CoderDay, column: int) -> Any:
        return row.day.toordinal() if column == self.COL_DAY else super().sort_key(row, column)

    def tooltip(self, row: CoderDay, column: int) -> str | None:
        if column == self.COL_CODED:
            return "Encounters this coder marked coded that day"
        if column == self.COL_RECODED:
            return "Encounters marked coded again after their codes were changed"
        if column == self.COL_OVERRIDDEN:
            return "Error findings let stand with a written reason when marking coded"
        return None


class CoderTotalsModel(_Counts):
    HEADERS = (
        "Coder",
        "Encounters coded",
        "Re-coded",
        "Errors overridden",
        "Queries answered",
        "Median turnaround",
        "Mean turnaround",
        "Open at end",
    )
    COL_CODER, COL_CODED, COL_RECODED, COL_OVERRIDDEN, COL_ANSWERED = range(5)
    COL_MEDIAN, COL_MEAN, COL_OPEN = 5, 6, 7

    def values(self, row: CoderTotals) -> tuple[Any, ...]:
        q = row.queries
        return (
            row.coder,
            row.coded,
            row.recoded,
            row.overridden,
            q.answered,
            q.median_hours,
            q.mean_hours,
            q.open,
        )

    def display(self, row: CoderTotals, column: int) -> str:
        if column in (self.COL_MEDIAN, self.COL_MEAN):
            return hours_text(self.values(row)[column])
        return super().display(row, column)

    def sort_key(self, row: CoderTotals, column: int) -> Any:
        value = self.values(row)[column]
        if column in (self.COL_MEDIAN, self.COL_MEAN):
            return -1.0 if value is None else value
        return super().sort_key(row, column)

    def tooltip(self, row: CoderTotals, column: int) -> str | None:
        if column in (self.COL_MEDIAN, self.COL_MEAN):
            return "Hours from asking to the provider's answer, of the queries answered"
        if column == self.COL_OPEN:
            return "Queries this coder asked that were still open at the end of the period"
        return None


class DiagnosisGroupModel(_Counts):
    """The counts first and the title last, where it has the rest of the width."""

    HEADERS = ("Chapter", "Encounters", "Patients", "Diagnoses", "Title")
    COL_KEY, COL_ENCOUNTERS, COL_PATIENTS, COL_DIAGNOSES, COL_TITLE = range(5)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.COL_TITLE:
            return int(LEFT)
        return super().data(index, role)

    def set_grouping(self, by: DiagnosisGrouping) -> None:
        self.HEADERS = (by.noun, *type(self).HEADERS[1:])
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def values(self, row: DiagnosisGroup) -> tuple[Any, ...]:
        return (row.key, row.encounters, row.patients, row.diagnoses, row.title)

    def sort_key(self, row: DiagnosisGroup, column: int) -> Any:
        if column == self.COL_KEY:  # chapter 2 before chapter 10; HCC38 before HCC327
            # (a text sort key: the proxy compares QVariants, which cannot hold a tuple)
            head = row.key.rstrip("0123456789")
            tail = row.key[len(head) :]
            return f"{head.casefold()}{int(tail):08d}" if tail else row.key.casefold()
        return super().sort_key(row, column)

    def tooltip(self, row: DiagnosisGroup, column: int) -> str | None:
        if column == self.COL_DIAGNOSES:
            return "Diagnosis lines of coded encounters in this group"
        if column == self.COL_ENCOUNTERS:
            return "Coded encounters with at least one diagnosis in this group"
        if column == self.COL_PATIENTS:
            return "Different patients among those encounters"
        return row.label if column == self.COL_TITLE else None
