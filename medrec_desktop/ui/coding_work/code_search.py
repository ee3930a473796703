"""Adding codes to the encounter by keyboard or mouse: type a code or words, the code sets in
force on the date of service answer in a list under the field, Down and Enter (or a click)
add the code; a whole code typed and Enter adds it at once. The field is emptied for the
next code.

Diagnoses search ICD-10-CM (billable codes only: a header is never a claim's code);
procedures search HCPCS, CPT (where the clinic has imported its licensed file) and
ICD-10-PCS together, each on its own so one code set never crowds out another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from medrec_desktop.coding.types import CodeSystem, SearchHit
from medrec_desktop.services.coding import CodingService
from medrec_desktop.ui.chart.code_picker import SYSTEM_NAMES, _whole_code_of
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner

SEARCH_DELAY_MS = 150
RESULTS = 15
CODE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1
SYSTEM_ROLE = Qt.ItemDataRole.UserRole + 2
DIAGNOSES = "diagnoses"
PROCEDURES = "procedures"
#: the procedure code sets, in the order a clinic's claims use them
PROCEDURE_SYSTEMS = (CodeSystem.HCPCS, CodeSystem.CPT, CodeSystem.ICD10PCS)


def _plain(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def _looks_like_diagnosis(text: str) -> bool:
    code = _plain(text)
    return 3 <= len(code) <= 7 and code[0].isalpha() and code[1:3].isalnum() and code.isalnum()


def find_codes(
    coding: CodingService,
    query: str,
    systems: Sequence[CodeSystem],
    dos: dt.date | None,
    limit: int = RESULTS,
) -> list[SearchHit]:
    """The hits of each loaded code set in ``systems``, an exact code first, then by score."""
    hits: list[SearchHit] = []
    for system in systems:
        if coding.release_for(system) is None:
            continue
        found = coding.find(query, system=system, billable_only=True, dos=dos, limit=limit)
        hits.extend(found.hits)
    exact = _plain(query)
    hits.sort(key=lambda h: (_plain(h.code) != exact, -h.score))
    return hits[:limit]


class CodeSearch(QWidget):
    #: (system value, code, title): add this code to the encounter
    chosen = Signal(str, str, str)

    def __init__(self, *, services: ServicesHolder, runner: OpRunner) -> None:
        super().__init__()
        self._services, self._runner = services, runner
        self.dos: dt.date | None = None
        self.searches = 0  # answered searches (tests wait for them)
        self._hits: list[SearchHit] = []
        self._answered_for = ""
        self._enter_waiting = False
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("&Add code")
        self.label.setStyleSheet("font-weight: 600;")
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Add code: search")
        self.edit.setClearButtonEnabled(True)
        self.label.setBuddy(self.edit)
        self.kind = QComboBox()
        self.kind.addItem("Diagnosis (ICD-10-CM)", DIAGNOSES)
        self.kind.addItem("Procedure (HCPCS, CPT, PCS)", PROCEDURES)
        self.kind.setAccessibleName("Add code: diagnosis or procedure")
        self.kind.setToolTip(
            "What the search looks for (Ctrl+Shift+D diagnoses, Ctrl+Shift+P procedures)"
        )
        self.status = QLabel()
        self.status.setAccessibleName("Code search status")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        row.addWidget(self.label)
        row.addWidget(self.kind)
        row.addWidget(self.edit, 1)
        self.model = QStandardItemModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.completer.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.edit.textEdited.connect(lambda _t: self._timer.start())
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.edit.installEventFilter(self)
        popup = self.completer.popup()
        if popup is not None:
            # Ahead of the completer's own filter: Enter with no row chosen adds the code
            # typed (the completer would only close the list).
            popup.installEventFilter(self)
        self._kind_changed()

    @property
    def searching(self) -> str:
        return str(self.kind.currentData())

    def systems(self) -> tuple[CodeSystem, ...]:
        return (CodeSystem.ICD10CM,) if self.searching == DIAGNOSES else PROCEDURE_SYSTEMS

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def _kind_changed(self) -> None:
        self.edit.setPlaceholderText(
            "a code or words, e.g. E11.9 or diabetes — ↓ to choose, Enter adds"
            if self.searching == DIAGNOSES
            else "a code or words, e.g. G0008 or flu vaccine — ↓ to choose, Enter adds"
        )
        self._hits = []
        self._answered_for = ""
        if self.edit.text().strip():
            self.search_now()

    def search_now(self) -> None:
        self._timer.stop()
        query = self.edit.text().strip()
        if len(query) < 2:
            self._hide_popup()
            self.status.clear()
            return
        coding, systems, dos = self._services.coding, self.systems(), self.dos
        Op(
            self,
            lambda: find_codes(coding, query, systems, dos),
            runner=self._runner,
            lane=Lane.CODES,
            key="add-code-search",
        ).success(lambda hits: self._show(query, hits)).failure(self._failed).run()

    def _show(self, query: str, hits: list[SearchHit]) -> None:
        self.searches += 1
        if query != self.edit.text().strip():
            return  # typed on meanwhile: the next answer is the one to show
        self._hits, self._answered_for = hits, query
        many = self.searching == PROCEDURES
        self.model.clear()
        for hit in hits:
            system = f"   {SYSTEM_NAMES[hit.system]}" if many else ""
            item = QStandardItem(f"{hit.code}{system}   {hit.title}")
            item.setData(hit.code, CODE_ROLE)
            item.setData(hit.title, TITLE_ROLE)
            item.setData(hit.system.value, SYSTEM_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        if self._enter_waiting:
            self._enter_waiting = False
            if self._add_exact():
                return
        if hits:
            n = len(hits)
            self.status.setText(f"{n} code{'s' if n != 1 else ''}: ↓ to choose, Enter adds.")
            if self.edit.hasFocus():
                self.completer.setCompletionPrefix("")
                self.completer.complete()
        else:
            self._hide_popup()
            self.status.setText(f"No code matches “{query}”.")

    def _failed(self, err: BaseException) -> None:
        self.searches += 1
        self._enter_waiting = False
        self.status.setText("The code search is not available; type the whole code and Enter.")

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def _picked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if isinstance(code, str):
            self._choose(str(index.data(SYSTEM_ROLE)), code, str(index.data(TITLE_ROLE) or ""))

    def _choose(self, system: str, code: str, title: str) -> None:
        self._timer.stop()
        self._hide_popup()
        self.edit.clear()
        self.status.setText(f"Added {code}.")
        self._hits, self._answered_for = [], ""
        self.edit.setFocus()
        self.chosen.emit(system, code, title)

    def _add_exact(self) -> bool:
        """Enter on a whole code: the code of the list that is exactly it, else a code of
        the right shape typed by hand (the findings say if the code sets lack it)."""
        query = self.edit.text().strip()
        exact = [h for h in self._hits if _plain(h.code) == _plain(query)]
        if exact:
            hit = exact[0]
            self._choose(hit.system.value, hit.code, hit.title)
            return True
        if self.searching == DIAGNOSES and _looks_like_diagnosis(query):
            self._choose(CodeSystem.ICD10CM.value, query.upper(), "")
            return True
        whole = _whole_code_of(query) if self.searching == PROCEDURES else None
        if whole is not None:
            self._choose(whole.value, _plain(query), "")
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        popup = self.completer.popup()
        if watched is popup and popup is not None and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and not popup.currentIndex().isValid():
                popup.hide()
                self._enter()
                return True
            return False
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._enter()
                return True
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self.completer.setCompletionPrefix("")
                self.completer.complete()
                popup = self.completer.popup()
                if popup is not None:
                    popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
                return True
        return super().eventFilter(watched, event)

    def _enter(self) -> None:
        query = self.edit.text().strip()
        if not query:
            return
        if self._timer.isActive() or self._answered_for != query:
            # The answer for what was typed has not come yet: Enter acts on it when it does.
            self._enter_waiting = True
            self.search_now()
            return
        if not self._add_exact():
            self.status.setText(
                "Choose a code from the list (↓), or type the whole code."
                if self._hits
                else f"No code matches “{query}”."
            )

    def set_enabled_for(self, editable: bool, why: str) -> None:
        for w in (self.edit, self.kind):
            w.setEnabled(editable)
            w.setToolTip("" if editable else why)
