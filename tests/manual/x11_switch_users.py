"""Switch users in a real X session with work in flight at every sign-out (issue 7, point 16).

Not part of the test suite (the suite runs offscreen); run by hand under a real display:

    medrec --data-dir /tmp/uix/demo demo --patients 300 --seed 7      # prints the password
    MEDREC_PASSPHRASE=... MEDREC_CODES_DIR=/tmp/uix/codes \\
      xvfb-run -a .venv/bin/python tests/manual/x11_switch_users.py /tmp/uix/demo PASSWORD 30

It starts the application through ``app.start`` (the same sign-in dialog and main window as
``medrec-desktop``) and drives it like a user with QTest: sign in as the coder, the records
specialist and the nurse in turn; start a code search, a code-set import or a patient search;
sign out at once, while that work is still on its worker thread. The process exit code is the
verdict (the crash this guards against ended in SIGSEGV, exit 139).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from medrec_desktop import app as app_module
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.login_dialog import LoginDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

USERS = ("carl", "rita", "nina")  # coder, records specialist, nurse


def main() -> int:
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1, all_threads=True)
    data_dir, password, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    qt = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qt, QApplication)
    print("platform:", qt.platformName(), flush=True)
    hcpcs = data_dir.parent / "HCPC2024_JAN_ANWEB.txt"
    hcpcs.write_text(sample_file())
    runner, code_sets = OpRunner(), CodeSets()
    state = {"round": 0, "signed_in": -1, "acting": False}
    window: list[MainWindow] = []

    def answer_login() -> None:
        modal = qt.activeModalWidget()
        if isinstance(modal, LoginDialog) and not modal.message.text().startswith("Signing"):
            user = USERS[state["round"] % len(USERS)]
            modal.user_edit.clear()
            QTest.keyClicks(modal.user_edit, user)
            QTest.keyClicks(modal.password_edit, password)
            modal.sign_in_button.click()

    def poll() -> None:
        modal = qt.activeModalWidget()
        if not window or state["acting"] or modal is not None:
            return
        w = window[0]
        if w.session is None or not w.isVisible():
            return
        if state["round"] >= rounds:
            print(f"done: {rounds} sign-outs with work in flight", flush=True)
            timer.stop()
            w.close()
            return
        state["acting"] = True
        try:
            act(w)
        finally:
            state["acting"] = False

    def act(w: MainWindow) -> None:
        user = w.session.username if w.session else "?"
        if user in ("carl", "rita"):
            w.show_area("Coding")
            panel = w.coding_panel
            if not isinstance(panel, CodingPanel) or not panel.ready:
                return  # the code sets are still opening: come back on the next poll
            if user == "carl":
                QTest.keyClicks(panel.search_edit, "diab hyperg")
                panel.search_now()
                what = "code search"
            else:
                panel.import_file(hcpcs)
                what = "code-set import"
        else:
            w.find_patient()
            QTest.keyClicks(w.search_page.search_box, "mar")
            w.search_page.refresh()
            what = "patient search"
        print(
            f"round {state['round'] + 1}: {user} signs out during a {what} "
            f"({runner.in_flight} op(s) in flight)",
            flush=True,
        )
        state["round"] += 1
        w.sign_out()  # the app shows the sign-in dialog again (a nested event loop)

    # Two timers: sign-out opens the sign-in dialog in a nested event loop from inside poll(),
    # and Qt does not fire a timer again while its own slot is still running.
    timer = QTimer()
    timer.setInterval(30)
    timer.timeout.connect(poll)
    timer.start()
    login_timer = QTimer()
    login_timer.setInterval(30)
    login_timer.timeout.connect(answer_login)
    login_timer.start()
    try:
        started = app_module.start(DataPaths(data_dir), runner=runner, code_sets=code_sets)
        if started is None:
            return 2
        window.append(started)
        if state["round"] < rounds:
            qt.exec()
        print(f"dropped answers: {runner.dropped}, delivered: {runner.delivered}", flush=True)
        return 0 if state["round"] >= rounds else 1
    finally:
        runner.shutdown()
        if window:
            window[0].inst.close()
        code_sets.close()


if __name__ == "__main__":
    sys.exit(main())
