"""Small forms for the users page: a new account, and a temporary password.

The dialogs only collect input; the page submits it through the database worker and puts a
service's ValidationError back beside the field it names, keeping what was typed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog

PASSWORD_HINT = (
    "A temporary password: the person chooses their own at first sign-in. "
    "Give it to them in person, not by email."
)


def role_combo(accessible_name: str = "Role") -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    for role in Role:
        combo.addItem(role.label, role.value)  # Qt stores the plain string
    return combo


def password_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class _FormDialog(DiscardGuardDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.outer = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.outer.addLayout(self.form)
        self.general = StatusLabel()
        self.errors = FieldErrors(self.general)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def finish_layout(self, hint: str | None = None) -> None:
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            self.outer.addWidget(note)
        self.outer.addWidget(self.general)
        self.outer.addWidget(self.buttons)

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)

    def show_error(self, err: ValidationError) -> None:
        self.set_busy(False)
        self.errors.show(err)

    @staticmethod
    def passwords_match(first: QLineEdit, second: QLineEdit) -> None:
        if first.text() != second.text():
            raise ValidationError(
                "The two passwords are different. Type the same password twice.",
                field="password_repeat",
            )


class AddUserDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add user", parent)
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.username.setPlaceholderText("e.g. j.smith")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Full name")
        self.role = role_combo()
        self.role.setCurrentIndex(self.role.findData(Role.RECORDS.value))
        self.password = password_edit("Temporary password")
        self.password_repeat = password_edit("Repeat temporary password")
        e = self.errors
        e.add_row(self.form, "&User name", self.username, "username")
        e.add_row(self.form, "&Full name", self.display_name, "display_name")
        e.add_row(self.form, "&Role", self.role, "role")
        e.add_row(self.form, "Temporary &password", self.password, "password")
        e.add_row(self.form, "Rep&eat password", self.password_repeat, "password_repeat")
        self.ok_button.setText("&Add user")
        self.finish_layout(PASSWORD_HINT)

    def selected_role(self) -> Role:
        return Role(self.role.currentData())

    def check(self) -> None:
        """Checks that need no database; the service checks the rest."""
        self.passwords_match(self.password, self.password_repeat)


class ResetPasswordDialog(_FormDialog):
    def __init__(self, username: str, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Reset password: {username}", parent)
        self.username = username
        who = QLabel(f"New temporary password for <b>{display_name}</b> ({username}).")
        self.outer.insertWidget(0, who)
        self.password = password_edit("New temporary password")
        self.password_repeat = password_edit("Repeat new temporary password")
        self.errors.add_row(self.form, "New &password", self.password, "password")
        self.errors.add_row(self.form, "Rep&eat password", self.password_repeat, "password_repeat")
        self.ok_button.setText("&Reset password")
        self.finish_layout(PASSWORD_HINT + " A lock-out on the account is lifted too.")

    def check(self) -> None:
        self.passwords_match(self.password, self.password_repeat)
