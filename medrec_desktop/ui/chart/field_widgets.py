"""Inputs the generic chart form builds for the richer field kinds (issue 9): a choice with
"Other…" free text, a choice loaded from the patient's chart (a medication's problem), a code
typed ahead from a small table (CVX), a local date and time, and a number with its unit, the
same value in the other unit system beside it and a warning when it is unusual.

Each one reads and writes its value as text, like every other field of the form, so drafts,
the conflict view and the unsaved-changes tracker treat it like a line edit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from medrec_desktop.domain.dates import parse_date
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.widgets.status import StatusLabel

OTHER = "Other…"
NONE_CHOSEN = "— none —"
NUMBER_WIDTH = 110  # a measurement, not a sentence: its unit stays right beside it
CODE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1

Pairs = Sequence[tuple[str, str]]


def _row(holder: QWidget) -> QHBoxLayout:
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    return row


class OtherChoice(QWidget):
    """The usual answers in a list, and "Other…" opening a text field for anything else
    (a frequency like "every other day")."""

    def __init__(self, choices: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.addItem("", "")
        for text in choices:
            self.combo.addItem(text, text)
        self.combo.addItem(OTHER, OTHER)
        self.other = QLineEdit()
        self.other.setPlaceholderText("type it as the prescription says")
        self.other.setAccessibleName("Other (type it)")
        self.other.hide()
        row = _row(self)
        row.addWidget(self.combo, 1)
        row.addWidget(self.other, 1)
        self.combo.currentIndexChanged.connect(self._chosen)
        self.focus: QWidget = self.combo
        self.tracked: list[QWidget] = [self.combo, self.other]

    def _chosen(self, _index: int) -> None:
        other = self.combo.currentData() == OTHER
        self.other.setVisible(other)
        if other and self.combo.hasFocus():
            self.other.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> str:
        data = self.combo.currentData()
        return self.other.text() if data == OTHER else str(data or "")

    def set_value(self, value: str) -> None:
        index = self.combo.findData(value) if value else 0
        if index < 0:
            # Anything not in the list was typed: it comes back as typed, under "Other…".
            self.combo.setCurrentIndex(self.combo.findData(OTHER))
            self.other.setText(value)
        else:
            self.combo.setCurrentIndex(index)
            self.other.clear()
        self.other.setVisible(self.combo.currentData() == OTHER)

    def set_read_only(self, read_only: bool) -> None:
        self.combo.setEnabled(not read_only)
        self.other.setReadOnly(read_only)


class LookupChoice(QWidget):
    """A choice among items of the patient's chart, loaded when the form opens (e.g. the
    problem a medication treats). The chosen item's id is the value; it is held in a hidden
    field so reloading the list never looks like an edit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumContentsLength(30)
        self.held = QLineEdit()  # the id: what the change tracker watches
        self.held.hide()
        self.status = QLabel()
        self.status.setAccessibleName("Choices")
        row = _row(self)
        row.addWidget(self.combo)
        row.addWidget(self.status, 1)
        self._fill([])
        self.combo.currentIndexChanged.connect(self._chosen)
        self.focus: QWidget = self.combo
        self.tracked: list[QWidget] = [self.held]

    def _fill(self, options: Pairs) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NONE_CHOSEN, "")
        for stored, shown in options:
            self.combo.addItem(shown, stored)
        self.combo.blockSignals(False)
        self._select(self.held.text())

    def _select(self, value: str) -> None:
        index = self.combo.findData(value)
        if index < 0 and value:
            # Linked to an item not offered (still loading, or no longer visible to this
            # role): kept as it is, never silently dropped.
            self.combo.blockSignals(True)
            self.combo.addItem("The item already linked", value)
            self.combo.blockSignals(False)
            index = self.combo.count() - 1
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def _chosen(self, _index: int) -> None:
        self.held.setText(str(self.combo.currentData() or ""))

    def set_options(self, options: Pairs) -> None:
        self._fill(options)
        self.status.setText("" if options else "none on the chart yet")

    def current_text(self) -> str:
        return self.combo.currentText() if self.held.text() else ""

    def value(self) -> str:
        return self.held.text()

    def set_value(self, value: str) -> None:
        self.held.setText(value)
        self._select(value)

    def set_read_only(self, read_only: bool) -> None:
        self.combo.setEnabled(not read_only)


