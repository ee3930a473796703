"""The lock screen: shows no patient data; the same user's password resumes their work."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.auth import LOGIN_FAILED
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.change_password import ChangePasswordDialog
from medrec_desktop.ui.tasks import Op, OpRunner


class LockScreen(QWidget):
    unlocked = Signal(object)  # the new UserSession of the same user
    sign_out_requested = Signal()

    def __init__(self, *, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._inst: Installation | None = None
        self._username = ""
        self.change_dialog: ChangePasswordDialog | None = None
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setFixedWidth(520)  # a fixed width lets the wrapped message take its full height
        layout = QVBoxLayout(box)
        self.title = QLabel("<h2>Workstation locked</h2>")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Wrapped labels in a centred box get squeezed to one line otherwise.
        self.who.setMinimumHeight(self.who.fontMetrics().lineSpacing() * 3 + 8)
        layout.addWidget(self.title)
        layout.addWidget(self.who)
        form = QFormLayout()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password to unlock")
        self.password_edit.returnPressed.connect(self.unlock)
        form.addRow("&Password", self.password_edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.sign_out_button = QPushButton("Sign &out (discard unsaved work)")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        row.addWidget(self.sign_out_button)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def lock_for(self, inst: Installation, session: UserSession, *, idle: bool) -> None:
        self._inst, self._username = inst, session.username
        reason = "after a period without activity" if idle else "by request"
        self.who.setText(
            f"This workstation was locked {reason}. Patient data is hidden. "
            f"{session.display_name} can unlock it with their password; unsaved work is kept."
        )
        self.message.clear()
        self.password_edit.clear()
        self.password_edit.setFocus()

    def unlock(self) -> None:
        inst, username, password = self._inst, self._username, self.password_edit.text()
        if inst is None or not password:
            return
        self.unlock_button.setEnabled(False)
        Op(self, lambda: inst.auth.login(username, password), runner=self._runner).success(
            self._done
        ).failure(self._failed).run()

    def _done(self, session: UserSession) -> None:
        self.unlock_button.setEnabled(True)
        self.password_edit.clear()
        if session.must_change_password and self._inst is not None:
            # Reset by an administrator meanwhile: nothing resumes until a password is chosen.
            self.change_dialog = ChangePasswordDialog(
                inst=self._inst, session=session, runner=self._runner, parent=self
            )
            self.change_dialog.finished.connect(self._password_chosen)
            self.change_dialog.open()
            return
        self.unlocked.emit(session)

    def _password_chosen(self, result: int) -> None:
        dialog, self.change_dialog = self.change_dialog, None
        assert dialog is not None
        if result == QDialog.DialogCode.Accepted:
            self.unlocked.emit(dialog.session)
        else:
            self.sign_out_requested.emit()

    def _failed(self, err: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.password_edit.clear()
        if not isinstance(err, KnownError):
            raise err
        self.message.setStyleSheet("color: #b42318;")
        self.message.setText(f"⚠ {lock_screen_message(err.message)}")


def lock_screen_message(message: str) -> str:
    """The sign-in service speaks to a login form; here only the password is asked, so the
    words must not send the user looking for a user name field."""
    if message == LOGIN_FAILED:
        return "That password is not right. Check Caps Lock and try again."
    return message.replace("with this user name", "for this account")
