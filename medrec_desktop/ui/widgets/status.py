"""A one-line message beside a form or table: calm for information, clear for problems.

The kind of message is carried by a symbol and words as well as colour (never colour alone).
"""

from __future__ import annotations

import logging
import traceback
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from medrec_desktop.domain.errors import KnownError

log = logging.getLogger(__name__)


class Severity(Enum):
    INFO = "info"
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


SYMBOLS = {
    Severity.INFO: "ℹ",
    Severity.OK: "✓",
    Severity.WARNING: "⚠",
    Severity.ERROR: "✖",
}


def severity_color(severity: Severity, palette: QPalette) -> str | None:
    """A colour readable on the current (light or dark) window background, or None for the
    palette's own text colour."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    if severity is Severity.ERROR:
        return "#ff8a80" if dark else "#b3261e"
    if severity is Severity.WARNING:
        return "#ffcc80" if dark else "#8a5300"
    if severity is Severity.OK:
        return "#a5d6a7" if dark else "#1b5e20"
    return None


def error_text(err: BaseException) -> str:
    """What the user reads for an error: a KnownError's own words; for anything else (a bug)
    a neutral sentence, with the traceback logged without the message (it may hold PHI)."""
    if isinstance(err, KnownError):
        return err.message
    frames = "".join(traceback.format_tb(err.__traceback__))
    log.error("Unexpected %s\n%s", type(err).__name__, frames)
    return (
        f"Something went wrong ({type(err).__name__}). The problem was logged without any "
        "patient data; please tell your administrator."
    )


class StatusLabel(QLabel):
    """Shows one message with its symbol; empty (and taking no height) when cleared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        # Take the whole width of a form's field column instead of a narrow wrapped block.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Status message")
        self.severity: Severity | None = None
        self.message = ""
        self.hide()

    def show_message(self, severity: Severity, message: str) -> None:
        self.severity = severity
        self.message = message
        self.setText(f"{SYMBOLS[severity]}  {message}")
        color = severity_color(severity, self.palette())
        weight = "font-weight: 600;" if severity is Severity.ERROR else ""
        self.setStyleSheet(f"color: {color}; {weight}" if color else weight)
        self.setAccessibleDescription(f"{severity.value}: {message}")
        self.show()

    def info(self, message: str) -> None:
        self.show_message(Severity.INFO, message)

    def ok(self, message: str) -> None:
        self.show_message(Severity.OK, message)

    def warning(self, message: str) -> None:
        self.show_message(Severity.WARNING, message)

    def error(self, message: str) -> None:
        self.show_message(Severity.ERROR, message)

    def show_error(self, err: BaseException) -> None:
        self.error(error_text(err))

    def clear_message(self) -> None:
        self.severity = None
        self.message = ""
        self.clear()
        self.hide()
