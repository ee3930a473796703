"""Asks why a chronic-condition review suggestion is set aside (the reason is required and
kept on the encounter's coding, in its history).

The dialog stays open until the service has answered, so a refused reason or a version
conflict is explained under the field with the typed reason kept. No button is the default:
Enter in the reason field never dismisses by reflex.
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

from medrec_desktop.domain.chronic_review import ReviewSuggestion
from medrec_desktop.domain.coding_work import REASON_MAX
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.status import StatusLabel, error_text

#: reasons a coder gives often, offered as placeholder examples
EXAMPLE = "e.g. not addressed at this visit; resolved; provider queried"


class DismissDialog(QDialog):
    def __init__(
        self,
        suggestion: ReviewSuggestion,
        submit: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.suggestion = suggestion
        self.setWindowTitle("Dismiss suggestion")
        self.setModal(True)
        layout = QVBoxLayout(self)
        what = f"{suggestion.code} {suggestion.title}".strip()
        intro = QLabel(
            f"Set “{what}” aside for this encounter? The reason is kept with the encounter's "
            "coding and shown under “Dismissed”."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        label = QLabel("&Reason (required):")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for dismissing (required)")
        self.reason.setPlaceholderText(EXAMPLE)
        self.reason.setMaxLength(REASON_MAX)
        label.setBuddy(self.reason)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        self.error = StatusLabel()
        self.error.setAccessibleName("Reason problem")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.dismiss_button = QPushButton("&Dismiss suggestion")
        for b in (self.cancel_button, self.dismiss_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.dismiss_button.clicked.connect(self._dismiss)
        self.resize(480, self.sizeHint().height())

    def _dismiss(self) -> None:
        if not self.reason.text().strip():
            self.error.error("Say why this suggestion does not apply to this encounter.")
            self.reason.setFocus()
            return
        self.error.clear_message()
        self.dismiss_button.setEnabled(False)
        self._submit(self.reason.text())

    def refused(self, err: BaseException) -> None:
        """The service said no: explain, keep the reason typed."""
        self.dismiss_button.setEnabled(True)
        if isinstance(err, ValidationError) and err.field == "reason":
            self.error.error(err.message)
            self.reason.setFocus()
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            self.error.error(error_text(err))

    def conflicted(self, message: str) -> None:
        """The coding changed meanwhile: the panel has the new version; the user decides."""
        self.dismiss_button.setEnabled(True)
        self.error.warning(message)
        self.reason.setFocus()
