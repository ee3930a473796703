"""The results grid as a Qt table model: one row per analyte under its panel's heading row,
one column per collection time, newest first. The analytes' names are the vertical header,
so they stay in view while ten years of columns scroll by.

Cells are worked out when Qt asks for them (only the visible ones), never built up front:
2,000 results paint as fast as 20.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette

from medrec_desktop.domain.result_grid import GridCell, GridRow, ResultsGrid
from medrec_desktop.ui.chart.kind_view import when
from medrec_desktop.ui.chart.result_style import (
    cell_text,
    flag_background,
    flag_foreground,
    range_line,
)

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole  # the analyte's key (a trend's)
CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # the GridCell, or None


def row_label(row: GridRow) -> str:
    return f"{row.analyte} ({row.unit})" if row.unit else row.analyte


def cell_tooltip(row: GridRow, cell: GridCell) -> str:
    result, test = cell.result, cell.test
    unit = f" {result.unit}" if result.unit and result.numeric is not None else ""
    flag = result.flag
    lines = [
        f"{result.analyte}: {result.value_text}{unit}" + (f" — {flag.label}" if flag.symbol else "")
    ]
    reference = range_line(result)
    if reference:
        lines.append(reference)
    lab = f" · {test.performing_lab}" if test.performing_lab else ""
    lines.append(f"{test.name}{lab}")
    times = f"Collected {when(test.collected_at)}"
    if test.resulted_at is not None:
        times += f" · resulted {when(test.resulted_at)}"
    lines.append(times)
    if result.loinc:
        lines.append(f"LOINC {result.loinc}")
    return "\n".join(lines)


def spoken(row: GridRow, cell: GridCell) -> str:
    """What a screen reader says: "Potassium 5.8 mmol/L, high"."""
    result = cell.result
    unit = f" {result.unit}" if result.unit and result.numeric is not None else ""
    flag = result.flag
    return f"{result.analyte} {result.value_text}{unit}" + (
        f", {flag.label.lower()}" if flag.symbol else ""
    )


class ResultsGridModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid: ResultsGrid | None = None
        self.entries: list[GridRow | str] = []  # a str is a panel's heading row
        self._headers: list[str] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_grid(self, grid: ResultsGrid) -> None:
        self.beginResetModel()
        self.grid = grid
        self.entries = []
        for panel, rows in grid.panels():
            self.entries.append(panel)
            self.entries.extend(rows)
        local = [c.astimezone() for c in grid.columns]
        self._headers = [f"{m:%m/%d/%Y}\n{m:%H:%M}" for m in local]
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.grid = None
        self.entries = []
        self._headers = []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def row_at(self, row: int) -> GridRow | None:
        entry = self.entries[row] if 0 <= row < len(self.entries) else None
        return entry if isinstance(entry, GridRow) else None

    def cell_at(self, row: int, column: int) -> GridCell | None:
        found = self.row_at(row)
        if found is None or not 0 <= column < len(found.cells):
            return None
        return found.cells[column]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.row_at(index.row()) is None:
            return Qt.ItemFlag.ItemIsEnabled  # a panel's heading: not a place to stop
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QPalette().color(QPalette.ColorRole.AlternateBase)
            return None
        if role == KEY_ROLE:
            return row.key
        cell = row.cells[index.column()] if index.column() < len(row.cells) else None
        if role == CELL_ROLE:
            return cell
        if cell is None:
            return None
        flag = cell.flag
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cell.result, row.unit)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(row, cell)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken(row, cell)
        if role == Qt.ItemDataRole.ForegroundRole:
            return flag_foreground(flag, QPalette())
        if role == Qt.ItemDataRole.BackgroundRole:
            return flag_background(flag, QPalette())
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if flag.abnormal else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._headers):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Collected " + self._headers[section].replace("\n", " ")
            return None
        if not 0 <= section < len(self.entries):
            return None
        entry = self.entries[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry if isinstance(entry, str) else "   " + row_label(entry)
        if role == Qt.ItemDataRole.FontRole and isinstance(entry, str):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(entry, GridRow):
            trend = " · Enter plots its trend" if entry.numeric else ""
            return (f"LOINC {entry.loinc}" if entry.loinc else "No LOINC code") + trend
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None
