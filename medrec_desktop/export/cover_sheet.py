"""The printed cover sheet (issue 12): one page placed in front of paper before it is scanned.

People read the top half (whose pages these are, what kind of document), the scanner reads
the QR code, which carries only the sheet's opaque token. The code is large, with its full
quiet zone, and sits alone in the lower half so a skewed or noisy scan still reads.

Names are drawn in Bitstream Vera (shipped inside reportlab, so the packaged program has it):
it covers the accented letters of the clinic's patients' names beyond the standard PDF fonts'
Latin-1 (Ł, Đ, ő...). A letter it lacks is drawn as its base letter ("Nguyễn" as "Nguyen")
rather than as an empty box.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import reportlab
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

#: the QR code's printed side: 29 modules (version 3) plus 4 on each side of quiet zone, at
#: about 2 mm a module, which even a 150 dpi fax resolves
QR_SIDE = 3.0 * inch
# Error correction level Q (a quarter of the code may be lost: a staple, a pen mark, a fold).
_QR_LEVEL = "Q"
_QUIET_MODULES = 4

_INK = HexColor("#101828")
_MUTED = HexColor("#475467")
_RULE = HexColor("#98a2b3")
_PANEL = HexColor("#f2f4f7")


@dataclass(frozen=True)
class CoverSheetContent:
    """What a cover sheet shows. ``type_text`` is the document type as the clinic calls it
    ("Referral", or "Other: Disability form"); times are aware datetimes, shown in the
    workstation's local time; ``token`` is all the QR code holds."""

    clinic_name: str
    patient_name: str
    birth_date: dt.date
    mrn: str
    type_text: str
    encounter_date: dt.date | None
    printed_by: str
    printed_at: dt.datetime
    expires_at: dt.datetime
    token: str


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


@functools.cache
def _fonts() -> _Fonts:
    folder = Path(reportlab.__file__).parent / "fonts"
    regular, bold = folder / "Vera.ttf", folder / "VeraBd.ttf"
    if not (regular.is_file() and bold.is_file()):
        return _Fonts("Helvetica", "Helvetica-Bold")
    pdfmetrics.registerFont(TTFont("MedrecVera", str(regular)))
    pdfmetrics.registerFont(TTFont("MedrecVera-Bold", str(bold)))
    return _Fonts("MedrecVera", "MedrecVera-Bold")


def _drawable(text: str, font: str) -> str:
    """``text`` with each letter the font lacks replaced by its base letter (or "?")."""
    has = _glyph_test(font)
    out = []
    for ch in text:
        if has(ch):
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch)[:1]
        out.append(base if base and base != ch and has(base) else "?")
    return "".join(out)


def _glyph_test(font: str) -> Callable[[str], bool]:
    glyphs = getattr(pdfmetrics.getFont(font).face, "charToGlyph", None)
    if glyphs is None:  # a standard PDF font: Latin-1 (WinAnsi)
        return lambda ch: bool(ch.encode("cp1252", errors="ignore"))
    return lambda ch: ord(ch) in glyphs