class CodeAhead(QWidget):
    """A code typed or looked up by words from a small table kept in the program (CVX): the
    matches drop down as one types, Down and Enter pick one; the field keeps the code and
    the name shows beside it. ``picked`` says which (code, name) was chosen."""

    picked = Signal(str, str)

    def __init__(
        self,
        lookup: Callable[[str], Pairs],
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMaximumWidth(260)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Code name")
        row = _row(self)
        row.addWidget(self.edit, 2)
        row.addWidget(self.title, 3)
        self.model = QStandardItemModel(self)
        # Not the line edit's own completer: picking must put the code alone in the field.
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.completer.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        # Typed by the user only: filling the form from a saved item opens no list.
        self.edit.textEdited.connect(self._typed)
        self.edit.textChanged.connect(self._show_title)
        self.focus: QWidget = self.edit
        self.tracked: list[QWidget] = [self.edit]

    def _typed(self, text: str) -> None:
        found = self._lookup(text) if text.strip() else ()
        self.model.clear()
        for code, name in found:
            item = QStandardItem(f"{code}   {name}")
            item.setData(code, CODE_ROLE)
            item.setData(name, TITLE_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        popup = self.completer.popup()
        if found and self.edit.hasFocus():
            self.completer.setCompletionPrefix("")
            self.completer.complete()
        elif popup is not None:
            popup.hide()

    def _show_title(self, text: str) -> None:
        exact = [n for c, n in self._lookup(text) if c == text.strip()] if text.strip() else []
        self.title.setText(exact[0] if exact else "")

    def _picked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        code, name = index.data(CODE_ROLE), index.data(TITLE_ROLE)
        if isinstance(code, str):
            self.edit.setText(code)
            self.edit.setFocus()
            self.picked.emit(code, str(name or ""))

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, value: str) -> None:
        self.edit.setText(value)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class DateTimeField(QWidget):
    """A moment in the workstation's local time, typed as it is read ("05/01/2024 14:02"; a
    new entry starts at now, or blank when the moment is ``optional``). Its value is local
    ISO text without a zone ("2024-05-01T14:02"), or what was typed when it is not a date
    and time yet (kept, and explained)."""

    def __init__(self, parent: QWidget | None = None, *, optional: bool = False) -> None:
        super().__init__(parent)
        self.optional = optional
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(MOMENT_HELP)
        self.edit.setMaximumWidth(180)
        self.zone = QLabel("local time, 24-hour clock")
        self.zone.setAccessibleName("Time zone")
        row = _row(self)
        row.addWidget(self.edit)
        row.addWidget(self.zone, 1)
        self.focus: QWidget = self.edit
        self.tracked: list[QWidget] = [self.edit]

    def value(self) -> str:
        moment = parse_moment(self.edit.text())
        return moment.isoformat(timespec="minutes") if moment is not None else self.edit.text()

    def set_value(self, value: str) -> None:
        if not value and self.optional:
            self.edit.clear()
            return
        moment = parse_local(value) if value else dt.datetime.now()
        self.edit.setText(f"{moment:{MOMENT_FORMAT}}" if moment is not None else value)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


MOMENT_FORMAT = "%m/%d/%Y %H:%M"
MOMENT_HELP = "MM/DD/YYYY HH:MM"
_MOMENT = re.compile(r"^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


def parse_local(value: str) -> dt.datetime | None:
    """Local naive time from ISO text (the form's value, or a stored UTC value)."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def parse_moment(text: str) -> dt.datetime | None:
    """ "05/01/2024 14:02", "5/1/2024 2:02 pm" or ISO text; None if it is not one."""
    found = parse_local(text) if "-" in text else None
    if found is not None or not (m := _MOMENT.match(text)):
        return found
    try:
        day = parse_date(m.group(1), field="taken_at")
    except ValidationError:
        return None
    hour, minute = int(m.group(2)), int(m.group(3))
    if m.group(4):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(4).lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.datetime(day.year, day.month, day.day, hour, minute)


class NumberField(QWidget):
    """A number with its unit right beside it, then (for a measurement) the same value in
    the other unit system, then a warning when the value is unusual."""

    def __init__(self, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setMaximumWidth(NUMBER_WIDTH)
        self.unit = QLabel(unit)
        self.unit.setMinimumWidth(self.unit.fontMetrics().horizontalAdvance("mmHg "))
        self.other = QLabel()
        self.other.setAccessibleName("In the other units")
        self.other.setMinimumWidth(self.other.fontMetrics().horizontalAdvance("= 5 ft 11 in  "))
        self.warning = StatusLabel()
        self.warning.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = _row(self)
        row.addWidget(self.edit)
        row.addWidget(self.unit)
        row.addWidget(self.other)
        row.addWidget(self.warning, 3)
        row.addStretch(1)  # the values stay together while no warning takes the room
        self.focus: QWidget = self.edit
        self.tracked: list[QWidget] = [self.edit]

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, value: str) -> None:
        self.edit.setText(value)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class ComputedField(QWidget):
    """A value the form works out (BMI, pack-years, a score): shown, never typed, with room
    for a warning beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown = QLabel("—")
        self.shown.setTextFormat(Qt.TextFormat.PlainText)
        self.shown.setStyleSheet("font-weight: 600;")
        self.warning = StatusLabel()
        row = _row(self)
        row.addWidget(self.shown)
        row.addWidget(self.warning, 3)
        row.addStretch(1)
        self.focus: QWidget = self.shown
        self.tracked: list[QWidget] = []

    def show_text(self, text: str) -> None:
        self.shown.setText(text or "—")

    def value(self) -> str:
        return ""

    def set_value(self, value: str) -> None:
        self.show_text("")

    def set_read_only(self, read_only: bool) -> None:
        pass
