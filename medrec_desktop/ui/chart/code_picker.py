"""A code picked inline: type a code or words, the code-set search answers in a small list
under the field (code, code set and title), Down and Enter pick one.

The field holds the code only; what the user typed in the description stays as typed. The
code is optional, and a code typed by hand is kept (the service checks its shape); the title
beside the field says whether the loaded release has it. An ICD-10-CM picker searches that
code set; a procedure picker searches ICD-10-PCS and HCPCS together (and CPT, where the
clinic has imported its licensed file; otherwise a CPT code typed by hand is kept unchecked).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from medrec_desktop.coding.types import CodeSystem, SearchHit
from medrec_desktop.services.coding import CodingService
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner

SEARCH_DELAY_MS = 150  # after the last keystroke, as in the coding panel
RESULTS = 15
CODE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1
SYSTEM_ROLE = Qt.ItemDataRole.UserRole + 2

PROCEDURE_SYSTEMS = (CodeSystem.ICD10PCS, CodeSystem.HCPCS, CodeSystem.CPT)
SYSTEM_NAMES = {
    CodeSystem.ICD10CM: "ICD-10-CM",
    CodeSystem.ICD10PCS: "ICD-10-PCS",
    CodeSystem.HCPCS: "HCPCS",
    CodeSystem.CPT: "CPT",
}
CPT_UNCHECKED = (
    "CPT is licensed and not loaded here: the code is kept as typed, not checked against a release."
)


def _plain(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def _looks_like_cpt(query: str) -> bool:
    code = _plain(query)
    return len(code) == 5 and code[:4].isdigit() and code[4] in "0123456789FTUM"


def _whole_code_of(query: str) -> CodeSystem | None:
    """The procedure code set a whole code typed by hand belongs to, by its shape."""
    code = _plain(query)
    if len(code) == 7 and code.isalnum():
        return CodeSystem.ICD10PCS
    if len(code) == 5 and code[0].isalpha() and code[1:].isdigit():
        return CodeSystem.HCPCS
    if _looks_like_cpt(code):
        return CodeSystem.CPT
    return None


class Answer:
    """One search's hits over the picker's code sets, best first, and which code sets have a
    release loaded (a CPT code cannot be checked without the clinic's file)."""

    def __init__(
        self, hits: list[SearchHit], loaded: frozenset[CodeSystem], corrected: str = ""
    ) -> None:
        self.hits = hits
        self.loaded = loaded
        #: the query as searched after spelling correction ("" when nothing was corrected)
        self.corrected = corrected


def search_systems(
    coding: CodingService, query: str, systems: Sequence[CodeSystem], limit: int
) -> Answer:
    """Each code set searched on its own (a PCS title never crowds out an HCPCS one), the
    hits merged by score."""
    hits: list[SearchHit] = []
    loaded: set[CodeSystem] = set()
    corrected = ""
    for system in systems:
        if coding.release_for(system) is None:
            continue
        loaded.add(system)
        found = coding.find(query, system=system, limit=limit)
        hits.extend(found.hits)
        corrected = corrected or found.corrected
    if len(systems) > 1:
        exact = _plain(query)
        hits.sort(key=lambda h: (_plain(h.code) != exact, -h.score))
    return Answer(hits[:limit], frozenset(loaded), corrected if hits else "")


class _Title(QLabel):
    """The title beside the code, on as many lines as it needs: a long PCS title wraps, and
    the form's row grows to show it whole instead of cutting its second line off."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def clear(self) -> None:
        super().clear()
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        # The picker's own minimum height, which the form's row honours (a wrapped label's
        # height-for-width alone is not asked for by the row).
        picker = self.parentWidget()
        if picker is None:
            return
        need = max(self.heightForWidth(self.width()), 0) if self.text() else 0
        if picker.minimumHeight() != need:
            picker.setMinimumHeight(need)


class CodePicker(QWidget):
    #: (code, code set's value, title): a code was picked from the list
    picked = Signal(str, str, str)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        systems: Sequence[CodeSystem] = (CodeSystem.ICD10CM,),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner = services, runner
        self.systems = tuple(systems)
        self.searches = 0  # answered searches (tests wait for them)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(
            "a code or words, e.g. E11.9 or diabetes (optional)"
            if self.systems == (CodeSystem.ICD10CM,)
            else "a code or words, e.g. 0DTJ4ZZ, J1030 or appendectomy (optional)"
        )
        self.edit.setMaximumWidth(300)
        self.title = _Title()
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Code title")
        row.addWidget(self.edit, 2)
        row.addWidget(self.title, 3)
        self.model = QStandardItemModel(self)
        # Not the line edit's own completer: picking must put the code alone in the field.
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.completer.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        # Typed by the user only: filling the form from a saved item starts no search.
        self.edit.textEdited.connect(lambda _t: self._timer.start())
        self.edit.textChanged.connect(lambda _t: self.title.clear())

    @property
    def _names(self) -> str:
        return " or ".join(SYSTEM_NAMES[s] for s in self.systems if s is not CodeSystem.CPT)

    def search_now(self) -> None:
        self._timer.stop()
        query = self.edit.text().strip()
        if len(query) < 2:
            self._hide_popup()
            return
        coding, systems = self._services.coding, self.systems
        Op(
            self,
            lambda: search_systems(coding, query, systems, RESULTS),
            runner=self._runner,
            lane=Lane.CODES,
            key="code-search",
        ).success(lambda answer: self._show(query, answer)).failure(self._failed).run()

    def _show(self, query: str, answer: Answer) -> None:
        self.searches += 1
        if query != self.edit.text().strip():
            return  # typed on meanwhile: the next answer is the one to show
        hits = answer.hits
        many = len(self.systems) > 1
        self.model.clear()
        for hit in hits:
            system = f"   {SYSTEM_NAMES[hit.system]}" if many else ""
            item = QStandardItem(f"{hit.code}{system}   {hit.title}")
            item.setData(hit.code, CODE_ROLE)
            item.setData(hit.title, TITLE_ROLE)
            item.setData(hit.system.value, SYSTEM_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        exact = [h for h in hits if _plain(h.code) == _plain(query)]
        whole = _whole_code_of(query) if many else None
        if exact:
            self.title.setText(exact[0].title)
        elif answer.corrected:
            # the same words as the coding panel's status line: the list is for other words
            self.title.setText(
                f"Showing codes for “{answer.corrected}” — no codes match “{query}”."
            )
        elif whole is CodeSystem.CPT and whole not in answer.loaded:
            self.title.setText(CPT_UNCHECKED)
        elif whole is not None and whole not in answer.loaded:
            self.title.setText(
                f"No {SYSTEM_NAMES[whole]} release is loaded here: the code is kept as typed, "
                "not checked."
            )
        elif whole is not None and whole in answer.loaded:
            self.title.setText(
                f"⚠ Not in the loaded {SYSTEM_NAMES[whole]} release: check the code, or pick "
                "one from the list."
            )
        if hits and self.edit.hasFocus():
            self.completer.setCompletionPrefix("")
            self.completer.complete()
        elif not hits:
            self._hide_popup()
            if not self.title.text():
                self.title.setText(f"No {self._names} code matches; the code may be left blank.")

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def _failed(self, err: BaseException) -> None:
        # The code sets could not be opened: the code can still be typed by hand.
        self.searches += 1
        self.title.setText("The code search is not available; type the code if you know it.")

    def _picked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        code = index.data(CODE_ROLE)
        title = index.data(TITLE_ROLE)
        system = index.data(SYSTEM_ROLE)
        if isinstance(code, str):
            self._timer.stop()
            self.edit.setText(code)
            self.title.setText(str(title or ""))
            self.edit.setFocus()
            self.picked.emit(code, str(system or ""), str(title or ""))
