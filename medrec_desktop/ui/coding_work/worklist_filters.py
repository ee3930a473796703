"""The worklist's scope and filters, each with the count the service gives beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coding_work import WorklistFilter, WorklistScope
from medrec_desktop.domain.encounters import EncounterType

#: each scope's button text (its mnemonic) and the counts key beside it
SCOPES = (
    (WorklistScope.TO_CODE, "&To code", "to_code"),
    (WorklistScope.RETURNED, "&Returned to provider", "returned"),
    (WorklistScope.CODED, "C&oded", "coded"),
    (WorklistScope.ALL, "&All signed", "all"),
)
QUERY_TEXT = "Open &query"
ERRORS_TEXT = "With &errors"


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class WorklistFilters(QWidget):
    """Scope buttons on one row, the filters on the next; ``changed`` on any choice."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scopes = QHBoxLayout()
        self.scope_group = QButtonGroup(self)
        self.scope_buttons: dict[WorklistScope, QRadioButton] = {}
        for i, (scope, text, _key) in enumerate(SCOPES):
            button = QRadioButton(text)
            button.setAccessibleName(text.replace("&", ""))
            self.scope_group.addButton(button, i)
            self.scope_buttons[scope] = button
            scopes.addWidget(button)
            scopes.addSpacing(12)
        scopes.addStretch(1)
        self.scope_buttons[WorklistScope.TO_CODE].setChecked(True)
        outer.addLayout(scopes)

        row = QHBoxLayout()
        self.use_dates = QCheckBox("&Dates of service")
        self.use_dates.setToolTip("Only encounters seen between these dates (inclusive)")
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-30))
        self.until = QDateEdit(today)
        for edit, name in (
            (self.since, "From date of service"),
            (self.until, "To date of service"),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("MM/dd/yyyy")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
        provider_label = QLabel("Prov&ider:")
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        self.provider.addItem("All providers", None)
        self.provider.setMinimumContentsLength(16)
        provider_label.setBuddy(self.provider)
        type_label = QLabel("T&ype:")
        self.encounter_type = QComboBox()
        self.encounter_type.setAccessibleName("Encounter type")
        self.encounter_type.addItem("All types", None)
        for kind in EncounterType:
            self.encounter_type.addItem(kind.label, kind.value)
        type_label.setBuddy(self.encounter_type)
        self.open_query = QCheckBox(QUERY_TEXT)
        self.open_query.setToolTip("Only encounters with a query waiting for the provider")
        self.errors = QCheckBox(ERRORS_TEXT)
        self.errors.setToolTip("Only encounters whose saved codes have errors")
        row.addWidget(self.use_dates)
        row.addWidget(self.since)
        row.addWidget(QLabel("to"))
        row.addWidget(self.until)
        row.addSpacing(12)
        row.addWidget(provider_label)
        row.addWidget(self.provider)
        row.addSpacing(12)
        row.addWidget(type_label)
        row.addWidget(self.encounter_type)
        row.addSpacing(12)
        row.addWidget(self.open_query)
        row.addWidget(self.errors)
        row.addStretch(1)
        outer.addLayout(row)

        self.scope_group.idToggled.connect(self._scope_toggled)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.since.dateChanged.connect(self._date_changed)
        self.until.dateChanged.connect(self._date_changed)
        self.provider.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.encounter_type.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.open_query.toggled.connect(lambda _on: self.changed.emit())
        self.errors.toggled.connect(lambda _on: self.changed.emit())

    def _scope_toggled(self, _id: int, on: bool) -> None:
        if on:  # the button left emits too
            self.changed.emit()

    def _date_changed(self, _date: QDate) -> None:
        if self.use_dates.isChecked():
            self.changed.emit()

    def _dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.changed.emit()

    def scope(self) -> WorklistScope:
        return next(s for s, b in self.scope_buttons.items() if b.isChecked())

    def set_scope(self, scope: WorklistScope) -> None:
        self.scope_buttons[scope].setChecked(True)

    def current(self) -> WorklistFilter:
        dates = self.use_dates.isChecked()
        provider = self.provider.currentData()
        kind = self.encounter_type.currentData()
        return WorklistFilter(
            scope=self.scope(),
            since=_date(self.since.date()) if dates else None,
            until=_date(self.until.date()) if dates else None,
            provider_id=int(provider) if provider is not None else None,
            encounter_type=str(kind) if kind is not None else None,
            has_open_query=True if self.open_query.isChecked() else None,
            has_errors=True if self.errors.isChecked() else None,
        )

    def set_providers(self, providers: Sequence[tuple[int, str]]) -> None:
        """The clinic's providers (id, name); the one chosen stays chosen if still there."""
        chosen = self.provider.currentData()
        self.provider.blockSignals(True)
        try:
            self.provider.clear()
            self.provider.addItem("All providers", None)
            for pid, name in providers:
                self.provider.addItem(name, pid)
            index = self.provider.findData(chosen) if chosen is not None else 0
            self.provider.setCurrentIndex(max(index, 0))
        finally:
            self.provider.blockSignals(False)
        if chosen is not None and self.provider.currentData() != chosen:
            self.changed.emit()  # the provider chosen is gone: the list changes

    def show_counts(self, counts: Mapping[str, int]) -> None:
        for scope, text, key in SCOPES:
            self.scope_buttons[scope].setText(f"{text} ({counts.get(key, 0):,})")
        # The service counts these two among the encounters still to code.
        self.open_query.setText(f"{QUERY_TEXT} ({counts.get('open_query', 0):,})")
        self.errors.setText(f"{ERRORS_TEXT} ({counts.get('errors', 0):,})")
        self.open_query.setToolTip(
            "Only encounters with a query waiting for the provider (the count is of those "
            "still to code)"
        )
        self.errors.setToolTip(
            "Only encounters whose saved codes have errors (the count is of those still to code)"
        )
