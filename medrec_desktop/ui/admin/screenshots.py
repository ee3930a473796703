"""Screenshots of the admin pages (docs/screenshots/admin-*.png, bulk-export.png) and the
move to a clinic server's dialog (admin-server-move.png) from a demo clinic.

    python -m medrec_desktop.ui.admin.screenshots docs/screenshots

`render_admin_screenshots` is also called by `make screenshots` with its own demo clinic.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from medrec_desktop.domain.dto import UserSession  # noqa: E402
from medrec_desktop.domain.enums import Role  # noqa: E402
from medrec_desktop.domain.errors import KnownError  # noqa: E402
from medrec_desktop.domain.record_release import RecordSection  # noqa: E402
from medrec_desktop.paths import DataPaths  # noqa: E402
from medrec_desktop.services.coding import CodeSets  # noqa: E402
from medrec_desktop.services.installation import Installation, NewAdmin  # noqa: E402
from medrec_desktop.ui.admin.audit_page import AuditLogPage  # noqa: E402
from medrec_desktop.ui.admin.backup_page import BackupPage  # noqa: E402
from medrec_desktop.ui.admin.base import AdminPage  # noqa: E402
from medrec_desktop.ui.admin.bulk_export_page import BulkExportPage  # noqa: E402
from medrec_desktop.ui.admin.settings_page import SettingsPage  # noqa: E402
from medrec_desktop.ui.admin.users_page import UsersPage  # noqa: E402
from medrec_desktop.ui.services_holder import ServicesHolder  # noqa: E402
from medrec_desktop.ui.tasks import OpRunner  # noqa: E402

SIZE = (1366, 768)
FORMER = "t.nguyen"


def _settle(app: QApplication, page: AdminPage, until: Callable[[], bool] | None = None) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        page.runner.wait_for_done(50)
        app.processEvents()
        if page.pending == 0 and (until is None or until()):
            app.processEvents()
            return
    raise RuntimeError(f"{type(page).__name__} did not finish loading")


def _until(app: QApplication, page: AdminPage, done: Callable[[], bool]) -> None:
    """Let the page work (its op still running) until ``done()``."""
    end = time.monotonic() + 120
    while time.monotonic() < end:
        page.runner.wait_for_done(20)
        app.processEvents()
        if done():
            return
    raise RuntimeError(f"{type(page).__name__} did not get there")


def shoot_bulk_export(app: QApplication, page: BulkExportPage, out: Path, *, at: int = 37) -> Path:
    """The bulk export page mid-run ("Patient 37 of N", Cancel), then cancelled: the
    screenshot records no disclosure in the demo clinic and writes nothing that stays."""
    with tempfile.TemporaryDirectory(prefix="medrec-bulk-") as tmp:
        folder = Path(tmp) / f"fhir-export-{dt.date.today():%Y-%m-%d}"
        folder.mkdir()
        page.folder.setText(str(folder))
        page.recipient.setText("Cedar Health (the clinic's new records system)")
        page.requester.setText("Dr. Amara Patel, medical director")
        page.note.setText("Migration to the new records system")
        page.scope.set_sections(tuple(RecordSection))
        page.export()
        _until(app, page, lambda: page.progress.value() >= at)
        page.cancel_button.setFocus()
        app.processEvents()
        path = out / "bulk-export.png"
        page.grab().save(str(path))
        page.cancel()
        _until(app, page, lambda: not page.running and page.pending == 0)
    return path


def shoot_server_move(app: QApplication, page: BackupPage, out: Path) -> Path:
    """Backup and restore › Move to a clinic server…, its addresses typed as an IT person's
    setup prints them (nothing is started: the move needs a clinic server)."""
    page.move_to_server()
    dialog = page.move_dialog
    assert dialog is not None
    dialog.app_url.setText("postgresql://medrec_app@db.maple-clinic.lan/medrec")
    dialog.app_password.setText("app password from setup")
    dialog.ca_cert.setText("/media/usb/maple-clinic-ca.pem")
    dialog.owner_url.setText("postgresql://medrec_owner@db.maple-clinic.lan/medrec")
    dialog.owner_password.setText("owner password from setup")
    dialog.adjustSize()
    dialog.start_button.setFocus()
    app.processEvents()
    path = out / "admin-server-move.png"
    dialog.grab().save(str(path))
    dialog.reject()
    return path


def stage_examples(inst: Installation, admin: UserSession) -> None:
    """Things an administrator meets: a former employee's disabled account, a mistyped
    password or two. Only for a throwaway demo clinic."""
    names = {u.username for u in inst.users.list_users(admin)}
    if FORMER not in names:
        inst.users.add_user(admin, FORMER, "Tran Nguyen", Role.FRONT_DESK, "former staff 2026 x")
        inst.users.disable_user(admin, FORMER)
    for who in ("nina", "nina", "rita"):
        try:
            inst.auth.login(who, "mistyped password")
        except KnownError:
            pass


def render_admin_screenshots(
    out_dir: Path, inst: Installation, admin: UserSession, runner: OpRunner
) -> list[Path]:
    """Render each admin page at 1366x768 into ``out_dir``/admin-*.png; returns the files."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    services = ServicesHolder(inst=inst, code_sets=CodeSets())

    def shoot(page: AdminPage, name: str) -> None:
        _settle(app, page)
        path = out_dir / name
        page.grab().save(str(path))
        shots.append(path)
        page.close()
        page.deleteLater()

    def make(cls: type[AdminPage]) -> AdminPage:
        page = cls(services=services, runner=runner, session=lambda: admin)
        page.resize(*SIZE)
        page.show()
        page.refresh()
        _settle(app, page)
        return page

    users = make(UsersPage)
    assert isinstance(users, UsersPage)
    users.select(FORMER if users.model.find(FORMER) >= 0 else admin.username)
    shoot(users, "admin-users.png")

    audit = make(AuditLogPage)
    assert isinstance(audit, AuditLogPage)
    audit.table.setFocus()
    audit.verify_chain()
    _settle(app, audit)
    shoot(audit, "admin-audit.png")

    backup = make(BackupPage)
    assert isinstance(backup, BackupPage)
    backup.verify()
    shoot(backup, "admin-backup.png")

    moving = make(BackupPage)
    assert isinstance(moving, BackupPage)
    shots.append(shoot_server_move(app, moving, out_dir))
    moving.close()
    moving.deleteLater()

    shoot(make(SettingsPage), "admin-settings.png")

    bulk = make(BulkExportPage)
    assert isinstance(bulk, BulkExportPage)
    shots.append(shoot_bulk_export(app, bulk, out_dir))
    bulk.close()
    bulk.deleteLater()
    return shots


