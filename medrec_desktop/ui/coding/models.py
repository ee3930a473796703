"""Item models of the coding panel; each holds DTOs and is reset whole by ``set_rows()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from medrec_desktop.coding.types import Finding, SearchHit, Severity
from medrec_desktop.ui.itemmodels.base import RowsModel

Index = QModelIndex | QPersistentModelIndex

#: the second line under a title: its hierarchy, or the inclusion term that matched
SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 1
#: the DTO behind a row
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


def hierarchy_text(hit: SearchHit) -> str:
    """``E08-E13 › E11 › E11.6`` (sections and categories, not the chapter: it is too long)."""
    nodes = [code for code, _ in hit.path if not code.startswith("CH")]
    return " › ".join(nodes)


class ResultsModel(RowsModel[SearchHit]):
    COL_CODE, COL_TITLE, COL_BILLABLE = range(3)
    HEADERS = ("Code", "Description", "Billable")

    def hit(self, row: int) -> SearchHit:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        hit, col = self._rows[index.row()], index.column()
        if role == ROW_ROLE:
            return hit
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_CODE:
                return hit.code
            if col == self.COL_TITLE:
                return hit.title
            if col == self.COL_BILLABLE:
                return "Yes" if hit.billable else "Header"
        if role == SECONDARY_ROLE and col == self.COL_TITLE:
            path = hierarchy_text(hit)
            return f"matches “{hit.matched}” · {path}" if hit.matched else path
        if role == Qt.ItemDataRole.ToolTipRole:
            # The full title first (whatever the row had room for), then where the code sits.
            lines = [f"{hit.code}  {hit.title}"]
            if hit.matched:
                lines.append(f"Matches “{hit.matched}”")
            if hit.path:
                lines += ["", "In:", *(f"{code}  {title}" for code, title in hit.path)]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and not hit.billable:
            return QBrush(QApplication.palette().placeholderText().color())
        return None


@dataclass(frozen=True)
class ClaimLine:
    code: str
    title: str


class ClaimModel(RowsModel[ClaimLine]):
    """The codes of one claim in order: the first is the principal (first-listed) diagnosis."""

    COL_SEQ, COL_CODE, COL_TITLE = range(3)
    HEADERS = ("#", "Code", "Description")

    def codes(self) -> list[str]:
        return [r.code for r in self._rows]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        line, col = self._rows[index.row()], index.column()
        if role == ROW_ROLE:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_SEQ:
                return "1 (principal)" if index.row() == 0 else str(index.row() + 1)
            if col == self.COL_CODE:
                return line.code
            if col == self.COL_TITLE:
                return line.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{line.code}  {line.title}"
        return None


_SEVERITY_TEXT = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Note"}
_SEVERITY_COLOUR = {
    Severity.ERROR: "#b3261e",
    Severity.WARNING: "#8a5a00",
    Severity.INFO: "#1f5fa8",
}
_SEVERITY_ICON = {
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def severity_icon(severity: Severity) -> QIcon:
    return QApplication.style().standardIcon(_SEVERITY_ICON[severity])


class FindingsModel(RowsModel[Finding]):
    """Validation findings; severity is told by icon, word and colour together."""

    COL_SEVERITY, COL_RULE, COL_CODES, COL_MESSAGE = range(4)
    HEADERS = ("Severity", "Rule", "Codes", "Finding")

    def finding(self, row: int) -> Finding:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        f, col = self._rows[index.row()], index.column()
        if role == ROW_ROLE:
            return f
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_SEVERITY:
                return _SEVERITY_TEXT[f.severity]
            if col == self.COL_RULE:
                return f.rule_id
            if col == self.COL_CODES:
                return ", ".join(f.codes)
            if col == self.COL_MESSAGE:
                return f.message
        if role == Qt.ItemDataRole.DecorationRole and col == self.COL_SEVERITY:
            return severity_icon(f.severity)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_SEVERITY:
            return QBrush(QColor(_SEVERITY_COLOUR[f.severity]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{f.message}\n\nRule: {f.rule}"
        return None
