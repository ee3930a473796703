"""Qt item model of patients (DTOs only) for search results and recent patients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import PatientInfo

Index = QModelIndex | QPersistentModelIndex
PatientRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


class PatientTableModel(QAbstractTableModel):
    COL_NAME, COL_DOB, COL_SEX, COL_MRN, COL_PHONE = range(5)
    HEADERS = ("Name", "Date of birth (age)", "Sex", "MRN", "Phone")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PatientInfo] = []
        self._today = dt.date.today()

    def set_rows(self, rows: list[PatientInfo]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._today = dt.date.today()
        self.endResetModel()

    def patient(self, row: int) -> PatientInfo:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        p = self._rows[index.row()]
        col = index.column()
        if role == PatientRole:
            return p
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                return p.display_name
            if col == self.COL_DOB:
                return f"{p.birth_date:%m/%d/%Y}  ({age_on(p.birth_date, self._today)} y)"
            if col == self.COL_SEX:
                return p.sex.capitalize()
            if col == self.COL_MRN:
                return p.mrn
            if col == self.COL_PHONE:
                return p.phone or ""
        if role == SortRole:
            return (
                p.display_name.casefold(),
                p.birth_date.isoformat(),
                p.sex,
                p.mrn,
                p.phone or "",
            )[col]
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.COL_NAME:
            return f"{p.display_name}, born {p.birth_date:%B %d %Y}, MRN {p.mrn}"
        return None
