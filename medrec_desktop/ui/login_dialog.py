"""Sign-in: unlocks the database (keyring or workstation passphrase) and signs the user in."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.keyslots import load_keyfile
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.change_password import ChangePasswordDialog
from medrec_desktop.ui.tasks import Op, OpRunner

ERROR_STYLE = "color: #b42318;"


def needs_passphrase(paths: DataPaths) -> bool:
    """True when this computer cannot unlock the key file by itself (no keyring slot here)."""
    try:
        kinds = load_keyfile(paths.keys).kinds
    except KnownError:
        return True
    return "keyring" not in kinds or os_keyring_or_none() is None


class LoginDialog(QDialog):
    """After ``exec()`` returns Accepted: ``installation`` and ``session`` are set."""

    def __init__(
        self,
        *,
        paths: DataPaths,
        runner: OpRunner,
        installation: Installation | None = None,
        clinic_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self._runner = runner
        self.installation = installation
        self.session: UserSession | None = None
        self.unlock: Unlock | None = None  # how the key file was opened, for a later restore
        self.change_dialog: ChangePasswordDialog | None = None  # open after a temporary password
        self.setWindowTitle("Sign in — medrec-desktop")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        title = QLabel(f"<h2>{clinic_name or 'medrec-desktop'}</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        form = QFormLayout()
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        form.addRow("&User name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Workstation passphrase")
        self.passphrase_edit.setText(os.environ.get("MEDREC_PASSPHRASE", ""))
        self.show_passphrase = installation is None and needs_passphrase(paths)
        if self.show_passphrase:
            form.addRow("Workstation pass&phrase", self.passphrase_edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(
            "&Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def sign_in(self) -> None:
        username, password = self.user_edit.text(), self.password_edit.text()
        passphrase = self.passphrase_edit.text() or None
        if not username.strip() or not password:
            self._show_error("Enter your user name and password.")
            return
        inst = self.installation
        paths = self.paths
        unlock = Unlock(secret_store=os_keyring_or_none(), passphrase=passphrase)
        self.unlock = unlock

        def work() -> tuple[Installation, UserSession]:
            opened = inst or Installation.open(paths, unlock)
            try:
                return opened, opened.auth.login(username, password)
            except BaseException:
                if inst is None:
                    opened.close()
                raise

        self.sign_in_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("Signing in…")
        Op(self, work, runner=self._runner).success(self._done).failure(self._failed).run()

    def _done(self, result: tuple[Installation, UserSession]) -> None:
        self.installation, session = result
        self.password_edit.clear()
        if session.must_change_password:
            # The services refuse everything else until then: go straight to choosing one.
            self.change_dialog = ChangePasswordDialog(
                inst=self.installation, session=session, runner=self._runner, parent=self
            )
            self.change_dialog.finished.connect(self._password_chosen)
            self.change_dialog.open()
            return
        self.session = session
        self.accept()

    def _password_chosen(self, result: int) -> None:
        dialog, self.change_dialog = self.change_dialog, None
        assert dialog is not None and self.installation is not None
        if result == QDialog.DialogCode.Accepted:
            self.session = dialog.session
            self.accept()
            return
        session, inst = dialog.session, self.installation
        Op(self, lambda: inst.auth.logout(session), runner=self._runner).failure(
            lambda _err: None
        ).run()
        self.sign_in_button.setEnabled(True)
        self._show_error(
            "You signed in with a temporary password: choose your own password to continue."
        )

    def _failed(self, err: BaseException) -> None:
        self.sign_in_button.setEnabled(True)
        self.password_edit.clear()
        self.password_edit.setFocus()
        if not isinstance(err, KnownError):
            raise err
        self._show_error(err.message)

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"⚠ {text}")
