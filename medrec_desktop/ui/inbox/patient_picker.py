"""Choosing the patient a scan belongs to, by keyboard: the patients suggested from the scan
(with why) while the box is empty, search results (name in any order, date of birth, MRN)
as soon as something is typed. The cursor stays in the box: Up/Down move the choice, Enter
takes it. Once taken, one line names the patient, with a button to choose another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.inbox import Candidate
from medrec_desktop.services.patient_search import PatientMatches
from medrec_desktop.ui.inbox.texts import evidence_text
from medrec_desktop.ui.itemmodels.base import RowsModel
from medrec_desktop.ui.patients.table_model import SIMILAR_MARK
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

DEBOUNCE_MS = 150
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
MOVE_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class PatientChoice:
    """A patient offered: from a suggestion (``why`` is its evidence) or a search."""

    patient_id: int
    name: str
    birth_date: dt.date | None
    mrn: str
    why: str = ""
    suggested: bool = False
    similar: bool = False

    @property
    def label(self) -> str:
        """ "Okafor, Chidi (MRN 1000003)"."""
        return f"{self.name} (MRN {self.mrn})"

    @staticmethod
    def of_candidate(c: Candidate) -> PatientChoice:
        return PatientChoice(
            c.patient_id, c.name, c.birth_date, c.mrn, evidence_text(c), suggested=True
        )

    @staticmethod
    def of_patient(p: PatientInfo, *, similar: bool = False) -> PatientChoice:
        why = "similar spelling" if similar else ""
        return PatientChoice(p.id, p.display_name, p.birth_date, p.mrn, why, similar=similar)


class ChoiceModel(RowsModel[PatientChoice]):
    COL_NAME, COL_DOB, COL_MRN, COL_WHY = range(4)
    HEADERS = ("Name", "Date of birth (age)", "MRN", "Why")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = dt.date.today()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                # A mark, never colour alone: a suggestion, or a name spelt alike.
                mark = "★ " if c.suggested else f"{SIMILAR_MARK} " if c.similar else ""
                return mark + c.name
            if col == self.COL_DOB:
                if c.birth_date is None:
                    return ""
                return f"{c.birth_date:%m/%d/%Y}  ({age_on(c.birth_date, self.today)} y)"
            if col == self.COL_MRN:
                return c.mrn
            if col == self.COL_WHY:
                return f"Suggested: {c.why}" if c.suggested else c.why
        if role == Qt.ItemDataRole.ToolTipRole and c.why:
            return f"Suggested because: {c.why}" if c.suggested else c.why
        if role == Qt.ItemDataRole.FontRole and c.similar and col == self.COL_NAME:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.COL_NAME:
            born = f", born {c.birth_date:%B %d %Y}" if c.birth_date else ""
            why = f", suggested: {c.why}" if c.suggested else f", {c.why}" if c.why else ""
            return f"{c.name}{born}, MRN {c.mrn}{why}"
        return None


class PatientPicker(QWidget):
    """``picked`` carries the PatientChoice taken (Enter, a double-click)."""

    picked = Signal(object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.chosen: PatientChoice | None = None
        self.suggestions: list[PatientChoice] = []
        self._suggestions_known = False
        self._shown_text: str | None = ""  # the text the rows on screen belong to
        self._pick_when_shown: str | None = None  # Enter pressed before its results came
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        # Choosing: the box and the list under it.
        self.choosing = QWidget()
        box = QVBoxLayout(self.choosing)
        box.setContentsMargins(0, 0, 0, 0)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(
            "Type a name (any order), date of birth or MRN; Enter takes the one chosen"
        )
        self.search_box.setAccessibleName("Find the patient")
        self.search_box.setClearButtonEnabled(True)
        box.addWidget(self.search_box)
        self.model = ChoiceModel(self)
        self.results = QTableView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("Patients to choose from")
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setTabKeyNavigation(False)
        self.results.setWordWrap(False)
        self.results.verticalHeader().hide()
        self.results.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # Tab goes from the box to the form: the list is reached with Up/Down from the box.
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        header = self.results.horizontalHeader()
        for col in (ChoiceModel.COL_NAME, ChoiceModel.COL_DOB, ChoiceModel.COL_MRN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ChoiceModel.COL_WHY, QHeaderView.ResizeMode.Stretch)
        self.results.setMinimumHeight(5 * (self.fontMetrics().height() + 8) + 28)
        self.results.doubleClicked.connect(self._pick_index)
        self._keep_selection_visible()
        box.addWidget(self.results, 1)
        # The whole evidence for the patient chosen in the list: the Why column is narrow.
        self.why = QLabel()
        self.why.setAccessibleName("Why this patient is suggested")
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setWordWrap(True)
        self.why.hide()
        box.addWidget(self.why)
        self.status = QLabel()
        self.status.setAccessibleName("Patient search status")
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        layout.addWidget(self.choosing, 1)

        # Chosen: one line and a way back.
        self.chosen_row = QWidget()
        row = QHBoxLayout(self.chosen_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.chosen_label = QLabel()
        self.chosen_label.setAccessibleName("Patient chosen")
        self.chosen_label.setTextFormat(Qt.TextFormat.PlainText)
        self.chosen_label.setWordWrap(True)
        self.chosen_label.setStyleSheet("font-weight: 600;")
        self.change_button = QPushButton("&Change patient")
        self.change_button.setAutoDefault(False)
        self.change_button.setToolTip("Choose another patient")
        self.change_button.clicked.connect(self.choose_again)
        row.addWidget(self.chosen_label, 1)
        row.addWidget(self.change_button)
        self.chosen_row.hide()
        layout.addWidget(self.chosen_row)
        self.setFocusProxy(self.search_box)
        self._fit(choosing=True)

        self._search: Op[PatientMatches] | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(self._typed)
        self.search_box.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.selectionModel().selectionChanged.connect(lambda _s, _d: self._show_why())
        self.model.modelReset.connect(self._show_why)
        self._show_suggestions()

    # ------------------------------------------------------------------ suggestions

    def set_suggestions(self, candidates: Sequence[Candidate] | None) -> None:
        """The patients suggested from the scan, best first (None: none could be worked
        out); shown while the box is empty."""
        self._suggestions_known = candidates is not None
        self.suggestions = [PatientChoice.of_candidate(c) for c in candidates or ()]
        if not self.search_box.text().strip():
            self._show_suggestions()

    def _show_suggestions(self) -> None:
        self.model.set_rows(self.suggestions)
        self._shown_text = ""
        if self.suggestions:
            self.results.selectRow(0)
            self.status.setText(
                "★ Suggested from the scan, with why. Enter takes the chosen one; or type to"
                " find another patient."
            )
        elif self._suggestions_known:
            self.status.setText(
                "No patient could be suggested from this scan. Type a name, date of birth or MRN."
            )
        else:
            self.status.setText("Type a name, date of birth or MRN.")

    def _show_why(self) -> None:
        choice = self.selected()
        if choice is None or not choice.suggested:
            self.why.hide()
            return
        self.why.setText(f"★ {choice.name}, suggested because: {choice.why}")
        self.why.show()

    # ------------------------------------------------------------------ searching

    def _typed(self, _text: str) -> None:
        self._pick_when_shown = None  # typing on cancels an Enter waiting for results
        self._debounce.start()

    def run_search(self) -> None:
        self._debounce.stop()
        text = self.search_box.text().strip()
        if not text:
            if self._search is not None:
                self._search.cancel()
            self._show_suggestions()
            return
        patients, session = self._services.inst.patients, self._session
        self.status.setText("Searching…")
        # Latest-only: a newer query supersedes one still running.
        self._search = (
            Op(self, lambda: patients.search(session, text), runner=self._runner, key="search")
            .success(lambda found: self._found(text, found))
            .failure(self._failed)
            .run()
        )

    def _found(self, text: str, found: PatientMatches) -> None:
        rows = [PatientChoice.of_patient(p, similar=n >= found.exact) for n, p in enumerate(found)]
        self.model.today = dt.date.today()
        self.model.set_rows(rows)
        self._shown_text = text
        if rows:
            self.results.selectRow(0)
            similar = f", {found.similar} with a similar spelling ({SIMILAR_MARK})"
            self.status.setText(
                f"{len(rows)} patient(s){similar if found.similar else ''}. Up/Down to choose,"
                " Enter to take it."
            )
        else:
            self.status.setText("No patient matches. Try part of the name, the birth date or MRN.")
        if self._pick_when_shown is not None and self._pick_when_shown == text:
            # Enter was pressed before these results came: take from the list that belongs
            # to what was typed, never from the one that was on screen.
            self._pick_when_shown = None
            self.pick_selected()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.status.setText(f"⚠ {err.message}")

    # ------------------------------------------------------------------ choosing

    def selected(self) -> PatientChoice | None:
        rows = self.results.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def pick_selected(self) -> None:
        choice = self.selected()
        if choice is not None:
            self.pick(choice)

    def _pick_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.pick(self.model.row_at(index.row()))

    def pick(self, choice: PatientChoice) -> None:
        self.chosen = choice
        born = f" · born {choice.birth_date:%m/%d/%Y}" if choice.birth_date else ""
        self.chosen_label.setText(f"{choice.name}{born} · MRN {choice.mrn}")
        self.choosing.hide()
        self.chosen_row.show()
        self._fit(choosing=False)
        self.setFocusProxy(self.change_button)
        self.picked.emit(choice)

    def choose_again(self) -> None:
        """Back to choosing, the box focused with what was typed selected."""
        self.chosen = None
        self.chosen_row.hide()
        self.choosing.show()
        self._fit(choosing=True)
        self.setFocusProxy(self.search_box)
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _fit(self, *, choosing: bool) -> None:
        """The list takes the room while choosing; once chosen, one line (the form's other
        fields move up under it)."""
        vertical = QSizePolicy.Policy.Expanding if choosing else QSizePolicy.Policy.Maximum
        self.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        self.updateGeometry()

    # ------------------------------------------------------------------ keys

    def _keep_selection_visible(self) -> None:
        # The cursor stays in the box while Up/Down move the choice: it must look chosen.
        palette = self.results.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            palette.setColor(
                QPalette.ColorGroup.Inactive, role, palette.color(QPalette.ColorGroup.Active, role)
            )
        self.results.setPalette(palette)

    def _move(self, key: int) -> None:
        rows = self.model.rowCount()
        if rows == 0:
            return
        selected = self.results.selectionModel().selectedRows()
        current = selected[0].row() if selected else -1
        page = max(1, self.results.viewport().height() // max(1, self.results.rowHeight(0)) - 1)
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }[Qt.Key(key)]
        row = 0 if current < 0 else min(rows - 1, max(0, current + step))
        self.results.selectRow(row)
        self.results.scrollTo(self.model.index(row, 0))

    def _enter(self) -> None:
        typed = self.search_box.text().strip()
        if not typed:
            self._debounce.stop()
            if self._shown_text != "":
                self._show_suggestions()
            self.pick_selected()  # the suggestion chosen (the first, unless moved)
            return
        if self._debounce.isActive() or self._shown_text != typed:
            # The list on screen is for older text: take from this text's results.
            self._pick_when_shown = typed
            if self._debounce.isActive():
                self.run_search()
            return
        self.pick_selected()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_box:
                if event.key() in MOVE_KEYS:
                    self._move(event.key())
                    return True
                if event.key() in ENTER_KEYS:
                    self._enter()
                    return True
            if watched is self.results and event.key() in ENTER_KEYS:
                self.pick_selected()
                return True
        return super().eventFilter(watched, event)
