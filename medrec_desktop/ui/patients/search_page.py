"""Find a patient: one box, results while typing, recent patients when the box is empty."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.patients.table_model import PatientRole, PatientTableModel, SortRole
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

DEBOUNCE_MS = 150


class PatientSearchPage(QWidget):
    title = "Patients"
    patient_opened = Signal(object)  # PatientInfo
    new_patient_requested = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._session = session
        self._search: Op[list[PatientInfo]] | None = None
        # A patient shown here was changed elsewhere (name, birth date, merge): show it anew.
        services.changed.connect(self._patient_changed)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(
            "Find a patient: name (any order, e.g. “smi jo”), date of birth, MRN or phone"
        )
        self.search_box.setAccessibleName("Find patient")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.installEventFilter(self)
        self.new_button = QPushButton("&New patient…")
        self.new_button.setToolTip("Register a new patient (Ctrl+N)")
        self.new_button.clicked.connect(self.new_patient_requested)
        row.addWidget(self.search_box, 1)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        self.heading = QLabel("Recent patients")
        self.heading.setStyleSheet("color: palette(mid); font-weight: 600;")
        layout.addWidget(self.heading)
        self.model = PatientTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Patients found")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PatientTableModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PatientTableModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in range(1, PatientTableModel.COL_PHONE + 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(self._open_index)
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        layout.addWidget(self.status)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.setTabOrder(self.search_box, self.new_button)
        self.setTabOrder(self.new_button, self.table)

    # ------------------------------------------------------------------ behaviour

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def refresh(self) -> None:
        self._run_search()

    def clear(self) -> None:
        """Forget shown patients (sign-out): nothing of the last user stays on screen."""
        if self._search is not None:
            self._search.cancel()
        self.search_box.clear()
        self.model.set_rows([])
        self.status.clear()

    def _run_search(self) -> None:
        session = self._session()
        if session is None:
            return
        text = self.search_box.text().strip()
        patients = self._services.inst.patients
        if text:
            work: Callable[[], list[PatientInfo]] = lambda: patients.search(session, text)  # noqa: E731
        else:
            work = lambda: patients.recent(session)  # noqa: E731
        self.status.setText("Searching…")
        # Latest-only: the newest query supersedes any still running; older answers are dropped.
        self._search = (
            Op(self, work, runner=self._runner, key="search")
            .success(lambda rows: self._show(text, rows))
            .failure(self._failed)
            .run()
        )

    def _patient_changed(self, patient_id: int, _kinds: frozenset[object]) -> None:
        if self._session() is None:
            return
        shown = {self.model.patient(i).id for i in range(self.model.rowCount())}
        if patient_id in shown or not self.search_box.text().strip():
            self.refresh()  # recent patients: the changed one moves to the top

    def _show(self, text: str, rows: list[PatientInfo]) -> None:
        self.model.set_rows(rows)
        self.heading.setText("Search results" if text else "Recent patients")
        if rows:
            self.table.selectRow(0)
            more = " (showing the first 50: type more to narrow)" if len(rows) >= 50 else ""
            self.status.setText(f"{len(rows)} patient(s){more}. Enter opens the selected one.")
        elif text:
            self.status.setText("No patient matches. Check the spelling, or register a new one.")
        else:
            self.status.setText("No recent patients yet. Type to search.")

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.status.setText(err.message)

    def _open_index(self, index: QModelIndex) -> None:
        patient = self.proxy.data(index, PatientRole)
        if patient is not None:
            self.patient_opened.emit(patient)

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open_index(rows[0])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_box:
                if event.key() == Qt.Key.Key_Down and self.proxy.rowCount() > 0:
                    self.table.setFocus()
                    if not self.table.selectionModel().hasSelection():
                        self.table.selectRow(0)
                    return True
                if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    if self._debounce.isActive():
                        self._debounce.stop()
                        self._run_search()
                    else:
                        self.open_selected()
                    return True
            if watched is self.table and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_selected()
                return True
        return super().eventFilter(watched, event)
