"""One services holder for every screen, and change notifications between open views.

After a restore every screen, including a chart opened afterwards, works on the restored
database; saving a patient in one view refreshes every other view of that patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.admin.backup_page import BackupPage
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, ROLE_PASSWORD, Clinic

WAIT = 15_000
W = Callable[..., MainWindow]


def open_chart(qtbot: QtBot, w: MainWindow, search: str) -> None:
    w.find_patient()
    w.search_page.search_box.setText(search)
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=WAIT)
    w.open_patient(w.search_page.model.patient(0))
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)


def save_chart(qtbot: QtBot, w: MainWindow, field: str, value: str) -> None:
    w.chart.form.set_text(field, value)
    w.chart.form.save()
    qtbot.waitUntil(lambda: "Saved" in w.chart.form.message.text(), timeout=WAIT)


def test_after_a_restore_a_newly_opened_chart_saves_to_the_restored_database(
    qtbot: QtBot, make_window: W, populated: Clinic, tmp_path: Path
) -> None:
    admin_window = make_window(Role.ADMIN)
    old = populated.inst
    backup = old.backup(populated.admin, tmp_path / "before.medrec-backup")
    desk = populated.sessions[Role.FRONT_DESK]
    old.patients.register(desk, PatientInput("Laterday", "Lee", dt.date(1999, 1, 1), "female"))

    # The administrator restores the backup from the Administration area, as in the app.
    tabs: Any = admin_window.areas["Administration"]
    pages = [tabs.widget(i) for i in range(tabs.count())]
    page = next(p for p in pages if isinstance(p, BackupPage))
    page._ask_restore_path = lambda: backup
    page.restore()
    dialog = page.restore_dialog
    assert dialog is not None and dialog.passphrase is not None
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(admin_window.signed_out, timeout=WAIT):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    restored = admin_window.services.inst
    populated.inst = restored  # the fixture closes whichever installation is current
    assert restored is not old

    # A records specialist signs in on the same window and opens a chart not open before.
    records = restored.auth.login("recordsspeci", ROLE_PASSWORD)
    admin_window.start_session(records)
    w = admin_window
    w.find_patient()
    w.search_page.search_box.setText("laterday")
    qtbot.waitUntil(lambda: "No patient matches" in w.search_page.status.text(), timeout=WAIT)
    open_chart(qtbot, w, "okafor")
    save_chart(qtbot, w, "phone", "503-555-0199")

    # The change is in the restored database, read back through a separate connection.
    check = Installation.open(populated.paths, Unlock(passphrase=PASSPHRASE))
    try:
        nurse = check.auth.login("nurse", ROLE_PASSWORD)
        found = check.patients.search(nurse, "okafor")
        assert [p.phone for p in found] == ["(503) 555-0199"]  # phones have one stored form
        assert check.patients.search(nurse, "laterday") == []
    finally:
        check.close()


def test_saving_in_one_view_refreshes_the_others_banner(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    # Two windows on one holder: two open views of the same patient.
    editing = make_window(Role.RECORDS)
    watching = make_window(Role.NURSE)
    assert editing.services is watching.services
    open_chart(qtbot, editing, "okafor")
    open_chart(qtbot, watching, "okafor")
    assert "Okafor" in watching.banner.name.text()
    heard: list[tuple[int, frozenset[ChangeKind]]] = []
    watching.services.changed.connect(lambda pid, kinds: heard.append((pid, kinds)))

    save_chart(qtbot, editing, "family_name", "Okafor-Obi")

    qtbot.waitUntil(lambda: "Okafor-Obi" in watching.banner.name.text(), timeout=WAIT)
    assert watching.chart.form.text("family_name") == "Okafor-Obi"
    assert heard == [(editing.chart.patient.id, frozenset({ChangeKind.DEMOGRAPHICS}))]  # type: ignore[union-attr]


def test_search_results_showing_the_patient_refresh(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    editing = make_window(Role.RECORDS)
    searching = make_window(Role.FRONT_DESK)
    open_chart(qtbot, editing, "okafor")
    searching.search_page.search_box.setText("okafor")
    qtbot.waitUntil(lambda: searching.search_page.model.rowCount() == 1, timeout=WAIT)
    save_chart(qtbot, editing, "given_names", "Chidinma")
    qtbot.waitUntil(
        lambda: searching.search_page.model.patient(0).given_names == "Chidinma", timeout=WAIT
    )
