"""Users and roles page: add, validation, disable/enable, unlock, reset password, role."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.admin.user_dialogs import AddUserDialog, ResetPasswordDialog
from medrec_desktop.ui.admin.users_page import UsersPage
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import Clinic
from tests.ui.admin.conftest import WAIT, lock_out
from tests.ui.conftest import holder


def _fill_add_dialog(qtbot: Any, page: UsersPage, password: str, repeat: str) -> AddUserDialog:
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, AddUserDialog)
    qtbot.keyClicks(dialog.username, "j.smith")
    qtbot.keyClicks(dialog.display_name, "Jane Smith")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.CODER.value))
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClicks(dialog.password_repeat, repeat)
    return dialog


def test_lists_accounts(make_page: Any) -> None:
    page: UsersPage = make_page(UsersPage)
    assert page.model.rowCount() == 6
    assert page.selected() is not None
    assert page.title == "Users and roles"


def test_add_user_is_listed(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    page: UsersPage = make_page(UsersPage)
    dialog = _fill_add_dialog(qtbot, page, "a long temporary phrase", "a long temporary phrase")
    qtbot.keyClick(dialog.password_repeat, Qt.Key.Key_Return)  # Enter submits
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    row = page.model.find("j.smith")
    assert row >= 0
    assert page.selected() is not None and page.selected().username == "j.smith"  # type: ignore[union-attr]
    assert page.model.row_at(row).role is Role.CODER
    assert page.status.severity is Severity.OK and "j.smith" in page.status.message
    stored = {u.username for u in local_clinic.inst.users.list_users(local_clinic.admin)}
    assert "j.smith" in stored


def test_short_password_message_keeps_the_typed_text(qtbot: Any, make_page: Any) -> None:
    page: UsersPage = make_page(UsersPage)
    dialog = _fill_add_dialog(qtbot, page, "short", "short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    message = dialog.errors.label_for("password")
    assert message is not None
    qtbot.waitUntil(lambda: message.severity is Severity.ERROR, timeout=WAIT)
    assert "at least" in message.message
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert dialog.username.text() == "j.smith"
    assert dialog.display_name.text() == "Jane Smith"
    assert dialog.password.text() == "short"
    assert page.model.find("j.smith") < 0


def test_passwords_typed_differently_are_caught_at_once(qtbot: Any, make_page: Any) -> None:
    page: UsersPage = make_page(UsersPage)
    dialog = _fill_add_dialog(qtbot, page, "a long temporary phrase", "a long temporary phrasE")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    repeat = dialog.errors.label_for("password_repeat")
    assert repeat is not None and repeat.severity is Severity.ERROR
    dialog.reject()


def test_unlock_then_disable_and_enable(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    lock_out(local_clinic, "coder")
    page: UsersPage = make_page(UsersPage)
    page.select("coder")
    assert page.selected().locked  # type: ignore[union-attr]
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter goes to the row's actions
    assert page.unlock_button.hasFocus() or page.focusWidget() is page.unlock_button
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.selected().locked, timeout=WAIT)  # type: ignore[union-attr]
    assert not page.unlock_button.isEnabled()
    assert "unlocked" in page.status.message

    assert page.toggle_button.text() == "&Disable account"
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.selected().active, timeout=WAIT)  # type: ignore[union-attr]
    assert "Disabled" in page.model.data(page.model.index(page.model.find("coder"), 3))
    assert page.toggle_button.text() == "&Enable account"
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.selected().active, timeout=WAIT)  # type: ignore[union-attr]


def test_own_account_cannot_be_disabled(qtbot: Any, make_page: Any) -> None:
    page: UsersPage = make_page(UsersPage)
    page.select("admin")
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.severity is Severity.ERROR, timeout=WAIT)
    assert "own account" in page.status.message
    assert page.selected().active  # type: ignore[union-attr]


def test_change_role_and_reset_password(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    page: UsersPage = make_page(UsersPage)
    page.select("nurse")
    page.role.setCurrentIndex(page.role.findData(Role.PROVIDER.value))
    qtbot.mouseClick(page.role_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.selected().role is Role.PROVIDER, timeout=WAIT)  # type: ignore[union-attr]

    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ResetPasswordDialog)
    qtbot.keyClicks(dialog.password, "a brand new phrase")
    qtbot.keyClicks(dialog.password_repeat, "a brand new phrase")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    session = local_clinic.inst.auth.login("nurse", "a brand new phrase")
    assert session.must_change_password and session.role is Role.PROVIDER


def test_without_a_session_nothing_is_loaded(
    qtbot: Any, local_clinic: Clinic, runner: OpRunner
) -> None:
    page = UsersPage(services=holder(local_clinic.inst), runner=runner, session=lambda: None)
    qtbot.addWidget(page)
    page.refresh()
    page.add_user()
    assert page.pending == 0 and page.model.rowCount() == 0 and page.dialog is None
