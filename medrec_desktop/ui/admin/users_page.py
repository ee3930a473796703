"""Users and roles: add accounts, disable/enable, unlock, reset passwords, change roles."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserInfo, UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.admin.user_dialogs import AddUserDialog, ResetPasswordDialog, role_combo
from medrec_desktop.ui.itemmodels.users import COL_NAME, COL_USERNAME, UserTableModel
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

UserCall = Callable[[UserSession], UserInfo]


class UsersPage(AdminPage):
    title = "Users and roles"
    intro = (
        "Every person has their own account. Disable an account when someone leaves (their "
        "history stays in the audit trail); unlock it after repeated failed sign-ins."
    )

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self.dialog: QDialog | None = None
        self.model = UserTableModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "User accounts")
        self.table.sortByColumn(COL_USERNAME, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _: self.open_actions())
        self.table.installEventFilter(self)

        self.add_button = QPushButton("&Add user…")
        self.add_button.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.add_button.setToolTip("Add a user account (Ctrl+Shift+N)")
        self.add_button.clicked.connect(self.add_user)
        self.refresh_button = QPushButton("R&efresh")
        self.refresh_button.setToolTip("Reload the list (F5)")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        self.layout_.addLayout(bar)

        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addWidget(self._build_actions())
        self.layout_.addLayout(body, 1)
        self.layout_.addWidget(self.status)
        self.setTabOrder(self.add_button, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.table)
        self.setTabOrder(self.table, self.toggle_button)
        self.setTabOrder(self.toggle_button, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.reset_button)
        self.setTabOrder(self.reset_button, self.role)
        self.setTabOrder(self.role, self.role_button)
        self._update_actions()

    def _build_actions(self) -> QGroupBox:
        box = QGroupBox("Selected account")
        box.setMinimumWidth(280)
        box.setMaximumWidth(340)
        col = QVBoxLayout(box)
        self.selected_label = QLabel()
        self.selected_label.setWordWrap(True)
        self.selected_label.setTextFormat(Qt.TextFormat.PlainText)
        col.addWidget(self.selected_label)
        self.toggle_button = QPushButton("&Disable account")
        self.toggle_button.clicked.connect(self.toggle_active)
        self.unlock_button = QPushButton("&Unlock sign-in")
        self.unlock_button.clicked.connect(self.unlock)
        self.reset_button = QPushButton("Reset pass&word…")
        self.reset_button.clicked.connect(self.reset_password)
        for button in (self.toggle_button, self.unlock_button, self.reset_button):
            col.addWidget(button)
        form = QFormLayout()
        self.role = role_combo("Role of the selected account")
        form.addRow("R&ole", self.role)
        col.addLayout(form)
        self.role_button = QPushButton("&Change role")
        self.role_button.clicked.connect(self.change_role)
        col.addWidget(self.role_button)
        col.addStretch(1)
        return box

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        self.run(self.inst.users.list_users, self._show_users)

    def _show_users(self, users: list[UserInfo]) -> None:
        keep = self.selected()
        self.model.set_rows(users)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(COL_NAME, max(self.table.columnWidth(COL_NAME), 180))
        self.select(keep.username if keep else None)

    def selected(self) -> UserInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def select(self, username: str | None) -> None:
        row = self.model.find(username) if username else -1
        if row < 0 and self.model.rowCount():
            row = self.proxy.mapToSource(self.proxy.index(0, 0)).row()
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        self._update_actions()

    def _update_actions(self) -> None:
        user = self.selected()
        for w in (
            self.toggle_button,
            self.unlock_button,
            self.reset_button,
            self.role,
            self.role_button,
        ):
            w.setEnabled(user is not None)
        if user is None:
            self.selected_label.setText("Select an account in the list.")
            return
        state = "active" if user.active else "disabled"
        lock = ", locked out after failed sign-ins" if user.locked else ""
        self.selected_label.setText(
            f"{user.display_name} ({user.username})\n{user.role.label}, {state}{lock}."
        )
        self.toggle_button.setText("&Enable account" if not user.active else "&Disable account")
        self.unlock_button.setEnabled(user.locked)
        self.role.setCurrentIndex(self.role.findData(user.role.value))

    def open_actions(self) -> None:
        """Enter or double-click on a row: move to the first action that applies to it."""
        if self.selected() is None:
            return
        for w in (self.unlock_button, self.toggle_button):
            if w.isEnabled():
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_actions()
                return True
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------ actions on a row

    def _apply(self, call: UserCall, done: str) -> None:
        self.status.clear_message()
        self.run(call, lambda info: self._changed(info, done))

    def _changed(self, info: UserInfo, done: str) -> None:
        row = self.model.find(info.username)
        if row >= 0:
            self.model.replace_row(row, info)
        self._update_actions()
        self.status.ok(done.format(name=info.username))

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        users = self.inst.users
        if user.active:
            self._apply(
                lambda s: users.disable_user(s, user.username),
                "{name} is disabled and can no longer sign in.",
            )
        else:
            self._apply(
                lambda s: users.enable_user(s, user.username),
                "{name} is enabled and can sign in again.",
            )

    def unlock(self) -> None:
        user = self.selected()
        if user is not None:
            self._apply(
                lambda s: self.inst.users.unlock_user(s, user.username),
                "{name} is unlocked and may try to sign in again.",
            )

    def change_role(self) -> None:
        user = self.selected()
        if user is None:
            return
        role = Role(self.role.currentData())
        if role == user.role:
            self.status.info(f"{user.username} already has the role {role.label}.")
            return
        self._apply(
            lambda s: self.inst.users.set_role(s, user.username, role),
            "{name} now has the role " + role.label + ".",
        )

    # ------------------------------------------------------------------ dialogs

    def add_user(self) -> None:
        if self.session() is None:
            return
        dialog = AddUserDialog(self)
        dialog.ok_button.clicked.connect(lambda: self._submit_add(dialog))
        self._open(dialog)

    def _submit_add(self, dialog: AddUserDialog) -> None:
        try:
            dialog.check()
        except ValidationError as err:
            dialog.show_error(err)
            return
        username, name = dialog.username.text(), dialog.display_name.text()
        role, password = dialog.selected_role(), dialog.password.text()
        dialog.set_busy(True)

        def added(info: UserInfo) -> None:
            dialog.accept()
            self.model.set_rows([*self.model.rows(), info])
            self.select(info.username)
            self.status.ok(
                f"Added {info.username} ({info.role.label}). They choose their own password "
                "at first sign-in."
            )

        self.run(
            lambda s: self.inst.users.add_user(s, username, name, role, password),
            added,
            lambda err: self._dialog_failed(dialog, err),
        )

    def reset_password(self) -> None:
        user = self.selected()
        if user is None or self.session() is None:
            return
        dialog = ResetPasswordDialog(user.username, user.display_name, self)
        dialog.ok_button.clicked.connect(lambda: self._submit_reset(dialog))
        self._open(dialog)

    def _submit_reset(self, dialog: ResetPasswordDialog) -> None:
        try:
            dialog.check()
        except ValidationError as err:
            dialog.show_error(err)
            return
        username, password = dialog.username, dialog.password.text()
        dialog.set_busy(True)

        def done(info: UserInfo) -> None:
            dialog.accept()
            self._changed(info, "{name} has a new temporary password to change at sign-in.")

        self.run(
            lambda s: self.inst.users.reset_password(s, username, password),
            done,
            lambda err: self._dialog_failed(dialog, err),
        )

    def _open(self, dialog: QDialog) -> None:
        """Window-modal and non-blocking, so the event loop (and the worker) keep running."""
        self.dialog = dialog
        dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        dialog.open()

    def _dialog_failed(
        self, dialog: AddUserDialog | ResetPasswordDialog, err: BaseException
    ) -> None:
        if isinstance(err, ValidationError):
            dialog.show_error(err)
        else:
            dialog.set_busy(False)
            dialog.general.show_error(err)
