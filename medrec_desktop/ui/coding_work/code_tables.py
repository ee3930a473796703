"""The diagnoses and procedures tables of the coding screen: a heading with its Alt letter,
rows reordered by Alt+Up / Alt+Down or by drag, removed by Delete, and (procedures) the
modifiers, units and pointers typed into their cells. Mouse users have the same actions as
small buttons beside the heading."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coding_work import MAX_UNITS
from medrec_desktop.ui.coding_work.coding_models import ProceduresModel
from medrec_desktop.ui.widgets.shortcuts import shortcut

Index = QModelIndex | QPersistentModelIndex


class ProcedureCellDelegate(QStyledItemDelegate):
    """A line edit for modifiers and pointers, a spin box for units. A refused value is
    typed back into a reopened editor (:meth:`retype`), so nothing the user typed is lost."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view
        self._retyped: tuple[int, int, str] | None = None

    def createEditor(  # noqa: N802 - Qt's name
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        name = ProceduresModel.HEADERS[index.column()]
        if index.column() == ProceduresModel.COL_UNITS:
            spin = QSpinBox(parent)
            spin.setRange(1, MAX_UNITS)
            spin.setAccessibleName(f"Units of line {index.row() + 1}")
            return spin
        edit = QLineEdit(parent)
        edit.setAccessibleName(f"{name} of line {index.row() + 1}")
        edit.setPlaceholderText("1,2" if index.column() == ProceduresModel.COL_POINTERS else "25")
        return edit

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if self._retyped is not None and self._retyped[:2] == (index.row(), index.column()):
            text = self._retyped[2]
            self._retyped = None
        if isinstance(editor, QSpinBox):
            editor.setValue(int(text) if text.isdigit() else 1)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)

    def setModelData(  # noqa: N802 - Qt's name
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        if isinstance(editor, QSpinBox):
            model.setData(index, str(editor.value()))
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text())

    def retype(self, row: int, column: int, text: str) -> None:
        """Open the cell's editor again holding ``text`` (after the editor has closed)."""
        self._retyped = (row, column, text)

        def reopen() -> None:
            model = self._view.model()
            if model is None or row >= model.rowCount():
                self._retyped = None
                return
            index = model.index(row, column)
            self._view.setCurrentIndex(index)
            self._view.edit(index)

        QTimer.singleShot(0, reopen)


class CodesTable(QWidget):
    #: (old, new) move the row (Alt+Up/Down, drag, the arrow buttons)
    moved = Signal(int, int)
    #: (row) remove it (Delete, the Remove button)
    removed = Signal(int)

    def __init__(
        self, heading: str, hint: str, model: Any, accessible_name: str, noun: str
    ) -> None:
        super().__init__()
        self.noun = noun
        self.model = model
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        top = QHBoxLayout()
        self.heading = QLabel(heading)
        self.heading.setStyleSheet("font-weight: 600;")
        self.hint = QLabel(hint)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        top.addWidget(self.heading)
        top.addWidget(self.hint, 1)
        self.up_button = QPushButton("↑")
        self.down_button = QPushButton("↓")
        self.remove_button = QPushButton("Remove")
        for button, tip, slot in (
            (self.up_button, f"Move the {noun} up (Alt+Up)", lambda: self.step(-1)),
            (self.down_button, f"Move the {noun} down (Alt+Down)", lambda: self.step(1)),
            (self.remove_button, f"Remove the {noun} (Delete)", self.remove_selected),
        ):
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            top.addWidget(button)
        for b in (self.up_button, self.down_button):
            b.setMaximumWidth(b.fontMetrics().horizontalAdvance("↑") * 4 + 16)
        outer.addLayout(top)
        self.table = QTableView()
        self.table.setModel(model)
        self.heading.setBuddy(self.table)
        self.table.setAccessibleName(accessible_name)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head = self.table.horizontalHeader()
        head.setHighlightSections(False)
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Dragging a row moves it; the model turns the drop into a move of the screen's codes.
        self.table.setDragEnabled(True)
        self.table.setAcceptDrops(True)
        self.table.setDropIndicatorShown(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.table.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.table.setDragDropOverwriteMode(False)
        model.move_requested.connect(self.moved)
        outer.addWidget(self.table, 1)
        shortcut(Qt.Key.Key_Delete, self.table, self.remove_selected)
        shortcut("Alt+Up", self.table, lambda: self.step(-1))
        shortcut("Alt+Down", self.table, lambda: self.step(1))
        self._editable = True

    def stretch(self, column: int) -> None:
        self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        current = self.table.currentIndex()
        return current.row() if current.isValid() else None

    def select(self, row: int, column: int | None = None) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        current = self.table.currentIndex()
        col = column if column is not None else max(current.column(), 0)
        index = self.model.index(row, col)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def step(self, by: int) -> None:
        row = self.selected_row()
        if self._editable and row is not None and 0 <= row + by < self.model.rowCount():
            self.moved.emit(row, row + by)

    def remove_selected(self) -> None:
        row = self.selected_row()
        if self._editable and row is not None:
            self.removed.emit(row)

    def set_editable(self, editable: bool, why: str = "") -> None:
        """Read-only: the codes are shown, the buttons say why they are disabled."""
        self._editable = editable
        self.model.editable = editable
        for b in (self.up_button, self.down_button, self.remove_button):
            b.setVisible(editable)
        self.table.setDragEnabled(editable)
        self.table.setAcceptDrops(editable)
        self.table.setToolTip("" if editable else why)
        self.hint.setVisible(editable)
