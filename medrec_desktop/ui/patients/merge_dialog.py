"""Merging two records of the same person: find the other one, see which to keep and why,
give the reason, then merge. Nothing on the way merges by pressing Enter."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
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
from medrec_desktop.domain.merge_choice import MergeFacts, MergeSuggestion
from medrec_desktop.services.patient_search import PatientMatches
from medrec_desktop.ui.itemmodels.timefmt import local_datetime
from medrec_desktop.ui.patients.compare import CompareTable
from medrec_desktop.ui.patients.registration import ERROR_STYLE
from medrec_desktop.ui.patients.table_model import PatientTableModel
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

DEBOUNCE_MS = 150
REASON_MAX = 500  # the service refuses longer reasons; the field stops there first
MERGE_ROWS = ("Name", "Date of birth", "Sex", "Phone", "MRN", "Registered", "On file")
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _column(f: MergeFacts) -> list[str]:
    p = f.patient
    return [
        p.display_name,
        f"{p.birth_date:%m/%d/%Y}",
        p.sex.capitalize(),
        p.phone or "—",
        p.mrn,
        local_datetime(f.registered_at, seconds=False),
        f.on_file_text(),
    ]


def _label(p: PatientInfo) -> str:
    return f"{p.display_name} (MRN {p.mrn})"


def _no_enter(button: QPushButton) -> QPushButton:
    # A focused auto-default button is pressed by Enter: none here may be (Space still works).
    button.setAutoDefault(False)
    button.setDefault(False)
    return button


class MergeDialog(QDialog):
    """Merge the open record and another record of the same person, keeping either one.

    ``keep`` is the record the chart shows; the dialog suggests which of the two to keep (an
    established record over one registered minutes ago) and the user may swap.
    """

    #: PatientInfo of the record kept, after a successful merge (it may not be the open one)
    merged = Signal(object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        keep: PatientInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge two records of the same person")
        self.resize(820, 640)
        self._services, self._runner, self._session = services, runner, session
        self.current = keep
        self.suggestion: MergeSuggestion | None = None
        self.keep: MergeFacts | None = None
        self.gone: MergeFacts | None = None
        self._busy = False
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"This record: <b>{html.escape(keep.display_name)}</b> (MRN {html.escape(keep.mrn)}). "
            "Find the other record "
            "of the same person. You choose which one is kept: the other one's notes, contacts "
            "and insurance move to it, and the other record stays, marked as merged, so its "
            "details and history can still be traced. <b>A merge cannot be undone.</b>"
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)

        find_label = QLabel("&Find the other record:")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(
            "Name (any order, e.g. “smi jo”), date of birth, MRN or phone"
        )
        self.search_box.setAccessibleName("Find the other record")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.installEventFilter(self)
        find_label.setBuddy(self.search_box)
        layout.addWidget(find_label)
        layout.addWidget(self.search_box)
        self.model = PatientTableModel(self)
        self.results = QTableView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("Records found")
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.verticalHeader().hide()
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(PatientTableModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in range(1, PatientTableModel.COL_PHONE + 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.results.installEventFilter(self)
        self.results.doubleClicked.connect(self._pick_index)
        layout.addWidget(self.results, 1)
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        self.compare_button = _no_enter(QPushButton("&Compare with this record"))
        self.compare_button.clicked.connect(self.pick_selected)
        row.addWidget(self.status, 1)
        row.addWidget(self.compare_button)
        layout.addLayout(row)

        self.table = CompareTable(
            [("Keep", [""] * len(MERGE_ROWS)), ("Merge into it", [""] * len(MERGE_ROWS))],
            self,
            rows=MERGE_ROWS,
            same_tip="Same in both records",
        )
        self.table.hide()
        layout.addWidget(self.table, 2)
        choice = QHBoxLayout()
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setAccessibleName("Which record to keep")
        self.swap_button = _no_enter(QPushButton("&Swap: keep the other record"))
        self.swap_button.setEnabled(False)
        self.swap_button.clicked.connect(self.swap)
        choice.addWidget(self.suggestion_label, 1)
        choice.addWidget(self.swap_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(choice)

        reason_label = QLabel("&Reason for the merge (required):")
        self.reason = QLineEdit()
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("e.g. Same person: registered twice at front desk")
        self.reason.setAccessibleName("Reason for the merge")
        self.reason.setToolTip("Recorded with the merge in the audit trail and in the history.")
        self.reason.textChanged.connect(lambda _text: self._update_merge_button())
        reason_label.setBuddy(self.reason)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Merge message")
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.merge_button = _no_enter(QPushButton())
        self.merge_button.clicked.connect(self.merge)
        self.cancel_button = _no_enter(QPushButton("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._update_merge_button()

        self._search: Op[PatientMatches] | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        # Duplicates mostly share the family name: start there, selected so typing replaces it.
        self.search_box.setText(keep.family_name)
        self.search_box.selectAll()
        self.search_box.setFocus()

    # ------------------------------------------------------------------ finding the other

    def run_search(self) -> None:
        self._debounce.stop()
        text = self.search_box.text().strip()
        if not text:
            self.model.set_rows([])
            self.status.setText("Type a name, date of birth, MRN or phone.")
            return
        pats, session = self._services.inst.patients, self._session
        self.status.setText("Searching…")
        # Latest-only: a newer query supersedes one still running.
        self._search = (
            Op(self, lambda: pats.search(session, text), runner=self._runner, key="search")
            .success(self._found)
            .failure(self._failed)
            .run()
        )

    def _found(self, found: PatientMatches) -> None:
        # Merged ones are never found; similar spellings stay marked as such (≈).
        exact = sum(1 for p in found[: found.exact] if p.id != self.current.id)
        others = [p for p in found if p.id != self.current.id]
        self.model.set_rows(others, exact=exact)
        if others:
            self.results.selectRow(0)
            self.status.setText(
                f"{len(others)} other record(s). Up/Down to choose, Enter to compare."
            )
        else:
            self.status.setText("No other record matches. Try part of the name or the birth date.")

    def _selected(self) -> PatientInfo | None:
        rows = self.results.selectionModel().selectedRows()
        return self.model.patient(rows[0].row()) if rows else None

    def pick_selected(self) -> None:
        other = self._selected()
        if other is not None:
            self.pick(other)

    def _pick_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.pick(self.model.patient(index.row()))

    def pick(self, other: PatientInfo) -> None:
        """Compare ``other`` with this record and suggest which one to keep."""
        pats, session, this = self._services.inst.patients, self._session, self.current
        self.message.clear()
        self.status.setText(f"Comparing with {_label(other)}…")
        Op(
            self,
            lambda: pats.merge_suggestion(session, this.id, other.id),
            runner=self._runner,
            key="compare",
        ).success(self._compared).failure(self._failed).run()

    def _compared(self, suggestion: MergeSuggestion) -> None:
        self.suggestion = suggestion
        self.keep, self.gone = suggestion.keep, suggestion.merge
        self.status.setText(f"Comparing with {_label(self._other().patient)}.")
        self.table.show()
        self.swap_button.setEnabled(True)
        self._show_choice()
        self.reason.setFocus()  # the next thing to do is to say why

    def _other(self) -> MergeFacts:
        assert self.keep is not None and self.gone is not None
        return self.gone if self.keep.patient.id == self.current.id else self.keep

    # ------------------------------------------------------------------ which to keep

    def swap(self) -> None:
        if self.keep is None or self.gone is None:
            return
        self.keep, self.gone = self.gone, self.keep
        self._show_choice()

    def _show_choice(self) -> None:
        if self.keep is None or self.gone is None or self.suggestion is None:
            return
        keep, gone = self.keep, self.gone

        def title(role: str, f: MergeFacts) -> str:
            return role + (" (this record)" if f.patient.id == self.current.id else "")

        self.table.set_columns(
            [(title("Keep", keep), _column(keep)), (title("Merge into it", gone), _column(gone))]
        )
        text = f"Suggested: {self.suggestion.why}"
        if keep.patient.id != self.suggestion.keep.patient.id:
            text += f"\nYou chose to keep {keep.label} instead."
        self.suggestion_label.setText(text)
        self._update_merge_button()

    # ------------------------------------------------------------------ merging

    def _update_merge_button(self) -> None:
        if self.keep is None or self.gone is None:
            self.merge_button.setText("Merge (find and compare the other record first)")
            self.merge_button.setEnabled(False)
            return
        says = f"Merge {_label(self.gone.patient)} into {_label(self.keep.patient)}"
        # Names may hold "&": doubled, it shows as itself instead of making a shortcut.
        self.merge_button.setText("&" + says.replace("&", "&&"))
        self.merge_button.setAccessibleName(says)
        blank = not self.reason.text().strip()
        self.merge_button.setEnabled(not blank and not self._busy)
        self.merge_button.setToolTip(
            "Give the reason for the merge first." if blank else "This cannot be undone."
        )

    def merge(self) -> None:
        if self.keep is None or self.gone is None or not self.reason.text().strip():
            return
        keep, gone, session = self.keep.patient, self.gone.patient, self._session
        reason, pats = self.reason.text(), self._services.inst.patients
        self._busy = True
        self._update_merge_button()
        self.message.clear()
        work: Callable[[], PatientInfo] = lambda: pats.merge(  # noqa: E731
            session, keep.id, gone.id, reason=reason
        )
        (
            Op(self, work, runner=self._runner)
            .success(lambda kept: self._merged(kept, gone))
            .failure(self._merge_failed)
            .run()
        )

    def _merged(self, kept: PatientInfo, gone: PatientInfo) -> None:
        kinds = {ChangeKind.MERGE, ChangeKind.DEMOGRAPHICS, ChangeKind.NOTES}
        self._services.notify_changed(kept.id, kinds)
        self._services.notify_changed(gone.id, kinds)
        self.merged.emit(kept)
        self.accept()

    def _merge_failed(self, err: BaseException) -> None:
        self._busy = False
        self._update_merge_button()
        self._failed(err)

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.status.clear()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"⚠ {err.message}")

    # ------------------------------------------------------------------ keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_box:
                if event.key() == Qt.Key.Key_Down and self.model.rowCount() > 0:
                    self.results.setFocus()
                    if not self.results.selectionModel().hasSelection():
                        self.results.selectRow(0)
                    return True
                if event.key() in ENTER_KEYS:
                    if self._debounce.isActive():
                        self.run_search()  # Enter right after typing: search now
                    else:
                        self.pick_selected()
                    return True
            if watched is self.results and event.key() in ENTER_KEYS:
                self.pick_selected()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # QDialog presses its default button on Enter; an irreversible merge has none, and
        # Enter anywhere else (the reason field, the comparison) does nothing.
        if event.key() in ENTER_KEYS:
            event.accept()
            return
        super().keyPressEvent(event)
