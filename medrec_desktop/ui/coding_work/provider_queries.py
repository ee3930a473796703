"""A provider's "Queries" area (issue 13): the coders' queries waiting for their answer
(answered here, ``AnswerDialog``), and the encounters a coder returned to them with the
reason (the provider adds an addendum in the chart, then sends the encounter back to coding
with a note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coder_queries import QueryRow, QueryState
from medrec_desktop.domain.coding_work import WorklistPage, WorklistRow
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.coding_work import CodingView
from medrec_desktop.ui.coding_work.answer_dialog import AnswerDialog
from medrec_desktop.ui.coding_work.queries_model import ProviderQueriesModel, detail_html
from medrec_desktop.ui.coding_work.worklist_model import ReturnedModel
from medrec_desktop.ui.encounters.texts import day, local
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

#: the queries, the returned encounters and the installation's clock reading (how long the
#: open queries have waited is measured against the clock the times were stored with)
Loaded = tuple[tuple[QueryRow, ...], WorklistPage, dt.datetime]


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 15px; font-weight: 600;")
    return label


def _current(view: QTableView) -> object:
    index: QModelIndex = view.currentIndex()
    return view.model().data(index, ROW_ROLE) if index.isValid() else None


class ProviderQueriesPage(QWidget):
    title = "Queries"
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
        self.dialog: AnswerDialog | RequiredReasonDialog | None = None
        services.changed.connect(self._changed)
        services.swapped.connect(self.refresh)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)

        top = QHBoxLayout()
        self.queries_title = _title("Queries waiting for your answer")
        self.show_answered = QCheckBox("Show ans&wered too")
        self.show_answered.setToolTip("List the queries you answered as well, with turnaround")
        self.reload_button = QPushButton("Re&load")
        self.reload_button.setToolTip("Read the lists again (F5)")
        top.addWidget(self.queries_title)
        top.addSpacing(16)
        top.addWidget(self.show_answered)
        top.addStretch(1)
        top.addWidget(self.reload_button)
        outer.addLayout(top)
        hint = QLabel(
            "A coder asks when the note leaves a diagnosis unclear. Answer from your clinical "
            "judgment; the answer becomes part of the visit's record."
        )
        hint.setWordWrap(True)
        outer.addWidget(hint)
        self.message = StatusLabel()
        self.message.setAccessibleName("Queries message")
        outer.addWidget(self.message)

        self.model = ProviderQueriesModel(self)
        self.proxy: QSortFilterProxyModel = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Queries waiting for your answer")
        self.table.horizontalHeader().setSortIndicator(
            ProviderQueriesModel.COL_ASKED, Qt.SortOrder.AscendingOrder
        )
        self.table.doubleClicked.connect(lambda _i: self.answer_current())
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("The chosen query")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        # The list wide enough for its columns; the question beside it wraps.
        split.setSizes([900, 380])
        outer.addWidget(split, 3)
        row = QHBoxLayout()
        self.answer_button = QPushButton("&Answer…")
        self.answer_button.setToolTip("Answer the chosen query (Enter)")
        self.note_button = QPushButton("Open the &note")
        self.note_button.setToolTip("The visit's note in the patient's chart")
        row.addWidget(self.answer_button)
        row.addWidget(self.note_button)
        row.addStretch(1)
        outer.addLayout(row)

        self.returned_title = _title("Encounters returned to you")
        outer.addWidget(self.returned_title)
        returned_hint = QLabel(
            "A coder could not code these from the note. Add what is missing in an addendum "
            "(open the chart), then send the encounter back to coding with a note."
        )
        returned_hint.setWordWrap(True)
        outer.addWidget(returned_hint)
        self.returned_model = ReturnedModel(self)
        self.returned_proxy = sorted_proxy(self.returned_model, self)
        self.returned = data_table(self.returned_proxy, "Encounters returned to you")
        self.returned.horizontalHeader().setSortIndicator(
            ReturnedModel.COL_DOS, Qt.SortOrder.AscendingOrder
        )
        outer.addWidget(self.returned, 2)
        row2 = QHBoxLayout()
        self.send_back_button = QPushButton("Send &back to coding…")
        self.send_back_button.setToolTip("Back on the coders' worklist, with your note (Enter)")
        self.chart_button = QPushButton("Open the &chart")
        self.chart_button.setToolTip("The visit in the patient's chart, to add an addendum")
        row2.addWidget(self.send_back_button)
        row2.addWidget(self.chart_button)
        row2.addStretch(1)
        outer.addLayout(row2)

        self.show_answered.toggled.connect(lambda _on: self.refresh())
        self.reload_button.clicked.connect(self.refresh)
        self.answer_button.clicked.connect(self.answer_current)
        self.note_button.clicked.connect(self._open_query_note)
        self.send_back_button.clicked.connect(self.send_back_current)
        self.chart_button.clicked.connect(self._open_returned_chart)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.returned.selectionModel().currentRowChanged.connect(lambda *_a: self._update())
        for k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(k, self.table, self.answer_current)
            shortcut(k, self.returned, self.send_back_current)
        shortcut(
            QKeySequence("F5"), self, self.refresh, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self._update()

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        session = self._session()
        if session is None or not self.isVisible():
            return
        inst, coding_work = self._services.inst, self._services.coding_work
        state = None if self.show_answered.isChecked() else QueryState.OPEN

        def work() -> Loaded:
            mine = inst.coder_queries.mine(session, state=state)
            return mine, coding_work.returned_to_me(session), inst.ctx.now()

        Op(self, work, runner=self._runner, key="provider-queries").success(self._loaded).failure(
            self._failed
        ).run()

    def _loaded(self, loaded: Loaded) -> None:
        rows, returned, now = loaded
        keep, keep_returned = _current(self.table), _current(self.returned)
        if not self.show_answered.isChecked():
            # Answered on another workstation since: not waiting any more.
            rows = tuple(r for r in rows if r.state is QueryState.OPEN)
        self.model.now = now
        self.model.set_rows(rows)
        self.returned_model.set_rows(returned.rows)
        for view in (self.table, self.returned):
            view.resizeColumnsToContents()
        waiting = sum(1 for r in rows if r.state is QueryState.OPEN)
        self.queries_title.setText(f"Queries waiting for your answer ({waiting})")
        self.returned_title.setText(f"Encounters returned to you ({returned.total})")
        self._reselect(self.table, self.proxy, self.model.find, keep, "id")
        self._reselect(
            self.returned,
            self.returned_proxy,
            self.returned_model.find,
            keep_returned,
            "encounter_id",
        )
        if not rows:
            self.detail.setHtml("<p>✓ No query is waiting for your answer.</p>")
        self._show_current()

    @staticmethod
    def _reselect(
        view: QTableView,
        proxy: QSortFilterProxyModel,
        find: Callable[[int], int],
        keep: object,
        attr: str,
    ) -> None:
        row = find(int(getattr(keep, attr))) if keep is not None else -1
        if proxy.sourceModel().rowCount():
            index = proxy.mapFromSource(proxy.sourceModel().index(max(row, 0), 0))
            view.setCurrentIndex(index if row >= 0 else proxy.index(0, 0))

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, _patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if not kinds or ChangeKind.CODING in kinds or ChangeKind.MERGE in kinds:
            self.refresh()

    def current_query(self) -> QueryRow | None:
        row = _current(self.table)
        return row if isinstance(row, QueryRow) else None

    def current_returned(self) -> WorklistRow | None:
        row = _current(self.returned)
        return row if isinstance(row, WorklistRow) else None

    def _show_current(self) -> None:
        row = self.current_query()
        if row is not None:
            self.detail.setHtml(detail_html(row))
        self._update()

    def _update(self) -> None:
        query = self.current_query()
        self.answer_button.setEnabled(query is not None and query.state is QueryState.OPEN)
        self.note_button.setEnabled(query is not None)
        returned = self.current_returned()
        self.send_back_button.setEnabled(returned is not None)
        self.chart_button.setEnabled(returned is not None)

    def focus_search(self) -> None:
        """Ctrl+F in this area: the list of queries."""
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ------------------------------------------------------------------ acting

    def _open_query_note(self) -> None:
        row = self.current_query()
        if row is not None:
            self.open_requested.emit(row.patient_id, row.encounter_id)

    def _open_returned_chart(self) -> None:
        row = self.current_returned()
        if row is not None:
            self.open_requested.emit(row.patient_id, row.encounter_id)

    def answer_current(self) -> None:
        session, row = self._session(), self.current_query()
        if session is None or row is None or row.state is not QueryState.OPEN:
            return
        queries = self._services.inst.coder_queries

        def submit(answer: str, note: str) -> None:
            Op(
                self,
                lambda: queries.answer(
                    session, row.id, expected_version=row.version, answer=answer, note=note
                ),
                runner=self._runner,
            ).success(answered).failure(dialog.refused).run()

        def answered(done: QueryRow) -> None:
            dialog.answered()
            self.message.ok(f"Answer sent to {done.asked_by}: “{done.answer}”.")
            self._services.notify_changed(done.patient_id, {ChangeKind.CODING})
            self.table.setFocus()

        dialog = AnswerDialog(row, submit, self)
        self._open(dialog)

    def send_back_current(self) -> None:
        session, row = self._session(), self.current_returned()
        if session is None or row is None or row.coding_version is None:
            return
        coding_work = self._services.coding_work
        version = row.coding_version

        def submit(note: str) -> None:
            Op(
                self,
                lambda: coding_work.send_back_to_coding(
                    session, row.encounter_id, expected_version=version, note=note
                ),
                runner=self._runner,
            ).success(sent).failure(dialog.refused).run()

        def sent(view: CodingView) -> None:
            dialog.done_ok()
            self.message.ok("Sent back to coding: it is on the coders' worklist again.")
            self._services.notify_changed(view.context.patient_id, {ChangeKind.CODING})
            self.returned.setFocus()

        dialog = RequiredReasonDialog(
            title="Send back to coding",
            intro=(
                f"The visit of {day(local(row.starts_at).date())} with {row.patient_name} was "
                f"returned because: {row.return_reason or '(no reason given)'}\n\nSay what "
                "you added to the note, or why nothing was needed."
            ),
            label="&Note to the coder (required):",
            button="&Send back",
            missing="Say what you added, or why nothing was needed.",
            placeholder="e.g. addendum added with the assessment and plan",
            submit=submit,
            parent=self,
        )
        self._open(dialog)

    def _open(self, dialog: AnswerDialog | RequiredReasonDialog) -> None:
        self.dialog = dialog

        def closed(_result: int) -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
