"""Asks why an item is being marked entered in error (the reason is required).

No button is the default: Enter in the reason field must never mark an item by reflex. The
dialog stays open until the service has answered, so a refused reason is shown under the
field with the typed text kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.status import StatusLabel


class EnteredInErrorDialog(QDialog):
    def __init__(
        self, what: str, submit: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Mark entered in error")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Mark “{what}” as entered in error? It leaves the chart's lists and stays "
            "readable in its history and the audit trail."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        label = QLabel("&Reason (required):")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason (required)")
        self.reason.setPlaceholderText("e.g. recorded on the wrong patient")
        label.setBuddy(self.reason)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        self.error = StatusLabel()
        self.error.setAccessibleName("Reason problem")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.mark_button = QPushButton("&Mark entered in error")
        for b in (self.cancel_button, self.mark_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.mark_button.clicked.connect(self._mark)
        self.resize(460, self.sizeHint().height())

    def _mark(self) -> None:
        if not self.reason.text().strip():
            self.error.error("Say why this was entered in error.")
            self.reason.setFocus()
            return
        self.error.clear_message()
        self.mark_button.setEnabled(False)
        self._submit(self.reason.text())

    def refused(self, err: BaseException) -> None:
        """The service said no: explain, keep the reason typed."""
        self.mark_button.setEnabled(True)
        if isinstance(err, ValidationError) and err.field == "reason":
            self.error.error(err.message)
            self.reason.setFocus()
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            raise err
