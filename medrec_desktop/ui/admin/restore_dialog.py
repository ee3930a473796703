"""The one confirmation before a restore: what will be replaced, and who is doing it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.paths import DataPaths
from medrec_desktop.ui.widgets.status import StatusLabel


def describe_file(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return path.name
    saved = dt.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M")
    return f"{path.name} ({st.st_size / 1e6:,.1f} MB, saved {saved})"


class RestoreDialog(QDialog):
    """Names what will be replaced and asks the administrator's password again.

    The page connects ``restore_button`` and keeps the dialog open until the restore worked,
    so a mistyped password can be corrected in place.
    """

    def __init__(
        self,
        backup: Path,
        paths: DataPaths,
        username: str,
        *,
        ask_passphrase: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.backup = backup
        self.setWindowTitle("Restore from backup")
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        self.text = text = QLabel(
            f"<p><b>Replace the whole database with this backup?</b></p>"
            f"<p>Backup: {describe_file(backup)}<br>Database: {paths.database}</p>"
            "<p>Everything recorded after the backup was made (patients, notes, users, audit "
            "events) will no longer be in the database. The backup is verified first; if it "
            "fails, nothing is changed. A copy of the current database is kept in "
            f"{paths.backups} before it is replaced.</p>"
            "<p>Everyone else must sign out first. You will sign in again afterwards.</p>"
        )
        text.setWordWrap(True)
        outer.addWidget(text)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(f"Password of {username}")
        form.addRow(f"&Password of {username}", self.password)
        self.passphrase: QLineEdit | None = None
        if ask_passphrase:
            self.passphrase = QLineEdit()
            self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
            self.passphrase.setAccessibleName("Workstation passphrase")
            form.addRow("&Workstation passphrase", self.passphrase)
        outer.addLayout(form)
        self.message = StatusLabel()
        outer.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter never replaces a database by accident
        self.restore_button = QPushButton("&Replace database")
        self.restore_button.setAutoDefault(False)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.password.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.restore_button.setEnabled(not busy)
