"""Backup with progress, database verification, restore that swaps the installation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.admin.backup_page import BackupPage
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic, make_clinic
from tests.ui.admin.conftest import WAIT
from tests.ui.conftest import holder


def _back_up(qtbot: Any, page: BackupPage, out: Path) -> None:
    page._ask_backup_path = lambda: out  # type: ignore[method-assign]
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)


def test_backup_writes_a_verified_file(qtbot: Any, make_page: Any, tmp_path: Path) -> None:
    page: BackupPage = make_page(BackupPage)
    out = tmp_path / "clinic.medrec-backup"
    _back_up(qtbot, page, out)
    assert out.is_file() and out.stat().st_size > 0
    assert page.last_progress == 100
    assert page.backup_status.severity is Severity.OK
    assert "written and verified" in page.backup_status.message
    assert page.progress_dialog is None and page.backup_button.isEnabled()

    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)  # never overwrites
    assert page.backup_status.severity is Severity.ERROR
    assert "already exists" in page.backup_status.message


def test_verify_database(qtbot: Any, make_page: Any) -> None:
    page: BackupPage = make_page(BackupPage)
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert page.verify_status.severity is Severity.OK
    assert "Database verified" in page.verify_status.message


def test_restore_swaps_the_installation(
    qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path
) -> None:
    page: BackupPage = make_page(BackupPage)
    out = tmp_path / "before.medrec-backup"
    _back_up(qtbot, page, out)
    admin = local_clinic.admin
    local_clinic.inst.users.add_user(admin, "later", "Added Later", admin.role, "a long phrase 123")

    page._ask_restore_path = lambda: out  # type: ignore[method-assign]
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    dialog = page.restore_dialog
    assert dialog is not None and dialog.passphrase is not None
    assert str(local_clinic.paths.database) in dialog.text.text()
    assert out.name in dialog.text.text()

    # a wrong password is explained in the dialog, which stays open
    qtbot.keyClicks(dialog.password, "not my password")
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.severity is Severity.ERROR, timeout=WAIT)
    assert dialog.isVisible() and page.inst is local_clinic.inst
    assert local_clinic.inst.users.list_users(admin)  # the old installation still works

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(page.restored, timeout=WAIT) as restored:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    new = restored.args[0]
    try:
        assert isinstance(new, Installation) and new is not local_clinic.inst
        assert page.inst is new and page.restore_dialog is None
        session = new.auth.login("admin", ADMIN_PASSWORD)
        names = {u.username for u in new.users.list_users(session)}
        assert "later" not in names and "coder" in names
        assert list(local_clinic.paths.backups.glob("pre-restore-*"))
    finally:
        qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
        new.close()


def test_backup_on_a_server_install(
    qtbot: Any, runner: Any, tmp_path: Path, clock: Any, pg_schema_url: str
) -> None:
    """The same Back up button on a clinic server: an encrypted pg_dump, checked, written."""
    c = make_clinic(tmp_path / "server", "postgresql", clock, pg_schema_url)
    try:
        page = BackupPage(services=holder(c.inst), runner=runner, session=lambda: c.admin)
        qtbot.addWidget(page)
        page.show()
        assert "pg_dump" in page.backup_explanation.text()
        assert page.backup_button.isEnabled() and not page.restore_button.isEnabled()
        assert "empty database" in page.restore_explanation.text()
        out = tmp_path / "server.medrec-backup"
        _back_up(qtbot, page, out)
        assert page.backup_status.severity is Severity.OK, page.backup_status.message
        assert "written and verified" in page.backup_status.message
        assert out.is_file() and page.last_progress == 100
        with qtbot.waitSignal(page.settled, timeout=WAIT):
            qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
        assert page.verify_status.severity is Severity.OK
        if page.pending:
            qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    finally:
        c.inst.close()
