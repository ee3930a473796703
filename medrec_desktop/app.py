"""Composition root: paths -> logging -> Qt application -> main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from medrec_desktop import logs
from medrec_desktop.paths import resolve_data_dir
from medrec_desktop.ui.main_window import MainWindow


def run(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    data_dir = None
    if "--data-dir" in args:
        idx = args.index("--data-dir")
        data_dir = args[idx + 1] if idx + 1 < len(args) else None
    os.umask(0o077)  # every file the app writes is owner-only
    paths = resolve_data_dir(data_dir)
    if paths.root.is_dir():
        logs.configure(paths)
    app = QApplication.instance() or QApplication(args)
    app.setApplicationName("medrec-desktop")
    window = MainWindow(paths=paths)
    window.show()
    return app.exec()
