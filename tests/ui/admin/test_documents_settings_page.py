"""Administration › Documents and scanner inbox: the scanner folder (typed or browsed, checked
on this computer before it is saved), the days after which a waiting scan is highlighted and
the size limit per file, saved with Ctrl+S, only what changed written (one audited change
each), and read back by the services and a new page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.admin.documents_settings_page import DocumentSettingsPage, folder_problem
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import Clinic
from tests.ui.admin.conftest import WAIT


def settings_changes(clinic: Clinic) -> list[str]:
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(action="update"))
    return [e.detail or "" for e in events if "changed" in (e.detail or "")]


def save_by_keyboard(qtbot: Any, page: DocumentSettingsPage) -> Any:
    page.activateWindow()
    page.folder.setFocus()
    with qtbot.waitSignal(page.saved, timeout=WAIT) as saved:
        qtbot.keyClick(page.folder, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    return saved.args[0]


def test_the_defaults_then_a_folder_days_and_limit_saved_and_read_back(
    qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path
) -> None:
    page: DocumentSettingsPage = make_page(DocumentSettingsPage)
    assert (page.folder.text(), page.highlight_days.value(), page.max_mb.value()) == ("", 3, 50)
    assert (page.highlight_days.minimum(), page.highlight_days.maximum()) == (1, 90)
    assert (page.max_mb.minimum(), page.max_mb.maximum()) == (1, 200)
    scans = tmp_path / "scans"
    scans.mkdir()
    qtbot.keyClicks(page.folder, str(scans))
    page.highlight_days.setValue(7)
    page.max_mb.setValue(20)
    assert page.has_unsaved_changes() and page.revert_button.isEnabled()
    saved = save_by_keyboard(qtbot, page)
    assert (saved.folder, saved.highlight_days, saved.max_file_mb) == (str(scans), 7, 20)
    assert page.status.severity is Severity.OK and not page.has_unsaved_changes()

    nurse = local_clinic.sessions[Role.NURSE]
    stored = local_clinic.inst.inbox.settings(nurse)
    assert (stored.folder, stored.highlight_days) == (str(scans), 7)
    assert local_clinic.inst.documents.max_file_mb(nurse) == 20
    again: DocumentSettingsPage = make_page(DocumentSettingsPage)
    assert (again.folder.text(), again.highlight_days.value(), again.max_mb.value()) == (
        str(scans),
        7,
        20,
    )

    # Only what changed is written: one audited change, the days.
    before = len(settings_changes(local_clinic))
    again.highlight_days.setValue(10)
    save_by_keyboard(qtbot, again)
    changes = settings_changes(local_clinic)
    assert len(changes) == before + 1 and "inbox_highlight_days" in changes[0] + changes[-1]

    # Blank: no folder, no pick-up.
    again.folder.clear()
    save_by_keyboard(qtbot, again)
    assert local_clinic.inst.inbox.settings(nurse).folder is None


def test_browse_fills_the_folder_from_the_chooser(
    qtbot: Any, make_page: Any, tmp_path: Path
) -> None:
    page: DocumentSettingsPage = make_page(DocumentSettingsPage)
    asked: list[str] = []

    def chooser(_parent: Any, start: str) -> str | None:
        asked.append(start)
        return str(tmp_path)

    page.choose_folder = chooser
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)  # keyboard focus needs it
    page.highlight_days.setFocus()
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: asked != [], timeout=WAIT)  # a mnemonic animates its click
    assert asked == [""]
    assert page.folder.text() == str(tmp_path) and page.has_unsaved_changes()
    assert page.folder.hasFocus()


def test_a_folder_not_on_this_computer_is_refused_in_plain_words_and_kept(
    qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path
) -> None:
    page: DocumentSettingsPage = make_page(DocumentSettingsPage)
    missing = tmp_path / "share-not-connected" / "scans"
    qtbot.keyClicks(page.folder, str(missing))
    page.max_mb.setValue(30)
    page.save()
    message = page.errors.label_for("inbox_folder")
    assert message is not None
    qtbot.waitUntil(lambda: message.severity is Severity.ERROR, timeout=WAIT)
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    assert message.message == (
        "That folder does not exist on this computer (is the share connected?)"
    )
    # Nothing written, everything typed kept.
    admin = local_clinic.admin
    assert local_clinic.inst.inbox.settings(admin).folder is None
    assert local_clinic.inst.documents.max_file_mb(admin) == 50
    assert page.folder.text() == str(missing) and page.max_mb.value() == 30
    assert page.save_button.isEnabled()


def test_what_the_folder_check_says() -> None:
    assert folder_problem("") is None and folder_problem("   ") is None
    relative = folder_problem("scans")
    assert relative is not None and relative.startswith("Give the scanner folder's full path")


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "scan.pdf"
    a_file.write_bytes(b"%PDF-1.4\n")
    assert folder_problem(str(a_file)) == (
        "That is a file, not a folder: choose the folder the scanner writes into."
    )
    assert folder_problem(str(tmp_path)) is None
