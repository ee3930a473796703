"""One written reason, required, for an action the record keeps the why of: marking an item
entered in error, withdrawing a query, sending an encounter back, setting a suggestion aside.

No button is the default: Enter never performs the action by reflex (Ctrl+Enter does, as the
hint says). The dialog stays open until the service has answered, so a refusal is shown under
the field (or below it) with the typed text kept; Escape with something typed asks before
throwing it away. The caller closes it with :meth:`done_ok` when stored, or :meth:`dismiss`
when the outcome is told elsewhere (neither asks about the typed text).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel, error_text
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog

#: the fields a service names when it refuses the reason itself
REASON_FIELDS = ("reason", "note")


class RequiredReasonDialog(DiscardGuardDialog):
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
        multiline: bool = True,
        max_length: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``label``: the field's label with its mnemonic; ``button``: the action's text;
        ``missing``: said when nothing was typed; ``submit(reason)`` asks the service and
        later calls :meth:`refused`, :meth:`conflicted`, :meth:`done_ok` or :meth:`dismiss`.
        ``multiline``: a few lines of text (a one-line field otherwise)."""
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
        self.reason: QLineEdit | QPlainTextEdit
        if multiline:
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)
            box.setMinimumHeight(box.fontMetrics().lineSpacing() * 4 + 14)
            self.reason = box
        else:
            line = QLineEdit()
            if max_length is not None:
                line.setMaxLength(max_length)
            self.reason = line
        self.reason.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.reason.setPlaceholderText(placeholder)
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
            b.setDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._send)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(keys), self, self._send, Qt.ShortcutContext.WindowShortcut)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(520, self.minimumSizeHint().height())
        self.reason.setFocus()

    def text(self) -> str:
        r = self.reason
        return r.toPlainText() if isinstance(r, QPlainTextEdit) else r.text()

    def _send(self) -> None:
        if not self.ok_button.isEnabled():
            return  # already asked: the answer is on its way
        self.reason_error.clear_message()
        self.error.clear_message()
        if not self.text().strip():
            self.reason_error.error(self._missing)
            self.reason.setFocus()
            return
        self.ok_button.setEnabled(False)
        self._submit(self.text())

    def refused(self, err: BaseException) -> None:
        """The service said no: say why under the field (or below it), keep the text."""
        self.ok_button.setEnabled(True)
        if isinstance(err, ValidationError) and err.field in REASON_FIELDS:
            self.reason_error.error(err.message)
            self.reason.setFocus()
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            self.error.error(error_text(err))

    def conflicted(self, message: str) -> None:
        """What the reason is about changed meanwhile: say so, the user decides."""
        self.ok_button.setEnabled(True)
        self.error.warning(message)
        self.reason.setFocus()

    def done_ok(self) -> None:
        """Stored: close without asking about the typed text."""
        self.tracker.mark_clean()
        self.accept()

    def dismiss(self) -> None:
        """Closed because the outcome is told elsewhere (a conflict, a failure the page
        shows): no question about the typed text."""
        self.tracker.mark_clean()
        self.reject()
