"""A test's results in its form: one row per analyte, the flag shown as the value is typed.

Rows come from a panel template (or a saved test) with the analyte, unit and range filled in
and *locked*: Tab goes from value to value, and Enter saves. "Unlock names, units and ranges"
lets the user type over them (the lab printed another range). A test typed freely starts
with one open row; Insert adds another. Rows left without a value are not saved.

Like every field of the generic form, the rows read and write their value as text (JSON,
held in a hidden line edit), so drafts, the unsaved-changes tracker and the conflict view
treat them like any other field.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.result_flags import range_text
from medrec_desktop.domain.results import (
    Flag,
    ResultInput,
    ValueKind,
    reads_as_number,
)
from medrec_desktop.ui.chart.result_rows_text import TypedRow, rows_from_text, rows_text
from medrec_desktop.ui.chart.result_style import flag_style
from medrec_desktop.ui.widgets.shortcuts import shortcut

RANGE_HEADER = "Reference range"
HEADERS = ("Analyte", "Value", "Flag", "Unit", RANGE_HEADER, "", "")
WIDTHS = (170, 92, 58, 78, 54, 54)


def _shows_range_in_words(row: ResultInput) -> bool:
    return str(row.kind) in (ValueKind.TEXT, ValueKind.CODED)


class _Row:
    """The widgets of one row, in the grid at ``line``."""

    def __init__(self, owner: ResultRowsField, typed: TypedRow, number: int) -> None:
        self.owner = owner
        self.typed = typed
        self.number = number
        row = typed.row
        self.analyte = self._line(row.analyte, WIDTHS[0], f"Result {number} analyte")
        self.analyte.setToolTip(f"LOINC {row.loinc}" if row.loinc else "")
        self.combo: QComboBox | None = None
        self.edit: QLineEdit | None = None
        name = row.analyte or f"Result {number}"
        if typed.choices:
            self.combo = QComboBox()
            self.combo.addItem("", "")
            for choice in typed.choices:
                self.combo.addItem(choice.display, choice.code)
            found = (
                self.combo.findData(row.code) if row.code else self.combo.findText(str(row.value))
            )
            self.combo.setCurrentIndex(max(found, 0))
            self.combo.setFixedWidth(WIDTHS[1])
            self.combo.setAccessibleName(f"{name} value")
            self.value: QWidget = self.combo
        else:
            self.edit = QLineEdit(str(row.value or ""))
            self.edit.setFixedWidth(WIDTHS[1])
            self.edit.setAccessibleName(f"{name} value")
            self.value = self.edit
        self.flag = QLabel()
        self.flag.setFixedWidth(WIDTHS[2])
        self.flag.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.flag.setAccessibleName(f"{name} flag")
        self.unit = self._line(row.unit, WIDTHS[3], f"{name} unit")
        self.low = self._line(str(row.low or ""), WIDTHS[4], f"{name} reference low")
        self.high = self._line(str(row.high or ""), WIDTHS[5], f"{name} reference high")
        self.words = self._line(
            row.reference_text, WIDTHS[4] + WIDTHS[5] + 6, f"{name} reference range in words"
        )
        # Said in an open row only: a locked one shows what the template holds, blanks too.
        self.hints = {
            self.analyte: "analyte", self.unit: "unit", self.low: "low", self.high: "high",
            self.words: "in words",
        }  # fmt: skip
        self.abnormal = QCheckBox("Abnormal")
        self.abnormal.setChecked(row.abnormal)
        self.abnormal.setAccessibleName(f"{name} abnormal")
        self.abnormal.setToolTip("A value the range cannot judge (text, an answer): say it")

    @staticmethod
    def _line(text: str, width: int, name: str) -> QLineEdit:
        line = QLineEdit(text)
        line.setFixedWidth(width)
        line.setAccessibleName(name)
        return line

    def place(self, grid: QGridLayout, line: int) -> None:
        grid.addWidget(self.analyte, line, 0)
        grid.addWidget(self.value, line, 1)
        grid.addWidget(self.flag, line, 2)
        grid.addWidget(self.unit, line, 3)
        used: tuple[QLineEdit, ...] = (self.low, self.high)
        unused: tuple[QLineEdit, ...] = (self.words,)
        if _shows_range_in_words(self.typed.row):
            grid.addWidget(self.words, line, 4, 1, 2)
            used, unused = unused, used
        else:
            grid.addWidget(self.low, line, 4)
            grid.addWidget(self.high, line, 5)
        for line_edit in unused:  # kept (they hold the row's values), never shown
            line_edit.setParent(self.owner.table)
            line_edit.hide()
        grid.addWidget(self.abnormal, line, 6)
        # Shown now, not when the layout gets round to it: a new row takes the cursor at once.
        for widget in (self.analyte, self.value, self.flag, self.unit, self.abnormal, *used):
            widget.show()

    def details(self) -> tuple[QLineEdit, ...]:
        return (self.analyte, self.unit, self.low, self.high, self.words)

    def tab_chain(self) -> list[QWidget]:
        """Reading order: analyte, value, unit, range, then the abnormal tick."""
        return [self.analyte, self.value, self.unit, self.low, self.high, self.words, self.abnormal]

    def connect(self) -> None:
        if self.edit is not None:
            self.edit.textChanged.connect(lambda _t: self.owner._edited(self))
        if self.combo is not None:
            self.combo.currentIndexChanged.connect(lambda _i: self.owner._edited(self))
            self.combo.activated.connect(lambda _i: self._answer_picked())
        for line in self.details():
            line.textChanged.connect(lambda _t: self.owner._edited(self))
        self.abnormal.toggled.connect(lambda _on: self.owner._edited(self))

    def _answer_picked(self) -> None:
        """A template's answer says whether it is normal: the tick follows the answer picked
        (and the user may still change it)."""
        assert self.combo is not None
        code = str(self.combo.currentData() or "")
        normal = next((c.normal for c in self.typed.choices if c.code == code), True)
        self.abnormal.setChecked(bool(code) and not normal)

    def typed_row(self) -> ResultInput:
        row = self.typed.row
        if self.combo is not None:
            value, code = self.combo.currentText(), str(self.combo.currentData() or "")
        else:
            assert self.edit is not None
            value, code = self.edit.text(), ""
        return ResultInput(
            analyte=self.analyte.text(),
            value=value,
            unit=self.unit.text(),
            low=self.low.text(),
            high=self.high.text(),
            reference_text=self.words.text(),
            critical_low=row.critical_low,
            critical_high=row.critical_high,
            loinc=row.loinc,
            kind=row.kind,
            code=code,
            abnormal=self.abnormal.isChecked(),
        )

    def show_flag(self) -> None:
        row = self.typed_row()
        flag = row.flag()
        has_range = bool(str(row.low).strip() or str(row.high).strip())
        kind = str(row.kind)
        numeric = kind == ValueKind.NUMERIC or (not kind and reads_as_number(row.value))
        # The tick is for what the range cannot judge; a number with a range judges itself.
        self.abnormal.setVisible(not (numeric and has_range))
        if flag is None:
            self.flag.setText("?" if not row.blank else "")
            self.flag.setStyleSheet("")
            self.flag.setToolTip("Not a number yet" if not row.blank else "")
            self.flag.setAccessibleDescription(self.flag.toolTip())
            return
        self.flag.setText(flag.mark or ("✓" if flag is Flag.NORMAL else ""))
        self.flag.setStyleSheet(flag_style(flag, self.flag.palette()))
        reference = range_text(_number(row.low), _number(row.high), row.reference_text or None)
        said = flag.label + (f" (reference {reference})" if reference else "")
        self.flag.setToolTip(said)
        self.flag.setAccessibleDescription(said)


def _number(text: object) -> float | None:
    try:
        return float(str(text).strip().replace(",", ""))
    except ValueError:
        return None


class ResultRowsField(QWidget):
    """The rows of a test's results; its value is the rows as JSON text (see module doc)."""

    submitted = Signal()  # Enter in the rows: save

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.held = QLineEdit()  # the rows as text: what the change tracker watches
        self.held.hide()
        self.rows: list[_Row] = []
        self.read_only = False
        self._building = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.table = QWidget()
        self.grid = QGridLayout(self.table)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        outer.addWidget(self.table)
        below = QHBoxLayout()
        self.unlock = QCheckBox("Unloc&k names, units and ranges")
        self.unlock.setToolTip(
            "Type over the template's analyte, unit or range (as the lab printed it)"
        )
        self.unlock.toggled.connect(lambda _on: self._apply_locks())
        self.add_button = QPushButton("Add a row")
        self.add_button.setToolTip("Another result in this test (Insert)")
        self.add_button.clicked.connect(self.add_row)
        self.hint = QLabel("Tab moves from value to value; Enter saves.")
        self.hint.setAccessibleName("How to type the results")
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        below.addWidget(self.unlock)
        below.addWidget(self.add_button)
        below.addStretch(1)
        below.addWidget(self.hint)
        outer.addLayout(below)
        outer.addWidget(self.held)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self, self.submitted.emit, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut(
            Qt.Key.Key_Insert, self, self.add_row, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.focus: QWidget = self
        self.tracked: list[QWidget] = [self.held]
        self.set_value("")

    # ------------------------------------------------------------------ the field's value

    def value(self) -> str:
        return self.held.text()

    def set_value(self, value: str) -> None:
        typed = rows_from_text(value)
        if not typed:
            typed = [TypedRow(ResultInput())]  # a test typed freely: one open row
        self._build(typed)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self._apply_locks()

    def typed_rows(self) -> list[ResultInput]:
        return [r.typed_row() for r in self.rows]

    # ------------------------------------------------------------------ building rows

    def _build(self, typed: Sequence[TypedRow]) -> None:
        self._building = True
        while (child := self.grid.takeAt(0)) is not None:
            widget = child.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.rows = []
        for col, text in enumerate(HEADERS):
            if not text:
                continue
            head = QLabel(text)
            head.setStyleSheet("font-weight: 600;")
            self.grid.addWidget(head, 0, col, 1, 2 if text == RANGE_HEADER else 1)
        for typed_row in typed:
            self._append(typed_row)
        self._chain()
        self.grid.setColumnStretch(7, 1)
        self.unlock.blockSignals(True)
        self.unlock.setChecked(False)
        self.unlock.blockSignals(False)
        self._building = False
        self._apply_locks()
        self._store()

    def _append(self, typed: TypedRow) -> _Row:
        row = _Row(self, typed, len(self.rows) + 1)
        row.place(self.grid, len(self.rows) + 1)
        row.connect()
        self.rows.append(row)
        row.show_flag()
        self.setFocusProxy(self.rows[0].value)
        return row

    def _chain(self) -> None:
        """Tab order: the rows in reading order, then the tick box and the button. New row
        widgets join the window's focus chain at its end; they are moved in after the
        rows' own container, which sits in this field's place (locked cells and hidden
        widgets take no focus, so Tab goes from value to value on a template's rows)."""
        chain = [self.table, *(w for r in self.rows for w in r.tab_chain())]
        chain += [self.unlock, self.add_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def add_row(self) -> None:
        if self.read_only:
            return
        row = self._append(TypedRow(ResultInput()))
        self._chain()
        self._apply_locks()
        self._store()
        row.analyte.setFocus(Qt.FocusReason.OtherFocusReason)

    def _apply_locks(self) -> None:
        open_all = self.unlock.isChecked()
        for row in self.rows:
            locked = self.read_only or (row.typed.fixed and not open_all)
            for line in row.details():
                line.setPlaceholderText("" if locked else row.hints[line])
                line.setReadOnly(locked)
                line.setFrame(not locked)
                line.setFocusPolicy(
                    Qt.FocusPolicy.NoFocus if locked else Qt.FocusPolicy.StrongFocus
                )
            if row.edit is not None:
                row.edit.setReadOnly(self.read_only)
            if row.combo is not None:
                row.combo.setEnabled(not self.read_only)
            row.abnormal.setEnabled(not self.read_only)
        has_fixed = any(r.typed.fixed for r in self.rows)
        self.unlock.setVisible(has_fixed and not self.read_only)
        self.add_button.setVisible(not self.read_only)
        self.hint.setVisible(not self.read_only)
        self.hint.setText(
            "Tab moves from value to value; Enter saves."
            if has_fixed and not open_all
            else "Enter saves; Insert adds a row."
        )

    # ------------------------------------------------------------------ typing

    def _edited(self, row: _Row) -> None:
        if self._building:
            return
        row.show_flag()
        self._store()

    def _store(self) -> None:
        if self._building:
            return
        typed = [TypedRow(r.typed_row(), r.typed.fixed, r.typed.choices) for r in self.rows]
        self.held.setText(rows_text(typed))

    def first_value(self) -> QWidget | None:
        return self.rows[0].value if self.rows else None
