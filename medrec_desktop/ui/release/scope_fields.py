"""What of the record a release carries: the sections (none chosen to start with: minimum
necessary is a choice, not a default), optional dates of care, and whether items with a
sensitivity label go too (offered only to a role that may release them)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.record_release import RecordScope, RecordSection

COLUMNS = 2


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class ScopeFields(QWidget):
    changed = Signal()

    def __init__(self, *, may_label: bool, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.boxes: dict[RecordSection, QCheckBox] = {}
        for n, section in enumerate(RecordSection):
            box = QCheckBox(section.label)
            box.toggled.connect(lambda _on: self.changed.emit())
            self.boxes[section] = box
            grid.addWidget(box, n // COLUMNS, n % COLUMNS)
        layout.addLayout(grid)
        row = QHBoxLayout()
        self.all_button = QPushButton("Select &all")
        self.none_button = QPushButton("Clear")
        for b in (self.all_button, self.none_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        self.all_button.clicked.connect(lambda: self.set_sections(tuple(RecordSection)))
        self.none_button.clicked.connect(lambda: self.set_sections(()))
        row.addStretch(1)
        layout.addLayout(row)
        dates = QHBoxLayout()
        self.limit_dates = QCheckBox("Only care &dated from")
        self.since = QDateEdit(_qdate(today.replace(year=today.year - 1)))
        self.until = QDateEdit(_qdate(today))
        for edit, name in ((self.since, "First date of care"), (self.until, "Last date of care")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("MM/dd/yyyy")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.limit_dates.toggled.connect(self._dates_toggled)
        dates.addWidget(self.limit_dates)
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        dates.addStretch(1)
        layout.addLayout(dates)
        self.labelled = QCheckBox("Include items with a sensitivity &label")
        self.labelled.setToolTip(
            "Behavioral health, substance use, HIV/STI, reproductive, genetic: only when the "
            "request or the patient's authorization covers them"
            if may_label
            else "Your role may not release items with a sensitivity label"
        )
        self.labelled.setEnabled(may_label)
        self.labelled.toggled.connect(lambda _on: self.changed.emit())
        layout.addWidget(self.labelled)

    def _dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.changed.emit()

    def set_sections(self, sections: tuple[RecordSection, ...]) -> None:
        for section, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(section in sections)
            box.blockSignals(False)
        self.changed.emit()

    def sections(self) -> tuple[RecordSection, ...]:
        return tuple(s for s, box in self.boxes.items() if box.isChecked())

    def scope(self) -> RecordScope:
        dated = self.limit_dates.isChecked()
        return RecordScope(
            sections=self.sections(),
            since=_pydate(self.since) if dated else None,
            until=_pydate(self.until) if dated else None,
            labelled=self.labelled.isChecked(),
        )
