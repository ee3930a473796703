"""Adding a workstation: name it, then show its enrollment code once, big and readable, with its
expiry and a Copy button (issue 15). The dialog only collects the name and shows the answer;
the Server page issues the code through the database worker."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.workstations import CODE_LIFETIME, MAX_NAME, IssuedCode
from medrec_desktop.ui.widgets.status import StatusLabel, error_text


class AddWorkstationDialog(QDialog):
    """Two steps in one window: the name (``name``, ``show_button``), then the code
    (``code_label``, ``copy_button``, ``done_button``)."""

    def __init__(self, server: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a workstation")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.issued: IssuedCode | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        # Step 1: the name.
        self.ask = QWidget()
        ask = QVBoxLayout(self.ask)
        ask.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Name the new computer as people will recognise it on the list. medrec then shows a "
            f"code for it, valid for {int(CODE_LIFETIME.total_seconds() // 60)} minutes, for "
            "one computer, once. Issuing it is recorded in the audit trail."
        )
        intro.setWordWrap(True)
        ask.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("New workstation's name")
        self.name.setPlaceholderText("for example Front desk 2")
        self.name.setMaxLength(MAX_NAME)
        form.addRow("Workstation &name", self.name)
        ask.addLayout(form)
        self.name_error = StatusLabel()
        self.name_error.setAccessibleName("Name problem")
        ask.addWidget(self.name_error)
        layout.addWidget(self.ask)
        # Step 2: the code, once.
        self.answer = QWidget()
        answer = QVBoxLayout(self.answer)
        answer.setContentsMargins(0, 0, 0, 0)
        self.for_label = QLabel()
        self.for_label.setWordWrap(True)
        answer.addWidget(self.for_label)
        self.code_label = QLabel()
        font = QFont("Monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSize(22)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        self.code_label.setFont(font)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setStyleSheet(
            "padding: 14px; border: 1px solid palette(mid); border-radius: 6px;"
        )
        self.code_label.setAccessibleName("Enrollment code")
        answer.addWidget(self.code_label)
        self.expiry = QLabel()
        self.expiry.setWordWrap(True)
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        answer.addWidget(self.expiry)
        how = QLabel(
            "At the new computer: start medrec; in the setup wizard choose Join this clinic's "
            f"server; give the server's address (this computer uses {server}), the clinic's CA "
            "certificate file and this code. (Or: medrec server join ADDRESS --code CODE.) The "
            "code is shown only now and kept nowhere: if it is lost or runs out, add the "
            "workstation again."
        )
        how.setWordWrap(True)
        how.setTextFormat(Qt.TextFormat.PlainText)
        answer.addWidget(how)
        layout.addWidget(self.answer)
        self.answer.hide()
        self.general = StatusLabel()
        layout.addWidget(self.general)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = QPushButton("&Copy code")
        self.copy_button.clicked.connect(self.copy_code)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.show_button = QPushButton("&Show the code")
        self.show_button.setDefault(True)
        self.done_button = QPushButton("&Done")
        self.done_button.clicked.connect(self.accept)
        for b in (self.copy_button, self.cancel_button, self.show_button, self.done_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.copy_button.hide()
        self.done_button.hide()
        self.name.setFocus()

    def wanted_name(self) -> str:
        return self.name.text().strip()

    def check(self) -> None:
        if not self.wanted_name():
            raise ValidationError(
                "Give the new workstation a name people recognise (for example Front desk 2).",
                field="name",
            )

    def set_busy(self, busy: bool) -> None:
        self.show_button.setEnabled(not busy)
        self.name.setReadOnly(busy)

    def refused(self, err: BaseException) -> None:
        """The service said no: beside the name (or below), what was typed kept."""
        self.set_busy(False)
        if isinstance(err, ValidationError) and err.field == "name":
            self.name_error.error(err.message)
            self.name.setFocus()
            self.name.selectAll()
        elif isinstance(err, KnownError):
            self.general.error(err.message)
        else:
            self.general.error(error_text(err))

    def show_code(self, issued: IssuedCode) -> None:
        self.issued = issued
        self.ask.hide()
        self.name_error.clear_message()
        self.general.clear_message()
        self.for_label.setText(f"Enrollment code for <b>{_escape(issued.workstation_name)}</b>:")
        self.code_label.setText(issued.code)
        until = issued.expires_at.astimezone()
        self.expiry.setText(f"Valid until {until:%H:%M} (15 minutes), for one computer, once.")
        self.answer.show()
        self.show_button.hide()
        self.cancel_button.hide()
        self.copy_button.show()
        self.done_button.show()
        self.done_button.setDefault(True)
        self.done_button.setFocus()
        self.adjustSize()

    def copy_code(self) -> None:
        if self.issued is not None:
            QGuiApplication.clipboard().setText(self.issued.code)
            self.general.ok("Copied. Paste it only where the new computer asks for it.")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["AddWorkstationDialog"]
