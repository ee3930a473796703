"""A patient's amendment requests under their encounter list: received, which note, what,
the decision and who decided; recording a request, deciding it and reading its history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.amendments import AddendumInfo, AmendmentData
from medrec_desktop.domain.clinical import ItemInfo, ItemVersion
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import permissions
from medrec_desktop.ui.encounters.amendment_dialogs import AmendmentRequestDialog, DecisionDialog
from medrec_desktop.ui.encounters.kinds import Names, build_amendment
from medrec_desktop.ui.encounters.models import AmendmentsModel
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

Request = ItemInfo[AmendmentData]


class AmendmentsSection(QWidget):
    history_ready = Signal(str, object)  # the request's name, list[ItemVersion]

    def __init__(
        self,
        *,
        names: Names,
        notes: dict[int, str],
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.notes = notes
        self.patient_id: PatientId | None = None
        self.dialog: AmendmentRequestDialog | DecisionDialog | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(4)
        title = QLabel("Amendment requests (the patient's right to amend)")
        title.setStyleSheet("font-weight: 600;")
        column.addWidget(title)
        self.message = StatusLabel()
        self.message.setAccessibleName("Amendment requests message")
        column.addWidget(self.message)
        self.empty = QLabel("No amendment requests from this patient.")
        self.empty.setAccessibleName("No amendment requests")
        column.addWidget(self.empty)
        self.model = AmendmentsModel(names, notes, self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Amendment requests")
        self.table.doubleClicked.connect(lambda _i: self.decide())
        # Newest first as shown, until the user sorts by a column.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        column.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.record_button = QPushButton("Record a re&quest…")
        self.record_button.setToolTip("The patient asks for a change to their record")
        self.decide_button = QPushButton("&Make the decision…")
        self.decide_button.setToolTip(
            "Accept (the change becomes an addendum citing the request) or deny (Enter); "
            "a denied request takes the patient's statement of disagreement here too"
        )
        self.history_button = QPushButton("Request hi&story")
        self.history_button.setToolTip("Every version of the chosen request: who, when, what")
        self.record_button.clicked.connect(lambda: self.record())
        self.decide_button.clicked.connect(self.decide)
        self.history_button.clicked.connect(self.show_history)
        for b in (self.record_button, self.decide_button, self.history_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        column.addLayout(buttons)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.table, self.decide)
        self.show_requests(())

    # ------------------------------------------------------------------ showing

    def show_requests(self, requests: tuple[Request, ...]) -> None:
        keep = self.current()
        ordered = sorted(requests, key=lambda r: (r.data.received_on, r.id), reverse=True)
        self.model.set_rows(ordered)
        has = bool(ordered)
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        self.decide_button.setEnabled(has)
        self.history_button.setEnabled(has)
        lines = min(max(len(ordered), 1), 4)
        self.table.setFixedHeight(
            self.table.horizontalHeader().sizeHint().height()
            + self.table.verticalHeader().defaultSectionSize() * lines
            + 4
        )
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(self.model.COL_CHANGE, 360)
        row = self.model.find(keep.id) if keep is not None else -1
        self._select(max(row, 0) if has else -1)
        session = self._session()
        self.record_button.setEnabled(
            session is not None
            and permissions.allowed(session.role, Action.CREATE, DataCategory.CLINICAL)
        )

    def _select(self, source_row: int) -> None:
        if source_row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.table.setCurrentIndex(index)

    def current(self) -> Request | None:
        index: QModelIndex = self.table.currentIndex()
        row = self.proxy.data(index, ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, ItemInfo) else None

    def _note_choices(self) -> list[tuple[int, str]]:
        return list(self.notes.items())

    # ------------------------------------------------------------------ recording

    def record(self, chosen: int | None = None) -> None:
        session, pid = self._session(), self.patient_id
        if session is None or pid is None or not self.record_button.isEnabled():
            return
        service = self._services.inst.amendments

        def submit(values: dict[str, str]) -> None:
            data = build_amendment(**values)
            Op(self, lambda: service.add(session, pid, data), runner=self._runner).success(
                recorded
            ).failure(dialog.refused).run()

        def recorded(info: Request) -> None:
            dialog.done_saving()
            self.message.ok("Request recorded: decide it within 60 days of receipt.")
            self._services.notify_changed(pid, {ChangeKind.AMENDMENTS})

        dialog = AmendmentRequestDialog(self._note_choices(), submit, chosen=chosen, parent=self)
        self._open(dialog)

    # ------------------------------------------------------------------ deciding

    def decide(self) -> None:
        request, session = self.current(), self._session()
        if request is None or session is None or self.patient_id is None:
            return
        pid = self.patient_id
        service = self._services.inst.amendments
        encounter = request.data.encounter_id
        note = (
            self.notes.get(int(encounter), f"encounter no. {encounter}")
            if encounter is not None
            else request.data.concerns or "another part of the record"
        )

        def run(work: Callable[[], Any], said: str) -> None:
            def done(_result: object) -> None:
                dialog.decided()
                self.message.ok(said)
                self._services.notify_changed(pid, {ChangeKind.AMENDMENTS, ChangeKind.ENCOUNTERS})

            Op(self, work, runner=self._runner).success(done).failure(dialog.refused).run()

        def accept(text: str) -> None:
            run(
                lambda: _accepted(
                    service.accept(session, request.id, text=text, expected_version=request.version)
                ),
                "Accepted: the change is an addendum to the note, citing the request.",
            )

        def deny(reason: str, disagreement: str | None) -> None:
            run(
                lambda: service.deny(
                    session,
                    request.id,
                    reason=reason,
                    disagreement=disagreement,
                    expected_version=request.version,
                ),
                "Denied: the reason is kept with the request"
                + (" with the patient's statement." if disagreement else "."),
            )

        def disagree(text: str) -> None:
            run(
                lambda: service.record_disagreement(
                    session, request.id, text=text, expected_version=request.version
                ),
                "The patient's statement of disagreement is kept with the request.",
            )

        dialog = DecisionDialog(
            request, note, accept=accept, deny=deny, disagree=disagree, parent=self
        )
        self._open(dialog)

    def _open(self, dialog: AmendmentRequestDialog | DecisionDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: AmendmentRequestDialog | DecisionDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # ------------------------------------------------------------------ history

    def show_history(self) -> None:
        request, session = self.current(), self._session()
        if request is None or session is None:
            return
        service = self._services.inst.amendments
        name = f"the amendment request received {request.data.received_on:%m/%d/%Y}"

        def shown(versions: list[ItemVersion[AmendmentData]]) -> None:
            self.history_ready.emit(name, versions)

        Op(self, lambda: service.history(session, request.id), runner=self._runner).success(
            shown
        ).failure(self._failed).run()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)


def _accepted(result: tuple[Request, AddendumInfo]) -> Request:
    return result[0]
