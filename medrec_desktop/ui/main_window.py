"""The main window. For now: unlock and sign in, then who is signed in and where the data is.

The full shell (navigation, patients, worklists, admin) arrives with issue 3.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.tasks import DbOp


class MainWindow(QMainWindow):
    def __init__(self, *, paths: DataPaths) -> None:
        super().__init__()
        self.paths = paths
        self.installation: Installation | None = None
        self.session: UserSession | None = None
        self.setWindowTitle("medrec-desktop")
        self.resize(960, 640)
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.pages.addWidget(self._build_login())
        self.home = QLabel()
        self.home.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.home)
        lock = QAction("&Sign out", self, shortcut=QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.sign_out)
        self.addAction(lock)
        exists = Installation.exists(paths)
        self.statusBar().showMessage(
            f"Data folder: {paths.root}"
            if exists
            else f"No database in {paths.root} yet: create one with 'medrec init'."
        )
        self.login_button.setEnabled(exists)

    def _build_login(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch(1)
        title = QLabel("<h2>Sign in to medrec-desktop</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        form_host = QWidget()
        form_host.setMaximumWidth(420)
        form = QFormLayout(form_host)
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Workstation passphrase")
        self.passphrase_edit.setPlaceholderText("only if this computer has no keyring")
        form.addRow("&User name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("Workstation pass&phrase", self.passphrase_edit)
        self.login_button = QPushButton("&Sign in")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.sign_in)
        self.password_edit.returnPressed.connect(self.sign_in)
        form.addRow("", self.login_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        form.addRow("", self.message)
        outer.addWidget(form_host, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        return page

    def sign_in(self) -> None:
        username = self.user_edit.text()
        password = self.password_edit.text()
        passphrase = self.passphrase_edit.text() or os.environ.get("MEDREC_PASSPHRASE") or None
        self.login_button.setEnabled(False)
        self.message.setText("Signing in…")
        inst = self.installation

        def work() -> tuple[Installation, UserSession]:
            opened = inst or Installation.open(
                self.paths, Unlock(secret_store=os_keyring_or_none(), passphrase=passphrase)
            )
            return opened, opened.auth.login(username, password)

        DbOp(self, work).success(self._signed_in).failure(self._sign_in_failed).run()

    def _signed_in(self, result: tuple[Installation, UserSession]) -> None:
        self.installation, self.session = result
        self.password_edit.clear()
        self.message.clear()
        self.login_button.setEnabled(True)
        s = self.session
        self.home.setText(
            f"<h2>Welcome, {s.display_name}</h2><p>Signed in as {s.username} ({s.role.label}).</p>"
        )
        self.pages.setCurrentIndex(1)
        self.statusBar().showMessage(
            f"{s.display_name} · {s.role.label} · {self.installation.store.description}"
        )

    def _sign_in_failed(self, err: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.password_edit.clear()
        if isinstance(err, KnownError):
            self.message.setText(err.message)
        else:
            raise err  # a bug: the crash handler reports it

    def sign_out(self) -> None:
        if self.installation is not None and self.session is not None:
            inst, session = self.installation, self.session
            DbOp(self, lambda: inst.auth.logout(session)).run()
        self.session = None
        self.home.clear()
        self.pages.setCurrentIndex(0)
        self.user_edit.setFocus()

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        from medrec_desktop.ui.tasks import db_pool

        db_pool().waitForDone()
        if self.installation is not None:
            self.installation.close()
        super().closeEvent(event)  # type: ignore[arg-type]
