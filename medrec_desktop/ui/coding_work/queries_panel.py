"""The queries about one encounter, beside its codes (issue 13): each with its kind, state,
when it was asked and by whom, the provider's answer and note, and the turnaround; a coder
asks the provider (``QueryDialog``) or withdraws an open query with a reason. Other roles
see the queries read-only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coder_queries import QueryInput, QueryRow, QueryState
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.coding_work import EncounterContext
from medrec_desktop.ui.coding_work.queries_model import EncounterQueriesModel, detail_html
from medrec_desktop.ui.coding_work.query_dialog import QueryDialog
from medrec_desktop.ui.encounters.texts import day, local, type_label
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy


def about_text(context: EncounterContext) -> str:
    """ "Núñez Smith, José Luis (MRN 000123), office visit of 11/20/2026"."""
    kind = type_label(context.encounter_type).lower()
    return f"{context.patient_name} (MRN {context.mrn}), {kind} of {day(context.dos)}"


class QueriesPanel(QWidget):
    #: a query was sent or withdrawn
    changed = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()
        self._services, self._runner, self._session = services, runner, session
        self.encounter_id: int | None = None
        self.patient_id: int | None = None
        self.dialog: QueryDialog | RequiredReasonDialog | None = None
        services.changed.connect(self._changed)
        # Bound methods (not lambdas): the holder outlives this panel, and Qt drops a bound
        # method's connection when the panel goes.
        services.swapped.connect(self._swapped)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("No encounter open.")
        self.summary.setAccessibleName("Queries summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = EncounterQueriesModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Queries about this encounter")
        self.table.horizontalHeader().setSortIndicator(
            EncounterQueriesModel.COL_ASKED, Qt.SortOrder.AscendingOrder
        )
        self.table.setMaximumHeight(self.table.verticalHeader().defaultSectionSize() * 5 + 28)
        layout.addWidget(self.table)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("The chosen query")
        self.detail.setOpenLinks(False)
        layout.addWidget(self.detail, 1)
        self.message = StatusLabel()
        self.message.setAccessibleName("Queries message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.ask_button = QPushButton("As&k the provider…")
        self.ask_button.setToolTip("Send a query about this encounter to its provider")
        self.withdraw_button = QPushButton("&Withdraw…")
        self.withdraw_button.setToolTip("Withdraw the chosen open query, with the reason")
        buttons.addWidget(self.ask_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.ask_button.clicked.connect(self.ask)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self._update_buttons()

    # ------------------------------------------------------------------ showing

    def is_coder(self) -> bool:
        session = self._session()
        return session is not None and session.role is Role.CODER

    def show_encounter(self, encounter_id: int | None) -> None:
        """The queries about this encounter, with Ask… and Withdraw… (None: nothing)."""
        if encounter_id != self.encounter_id:
            self.model.set_rows(())
            self.patient_id = None
            self.detail.clear()
            self.message.clear_message()
        self.encounter_id = encounter_id
        if encounter_id is None:
            self.summary.setText("No encounter open.")
            self._update_buttons()
            return
        self.reload()

    def reload(self, *, select: int | None = None) -> None:
        session, eid = self._session(), self.encounter_id
        if session is None or eid is None:
            return
        queries = self._services.inst.coder_queries
        Op(
            self, lambda: queries.for_encounter(session, eid), runner=self._runner, key="queries"
        ).success(lambda rows: self._loaded(eid, rows, select)).failure(self._failed).run()

    def _loaded(self, eid: int, rows: tuple[QueryRow, ...], select: int | None) -> None:
        if eid != self.encounter_id:
            return
        keep = select if select is not None else self._current_id()
        self.model.set_rows(rows)
        if rows:
            self.patient_id = rows[0].patient_id
        open_n = sum(1 for r in rows if r.state is QueryState.OPEN)
        if not rows:
            self.summary.setText("No queries about this encounter.")
        else:
            self.summary.setText(
                f"{len(rows)} quer{'ies' if len(rows) != 1 else 'y'} about this encounter"
                + (f", {open_n} waiting for the provider." if open_n else ".")
            )
        row = self.model.find(keep) if keep is not None else -1
        if rows:
            source = self.model.index(row if row >= 0 else len(rows) - 1, 0)
            self.table.setCurrentIndex(self.proxy.mapFromSource(source))
        self._show_current()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _swapped(self) -> None:
        """Another database: nothing of the old one stays on screen."""
        self.show_encounter(None)

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        # An answer from the provider (another window of this workstation) shows at once.
        if self.encounter_id is None or not (not kinds or ChangeKind.CODING in kinds):
            return
        if self.patient_id is None or self.patient_id == patient_id:
            self.reload()

    def current(self) -> QueryRow | None:
        index: QModelIndex = self.table.currentIndex()
        row = self.proxy.data(index, ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, QueryRow) else None

    def _current_id(self) -> int | None:
        row = self.current()
        return row.id if row is not None else None

    def _show_current(self) -> None:
        row = self.current()
        self.detail.setHtml(detail_html(row) if row is not None else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        coder = self.is_coder()
        self.ask_button.setVisible(coder)
        self.withdraw_button.setVisible(coder)
        row = self.current()
        self.ask_button.setEnabled(self.encounter_id is not None)
        self.withdraw_button.setEnabled(row is not None and row.state is QueryState.OPEN)

    # ------------------------------------------------------------------ asking, withdrawing

    def ask(self) -> None:
        """Read who the encounter is about, then the query dialog."""
        session, eid = self._session(), self.encounter_id
        if session is None or eid is None or not self.is_coder():
            return
        coding_work = self._services.coding_work
        Op(self, lambda: coding_work.get(session, eid).context, runner=self._runner).success(
            self._open_query_dialog
        ).failure(self._failed).run()

    def _open_query_dialog(self, context: EncounterContext) -> None:
        session, eid = self._session(), context.encounter_id
        if session is None or eid != self.encounter_id:
            return
        queries = self._services.inst.coder_queries

        def submit(query: QueryInput) -> None:
            Op(self, lambda: queries.ask(session, eid, query), runner=self._runner).success(
                sent
            ).failure(dialog.refused).run()

        def sent(row: QueryRow) -> None:
            dialog.sent()
            self.patient_id = row.patient_id
            self.message.ok(f"Query sent to {row.provider}.")
            self.reload(select=row.id)
            self._services.notify_changed(row.patient_id, {ChangeKind.CODING})
            self.changed.emit()

        dialog = QueryDialog(
            about=about_text(context), provider=context.provider, submit=submit, parent=self
        )
        self._open(dialog)

    def withdraw(self) -> None:
        session, row = self._session(), self.current()
        if session is None or row is None or row.state is not QueryState.OPEN:
            return
        queries = self._services.inst.coder_queries

        def submit(reason: str) -> None:
            Op(
                self,
                lambda: queries.withdraw(
                    session, row.id, expected_version=row.version, reason=reason
                ),
                runner=self._runner,
            ).success(withdrawn).failure(dialog.refused).run()

        def withdrawn(done: QueryRow) -> None:
            dialog.done_ok()
            self.message.ok("Query withdrawn; the provider no longer sees it.")
            self.reload(select=done.id)
            self._services.notify_changed(done.patient_id, {ChangeKind.CODING})
            self.changed.emit()

        dialog = RequiredReasonDialog(
            title="Withdraw the query",
            intro=f"Withdraw the query “{row.template.label}” sent to {row.provider} on "
            f"{day(local(row.asked_at).date())}. It stays in the encounter's record "
            "with your reason.",
            label="&Reason (required):",
            button="&Withdraw query",
            missing="Say why the query is withdrawn.",
            placeholder="e.g. the provider added an addendum that answers it",
            submit=submit,
            parent=self,
        )
        self._open(dialog)

    def _open(self, dialog: QueryDialog | RequiredReasonDialog) -> None:
        self.dialog = dialog

        def closed(_result: int) -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
