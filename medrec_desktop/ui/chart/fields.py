"""Form fields declared once per kind of chart item, built into widgets by the generic form.

A :class:`FieldSpec` names the input field it fills (the same name a ``ValidationError``
carries in ``field``), its label with its Alt mnemonic, and the kind of widget. The form never
knows which kind of item it edits: it reads and writes every field as text or a tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from medrec_desktop.domain.partial_dates import PARTIAL_HELP
from medrec_desktop.ui.chart.code_picker import CodePicker

Value = str | bool


class FieldKind(Enum):
    TEXT = "text"
    MULTILINE = "multiline"
    CHOICE = "choice"
    PARTIAL_DATE = "partial date"
    CHECKBOX = "checkbox"
    NUMBER_UNIT = "number with unit"
    ICD10CM = "ICD-10-CM code"


@dataclass(frozen=True)
class FieldSpec:
    """One input of a chart form.

    ``choices`` are (stored value, shown label) pairs for a choice; ``unit`` is shown beside a
    number; ``errors`` lists further ``ValidationError.field`` names shown under this field.
    """

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    placeholder: str = ""
    required: bool = False
    errors: tuple[str, ...] = ()

    @property
    def plain_label(self) -> str:
        return self.label.replace("&", "")

    def shown(self, value: Value) -> str:
        """A value as people read it (a choice by its label, a tick as Yes/No)."""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        for stored, label in self.choices:
            if stored == value:
                return label
        return f"{value} {self.unit}".strip() if value and self.unit else value


class FieldInput:
    """The widgets of one field: ``focus`` takes the cursor and errors, ``container`` goes
    into the form, ``tracked`` are watched for unsaved changes."""

    def __init__(
        self, spec: FieldSpec, *, code_picker: Callable[[], CodePicker] | None = None
    ) -> None:
        self.spec = spec
        self.box: QCheckBox | None = None
        self.combo: QComboBox | None = None
        self.line: QLineEdit | None = None
        self.text: QPlainTextEdit | None = None
        name = spec.plain_label + (" (required)" if spec.required else "")
        kind = spec.kind
        if kind is FieldKind.CHECKBOX:
            self.box = QCheckBox(spec.label)
            self.focus: QWidget = self.box
            self.container: QWidget = self.box
        elif kind is FieldKind.CHOICE:
            self.combo = QComboBox()
            for stored, label in spec.choices:
                self.combo.addItem(label, stored)
            self.focus = self.container = self.combo
        elif kind is FieldKind.MULTILINE:
            self.text = QPlainTextEdit()
            self.text.setTabChangesFocus(True)  # Tab moves on, as in every other field
            self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 3 + 14)
            self.text.setPlaceholderText(spec.placeholder)
            self.focus = self.container = self.text
        elif kind is FieldKind.ICD10CM and code_picker is not None:
            picker = code_picker()
            self.line = picker.edit
            self.focus = self.line
            self.container = picker
        else:
            self.line = QLineEdit()
            placeholder = spec.placeholder
            if kind is FieldKind.PARTIAL_DATE and not placeholder:
                placeholder = PARTIAL_HELP
            self.line.setPlaceholderText(placeholder)
            self.focus = self.container = self.line
            if kind is FieldKind.NUMBER_UNIT and spec.unit:
                holder = QWidget()
                row = QHBoxLayout(holder)
                row.setContentsMargins(0, 0, 0, 0)
                row.addWidget(self.line, 1)
                row.addWidget(QLabel(spec.unit))
                self.container = holder
        self.focus.setAccessibleName(name)
        self.tracked: list[QWidget] = [self.focus]

    def value(self) -> Value:
        if self.box is not None:
            return self.box.isChecked()
        if self.combo is not None:
            data = self.combo.currentData()
            return str(data) if data is not None else ""
        if self.text is not None:
            return self.text.toPlainText()
        assert self.line is not None
        return self.line.text()

    def set_value(self, value: Value | None) -> None:
        if self.box is not None:
            self.box.setChecked(bool(value))
        elif self.combo is not None:
            index = self.combo.findData(str(value or ""))
            self.combo.setCurrentIndex(max(index, 0))
        elif self.text is not None:
            self.text.setPlainText(str(value or ""))
        else:
            assert self.line is not None
            self.line.setText(str(value or ""))

    def set_read_only(self, read_only: bool) -> None:
        if self.line is not None:
            self.line.setReadOnly(read_only)
        elif self.text is not None:
            self.text.setReadOnly(read_only)
        else:
            self.focus.setEnabled(not read_only)
