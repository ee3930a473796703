"""Screenshots of joining a workstation (issue 15): the set-up wizard's join page, and, when a
PostgreSQL server is at hand, Administration › Server with a few workstations and the code of
a new one (docs/screenshots/wizard-join.png, admin-server.png, admin-server-code.png).

    python -m medrec_desktop.ui.join_screenshots docs/screenshots

The server pictures need an administrator's address of a PostgreSQL server in
MEDREC_SCREENSHOT_PG_URL (or MEDREC_TEST_PG_URL, as on the development machines and in CI):
a throwaway demo database and its accounts are made there and removed afterwards
(services/demo_server.py). Without one they are skipped, with a line saying so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget, QWizard  # noqa: E402

from medrec_desktop.paths import DataPaths  # noqa: E402
from medrec_desktop.security import enrollment  # noqa: E402
from medrec_desktop.services.installation import Installation, NewAdmin  # noqa: E402
from medrec_desktop.ui.tasks import OpRunner  # noqa: E402
from medrec_desktop.ui.wizard import SetupWizard  # noqa: E402

SIZE = (1366, 768)
PASSWORD = "demo password 2026"
PASSPHRASE = "demo workstation passphrase"
# A made-up code (its check character is right; no server knows it).
SAMPLE_CODE = enrollment.Code("K7QM", "3XHPW9RT2NDV6JC").text()


def _settle(app: QApplication, runner: OpRunner, until: Callable[[], bool] | None = None) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        runner.wait_for_done(50)
        app.processEvents()
        if (until is None and runner.in_flight == 0) or (until is not None and until()):
            app.processEvents()
            return
    raise RuntimeError("the screen did not reach the expected state in time")


def _grab(widget: QWidget, out: Path, name: str, app: QApplication, runner: OpRunner) -> Path:
    _settle(app, runner)
    path = out / name
    widget.grab().save(str(path))
    return path


def render_join_wizard(out: Path, app: QApplication, runner: OpRunner, work: Path) -> Path:
    """The wizard's join page, filled in as someone at a new front-desk computer would."""
    wizard = SetupWizard(paths=DataPaths(work / "join"), runner=runner, detect_keyring=False)
    wizard.resize(760, 540)
    wizard.show()
    wizard.clinic_page.join.setChecked(True)
    wizard.button(QWizard.WizardButton.NextButton).click()
    page = wizard.join_page
    page.server_url.setText("postgresql://db.mapleclinic.lan/medrec")
    page.ca_cert.setText("/home/frontdesk2/Downloads/maple-clinic-ca.pem")
    page.code.setText(SAMPLE_CODE)
    page.folder.setText("/home/frontdesk2/.local/share/medrec-desktop")
    page.code.setFocus()
    path = _grab(wizard, out, "wizard-join.png", app, runner)
    wizard.close()
    return path


def render_server_page(
    out: Path, app: QApplication, runner: OpRunner, work: Path, admin_url: str
) -> list[Path]:
    """Administration › Server of a demo clinic on a throwaway database: the founding
    computer (Reception), two joined, one removed, a code waiting; then a new code shown."""
    from medrec_desktop.services.coding import CodeSets
    from medrec_desktop.services.demo_server import demo_server
    from medrec_desktop.services.workstation_join import JoinRequest, join
    from medrec_desktop.ui.admin.server_page import ServerPage
    from medrec_desktop.ui.admin.workstation_dialogs import AddWorkstationDialog
    from medrec_desktop.ui.services_holder import ServicesHolder

    shots: list[Path] = []
    with demo_server(admin_url) as server:
        inst, _ = Installation.create(
            DataPaths(work / "reception"),
            admin=NewAdmin("admin", "Dana Admin", PASSWORD),
            passphrase=PASSPHRASE,
            server_url=server.app_url,
            owner_url=server.owner_url,
            clinic={"clinic_name": "Maple Street Family Clinic"},
            workstation_name="Reception",
        )
        joined: list[Installation] = []
        try:
            admin = inst.auth.login("admin", PASSWORD)
            for name in ("Front desk 2", "Nurses' station", "Exam room laptop"):
                code = inst.workstations.issue_code(admin, name).code
                request = JoinRequest(server.enroll_address, code, passphrase=PASSPHRASE)
                joined.append(join(DataPaths(work / name.replace(" ", "-")), request))
            laptop = next(
                w for w in inst.workstations.list_workstations(admin) if w.name.startswith("Exam")
            )
            inst.workstations.revoke(
                admin,
                laptop.id,
                "Stolen from a car on 11/28 (police report 26-4411)",
                expected_version=laptop.version,
            )
            inst.workstations.issue_code(admin, "Lab")  # waiting to be used
            services = ServicesHolder(inst=inst, code_sets=CodeSets())
            page = ServerPage(services=services, runner=runner, session=lambda: admin)
            page.resize(*SIZE)
            page.show()
            page.refresh()
            _settle(app, runner, lambda: page.pending == 0 and page.model.rowCount() == 4)
            front = next(w for w in page.model.rows() if w.name == "Front desk 2")
            page.select(front.id)
            page.table.setFocus()
            shots.append(_grab(page, out, "admin-server.png", app, runner))
            page.add_workstation()
            dialog = page.dialog
            assert isinstance(dialog, AddWorkstationDialog)
            dialog.name.setText("Billing office")
            dialog.show_button.click()
            _settle(app, runner, lambda: dialog.issued is not None)
            shots.append(_grab(dialog, out, "admin-server-code.png", app, runner))
            dialog.accept()
            _settle(app, runner, lambda: page.pending == 0)
            page.close()
        finally:
            for other in joined:
                other.close()
            inst.close()
    return shots


def render_join_screenshots(
    out: Path, app: QApplication, runner: OpRunner, work: Path
) -> list[Path]:
    shots = [render_join_wizard(out, app, runner, work)]
    admin_url = os.environ.get("MEDREC_SCREENSHOT_PG_URL") or os.environ.get("MEDREC_TEST_PG_URL")
    if not admin_url:
        print(
            "screenshots: admin-server*.png skipped (set MEDREC_SCREENSHOT_PG_URL to a "
            "PostgreSQL administrator's address to render them)",
            file=sys.stderr,
        )
        return shots
    return shots + render_server_page(out, app, runner, work, admin_url)


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    runner = OpRunner()
    try:
        with tempfile.TemporaryDirectory(prefix="medrec-join-shots-") as tmp:
            for path in render_join_screenshots(out, app, runner, Path(tmp)):
                print(path)
    finally:
        runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
