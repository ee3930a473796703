"""The set-up wizard's other road: join this computer to the clinic's server with an enrollment
code an administrator shows on a workstation already joined (issue 15).

The join page takes the data folder, the server's address, the clinic's CA certificate and the
code; the key page follows (as for a new clinic); the last page joins on entry and says so.
A wrong, expired or used code, or a server that cannot be reached, brings the join page back
with the message beside the field to fix and everything typed kept; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from medrec_desktop.domain.errors import KnownError, ServerConnectionError, ValidationError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import enrollment
from medrec_desktop.services.installation import Installation, check_server_choice
from medrec_desktop.services.workstation_join import enrollment_address
from medrec_desktop.ui.widgets.ca_certificate import CaCertificateRow

ERROR_STYLE = "color: #b42318;"
CODE_PLACEHOLDER = "XXXX-XXXX-XXXX-XXXX-XXXX"


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


class JoinPage(QWizardPage):
    """Where this computer joins: its data folder, the server, the CA certificate, the code."""

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.setTitle("Join this clinic's server")
        self.setSubTitle(
            "An administrator shows the code on a workstation already set up (Administration › "
            "Server › Add a workstation…). It is valid for 15 minutes, once."
        )
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.server_url = QLineEdit()
        self.server_url.setAccessibleName("Server address")
        self.server_url.setPlaceholderText("postgresql://db.clinic.example/medrec")
        form.addRow("Server &address", self.server_url)
        ca_row = CaCertificateRow(self)
        self.ca_cert, self.ca_button = ca_row.path, ca_row.button
        form.addRow("CA certificate", ca_row)
        self.code = QLineEdit()
        self.code.setAccessibleName("Enrollment code")
        self.code.setPlaceholderText(CODE_PLACEHOLDER)
        font = QFont("Monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSize(max(font.pointSize(), 12))
        self.code.setFont(font)
        self.code.setMaxLength(40)
        form.addRow("Enrollment &code", self.code)
        # Last: it has a good default, and what people type first is the address.
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(str(default))
        self.folder.setAccessibleName("Data folder")
        choose = QPushButton("C&hoose…")
        choose.setAccessibleName("Choose the data folder")
        choose.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        folder_label = QLabel("Data &folder")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        layout.addLayout(form)
        note = QLabel(
            "The address names the clinic's server and database, as your IT person gives it "
            "(medrec connects with the enrollment account to join, then with the clinic's "
            "application account). A server on another computer is reached only over an "
            "encrypted connection checked against the clinic's CA certificate. Nothing is "
            "copied by hand: the code brings this computer the keys and the account."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")
        layout.addWidget(note)
        self.error = _error_label()
        self.error.setAccessibleName("Join problem")
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Data folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def paths(self) -> DataPaths:
        return DataPaths(Path(self.folder.text()).expanduser().resolve())

    def ca_path(self) -> Path | None:
        ca = self.ca_cert.text().strip()
        return Path(ca).expanduser() if ca else None

    def show_error(self, err: KnownError) -> None:
        """A refusal, shown here with everything typed kept; the cursor goes to the field to
        fix: the code for the code's problems, the certificate for a certificate's, else the
        address."""
        self.error.setText(f"⚠ {err.message}")
        if isinstance(err, ValidationError) and err.field == enrollment.BAD_CODE_FIELD:
            self.code.setFocus()
            self.code.selectAll()
        elif isinstance(err, ValidationError) and err.field == "folder":
            self.folder.setFocus()
        elif "certificate" in err.message and "not made out to the name" not in err.message:
            self.ca_cert.setFocus()
        else:
            self.server_url.setFocus()

    def validatePage(self) -> bool:  # noqa: N802
        """Everything that can be checked without the server: an empty folder, an address and
        certificate that would give a verified connection, a code without a typing mistake."""
        try:
            paths = self.paths()
            if Installation.exists(paths) or paths.keys.exists():
                raise ValidationError(
                    "This folder already holds a medrec database. Choose an empty one.",
                    field="folder",
                )
            if not self.server_url.text().strip():
                raise ServerConnectionError(
                    "Enter the clinic server's address, for example "
                    "postgresql://db.clinic.example/medrec (your IT person has it)."
                )
            check_server_choice(enrollment_address(self.server_url.text()), self.ca_path())
            enrollment.parse_code(self.code.text())
        except KnownError as err:
            self.show_error(err)
            return False
        self.error.clear()
        return True


class JoinedPage(QWizardPage):
    """Joins on entry (the wizard runs it), then says what happened."""

    def __init__(self, start: Callable[[], None]) -> None:
        super().__init__()
        self._start = start
        self.setTitle("Joining the clinic's server")
        layout = QVBoxLayout(self)
        self.status = QLabel("Joining…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.done = False

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self._start()

    def show_joined(self, name: str, where: str) -> None:
        self.done = True
        self.setTitle("This computer has joined the clinic")
        self.status.setText(
            f"This computer is now the workstation {name} of the clinic's {where}. Everyone "
            "signs in with their own account, as on every workstation of the clinic. The "
            "clinic's recovery key opens this computer's data folder too."
        )
        self.completeChanged.emit()

    def show_error(self, message: str) -> None:
        self.status.setText("Nothing was written.")
        self.error.setText(f"⚠ {message}")

    def isComplete(self) -> bool:  # noqa: N802
        return self.done


__all__ = ["JoinPage", "JoinedPage"]