def _fit(c: Canvas, text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` fits."""
    while size > smallest and c.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _wrap(c: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` on one line, or on two broken between words (the second cut if need be)."""
    if c.stringWidth(text, font, size) <= width:
        return [text]
    words = text.split()
    first = ""
    while words and c.stringWidth(f"{first} {words[0]}".strip(), font, size) <= width:
        first = f"{first} {words.pop(0)}".strip()
    if not first:  # one unbroken word longer than the line
        return [_clip(c, text, font, size, width)]
    return [first, _clip(c, " ".join(words), font, size, width)]


def _clip(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _date(day: dt.date) -> str:
    return f"{day:%m/%d/%Y}"


def _moment(at: dt.datetime) -> str:
    local = at.astimezone()
    return f"{local:%m/%d/%Y} {local:%I:%M %p}".replace(" 0", " ", 1)


def cover_sheet_pdf(sheet: CoverSheetContent) -> bytes:
    """The one-page cover sheet as PDF bytes, made in memory (nothing touches the disk)."""
    fonts = _fonts()
    out = io.BytesIO()
    width, height = LETTER
    c = Canvas(out, pagesize=LETTER, pageCompression=1)
    # The file's own properties name no patient: it may be printed through a spooler that
    # logs document titles.
    c.setTitle("Cover sheet")
    c.setAuthor("medrec-desktop")
    left, right = 0.75 * inch, width - 0.75 * inch
    span = right - left

    # Letterhead: the clinic, and until when the sheet files scans.
    y = height - 0.8 * inch
    c.setFillColor(_INK)
    clinic = _drawable(sheet.clinic_name.strip() or "Medical records", fonts.bold)
    c.setFont(fonts.bold, 13)
    c.drawString(left, y, _clip(c, clinic, fonts.bold, 13, span * 0.62))
    c.setFont(fonts.regular, 10)
    c.drawRightString(right, y, f"Use before {_date(sheet.expires_at.astimezone().date())}")
    y -= 0.16 * inch
    c.setStrokeColor(_RULE)
    c.setLineWidth(0.8)
    c.line(left, y, right, y)

    # The title people see from across the room.
    y -= 0.72 * inch
    c.setFillColor(_INK)
    c.setFont(fonts.bold, 40)
    c.drawString(left, y, "COVER SHEET")
    y -= 0.42 * inch
    c.setFont(fonts.regular, 18)
    c.drawString(left, y, "Place in front of the pages")

    # Whose pages, and what they are. A value too long for its line at a readable size
    # (a long name, a clinic's long type name) takes a second line.
    y -= 0.35 * inch
    label_x, value_x = left + 0.25 * inch, left + 1.75 * inch
    value_width = right - 0.25 * inch - value_x
    rows = [
        ("Patient", _drawable(sheet.patient_name, fonts.bold), 22.0),
        ("Date of birth", _date(sheet.birth_date), 15.0),
        ("MRN", sheet.mrn, 15.0),
        ("Document type", _drawable(sheet.type_text, fonts.bold), 15.0),
    ]
    if sheet.encounter_date is not None:
        rows.append(("Visit", _date(sheet.encounter_date), 15.0))
    laid = []
    for label, value, size in rows:
        fitted = _fit(c, value, fonts.bold, size, value_width, min(size, 15.0))
        lines = _wrap(c, value, fonts.bold, fitted, value_width)
        laid.append((label, lines, fitted))
    row_gap = 0.42 * inch
    extra = sum((len(lines) - 1) * size * 1.2 for _, lines, size in laid)
    panel_height = 0.25 * inch + row_gap * len(laid) + extra + 0.06 * inch
    c.setFillColor(_PANEL)
    c.setStrokeColor(_RULE)
    c.roundRect(left, y - panel_height, span, panel_height, 8, fill=1, stroke=1)
    ry = y - 0.25 * inch - 0.2 * inch
    for label, lines, size in laid:
        c.setFillColor(_MUTED)
        c.setFont(fonts.regular, 11)
        c.drawString(label_x, ry + 2, label)
        c.setFillColor(_INK)
        c.setFont(fonts.bold, size)
        for n, line in enumerate(lines):
            c.drawString(value_x, ry - n * size * 1.2, line)
        ry -= row_gap + (len(lines) - 1) * size * 1.2
    y -= panel_height

    # The barcode, alone in the lower half, centred, on white with its quiet zone.
    qr_top = y - 0.45 * inch
    qr_x = (width - QR_SIDE) / 2
    _draw_qr(c, sheet.token, qr_x, qr_top - QR_SIDE, QR_SIDE)
    y = qr_top - QR_SIDE - 0.3 * inch
    c.setFillColor(_INK)
    c.setFont(fonts.bold, 15)
    c.drawCentredString(width / 2, y, "Scan this sheet first; it is removed automatically.")
    y -= 0.26 * inch
    c.setFont(fonts.regular, 10.5)
    c.setFillColor(_MUTED)
    c.drawCentredString(
        width / 2,
        y,
        "The pages are filed to this patient's chart as the document type above.",
    )
    y -= 0.2 * inch
    c.drawCentredString(
        width / 2,
        y,
        f"Use before {_date(sheet.expires_at.astimezone().date())}; after that date the scan"
        " waits in the inbox to be filed by hand.",
    )
    y -= 0.2 * inch
    c.drawCentredString(
        width / 2, y, "The barcode holds a reference number only, no patient information."
    )

    # Footer: who printed it when, the sheet's number, and what to do with a spare.
    c.setStrokeColor(_RULE)
    c.line(left, 1.0 * inch, right, 1.0 * inch)
    c.setFont(fonts.regular, 8.5)
    c.setFillColor(_MUTED)
    printed = _drawable(f"Printed {_moment(sheet.printed_at)} by {sheet.printed_by}", fonts.regular)
    c.drawString(left, 0.82 * inch, _clip(c, printed, fonts.regular, 8.5, span * 0.55))
    c.drawRightString(right, 0.82 * inch, f"Sheet {sheet.token}")
    c.drawString(
        left,
        0.64 * inch,
        "CONFIDENTIAL: this sheet names a patient. Scan it with the pages, or shred it.",
    )
    c.showPage()
    c.save()
    return out.getvalue()


def _draw_qr(c: Canvas, token: str, x: float, y: float, side: float) -> None:
    """The token as a QR code of ``side`` points square, quiet zone included, at (x, y)."""
    widget = QrCodeWidget(token, barLevel=_QR_LEVEL, barBorder=_QUIET_MODULES)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    # The quiet zone must be white even where the printer or a panel would tint it.
    c.setFillColor(white)
    c.rect(x, y, side, side, stroke=0, fill=1)
    renderPDF.draw(drawing, c, x, y)
