"""Cold start to the login window: a fresh process until the window is on screen.

Baseline (same run): a fresh process showing a bare Qt window. The difference is what
medrec's own imports and start-up cost. Target: < 1.5 s on these machines.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import write_result  # type: ignore[import-not-found]

RUNS = 7

APP = """
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from medrec_desktop import app as medrec_app  # the whole import chain of `make run`
from medrec_desktop.paths import resolve_data_dir
from medrec_desktop.ui.login_dialog import LoginDialog
qt = QApplication([])
dialog = LoginDialog(paths=resolve_data_dir(sys.argv[1]))
dialog.show()
QTimer.singleShot(0, lambda: (print("SHOWN", flush=True), qt.quit()))
qt.exec()
"""

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
qt = QApplication([])
w = QWidget(); w.show()
QTimer.singleShot(0, lambda: (print("SHOWN", flush=True), qt.quit()))
qt.exec()
"""


def time_process(code: str, *args: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )
    elapsed = time.perf_counter() - start
    if "SHOWN" not in proc.stdout:
        raise RuntimeError(proc.stderr[-2000:])
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "clinic"
        env = dict(
            os.environ,
            MEDREC_PASSWORD="bench password 2026",
            MEDREC_PASSPHRASE="bench workstation passphrase",
        )
        subprocess.run(
            [sys.executable, "-m", "medrec_desktop.cli", "--data-dir", str(data), "init"],
            check=True,
            env=env,
            capture_output=True,
        )
        time_process(APP, str(data))  # warm the OS file cache once, like a second start
        app = [time_process(APP, str(data)) for _ in range(RUNS)]
        bare = [time_process(BARE) for _ in range(RUNS)]
    value, baseline = statistics.median(app), statistics.median(bare)
    print(
        f"cold start to login window: median {value * 1000:.0f} ms "
        f"(bare Qt window: {baseline * 1000:.0f} ms; target < 1500 ms)"
    )
    write_result(
        "cold_start",
        figure="cold start to the login window (median of 7 processes)",
        unit="ms",
        value=round(value * 1000, 1),
        baseline="bare Qt window in a fresh process",
        baseline_value=round(baseline * 1000, 1),
        target="< 1500 ms",
    )


if __name__ == "__main__":
    main()
