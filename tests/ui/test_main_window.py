"""The desktop window: sign in through the real services on the worker thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic


@pytest.fixture
def window(qtbot, local_clinic: Clinic):  # type: ignore[no-untyped-def]
    local_clinic.inst.close()
    w = MainWindow(paths=local_clinic.paths)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def test_sign_in_with_keyboard_and_sign_out(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(window.user_edit, "admin")
    qtbot.keyClicks(window.password_edit, ADMIN_PASSWORD)
    qtbot.keyClicks(window.passphrase_edit, PASSPHRASE)
    window.password_edit.setFocus()
    qtbot.keyClick(window.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1, timeout=10_000)
    assert "Ada Admin" in window.home.text()
    assert "Administrator" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentIndex() == 0
    assert "Ada Admin" not in window.home.text()


def test_wrong_password_is_explained_and_the_user_name_kept(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(window.user_edit, "admin")
    qtbot.keyClicks(window.password_edit, "wrong password")
    qtbot.keyClicks(window.passphrase_edit, PASSPHRASE)
    window.login_button.click()
    qtbot.waitUntil(lambda: "Sign-in failed" in window.message.text(), timeout=10_000)
    assert window.user_edit.text() == "admin"
    assert window.pages.currentIndex() == 0
