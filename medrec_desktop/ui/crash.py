"""The crash handler: a dialog and a log entry that never contain patient data.

Only the exception's type and the code locations are kept; the exception's message (which
could quote data) is not.
"""

from __future__ import annotations

import logging
import sys
import traceback
import uuid
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from medrec_desktop.domain.errors import KnownError

log = logging.getLogger("medrec.crash")


def crash_report(exc_type: type[BaseException], tb: TracebackType | None) -> tuple[str, str]:
    """(report id, report text): the exception type and stack locations only."""
    report_id = uuid.uuid4().hex[:8]
    frames = traceback.extract_tb(tb)
    lines = [f"medrec-desktop crash report {report_id}", f"error type: {exc_type.__name__}"]
    lines += [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
    return report_id, "\n".join(lines)


def handle_exception(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if isinstance(exc, KnownError):  # a KnownError that slipped through: show it as such
        _show("medrec-desktop", exc.message, None)
        return
    report_id, text = crash_report(exc_type, tb)
    log.error("%s", text)
    _show(
        "medrec-desktop: internal error",
        "Something went wrong inside medrec-desktop (a bug). What you saved before is safe; "
        f"the last action may not have been saved. Please report code {report_id} to support.",
        text,
    )


def _show(title: str, message: str, details: str | None) -> None:
    if QApplication.instance() is None:
        return
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    if details:
        box.setDetailedText(details + "\n\n(This report contains no patient data.)")
    box.exec()


def install() -> None:
    sys.excepthook = handle_exception
