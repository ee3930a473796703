"""The printable recovery sheet: the one paper that brings the data back on a new computer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas


def write_recovery_sheet(
    path: Path | BinaryIO,
    *,
    recovery_key: str,
    clinic_name: str,
    install_id: str,
    created: dt.datetime,
) -> None:
    """Write a one-page PDF holding the recovery key in large monospaced type.

    ``path`` may be an in-memory file, so the sheet can be printed without ever being saved.
    """
    width, height = LETTER
    c = Canvas(str(path) if isinstance(path, Path) else path, pagesize=LETTER)
    c.setTitle("medrec-desktop recovery sheet")
    c.setAuthor("medrec-desktop")
    left = 0.9 * inch
    y = height - 1.0 * inch
    c.setFont("Helvetica-Bold", 20)
    c.drawString(left, y, "medrec-desktop recovery sheet")
    y -= 0.35 * inch
    c.setFont("Helvetica", 11)
    c.drawString(left, y, f"Clinic: {clinic_name or '(not set)'}")
    y -= 0.22 * inch
    c.drawString(left, y, f"Installation: {install_id}")
    y -= 0.22 * inch
    c.drawString(left, y, f"Created: {created.astimezone():%Y-%m-%d %H:%M %Z}")
    y -= 0.55 * inch
    c.setFillColor(HexColor("#f2f4f7"))
    c.setStrokeColor(HexColor("#98a2b3"))
    c.roundRect(left - 8, y - 0.85 * inch, width - 2 * left + 16, 1.15 * inch, 8, fill=1)
    c.setFillColor(HexColor("#101828"))
    c.setFont("Helvetica-Bold", 11)
    c.drawString(left + 4, y, "RECOVERY KEY")
    groups = recovery_key.split("-")
    c.setFont("Courier-Bold", 21)
    c.drawString(left + 4, y - 0.35 * inch, "  ".join(groups[:5]))
    c.drawString(left + 4, y - 0.65 * inch, "  ".join(groups[5:]))
    y -= 1.25 * inch
    c.setFont("Helvetica", 11)
    lines = [
        "This key unlocks the clinic's encrypted records database when the key kept on this",
        "computer is lost: a new computer, a reinstalled system, a forgotten passphrase.",
        "",
        "Keep this sheet in a locked place away from the computer (e.g. the clinic safe).",
        "Anyone holding it together with a copy of the database can read every record.",
        "",
        "To use it: install medrec-desktop, copy the data folder or restore a backup, then run",
        "    medrec keys recover",
        "and type the key when asked (dashes and lower case are fine; the last group catches",
        "typing mistakes).",
        "",
        "medrec-desktop shows this key only once and does not store it anywhere.",
    ]
    for line in lines:
        c.drawString(left, y, line)
        y -= 0.2 * inch
    # Filled in by hand, so the clinic knows who stored the sheet and where.
    y -= 0.3 * inch
    c.setStrokeColor(HexColor("#667085"))
    for label in ("Stored by", "Date", "Location of this sheet"):
        c.drawString(left, y, f"{label}:")
        c.line(left + 1.9 * inch, y - 2, width - left, y - 2)
        y -= 0.4 * inch
    c.setFont("Helvetica-Oblique", 9)
    c.drawString(
        left, 0.7 * inch, "CONFIDENTIAL - security credential. Do not photograph, scan or email."
    )
    c.showPage()
    c.save()
