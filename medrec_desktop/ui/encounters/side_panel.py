"""The column beside a note: the problems it addressed, what was recorded in the visit (with
the menu that links a new entry to it), the amendment requests about it, and its status and
sensitivity label."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.ui.chart.fields import FieldInput, FieldKind, FieldSpec
from medrec_desktop.ui.chart.kind_view import SENSITIVITY_FIELD, STATUS_FIELD, KindView
from medrec_desktop.ui.encounters.kinds import decision_text
from medrec_desktop.ui.encounters.note_parts import (
    LinkedList,
    ProblemsPicker,
    error_label,
    section_title,
)
from medrec_desktop.ui.widgets.status import StatusLabel

SIDE_WIDTH = 340
PROBLEMS_FIELD = "problems_addressed"
# Entries a visit can link, as (chart list key, what the menu says).
LINKABLE = (("vitals", "&Vitals…"), ("lab_tests", "Test &result…"), ("procedures", "&Procedure…"))


class NoteSide(QWidget):
    link_requested = Signal(str)  # the chart list key of the entry to add ("vitals")

    def __init__(self, kind: KindView[Any, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(SIDE_WIDTH)
        self.inputs: dict[str, FieldInput] = {}
        self.errors: dict[str, StatusLabel] = {}
        self.linkable: set[str] = set()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.problems = ProblemsPicker()
        self.problems_label = section_title("Problems addressed")
        self.problems_label.setBuddy(self.problems.list)
        self.errors[PROBLEMS_FIELD] = error_label("Problems addressed")
        column.addWidget(self.problems_label)
        column.addWidget(self.problems)
        column.addWidget(self.errors[PROBLEMS_FIELD])
        self.linked: dict[str, LinkedList] = {}
        for key, title, what in (
            ("vitals", "Vitals taken", "vitals"),
            ("tests", "Test results", "results"),
            ("procedures", "Treatments and procedures", "procedures"),
        ):
            column.addWidget(section_title(title))
            self.linked[key] = LinkedList(what)
            column.addWidget(self.linked[key])
        self.withheld = QLabel()
        self.withheld.setAccessibleName("Withheld linked entries")
        self.withheld.setWordWrap(True)
        self.withheld.hide()
        column.addWidget(self.withheld)
        self.link_button = QPushButton("Lin&k a new entry")
        self.link_button.setToolTip("Add vitals, a test result or a procedure taken in this visit")
        self.link_menu = QMenu(self.link_button)
        self.link_button.setMenu(self.link_menu)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_button)
        link_row.addStretch(1)
        column.addLayout(link_row)
        self.amendments_title = section_title("Amendment requests about this note")
        self.amendments_text = QLabel()
        self.amendments_text.setWordWrap(True)
        self.amendments_text.setTextFormat(Qt.TextFormat.PlainText)
        self.amendments_text.setAccessibleName("Amendment requests about this note")
        column.addWidget(self.amendments_title)
        column.addWidget(self.amendments_text)
        status = FieldSpec(
            STATUS_FIELD,
            "Status",
            FieldKind.CHOICE,
            tuple((s.value, kind.status_label(s)) for s in kind.statuses),
        )
        sensitivity = FieldSpec(
            SENSITIVITY_FIELD,
            "Sensitivity",
            FieldKind.CHOICE,
            (("", "None (anyone with chart access)"),)
            + tuple((s.value, s.label.capitalize()) for s in Sensitivity),
        )
        for spec, title in ((status, "Status"), (sensitivity, "Sensitivity label")):
            field = FieldInput(spec)
            label = section_title(title)
            label.setBuddy(field.focus)
            self.inputs[spec.name] = field
            self.errors[spec.name] = error_label(spec.plain_label)
            column.addWidget(label)
            column.addWidget(field.container)
            column.addWidget(self.errors[spec.name])
        column.addStretch(1)

    def set_linkable(self, keys: set[str]) -> None:
        """The chart lists that can take an entry linked to this visit (the chart knows)."""
        self.linkable = keys
        self.link_menu.clear()
        for key, text in LINKABLE:
            if key in keys:
                action = self.link_menu.addAction(text)
                action.triggered.connect(lambda _c=False, k=key: self.link_requested.emit(k))

    def show_detail(self, detail: EncounterDetail | None, *, read_only: bool) -> None:
        """What was recorded in the visit and the requests about it; read only, the problems
        shown are those it addressed (the whole list is offered while it can change)."""
        self.linked["vitals"].show_entries(detail.vitals if detail else ())
        self.linked["tests"].show_entries(detail.tests if detail else ())
        self.linked["procedures"].show_entries(detail.procedures if detail else ())
        withheld = detail.withheld if detail is not None else 0
        self.withheld.setText(
            f"⊘ {withheld} linked entr{'ies' if withheld != 1 else 'y'} withheld "
            "(sensitivity label)"
            if withheld
            else ""
        )
        self.withheld.setVisible(bool(withheld))
        requests = detail.amendments if detail else ()
        self.amendments_title.setVisible(bool(requests))
        self.amendments_text.setVisible(bool(requests))
        self.amendments_text.setText(
            "\n".join(
                f"Received {r.data.received_on:%m/%d/%Y}: {decision_text(r.data.decision)}"
                for r in requests
            )
        )
        if detail is not None and read_only:
            self.problems.set_options([(str(i), text) for i, text in detail.problems])
