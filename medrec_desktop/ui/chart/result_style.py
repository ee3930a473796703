"""How a result's flag looks: its symbol always, and a colour (never colour alone, DESIGN §9).
Abnormal values take the warning colour; critical ones the error colour, bold, on a tinted
background, so they stand out in a grid of hundreds of values."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from medrec_desktop.domain.results import Flag, ResultData
from medrec_desktop.ui.widgets.status import Severity, severity_color


def _dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def flag_foreground(flag: Flag, palette: QPalette) -> QColor | None:
    if flag.critical:
        return QColor(severity_color(Severity.ERROR, palette) or "")
    if flag.abnormal:
        return QColor(severity_color(Severity.WARNING, palette) or "")
    return None


def flag_background(flag: Flag, palette: QPalette) -> QColor | None:
    if not flag.critical:
        return None
    return QColor("#5c1d1d" if _dark(palette) else "#fde4e2")


def flag_style(flag: Flag, palette: QPalette) -> str:
    """A style sheet for a label showing ``flag``."""
    color = flag_foreground(flag, palette)
    if color is None:
        return ""
    background = flag_background(flag, palette)
    parts = [f"color: {color.name()};", "font-weight: 700;"]
    if background is not None:
        parts.append(f"background: {background.name()}; border-radius: 3px; padding: 0 3px;")
    return " ".join(parts)


def cell_text(result: ResultData, row_unit: str | None = None) -> str:
    """ "5.8 H ↑"; the unit too when it differs from the row's ("5000 /µL")."""
    text = result.value_text
    if result.unit and row_unit is not None and result.unit != row_unit:
        text += f" {result.unit}"
    mark = result.flag.mark
    return f"{text} {mark}" if mark else text


def range_line(result: ResultData) -> str:
    """ "Reference 3.5–5.1 mmol/L; critical below 2.8 or above 6.2" (blank without)."""
    shown = result.range_text
    if not shown:
        return ""
    numeric = result.low is not None or result.high is not None
    unit = f" {result.unit}" if result.unit and numeric else ""
    line = f"Reference {shown}{unit}"
    if result.critical_text:
        line += f"; {result.critical_text}"
    return line