def main(argv: list[str]) -> int:
    from medrec_desktop.services.demo import create_demo_clinic

    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    app = QApplication.instance() or QApplication([])
    runner = OpRunner()
    password = "demo password 2026"
    with tempfile.TemporaryDirectory(prefix="medrec-admin-shots-") as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "demo"),
            admin=NewAdmin("admin", "Dana Admin", password),
            passphrase="demo workstation passphrase",
            clinic={
                "clinic_name": "Maple Street Family Clinic (DEMO)",
                "clinic_address": "1200 Maple Street, Portland, OR 97205",
                "clinic_phone": "(503) 555-0100",
            },
        )
        try:
            admin = inst.auth.login("admin", password)
            create_demo_clinic(
                inst.users,
                inst.demo,
                admin,
                inst.auth.login,
                patients=200,
                seed=7,
                password=password,
            )
            nurse = inst.auth.login("nina", password)
            for p in inst.patients.list_all(nurse, limit=30)[::6]:
                inst.patients.get(nurse, p.id)
            stage_examples(inst, admin)
            doctor = inst.auth.login("dr.patel", password)
            patient = inst.patients.list_all(doctor, limit=5)[2]
            inst.auth.break_glass(
                doctor, patient.id, "Unconscious in clinic, need allergies", password
            )
            inst.patients.get(doctor, patient.id)
            for path in render_admin_screenshots(out, inst, admin, runner):
                print(path)
        finally:
            runner.shutdown()
            inst.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
