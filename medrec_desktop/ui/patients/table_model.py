"""Qt item model of patients (DTOs only) for search results and recent patients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.phones import format_phone
from medrec_desktop.ui.itemmodels.base import RowsModel

Index = QModelIndex | QPersistentModelIndex
PatientRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
SIMILAR_MARK = "≈"
SIMILAR_TIP = "Similar spelling: not an exact match for what you typed"


class PatientTableModel(RowsModel[PatientInfo]):
    COL_NAME, COL_DOB, COL_SEX, COL_MRN, COL_PHONE = range(5)
    HEADERS = ("Name", "Date of birth (age)", "Sex", "MRN", "Phone")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._today = dt.date.today()
        self._exact = 0

    def set_rows(self, rows: Sequence[PatientInfo], *, exact: int | None = None) -> None:
        """``exact``: how many leading rows match what was typed exactly; the others are
        similar spellings and are marked (all rows are exact when it is not given)."""
        self._today = dt.date.today()  # ages are as of the day the list was loaded
        self._exact = len(rows) if exact is None else exact
        super().set_rows(rows)

    def patient(self, row: int) -> PatientInfo:
        return self._rows[row]

    def is_similar(self, row: int) -> bool:
        return row >= self._exact

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        p = self._rows[index.row()]
        col = index.column()
        if role == PatientRole:
            return p
        similar = self.is_similar(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                # A mark and a font, never colour alone, say "not what you typed".
                return f"{SIMILAR_MARK} {p.display_name}" if similar else p.display_name
            if col == self.COL_DOB:
                return f"{p.birth_date:%m/%d/%Y}  ({age_on(p.birth_date, self._today)} y)"
            if col == self.COL_SEX:
                return p.sex.capitalize()
            if col == self.COL_MRN:
                return p.mrn
            if col == self.COL_PHONE:
                return format_phone(p.phone) or ""
        if role == SortRole:
            return (
                p.display_name.casefold(),
                p.birth_date.isoformat(),
                p.sex,
                p.mrn,
                "".join(ch for ch in p.phone or "" if ch.isdigit()),
            )[col]
        if role == Qt.ItemDataRole.FontRole and similar and col == self.COL_NAME:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and similar:
            return SIMILAR_TIP
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.COL_NAME:
            spelt = ", similar spelling" if similar else ""
            return f"{p.display_name}, born {p.birth_date:%B %d %Y}, MRN {p.mrn}{spelt}"
        return None
