"""Adding to a signed note: why, and the text (both required). The note itself stays as
signed; the addendum is kept under it with its author and time.

Escape with something typed asks before throwing it away (``DiscardGuardDialog``); Enter in
the reason moves on to the text, and Ctrl+Enter adds from anywhere in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog


class AddendumDialog(DiscardGuardDialog):
    def __init__(
        self, note: str, submit: Callable[[str, str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Add an addendum")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        intro = QLabel(
            f"Add to the signed note “{note}”. The note stays as it was signed; the "
            "addendum is shown under it with your name and the time."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        reason_label = QLabel("&Why (required):")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why (required)")
        self.reason.setPlaceholderText("e.g. lab result received after signing")
        reason_label.setBuddy(self.reason)
        self.reason_error = StatusLabel()
        self.reason_error.setAccessibleName("Why problem")
        text_label = QLabel("&Text of the addendum (required):")
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Text of the addendum (required)")
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 7 + 14)
        text_label.setBuddy(self.text)
        self.text_error = StatusLabel()
        self.text_error.setAccessibleName("Text problem")
        self.error = StatusLabel()
        for widget in (
            reason_label,
            self.reason,
            self.reason_error,
            text_label,
            self.text,
            self.text_error,
            self.error,
        ):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        hint = QLabel("Ctrl+Enter adds it")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.add_button = QPushButton("&Add addendum")
        for b in (self.cancel_button, self.add_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.add_button.clicked.connect(self._add)
        self.reason.returnPressed.connect(lambda: self.text.setFocus())
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(keys), self, self._add, Qt.ShortcutContext.WindowShortcut)
        self.resize(560, self.sizeHint().height())
        self.reason.setFocus()

    def _add(self) -> None:
        for label in (self.reason_error, self.text_error, self.error):
            label.clear_message()
        if not self.reason.text().strip():
            self.reason_error.error("Say why you add to the note.")
            self.reason.setFocus()
            return
        if not self.text.toPlainText().strip():
            self.text_error.error("Write the addendum's text.")
            self.text.setFocus()
            return
        self.add_button.setEnabled(False)
        self._submit(self.reason.text(), self.text.toPlainText())

    def refused(self, err: BaseException) -> None:
        """The service said no: explain under the field it names, keep what was typed."""
        self.add_button.setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        field = err.field if isinstance(err, ValidationError) else None
        if field == "reason":
            self.reason_error.error(err.message)
            self.reason.setFocus()
        elif field == "text":
            self.text_error.error(err.message)
            self.text.setFocus()
        else:
            self.error.error(err.message)

    def added(self) -> None:
        """Stored: close without asking about the typed text (it is saved)."""
        self.tracker.mark_clean()
        self.accept()
