"""An ICD-10-CM code picked inline: type a code or words, the code-set search answers in a
small list under the field (code and title), Down and Enter pick one.

The field holds the code only; what the user typed in the description stays as typed. The
code is optional, and a code typed by hand is kept (the service checks its shape).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from medrec_desktop.coding.types import CodeSystem, SearchHit
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner

SEARCH_DELAY_MS = 150  # after the last keystroke, as in the coding panel
RESULTS = 15
CODE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class CodePicker(QWidget):
    def __init__(
        self, *, services: ServicesHolder, runner: OpRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services, self._runner = services, runner
        self.searches = 0  # answered searches (tests wait for them)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("a code or words, e.g. E11.9 or diabetes (optional)")
        self.edit.setMaximumWidth(300)
        self.title = QLabel()
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

    def search_now(self) -> None:
        self._timer.stop()
        query = self.edit.text().strip()
        if len(query) < 2:
            self._hide_popup()
            return
        coding = self._services.coding
        Op(
            self,
            lambda: coding.search(query, system=CodeSystem.ICD10CM, limit=RESULTS),
            runner=self._runner,
            lane=Lane.CODES,
            key="code-search",
        ).success(lambda hits: self._show(query, hits)).failure(self._failed).run()

    def _show(self, query: str, hits: list[SearchHit]) -> None:
        self.searches += 1
        if query != self.edit.text().strip():
            return  # typed on meanwhile: the next answer is the one to show
        self.model.clear()
        for hit in hits:
            item = QStandardItem(f"{hit.code}   {hit.title}")
            item.setData(hit.code, CODE_ROLE)
            item.setData(hit.title, TITLE_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        exact = [h for h in hits if h.code.replace(".", "") == query.replace(".", "").upper()]
        if exact:
            self.title.setText(exact[0].title)
        if hits and self.edit.hasFocus():
            self.completer.setCompletionPrefix("")
            self.completer.complete()
        elif not hits:
            self._hide_popup()
            self.title.setText("No ICD-10-CM code matches; the code may be left blank.")

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
        if isinstance(code, str):
            self._timer.stop()
            self.edit.setText(code)
            self.title.setText(str(title or ""))
            self.edit.setFocus()
