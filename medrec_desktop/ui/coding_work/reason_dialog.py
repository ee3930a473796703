"""One written reason, required: withdrawing a query, sending an encounter back to coding.

The dialog stays open until the service has answered, so a refusal is shown under the field
with the typed text kept; Escape with something typed asks before throwing it away.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog


class ReasonDialog(DiscardGuardDialog):
    def __init__(
        self,
        *,
        title: str,
        intro: str,
        label: str,
        button: str,
        missing: str,
        submit: Callable[[str], None],
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self._missing = missing
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        text = QLabel(intro)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(text)
        reason_label = QLabel(label)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.reason.setPlaceholderText(placeholder)
        self.reason.setMinimumHeight(self.reason.fontMetrics().lineSpacing() * 4 + 14)
        reason_label.setBuddy(self.reason)
        self.reason_error = StatusLabel()
        self.reason_error.setAccessibleName("Reason problem")
        self.error = StatusLabel()
        for widget in (reason_label, self.reason, self.reason_error, self.error):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        hint = QLabel("Ctrl+Enter sends it")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.ok_button = QPushButton(button)
        for b in (self.cancel_button, self.ok_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._send)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(keys), self, self._send, Qt.ShortcutContext.WindowShortcut)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(520, self.minimumSizeHint().height())
        self.reason.setFocus()

    def _send(self) -> None:
        self.reason_error.clear_message()
        self.error.clear_message()
        if not self.reason.toPlainText().strip():
            self.reason_error.error(self._missing)
            self.reason.setFocus()
            return
        self.ok_button.setEnabled(False)
        self._submit(self.reason.toPlainText())

    def refused(self, err: BaseException) -> None:
        """The service said no: say why under the field (or below it), keep the text."""
        self.ok_button.setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        if isinstance(err, ValidationError) and err.field in ("reason", "note"):
            self.reason_error.error(err.message)
            self.reason.setFocus()
        else:
            self.error.error(err.message)

    def done_ok(self) -> None:
        """Stored: close without asking about the typed text."""
        self.tracker.mark_clean()
        self.accept()
