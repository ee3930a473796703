"""Signing a note: the provider types their own password again (masked). Enter signs; a wrong
password is said plainly under the field and the dialog stays open for another try.

The dialog stays open until the service has answered (like the entered-in-error dialog), so
a refusal is shown where the user is looking.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.widgets.status import StatusLabel

WIDTH = 480


class SignDialog(QDialog):
    def __init__(
        self,
        note: str,
        signer: str,
        submit: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Sign the note")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        # Grows to show a refusal under the field, never squeezing the words above it.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(
            f"Sign “{note}” as {signer}.\n\nOnce signed, the note and the vitals, results and "
            "procedures linked to it are locked; later changes go in an addendum."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        label = QLabel("Your &password:")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password")
        label.setBuddy(self.password)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.password, 1)
        layout.addLayout(row)
        self.error = StatusLabel()
        self.error.setAccessibleName("Password problem")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.sign_button = QPushButton("&Sign")
        # Enter signs: typing the password again is the deliberate act.
        self.sign_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.sign_button.clicked.connect(self._sign)
        # A fixed width, and the words above always get the height they need at it.
        self.setFixedWidth(WIDTH)
        margins = layout.contentsMargins()
        intro.setMinimumHeight(intro.heightForWidth(WIDTH - margins.left() - margins.right()))
        self.password.setFocus()

    def _sign(self) -> None:
        if not self.password.text():
            self.error.error("Type your password to sign.")
            self.password.setFocus()
            return
        self.error.clear_message()
        self.sign_button.setEnabled(False)
        self.password.setReadOnly(True)
        self._submit(self.password.text())

    def refused(self, err: BaseException) -> None:
        """The service said no (a wrong password, most often): say so and let the user try
        again, the typed password selected so the next keystrokes replace it."""
        self.sign_button.setEnabled(True)
        self.password.setReadOnly(False)
        if not isinstance(err, KnownError):
            raise err
        self.error.error(err.message)
        self.password.selectAll()
        self.password.setFocus()
