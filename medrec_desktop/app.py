"""Composition root: paths -> logging -> Qt application -> set-up or sign-in -> main window.

The worker pools (``OpRunner``), the workstation's code sets and the services holder are made
here, once, and handed down; nothing below keeps module-level state.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QDialog

from medrec_desktop import logs
from medrec_desktop.paths import DataPaths, resolve_data_dir
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui import crash
from medrec_desktop.ui.login_dialog import LoginDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.wizard import SetupWizard


def data_dir_argument(args: Sequence[str]) -> str | None:
    if "--data-dir" in args:
        idx = list(args).index("--data-dir")
        return args[idx + 1] if idx + 1 < len(args) else None
    return None


def start(paths: DataPaths, *, runner: OpRunner, code_sets: CodeSets) -> MainWindow | None:
    """Set up (first run) or sign in, then show the main window; None if the user cancels."""
    if not Installation.exists(paths):
        wizard = SetupWizard(paths=paths, runner=runner, code_sets=code_sets)
        if wizard.exec() != QDialog.DialogCode.Accepted or wizard.installation is None:
            if wizard.installation is not None:
                wizard.installation.close()
            return None
        inst, session, unlock = wizard.installation, wizard.session, wizard.unlock
        paths = wizard.installation.paths
        if session is None:
            # Joined the clinic's server (issue 15): people sign in with their own accounts.
            login = LoginDialog(paths=paths, runner=runner, installation=inst)
            if login.exec() != QDialog.DialogCode.Accepted or login.session is None:
                inst.close()
                return None
            session = login.session
    else:
        login = LoginDialog(paths=paths, runner=runner)
        if login.exec() != QDialog.DialogCode.Accepted or login.installation is None:
            return None
        inst, session, unlock = login.installation, login.session, login.unlock
    assert session is not None
    services = ServicesHolder(inst=inst, code_sets=code_sets)
    # On a clinic server, the other workstations' saves show here as they happen (issue 15).
    services.start_live_refresh()
    window = MainWindow(
        paths=paths, services=services, runner=runner, session=session, unlock=unlock
    )

    def signed_out() -> None:
        window.hide()
        # services.inst: after a restore the holder serves the restored database.
        again = LoginDialog(paths=paths, runner=runner, installation=services.inst)
        if again.exec() == QDialog.DialogCode.Accepted and again.session is not None:
            window.start_session(again.session)
            window.show()
        else:
            window.close()

    window.signed_out.connect(signed_out)
    window.show()
    window.offer_drafts()  # work a crash left unsaved (later sign-ins: start_session)
    return window


def run(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    os.umask(0o077)  # every file the app writes is owner-only
    paths = resolve_data_dir(data_dir_argument(args))
    if paths.root.is_dir():
        logs.configure(paths)
    app = QApplication.instance() or QApplication(args)
    app.setApplicationName("medrec-desktop")
    app.setOrganizationName("medrec-desktop")
    crash.install()
    runner = OpRunner()
    code_sets = CodeSets()
    try:
        window = start(paths, runner=runner, code_sets=code_sets)
        if window is None:
            return 0
        code = app.exec()
        runner.shutdown()
        window.services.stop_live_refresh()  # its connection closes before the store's
        window.inst.close()
        return code
    finally:
        runner.shutdown()  # nothing may run on a store or database being closed
        code_sets.close()
