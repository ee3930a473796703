"""The note itself, down the page: when, what kind, who, where and why (fields while it can
change, a line of text once it cannot), the four SOAP sections, the addenda under it, then
the coders' queries its provider answered."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.ui.chart.fields import FieldInput, FieldSpec
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.encounters.kinds import SOAP
from medrec_desktop.ui.encounters.note_parts import AddendaView, NoteText, error_label
from medrec_desktop.ui.encounters.query_answers import QueryAnswersView
from medrec_desktop.ui.widgets.status import StatusLabel

NOTE_WIDTH = 760  # a page of notes, not a line stretched across a wide screen
HEADER = ("starts_at", "encounter_type", "provider_id", "location", "reason_for_visit")


def _plain(label: str) -> str:
    return label.replace("&", "")


class NoteColumn(QWidget):
    def __init__(self, kind: KindView[Any, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumWidth(NOTE_WIDTH)
        self.specs = {s.name: s for s in kind.fields}
        self.inputs: dict[str, FieldInput] = {}
        self.errors: dict[str, StatusLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.note_texts: dict[str, NoteText] = {}
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(4)
        self.header_box = QWidget()
        self.grid = QFormLayout(self.header_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.grid.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.grid.setVerticalSpacing(4)
        for name in HEADER:
            self._header_row(self.specs[name])
        self.column.addWidget(self.header_box)
        # A note that cannot change shows who, where and why as text, like a printed note.
        self.header_text = QLabel()
        self.header_text.setTextFormat(Qt.TextFormat.PlainText)
        self.header_text.setWordWrap(True)
        self.header_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header_text.setAccessibleName("Visit")
        self.header_text.setContentsMargins(4, 0, 0, 0)  # in line with the note's text
        self.column.addWidget(self.header_text)
        for name in SOAP:
            self._soap_box(self.specs[name])
        self.addenda = AddendaView()
        self.addenda.hide()
        self.column.addWidget(self.addenda)
        self.queries = QueryAnswersView()
        self.queries.hide()
        self.column.addWidget(self.queries)
        self.column.addStretch(1)

    def _header_row(self, spec: FieldSpec) -> None:
        field = FieldInput(spec)
        if field.combo is not None:
            # A short choice stays as wide as its longest entry, not the whole column.
            field.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            field.combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field.container)
        error = error_label(spec.plain_label)
        column.addWidget(error)
        label = QLabel(self.label_text(spec.name))
        label.setBuddy(field.focus)
        self.grid.addRow(label, holder)
        self.inputs[spec.name] = field
        self.errors[spec.name] = error
        self.labels[spec.name] = label

    def _soap_box(self, spec: FieldSpec) -> None:
        field = FieldInput(spec)
        assert field.text is not None
        field.text.setMinimumHeight(0)
        self.note_texts[spec.name] = NoteText(field.text)
        label = QLabel(spec.label)
        label.setStyleSheet("font-weight: 600; margin-top: 6px;")
        label.setBuddy(field.focus)
        self.column.addWidget(label)
        self.column.addWidget(field.container)
        self.errors[spec.name] = error_label(spec.plain_label)
        self.column.addWidget(self.errors[spec.name])
        self.inputs[spec.name] = field
        self.labels[spec.name] = label

    def label_text(self, name: str) -> str:
        spec = self.specs[name]
        return spec.label + (" *" if spec.required and name not in SOAP else "")

    def reading(self, read_only: bool, header: str | None) -> None:
        """Fields to type in, or the note as it reads (``header``: who, where and why)."""
        for name, label in self.labels.items():
            # A note that cannot change offers no Alt letters into it: the letters go to
            # what can be done (Add addendum, Record amendment request).
            text = self.label_text(name)
            label.setText(_plain(text).removesuffix(" *") if read_only else text)
        for note in self.note_texts.values():
            note.reading(read_only)
        self.header_box.setVisible(not read_only)
        self.header_text.setVisible(read_only and header is not None)
        self.header_text.setText(header or "")
