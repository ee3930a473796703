"""Clinic settings: load, save with Ctrl+S, validation, reload."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from medrec_desktop.ui.admin.settings_page import SettingsPage
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import Clinic
from tests.ui.admin.conftest import WAIT


def test_save_and_reload(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    page: SettingsPage = make_page(SettingsPage)
    assert page.idle.value() == 15
    page.clinic_name.clear()
    qtbot.keyClicks(page.clinic_name, "Harbor Clinic")
    qtbot.keyClicks(page.clinic_address, "1 Pier Road, Salem, OR 97301")
    qtbot.keyClicks(page.clinic_phone, "(503) 555-0199")
    page.idle.setValue(30)
    page.activateWindow()
    page.clinic_phone.setFocus()
    with qtbot.waitSignal(page.saved, timeout=WAIT) as saved:
        qtbot.keyClick(page.clinic_phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0]["idle_timeout_minutes"] == "30"
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    assert page.status.severity is Severity.OK

    stored = local_clinic.inst.setup.clinic_settings()
    assert stored["clinic_name"] == "Harbor Clinic"
    assert stored["clinic_phone"] == "(503) 555-0199"
    again: SettingsPage = make_page(SettingsPage)
    assert again.clinic_address.text() == "1 Pier Road, Salem, OR 97301"
    assert again.idle.value() == 30


def test_empty_clinic_name_is_explained_and_the_rest_kept(qtbot: Any, make_page: Any) -> None:
    page: SettingsPage = make_page(SettingsPage)
    page.clinic_name.clear()
    qtbot.keyClicks(page.clinic_phone, "555-0100")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    message = page.errors.label_for("clinic_name")
    assert message is not None and message.severity is Severity.ERROR
    assert "clinic's name" in message.message
    assert page.clinic_phone.text() == "555-0100"
    assert page.clinic_name.hasFocus() or page.focusWidget() is page.clinic_name
    assert page.idle.minimum() == 1 and page.idle.maximum() == 240


def test_unsigned_notes_are_listed_after_the_days_the_clinic_sets(
    qtbot: Any, make_page: Any, local_clinic: Clinic
) -> None:
    from medrec_desktop.domain.enums import Role

    page: SettingsPage = make_page(SettingsPage)
    assert page.unsigned_days.value() == 3  # the default
    page.clinic_name.setText("Harbor Clinic")
    page.unsigned_days.setValue(7)
    with qtbot.waitSignal(page.saved, timeout=WAIT) as saved:
        page.save()
    assert saved.args[0]["unsigned_note_days"] == "7"
    provider = local_clinic.sessions[Role.PROVIDER]
    assert local_clinic.inst.encounters.unsigned_note_days(provider) == 7
    again: SettingsPage = make_page(SettingsPage)
    assert again.unsigned_days.value() == 7
