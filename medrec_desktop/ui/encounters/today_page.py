"""The clinic's day: every encounter of a day, all patients, by time (Enter opens the
patient's chart at that encounter); and, for a provider, their notes still unsigned after the
clinic's number of days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounter_views import TodayRow, UnsignedRow
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.encounters.models import TodayModel, UnsignedModel
from medrec_desktop.ui.encounters.page import FilterBox
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

Day = tuple[tuple[TodayRow, ...], tuple[UnsignedRow, ...] | None, int | None]


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 15px; font-weight: 600;")
    return label


class TodayPage(QWidget):
    title = "Today"
    #: (patient id, encounter id): open the chart at that encounter
    open_requested = Signal(int, int)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self._load: Op[Day] | None = None
        services.changed.connect(self._changed)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.heading = _title("Today")
        day_label = QLabel("&Day:")
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd MM/dd/yyyy")
        self.day.setAccessibleName("Day")
        day_label.setBuddy(self.day)
        self.today_button = QPushButton("&Today")
        self.today_button.setToolTip("Back to today's list")
        self.today_button.clicked.connect(lambda: self.day.setDate(QDate.currentDate()))
        self.reload_button = QPushButton("Re&load")
        self.reload_button.setToolTip("Read the list again (another workstation may have added)")
        self.reload_button.clicked.connect(self.refresh)
        filter_label = QLabel("Filte&r:")
        self.filter = FilterBox()
        self.filter.setAccessibleName("Filter the day's encounters")
        self.filter.setPlaceholderText("patient, MRN, provider, reason…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setFixedWidth(300)
        filter_label.setBuddy(self.filter)
        top.addWidget(self.heading)
        top.addSpacing(16)
        top.addWidget(day_label)
        top.addWidget(self.day)
        top.addWidget(self.today_button)
        top.addWidget(self.reload_button)
        top.addSpacing(16)
        top.addWidget(filter_label)
        top.addWidget(self.filter)
        top.addStretch(1)
        outer.addLayout(top)
        self.message = StatusLabel()
        self.message.setAccessibleName("Today message")
        outer.addWidget(self.message)
        self.model = TodayModel(self)
        self.proxy: QSortFilterProxyModel = sorted_proxy(self.model, self)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = data_table(self.proxy, "Encounters of the day")
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        outer.addWidget(self.table, 3)
        row = QHBoxLayout()
        self.open_button = QPushButton("&Open chart")
        self.open_button.setToolTip("Open the patient's chart at this encounter (Enter)")
        self.open_button.clicked.connect(self.open_current)
        row.addWidget(self.open_button)
        row.addStretch(1)
        outer.addLayout(row)

        self.unsigned_box = QWidget()
        box = QVBoxLayout(self.unsigned_box)
        box.setContentsMargins(0, 8, 0, 0)
        self.unsigned_title = _title("Your unsigned notes")
        self.unsigned_hint = QLabel()
        self.unsigned_hint.setWordWrap(True)
        self.unsigned_model = UnsignedModel(self)
        self.unsigned_proxy = sorted_proxy(self.unsigned_model, self)
        self.unsigned = data_table(self.unsigned_proxy, "Your unsigned notes")
        self.unsigned.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.unsigned_proxy.sort(-1)
        self.unsigned.doubleClicked.connect(lambda _i: self.open_unsigned())
        self.open_note_button = QPushButton("Open the &note")
        self.open_note_button.setToolTip("Open the chosen unsigned note to finish and sign it")
        self.open_note_button.clicked.connect(self.open_unsigned)
        box.addWidget(self.unsigned_title)
        box.addWidget(self.unsigned_hint)
        box.addWidget(self.unsigned)
        note_row = QHBoxLayout()
        note_row.addWidget(self.open_note_button)
        note_row.addStretch(1)
        box.addLayout(note_row)
        outer.addWidget(self.unsigned_box)
        self.unsigned_box.hide()

        self.day.dateChanged.connect(lambda _d: self.refresh())
        self.filter.textChanged.connect(self._filtered)
        self.filter.down.connect(lambda: self.table.setFocus())
        self.filter.chosen.connect(self._open_first)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.table, self.open_current)
            shortcut(key, self.unsigned, self.open_unsigned)

    # ------------------------------------------------------------------ loading

    def is_provider(self) -> bool:
        session = self._session()
        return session is not None and session.role is Role.PROVIDER

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        session = self._session()
        if session is None or not self.isVisible():
            return
        picked = self.day.date()
        chosen = dt.date(picked.year(), picked.month(), picked.day())
        encounters = self._services.inst.encounters
        provider = self.is_provider()

        def work() -> Day:
            rows = encounters.today(session, chosen)
            if not provider:
                return rows, None, None
            return rows, encounters.unsigned(session), encounters.unsigned_note_days(session)

        self.heading.setText("Today" if chosen == dt.date.today() else "The clinic's day")
        self._load = (
            Op(self, work, runner=self._runner, key="today")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def _loaded(self, result: Day) -> None:
        rows, unsigned, days = result
        keep = self._current(self.table)
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(TodayModel.COL_PATIENT, max(self.table.columnWidth(1), 220))
        self._reselect(self.table, self.proxy, keep)
        self.open_button.setEnabled(bool(rows))
        if not rows:
            self.message.info("No encounters on this day.")
        else:
            signed = sum(1 for r in rows if r.signed)
            self.message.info(
                f"{len(rows)} encounter{'s' if len(rows) != 1 else ''}, {signed} signed."
            )
        self.unsigned_box.setVisible(unsigned is not None)
        if unsigned is not None:
            self.unsigned_model.set_rows(unsigned)
            self.unsigned.resizeColumnsToContents()
            self.unsigned.setColumnWidth(
                UnsignedModel.COL_PATIENT, max(self.unsigned.columnWidth(1), 220)
            )
            waited = f"more than {days} day{'s' if days != 1 else ''}"
            self.unsigned_title.setText(f"Your unsigned notes ({len(unsigned)})")
            self.unsigned_hint.setText(
                f"Notes of yours left unsigned for {waited} (the clinic's setting), oldest first."
                if unsigned
                else f"✓ None of your notes has been left unsigned for {waited}."
            )
            self.unsigned.setVisible(bool(unsigned))
            lines = min(max(len(unsigned), 1), 6)
            self.unsigned.setFixedHeight(
                self.unsigned.horizontalHeader().sizeHint().height()
                + self.unsigned.verticalHeader().defaultSectionSize() * lines
                + 4
            )
            self.open_note_button.setVisible(bool(unsigned))
            if unsigned and not self.unsigned.currentIndex().isValid():
                self.unsigned.setCurrentIndex(self.unsigned_proxy.index(0, 0))

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, _patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if ChangeKind.ENCOUNTERS in kinds or ChangeKind.MERGE in kinds or not kinds:
            self.refresh()

    # ------------------------------------------------------------------ choosing

    def focus_search(self) -> None:
        """Ctrl+F in this area: the filter."""
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _filtered(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    @staticmethod
    def _current(view: QTableView) -> object:
        index = view.currentIndex()
        return view.model().data(index, ROW_ROLE) if index.isValid() else None

    @staticmethod
    def _reselect(view: QTableView, proxy: QSortFilterProxyModel, keep: object) -> None:
        for r in range(proxy.rowCount()):
            row = proxy.data(proxy.index(r, 0), ROW_ROLE)
            if isinstance(keep, TodayRow) and isinstance(row, TodayRow):
                if row.encounter_id == keep.encounter_id:
                    view.setCurrentIndex(proxy.index(r, 0))
                    return
        if proxy.rowCount():
            view.setCurrentIndex(proxy.index(0, 0, QModelIndex()))

    def _open_first(self) -> None:
        if self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.open_current()

    def open_current(self) -> None:
        row = self._current(self.table)
        if isinstance(row, TodayRow):
            self.open_requested.emit(int(row.patient_id), int(row.encounter_id))

    def open_unsigned(self) -> None:
        row = self._current(self.unsigned)
        if isinstance(row, UnsignedRow):
            self.open_requested.emit(int(row.patient_id), int(row.encounter_id))
