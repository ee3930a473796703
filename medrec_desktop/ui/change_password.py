"""Choosing one's own password; shown straight after signing in with a temporary one."""

from __future__ import annotations

import dataclasses

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
from medrec_desktop.security.passwords import MIN_LENGTH
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.tasks import Op, OpRunner

ERROR_STYLE = "color: #b42318;"


class ChangePasswordDialog(QDialog):
    """After it is accepted, ``session`` no longer carries the must-change flag."""

    def __init__(
        self,
        *,
        inst: Installation,
        session: UserSession,
        runner: OpRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._inst = inst
        self._runner = runner
        self.session = session
        self.setWindowTitle("Choose your password — medrec-desktop")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if session.must_change_password:
            text = (
                f"<b>{session.display_name}</b>, an administrator gave you a temporary password. "
                "Choose your own before you continue: nothing else opens until you do."
            )
        else:
            text = f"Change the password of <b>{session.username}</b>."
        self.intro = intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.current = self._password_field("Current password")
        self.new = self._password_field("New password")
        self.confirm = self._password_field("New password again")
        form.addRow("&Current password", self.current)
        form.addRow("&New password", self.new)
        form.addRow("New password &again", self.confirm)
        layout.addLayout(form)
        hint = QLabel(
            f"At least {MIN_LENGTH} characters, not containing your user name. "
            "A short sentence is easy to remember."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Password change message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("&Save password", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.current.setFocus()

    @staticmethod
    def _password_field(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        return edit

    def save(self) -> None:
        current, new = self.current.text(), self.new.text()
        if new != self.confirm.text():
            self._show_error("The two new passwords are not the same.")
            self.confirm.clear()
            self.confirm.setFocus()
            return
        inst, session = self._inst, self.session
        self.ok.setEnabled(False)
        Op(
            self, lambda: inst.auth.change_password(session, current, new), runner=self._runner
        ).success(self._saved).failure(self._failed).run()

    def _saved(self, _result: object) -> None:
        self.session = dataclasses.replace(self.session, must_change_password=False)
        for edit in (self.current, self.new, self.confirm):
            edit.clear()
        self.accept()

    def _failed(self, err: BaseException) -> None:
        self.ok.setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        field = getattr(err, "field", None)
        if field == "current":
            self.current.clear()
            self.current.setFocus()
        else:
            self.new.setFocus()
        self._show_error(err.message)

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"⚠ {text}")
