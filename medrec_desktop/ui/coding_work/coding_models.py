"""Item models of the coding screen: the diagnoses in order, the procedure lines and the
findings. Each holds DTOs (``set_rows``); edits and moves are asked of the screen's
:class:`~medrec_desktop.ui.coding_work.coding_edit.CodesEditor` through signals, which then
sets the rows again, so a model never holds a state of its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from medrec_desktop.coding.types import Finding, Severity
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodedProcedure, finding_key
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.itemmodels.base import ROW_ROLE, RowsModel

Index = QModelIndex | QPersistentModelIndex
ROW_MIME = "application/x-medrec-coding-row"
FIRST_LISTED = "first-listed"

SEVERITY_WORDS = {
    Severity.ERROR: "✖ Error",
    Severity.WARNING: "⚠ Warning",
    Severity.INFO: "ℹ Note",
}
SEVERITY_COLOURS = {
    Severity.ERROR: "#b3261e",
    Severity.WARNING: "#8a5300",
    Severity.INFO: "#1f5fa8",
}
SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class _Reorderable(RowsModel[Any]):
    """Rows moved by drag and drop inside one table: the drop asks for the move
    (``move_requested(old, new)``) instead of inserting and removing rows itself."""

    move_requested = Signal(int, int)
    editable = True

    def sync(self, rows: Sequence[Any]) -> None:
        """Show ``rows``. The same number of rows: only the rows that differ are redrawn,
        so the selection and an open cell editor stay; otherwise the model is reset."""
        rows = list(rows)
        if len(rows) != len(self._rows):
            self.set_rows(rows)
            return
        for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)):
            if old != new:
                self._rows[i] = new
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        # Which model it came from too: a row dragged from the other table is not taken.
        payload = f"{id(self)}:{rows[0] if rows else -1}"
        data.setData(ROW_MIME, QByteArray(payload.encode()))
        return data

    def _dragged_row(self, data: QMimeData) -> int | None:
        if not data.hasFormat(ROW_MIME):
            return None
        source, _, row = bytes(data.data(ROW_MIME).data()).decode().partition(":")
        if source != str(id(self)) or not row.lstrip("-").isdigit():
            return None
        return int(row)

    def canDropMimeData(  # noqa: N802 - Qt's name
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return self.editable and self._dragged_row(data) is not None

    def dropMimeData(  # noqa: N802 - Qt's name
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        old = self._dragged_row(data)
        if not self.editable or old is None:
            return False
        # Dropped on a row: that place; between rows: before ``row``; below them: the end.
        target = parent.row() if parent.isValid() else (row if row >= 0 else len(self._rows))
        new = target - 1 if target > old else target
        new = max(0, min(new, len(self._rows) - 1))
        if 0 <= old < len(self._rows) and new != old:
            self.move_requested.emit(old, new)
        # False: the view must not remove the dragged row itself (the move did it all).
        return False

    def _flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled if self.editable else Qt.ItemFlag.NoItemFlags
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
        if self.editable:
            flags |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return flags


class DiagnosesModel(_Reorderable):
    """The diagnoses in order: the first is the first-listed (the reason for the visit)."""

    COL_SEQ, COL_CODE, COL_TITLE, COL_PROBLEM = range(4)
    HEADERS = ("#", "Code", "Description", "Problem list")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        #: problem id -> its words, for the "Problem list" column
        self.problems: Mapping[int, str] = {}

    def flags(self, index: Index) -> Qt.ItemFlag:
        return self._flags(index)

    def diagnosis(self, row: int) -> CodedDiagnosis:
        return self._rows[row]  # type: ignore[no-any-return]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        d: CodedDiagnosis = self._rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return d
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == self.COL_SEQ:
                n = index.row() + 1
                return f"{n} {FIRST_LISTED}" if n == 1 else str(n)
            if col == self.COL_CODE:
                return d.code
            if col == self.COL_TITLE:
                return d.title or "(title unknown: see the findings)"
            if col == self.COL_PROBLEM:
                if d.problem_id is None:
                    return ""
                return "↔ " + self.problems.get(d.problem_id, f"problem no. {d.problem_id}")
        if role == Qt.ItemDataRole.ToolTipRole:
            first = " (first-listed: the main reason for the visit)" if index.row() == 0 else ""
            return f"{d.code}  {d.title}{first}"
        return None


class ProceduresModel(_Reorderable):
    """Procedure lines; modifiers, units and pointers are typed into the cells of HCPCS and
    CPT lines (``edit`` applies the text or raises ValidationError; ``refused`` then says
    why, with the text the user typed)."""

    COL_SEQ, COL_SYSTEM, COL_CODE, COL_TITLE, COL_MODIFIERS, COL_UNITS, COL_POINTERS = range(7)
    HEADERS = ("#", "Code set", "Code", "Description", "Modifiers", "Units", "Pointers")
    FIELDS = {COL_MODIFIERS: "modifiers", COL_UNITS: "units", COL_POINTERS: "pointers"}

    #: (row, column, message, typed text) a typed value was refused; nothing changed
    refused = Signal(int, int, str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.edit: Callable[[int, str, str], None] | None = None

    def procedure(self, row: int) -> CodedProcedure:
        return self._rows[row]  # type: ignore[no-any-return]

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = self._flags(index)
        if (
            index.isValid()
            and self.editable
            and index.column() in self.FIELDS
            and self.procedure(index.row()).system.takes_modifiers
        ):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        p: CodedProcedure = self._rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return p
        if role == Qt.ItemDataRole.EditRole:
            return self._cell(p, col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == self.COL_SEQ:
                return str(index.row() + 1)
            if col == self.COL_SYSTEM:
                return p.system.label
            if col == self.COL_CODE:
                return p.code
            if col == self.COL_TITLE:
                return p.title or "(title unknown: see the findings)"
            if not p.system.takes_modifiers:
                return "—" if col in self.FIELDS else None
            return self._cell(p, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in self.FIELDS and not p.system.takes_modifiers:
                return "ICD-10-PCS codes take no modifiers, units or diagnosis pointers."
            if col == self.COL_POINTERS:
                return (
                    "The diagnoses (by number, up to 4) this line was done for, the main "
                    "one first. Type e.g. 1,2."
                )
            if col == self.COL_MODIFIERS:
                return "Up to 4 modifiers, e.g. 25 or LT RT."
            return p.label
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.COL_UNITS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cell(self, p: CodedProcedure, col: int) -> str:
        if col == self.COL_MODIFIERS:
            return " ".join(p.modifiers)
        if col == self.COL_UNITS:
            return str(p.units)
        if col == self.COL_POINTERS:
            return ",".join(str(x) for x in p.pointers)
        return ""

    def setData(  # noqa: N802 - Qt's name
        self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        what = self.FIELDS.get(index.column())
        if not index.isValid() or what is None or role != Qt.ItemDataRole.EditRole:
            return False
        if self.edit is None:
            return False
        text = str(value)
        row = index.row()
        try:
            self.edit(row, what, text)
        except ValidationError as err:
            self.refused.emit(row, index.column(), err.message, text)
            return False
        return True


class FindingsModel(RowsModel[Finding]):
    """The findings, errors first; severity told by symbol and word as well as colour.
    A finding the coder overrode says so, with the reason."""

    COL_SEVERITY, COL_CODES, COL_MESSAGE = range(3)
    HEADERS = ("Severity", "Codes", "Finding")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        #: finding key -> the override reason kept on the coding
        self.overridden: Mapping[str, str] = {}

    def set_findings(self, findings: Sequence[Finding], overridden: Mapping[str, str]) -> None:
        self.overridden = dict(overridden)
        self.set_rows(sorted(findings, key=lambda f: SEVERITY_RANK[f.severity]))

    def finding(self, row: int) -> Finding:
        return self._rows[row]

    def reason_for(self, f: Finding) -> str | None:
        return self.overridden.get(finding_key(f.rule_id, f.codes))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        f, col = self._rows[index.row()], index.column()
        if role == ROW_ROLE:
            return f
        reason = self.reason_for(f) if f.severity is Severity.ERROR else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == self.COL_SEVERITY:
                word = SEVERITY_WORDS[f.severity]
                return f"{word} (overridden)" if reason else word
            if col == self.COL_CODES:
                return ", ".join(f.codes)
            if col == self.COL_MESSAGE:
                return f"{f.message}  Overridden: {reason}" if reason else f.message
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_SEVERITY:
            return QBrush(QColor(SEVERITY_COLOURS[f.severity]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{f.message}\n\nRule ({f.rule_id}): {f.rule}"
        return None

    def counts(self) -> dict[Severity, int]:
        return {s: sum(1 for f in self._rows if f.severity is s) for s in Severity}
