"""Logging to rotating files in the data folder's logs/ directory. Never log PHI."""

from __future__ import annotations

import logging
import logging.handlers

from medrec_desktop.paths import DataPaths, make_private_dir


def configure(paths: DataPaths, *, level: int = logging.INFO) -> None:
    """Send log records to ``logs/medrec.log`` (5 x 1 MB); nothing goes to the console."""
    root = logging.getLogger()
    if any(getattr(h, "_medrec", False) for h in root.handlers):
        return
    try:
        make_private_dir(paths.logs)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.logs / "medrec.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()  # a read-only data folder must not stop the program
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._medrec = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # SQLAlchemy echoes statements at INFO: keep it quiet whatever the level.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
