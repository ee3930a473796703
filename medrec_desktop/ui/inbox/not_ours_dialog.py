"""Marking a scan "not ours" (a fax for another practice, a blank page): the reason is
required, chosen from the usual ones or typed. The scan leaves the waiting list; its bytes
stay in the database behind the closed item, with who, when and why.

No button is the default: Enter must never close a scan by reflex. The dialog stays open
until the service has answered, so a refusal is shown with the typed reason kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.status import StatusLabel

PRESETS = (
    ("&Fax for another practice", "Fax for another practice"),
    ("&Blank or unreadable page", "Blank or unreadable page"),
    ("&Duplicate of a filed document", "Duplicate of a filed document"),
)
REASON_MAX = 500


class NotOursDialog(QDialog):
    def __init__(
        self, what: str, submit: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Not ours")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Mark “{what}” as not ours? It leaves the waiting scans; it is kept, closed, "
            "with your reason, and the list of closed scans shows it."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Why (required):"))
        self.group = QButtonGroup(self)
        self.presets: list[QRadioButton] = []
        for text, reason in PRESETS:
            button = QRadioButton(text)
            button.setProperty("reason", reason)
            self.group.addButton(button)
            self.presets.append(button)
            layout.addWidget(button)
        self.other = QRadioButton("&Other reason (type it below)")
        self.group.addButton(self.other)
        layout.addWidget(self.other)
        details = QLabel("D&etails:")
        self.details = QLineEdit()
        self.details.setMaxLength(REASON_MAX)
        self.details.setAccessibleName("Details of the reason")
        self.details.setPlaceholderText("e.g. addressed to Lakeside Pediatrics, fax 555-0142")
        details.setBuddy(self.details)
        layout.addWidget(details)
        layout.addWidget(self.details)
        # Typing a reason of one's own chooses "Other" unless a listed reason is chosen.
        self.details.textEdited.connect(self._typed)
        self.error = StatusLabel()
        self.error.setAccessibleName("Reason problem")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.mark_button = QPushButton("&Mark not ours")
        self.cancel_button = QPushButton("Cancel")
        for b in (self.mark_button, self.cancel_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.mark_button.clicked.connect(self.mark)
        self.resize(480, self.sizeHint().height())
        self.presets[0].setFocus()

    def _typed(self, text: str) -> None:
        if text.strip() and self.group.checkedButton() is None:
            self.other.setChecked(True)

    def reason(self) -> str:
        """The reason as it will be recorded: the listed reason, with any details after it;
        or the details alone. Empty when none is given."""
        chosen = self.group.checkedButton()
        details = self.details.text().strip()
        preset = str(chosen.property("reason") or "") if chosen is not None else ""
        if preset and details:
            return f"{preset}: {details}"
        return preset or details

    def mark(self) -> None:
        if not self.mark_button.isEnabled():
            return
        reason = self.reason()
        if not reason:
            other = self.group.checkedButton() is self.other
            self.error.error(
                "Type the reason below."
                if other
                else "Choose why this scan is not ours, or type the reason."
            )
            (self.details if other else self.presets[0]).setFocus()
            return
        self.error.clear_message()
        self.mark_button.setEnabled(False)
        self._submit(reason)

    def refused(self, err: BaseException) -> None:
        """The service said no: explain, keep the reason chosen and typed."""
        self.mark_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.error.error(err.message)
            self.details.setFocus()
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            raise err

    def closed_elsewhere(self, err: KnownError) -> None:
        """Someone else dealt with the scan: nothing more to do here."""
        self.error.error(err.message)
        self.mark_button.setEnabled(False)
        self.cancel_button.setText("Close")
