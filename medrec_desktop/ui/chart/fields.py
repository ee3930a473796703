"""Form fields declared once per kind of chart item, built into widgets by the generic form.

A :class:`FieldSpec` names the input field it fills (the same name a ``ValidationError``
carries in ``field``), its label with its Alt mnemonic, and the kind of widget. The form never
knows which kind of item it edits: it reads and writes every field as text or a tick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.partial_dates import PARTIAL_HELP
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.code_picker import PROCEDURE_SYSTEMS, CodePicker
from medrec_desktop.ui.chart.field_widgets import (
    CodeAhead,
    ComputedField,
    DateTimeField,
    LookupChoice,
    NumberField,
    OtherChoice,
    parse_local,
)
from medrec_desktop.ui.chart.result_rows import ResultRowsField
from medrec_desktop.ui.chart.result_rows_text import rows_summary

Value = str | bool
Pairs = Sequence[tuple[str, str]]
Options = Callable[[Installation, UserSession, PatientId], Pairs]
MakePicker = Callable[[tuple[CodeSystem, ...]], CodePicker]


class FieldKind(Enum):
    TEXT = "text"
    MULTILINE = "multiline"
    CHOICE = "choice"
    PARTIAL_DATE = "partial date"
    CHECKBOX = "checkbox"
    NUMBER_UNIT = "number with unit"
    ICD10CM = "ICD-10-CM code"
    PROCEDURE_CODE = "ICD-10-PCS, HCPCS or CPT code"
    CHOICE_OTHER = "choice or other text"  # the choices' stored values, or anything typed
    LOOKUP = "choice from the chart"  # options loaded for the patient when the form opens
    CODE_AHEAD = "code typed ahead"  # a code from a small table, by code or by words
    DATETIME = "local date and time"
    OPTIONAL_DATETIME = "local date and time, or blank"
    MEASURE = "measurement in metric or US units"  # ``unit`` and ``us_unit``
    COMPUTED = "computed"  # shown, never typed, never part of the input
    RESULTS = "rows of test results"  # held as JSON text (ui/chart/result_rows.py)


# The code sets each field of a picked code searches.
CODE_SETS: dict[FieldKind, tuple[CodeSystem, ...]] = {
    FieldKind.ICD10CM: (CodeSystem.ICD10CM,),
    FieldKind.PROCEDURE_CODE: PROCEDURE_SYSTEMS,
}

# Kinds whose input is one of the widgets of field_widgets.py.
_WIDGETS = {
    FieldKind.NUMBER_UNIT,
    FieldKind.CHOICE_OTHER,
    FieldKind.LOOKUP,
    FieldKind.CODE_AHEAD,
    FieldKind.DATETIME,
    FieldKind.OPTIONAL_DATETIME,
    FieldKind.MEASURE,
    FieldKind.COMPUTED,
    FieldKind.RESULTS,
}


@dataclass(frozen=True)
class FieldSpec:
    """One input of a chart form.

    ``choices`` are (stored value, shown label) pairs for a choice; ``unit`` is shown beside a
    number (``us_unit`` instead when the entry is in US units); ``errors`` lists further
    ``ValidationError.field`` names shown under this field. ``note`` is shown above the input
    (a screening question's words). ``lookup`` answers a code-ahead field's typing with
    (code, name) pairs; ``options`` loads a chart choice's (id, text) pairs; ``fills`` names
    a text field that takes the picked name while it is blank or still holds the last one.
    """

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    placeholder: str = ""
    required: bool = False
    errors: tuple[str, ...] = ()
    us_unit: str = ""
    note: str = ""
    lookup: Callable[[str], Pairs] | None = None
    options: Options | None = None
    fills: str = ""

    @property
    def computed(self) -> bool:
        return self.kind is FieldKind.COMPUTED

    @property
    def plain_label(self) -> str:
        return self.label.replace("&", "")

    def shown(self, value: Value) -> str:
        """A value as people read it (a choice by its label, a tick as Yes/No)."""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if self.kind in (FieldKind.DATETIME, FieldKind.OPTIONAL_DATETIME):
            moment = parse_local(value)
            return f"{moment:%m/%d/%Y %H:%M}" if moment is not None else value
        if self.kind is FieldKind.RESULTS:
            return rows_summary(value)
        if self.kind is FieldKind.LOOKUP and value:
            return f"linked (no. {value})"
        for stored, label in self.choices:
            if stored == value:
                return label
        return f"{value} {self.unit}".strip() if value and self.unit else value


class FieldInput:
    """The widgets of one field: ``focus`` takes the cursor and errors, ``container`` goes
    into the form, ``tracked`` are watched for unsaved changes."""

    def __init__(self, spec: FieldSpec, *, code_picker: MakePicker | None = None) -> None:
        self.spec = spec
        self.box: QCheckBox | None = None
        self.combo: QComboBox | None = None
        self.line: QLineEdit | None = None
        self.text: QPlainTextEdit | None = None
        self.widget: FieldWidget | None = None
        self.picker: CodePicker | None = None
        self.read_only = False
        name = spec.plain_label + (" (required)" if spec.required else "")
        kind = spec.kind
        if kind in _WIDGETS:
            self.widget = _widget(spec)
            self.focus: QWidget = self.widget.focus
            self.container: QWidget = self.widget
        elif kind is FieldKind.CHECKBOX:
            self.box = QCheckBox(spec.label)
            self.focus = self.box
            self.container = self.box
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
        elif kind in CODE_SETS and code_picker is not None:
            picker = self.picker = code_picker(CODE_SETS[kind])
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
        self.focus.setAccessibleName(name)
        self.tracked: list[QWidget] = (
            list(self.widget.tracked) if self.widget is not None else [self.focus]
        )
        if spec.note:
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            note = QLabel(spec.note)
            note.setWordWrap(True)
            column.addWidget(note)
            column.addWidget(self.container)
            self.focus.setAccessibleDescription(spec.note)
            self.container = holder

    @property
    def number(self) -> NumberField | None:
        return self.widget if isinstance(self.widget, NumberField) else None

    @property
    def computed(self) -> ComputedField | None:
        return self.widget if isinstance(self.widget, ComputedField) else None

    def value(self) -> Value:
        if self.widget is not None:
            return self.widget.value()
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
        if self.widget is not None:
            self.widget.set_value(str(value or ""))
        elif self.box is not None:
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
        self.read_only = read_only
        if self.widget is not None:
            self.widget.set_read_only(read_only)
        elif self.line is not None:
            self.line.setReadOnly(read_only)
        elif self.text is not None:
            self.text.setReadOnly(read_only)
        else:
            self.focus.setEnabled(not read_only)


FieldWidget = (
    OtherChoice
    | LookupChoice
    | CodeAhead
    | DateTimeField
    | NumberField
    | ComputedField
    | ResultRowsField
)


def _widget(spec: FieldSpec) -> FieldWidget:
    kind = spec.kind
    if kind is FieldKind.CHOICE_OTHER:
        return OtherChoice([stored for stored, _label in spec.choices])
    if kind is FieldKind.LOOKUP:
        return LookupChoice()
    if kind is FieldKind.CODE_AHEAD:
        return CodeAhead(spec.lookup or (lambda _text: ()), spec.placeholder)
    if kind in (FieldKind.DATETIME, FieldKind.OPTIONAL_DATETIME):
        return DateTimeField(optional=kind is FieldKind.OPTIONAL_DATETIME)
    if kind is FieldKind.RESULTS:
        return ResultRowsField()
    if kind in (FieldKind.NUMBER_UNIT, FieldKind.MEASURE):
        number = NumberField(spec.unit)
        number.edit.setPlaceholderText(spec.placeholder)
        return number
    return ComputedField()
