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
from PySide6.QtGui import QKeyEvent, QPalette
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
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.patient_search import SEARCH_LIMIT, PatientMatches
from medrec_desktop.ui.patients.table_model import (
    SIMILAR_MARK,
    PatientRole,
    PatientTableModel,
    SortRole,
)
from medrec_desktop.ui.services_holder import ServicesHolder, record_changed
from medrec_desktop.ui.tasks import Op, OpRunner

DEBOUNCE_MS = 150
# Keys typed in the search box that move the selection in the table below it.
_MOVE_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


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
        self._showing_search = False  # recent patients until a search result is shown
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
        self._service_order()
        self._keep_selection_visible()
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PatientTableModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in range(1, PatientTableModel.COL_PHONE + 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(self._open_index)
        self.table.installEventFilter(self)
        self.search_box.installEventFilter(self)  # after the table: the filter reads it
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        layout.addWidget(self.status)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        self.search_box.textChanged.connect(self._typed)
        self._shown_text: str | None = None  # the text the rows on screen were found for
        self._last_text: str | None = None
        self._open_when_shown: str | None = None  # Enter pressed before its results came
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
        self._shown_text = self._last_text = self._open_when_shown = None
        self.status.clear()
        self._showing_search = False
        self._service_order()

    def _service_order(self) -> None:
        """Rows as the service ranked them (recent first, exact before similar) until the
        user clicks a column header."""
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)

    def _keep_selection_visible(self) -> None:
        # The cursor stays in the search box while Up/Down move the selection: the selected
        # row must look selected although the table does not have the focus.
        palette = self.table.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            palette.setColor(
                QPalette.ColorGroup.Inactive, role, palette.color(QPalette.ColorGroup.Active, role)
            )
        self.table.setPalette(palette)

    def _typed(self, _text: str) -> None:
        self._open_when_shown = None  # typing on cancels an Enter waiting for results
        self._debounce.start()

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

    def _patient_changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        # The list shows names, birth dates, MRNs and phones: chart items do not change it.
        if self._session() is None or not record_changed(kinds):
            return
        shown = {self.model.patient(i).id for i in range(self.model.rowCount())}
        if patient_id in shown:
            self.refresh()
        elif not self.search_box.text().strip() and not self._services.remote:
            # Recent patients: the one just saved here moves to the top. Another
            # workstation's save does not put a patient among this user's recent ones (the
            # patients they opened), so an idle list is not read again for each of those.
            self.refresh()

    def _show(self, text: str, rows: list[PatientInfo]) -> None:
        exact = rows.exact if isinstance(rows, PatientMatches) else len(rows)
        chosen = self._selected_id()
        self.model.set_rows(rows, exact=exact)
        self._shown_text = text
        if self._showing_search != bool(text):
            # A new kind of list: back to the order it comes in (a header click on search
            # results must not turn recent patients into an alphabetical list).
            self._showing_search = bool(text)
            self._service_order()
        self.heading.setText("Search results" if text else "Recent patients")
        if rows:
            # A refresh of the same list (a patient changed elsewhere) keeps the user's choice.
            same = [r for r in range(self.proxy.rowCount()) if self._id_at(r) == chosen]
            self.table.selectRow(same[0] if same and text == self._last_text else 0)
            self.status.setText(f"{_found_text(len(rows), exact)} Enter opens the selected one.")
        elif text:
            self.status.setText("No patient matches. Check the spelling, or register a new one.")
        else:
            self.status.setText("No recent patients yet. Type to search.")
        self._last_text = text
        if self._open_when_shown is not None and self._open_when_shown == text:
            # Enter was pressed before these results arrived: open from the list that belongs
            # to what was typed, never from the one that was on screen.
            self._open_when_shown = None
            self.open_selected()

    def _id_at(self, row: int) -> int | None:
        patient = self.proxy.data(self.proxy.index(row, 0), PatientRole)
        return patient.id if patient is not None else None

    def _selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self._id_at(rows[0].row()) if rows else None

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

    def _move_selection(self, key: Qt.Key) -> None:
        rows = self.proxy.rowCount()
        selected = self.table.selectionModel().selectedRows()
        current = selected[0].row() if selected else -1
        page = max(1, self.table.viewport().height() // max(1, self.table.rowHeight(0)) - 1)
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }[key]
        row = 0 if current < 0 else min(rows - 1, max(0, current + step))
        self.table.selectRow(row)
        self.table.scrollTo(self.proxy.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.PaletteChange:
            # The system switched light/dark: the new palette needs the same treatment.
            inactive = self.table.palette().color(
                QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight
            )
            active = self.table.palette().color(
                QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight
            )
            if inactive != active:
                self._keep_selection_visible()
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_box:
                if event.key() in _MOVE_KEYS:
                    # The cursor stays in the box (the user may go on typing); the table's
                    # selection moves, and Enter opens the row that is seen selected.
                    if self.proxy.rowCount() > 0:
                        self._move_selection(Qt.Key(event.key()))
                    return True
                if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    typed = self.search_box.text().strip()
                    if self._debounce.isActive() or self._shown_text != typed:
                        # The list on screen is for older text: open when this text's
                        # results arrive.
                        self._open_when_shown = typed
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


def _found_text(found: int, exact: int) -> str:
    """The status line's count, telling exact matches from similar spellings."""
    more = ""
    if found >= SEARCH_LIMIT:
        more = f" (showing the first {SEARCH_LIMIT}: type more to narrow)"
    similar = found - exact
    noun = "patient" if similar == 1 else "patients"
    if similar == 0:
        return f"{found} patient(s){more}."
    if exact == 0:
        return f"No exact match; {similar} {noun} with similar names ({SIMILAR_MARK}){more}."
    return f"{exact} exact, {similar} with similar names ({SIMILAR_MARK}){more}."
