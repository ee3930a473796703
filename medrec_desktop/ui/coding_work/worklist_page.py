"""The coders' worklist (issue 13): signed encounters by date of service, to code, returned
to their provider, coded or all, filtered by dates, provider, type, open queries and errors,
with the count beside each choice; 100 a page. Enter (or a double click) opens the encounter
for coding.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coding_work import WorklistFilter, WorklistPage, WorklistRow
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.coding_work.worklist_filters import WorklistFilters
from medrec_desktop.ui.coding_work.worklist_model import WorklistModel
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table

PAGE_SIZE = 100
#: what a change notification must concern for the list to be read again: codes and
#: queries, visits signed or entered in error, records merged (or anything, when unnamed)
_RELEVANT = frozenset({ChangeKind.CODING, ChangeKind.ENCOUNTERS, ChangeKind.MERGE})


def showing_text(offset: int, shown: int, total: int) -> str:
    """ "Showing 1–100 of 4,210"."""
    if total == 0 or shown == 0:
        return "No encounters match."
    return f"Showing {offset + 1:,}–{offset + shown:,} of {total:,}"


class CodingWorklistPage(QWidget):
    title = "Coding worklist"
    #: (encounter_id: int) open this encounter for coding
    open_requested = Signal(int)
    #: the coder asked for the billing export (the area opens the dialog)
    billing_export_requested = Signal()
    #: the coder asked for the coding reports (the area shows them)
    reports_requested = Signal()

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
        self.offset = 0
        #: rows a page holds (what the buttons' "100" says; a test may read smaller pages)
        self.page_size = PAGE_SIZE
        self.page: WorklistPage | None = None
        self._providers_loaded = False
        services.changed.connect(self._changed)
        services.swapped.connect(self._swapped)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        heading = QLabel("Coding worklist")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.reload_button = QPushButton("Re&load")
        self.reload_button.setToolTip("Read the list again (F5)")
        self.billing_button = QPushButton("Export for &billing…")
        self.billing_button.setToolTip("Coded encounters of a period as CSV or JSON for billing")
        self.reports_button = QPushButton("Coding report&s…")
        self.reports_button.setToolTip("Productivity, query turnaround and diagnosis counts")
        top.addWidget(heading)
        top.addStretch(1)
        for b in (self.reload_button, self.billing_button, self.reports_button):
            top.addWidget(b)
        outer.addLayout(top)
        self.filters = WorklistFilters()
        outer.addWidget(self.filters)
        self.message = StatusLabel()
        self.message.setAccessibleName("Worklist message")
        outer.addWidget(self.message)
        self.model = WorklistModel(self)
        # The service orders and pages the list; sorting one page on screen would mislead.
        self.table = data_table(self.model, "Coding worklist")
        self.table.setSortingEnabled(False)
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        outer.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.open_button = QPushButton("Open en&counter")
        self.open_button.setToolTip("Code the chosen encounter (Enter)")
        self.showing = QLabel()
        self.showing.setAccessibleName("Rows shown")
        self.previous_button = QPushButton("◀ Pre&vious page")
        self.previous_button.setToolTip("The 100 before these (Ctrl+Page Up)")
        self.next_button = QPushButton("&Next page ▶")
        self.next_button.setToolTip("The next 100 (Ctrl+Page Down)")
        bottom.addWidget(self.open_button)
        bottom.addStretch(1)
        bottom.addWidget(self.showing)
        bottom.addSpacing(12)
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.next_button)
        outer.addLayout(bottom)

        self.filters.changed.connect(self._filters_changed)
        self.reload_button.clicked.connect(self.refresh)
        self.billing_button.clicked.connect(self.billing_export_requested)
        self.reports_button.clicked.connect(self.reports_requested)
        self.open_button.clicked.connect(self.open_current)
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        for k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(k, self.table, self.open_current)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        shortcut(QKeySequence("F5"), self, self.refresh, context)
        shortcut(QKeySequence("Ctrl+PgDown"), self, self.next_page, context)
        shortcut(QKeySequence("Ctrl+PgUp"), self, self.previous_page, context)
        self._update_buttons()

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.table.setFocus()

    def refresh(self) -> None:
        """Read the current page again (only while shown: a hidden list reads on showing)."""
        session = self._session()
        if session is None or not self.isVisible():
            return
        if not self._providers_loaded:
            self._load_providers(session)
        filters = self.filters.current()
        offset, size = self.offset, self.page_size
        coding_work = self._services.coding_work
        Op(
            self,
            lambda: coding_work.worklist(session, filters, offset=offset, limit=size),
            runner=self._runner,
            key="worklist",
        ).success(lambda page: self._loaded(page, filters, offset)).failure(self._failed).run()

    def _load_providers(self, session: UserSession) -> None:
        self._providers_loaded = True
        encounters = self._services.inst.encounters
        Op(
            self, lambda: encounters.providers(session), runner=self._runner, key="providers"
        ).success(self.filters.set_providers).failure(self._failed).run()

    def _loaded(self, page: WorklistPage, filters: WorklistFilter, offset: int) -> None:
        if filters != self.filters.current() or offset != self.offset:
            return  # the choice changed while reading: a newer read is on its way
        if page.total and offset >= page.total:
            # The page emptied (encounters coded elsewhere): the last one that has rows.
            self.offset = max(0, (page.total - 1) // self.page_size * self.page_size)
            self.refresh()
            return
        keep = self.current_row()
        self.page = page
        self.model.set_rows(page.rows)
        self.filters.show_counts(page.counts)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(
            WorklistModel.COL_PATIENT, max(self.table.columnWidth(WorklistModel.COL_PATIENT), 200)
        )
        row = self.model.find(keep.encounter_id) if keep is not None else -1
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(max(row, 0), 0))
        self.showing.setText(showing_text(offset, len(page.rows), page.total))
        if page.withheld:
            n = page.withheld
            self.message.info(
                f"{n:,} encounter{'s' if n != 1 else ''} with a sensitivity label "
                f"{'are' if n != 1 else 'is'} not listed (your role may not see them)."
            )
        elif not page.rows:
            self.message.info("No encounters match these choices.")
        else:
            self.message.clear_message()
        self._update_buttons()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, _patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if not kinds or kinds & _RELEVANT:
            self.refresh()

    def _swapped(self) -> None:
        """Another database: its providers and its encounters."""
        self._providers_loaded = False
        self.offset = 0
        self.model.set_rows(())
        self.page = None
        self.refresh()

    def _filters_changed(self) -> None:
        self.offset = 0
        self.refresh()

    # ------------------------------------------------------------------ paging and opening

    def _update_buttons(self) -> None:
        total = self.page.total if self.page is not None else 0
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.offset + self.page_size < total)
        self.open_button.setEnabled(self.model.rowCount() > 0)

    def next_page(self) -> None:
        if self.next_button.isEnabled():
            self.offset += self.page_size
            self.refresh()

    def previous_page(self) -> None:
        if self.previous_button.isEnabled():
            self.offset = max(0, self.offset - self.page_size)
            self.refresh()

    def current_row(self) -> WorklistRow | None:
        index: QModelIndex = self.table.currentIndex()
        row = self.model.data(index, ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, WorklistRow) else None

    def open_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_requested.emit(row.encounter_id)

    def focus_search(self) -> None:
        """Ctrl+F in this area: the list (the filters are a Tab away)."""
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
