"""Signing in with a temporary password leads straight to choosing one's own."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.login_dialog import LoginDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic

TEMPORARY = "temporary pass 4711"
OWN = "my own quiet harbour"
W = Callable[[Role], MainWindow]


def _sign_in(qtbot, dialog: LoginDialog, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.user_edit.setText(name)
    dialog.password_edit.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def test_a_temporary_password_opens_the_change_password_dialog(  # type: ignore[no-untyped-def]
    qtbot, local_clinic: Clinic, runner
) -> None:
    local_clinic.inst.users.reset_password(local_clinic.admin, "nurse", TEMPORARY)
    dialog = LoginDialog(paths=local_clinic.paths, installation=local_clinic.inst, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, "nurse", TEMPORARY)
    qtbot.waitUntil(
        lambda: dialog.change_dialog is not None and dialog.change_dialog.isVisible(),
        timeout=10_000,
    )
    change = dialog.change_dialog
    assert change is not None and dialog.session is None  # not signed in to the app yet
    assert "temporary password" in change.intro.text()
    change.current.setText(TEMPORARY)
    change.new.setText(OWN)
    change.confirm.setText(OWN + " typo")
    qtbot.mouseClick(change.ok, Qt.MouseButton.LeftButton)
    assert "not the same" in change.message.text()
    change.confirm.setText(OWN)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(change.ok, Qt.MouseButton.LeftButton)
    assert dialog.session is not None and not dialog.session.must_change_password
    assert local_clinic.inst.patients.list_all(dialog.session) == []  # the services agree
    assert not local_clinic.inst.auth.login("nurse", OWN).must_change_password


def test_cancelling_the_change_keeps_the_user_signed_out(  # type: ignore[no-untyped-def]
    qtbot, local_clinic: Clinic, runner
) -> None:
    local_clinic.inst.users.reset_password(local_clinic.admin, "coder", TEMPORARY)
    dialog = LoginDialog(paths=local_clinic.paths, installation=local_clinic.inst, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, "coder", TEMPORARY)
    qtbot.waitUntil(lambda: dialog.change_dialog is not None, timeout=10_000)
    assert dialog.change_dialog is not None
    dialog.change_dialog.reject()
    qtbot.waitUntil(lambda: "choose your own password" in dialog.message.text(), timeout=10_000)
    assert dialog.session is None and dialog.isVisible()
    qtbot.waitUntil(
        lambda: (
            local_clinic.inst.audit.events(local_clinic.admin, AuditFilter(username="coder"))[
                -1
            ].entry_point
            == "AuthService.logout"
        ),
        timeout=10_000,
    )


def test_unlock_after_a_reset_asks_for_a_password(qtbot, make_window: W, populated: Clinic) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.NURSE)
    w.lock(idle=False)
    populated.inst.users.reset_password(populated.admin, "nurse", TEMPORARY)
    w.lock_screen.password_edit.setText(TEMPORARY)
    qtbot.mouseClick(w.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.lock_screen.change_dialog is not None, timeout=10_000)
    assert w.locked  # patient data stays hidden until a password is chosen
    change = w.lock_screen.change_dialog
    assert change is not None
    change.current.setText(TEMPORARY)
    change.new.setText(OWN)
    change.confirm.setText(OWN)
    qtbot.mouseClick(change.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.locked, timeout=10_000)
    assert w.session is not None and not w.session.must_change_password
