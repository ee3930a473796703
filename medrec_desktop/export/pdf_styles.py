"""The look of a printed record (issue 14): paragraph styles, colours, and one way to make a
paragraph from plain text (escaped, every script in a font that has it, shaped when it must
be). Kept apart from the page layout in ``record_pdf.py``."""

from __future__ import annotations

import functools

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from medrec_desktop.export import fonts

INK = HexColor("#101828")
MUTED = HexColor("#475467")
RULE = HexColor("#98a2b3")
LIGHT_RULE = HexColor("#d0d5dd")
HEADER_FILL = HexColor("#eaecf0")
FLAG_FILL = HexColor("#fdecc8")  # flagged rows: a pale amber behind bold text and a symbol
ACCENT = HexColor("#1d3a5f")


def _style(
    name: str, size: float, *, bold: bool = False, color: Color = INK, **more: object
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=fonts.SANS_BOLD if bold else fonts.SANS,
        fontSize=size,
        leading=round(size * 1.28, 1),
        textColor=color,
        **more,
    )


BODY = _style("body", 9.5, spaceAfter=3)
MUTED_BODY = _style("muted", 8.5, color=MUTED, spaceAfter=3)
CELL = _style("cell", 8.5)
CELL_BOLD = _style("cell-bold", 8.5, bold=True)
HEAD_CELL = _style("head-cell", 8, bold=True, color=ACCENT)
LABEL = _style("label", 8, bold=True, color=MUTED)
TITLE = _style("title", 17, bold=True, color=ACCENT, spaceAfter=4)
SUBTITLE = _style("subtitle", 9, color=MUTED, spaceAfter=1)
H1 = _style("h1", 12.5, bold=True, color=ACCENT, spaceBefore=12, spaceAfter=2, keepWithNext=1)
H2 = _style("h2", 10.5, bold=True, color=INK, spaceBefore=8, spaceAfter=3, keepWithNext=1)
NOTE_TITLE = _style("note-title", 10.5, bold=True, spaceBefore=3, keepWithNext=1)
NOTE_BYLINE = _style("note-byline", 8.5, color=MUTED, spaceAfter=3, keepWithNext=1)
PART_TITLE = _style("part-title", 8.5, bold=True, color=ACCENT, spaceBefore=3, keepWithNext=1)
PART_TEXT = _style("part-text", 9.5, leftIndent=10, spaceAfter=2)
LETTERHEAD = _style("letterhead", 12.5, bold=True, color=ACCENT)
LETTERHEAD_LINE = _style("letterhead-line", 8, color=MUTED)
PAGE_TITLE = _style("page-title", 8.5, bold=True, color=MUTED, alignment=2)
PATIENT = _style("patient", 9.5)
FOOTER = _style("footer", 7, color=MUTED)


@functools.cache
def _variant(style: ParagraphStyle, shaped: bool, cjk: bool) -> ParagraphStyle:
    """``style`` shaped by HarfBuzz (Arabic, Hebrew) and/or wrapped between any two
    characters (CJK names have no spaces); plain text keeps the fast path."""
    varied = ParagraphStyle(f"{style.name}-{int(shaped)}{int(cjk)}", parent=style)
    if shaped:
        varied.shaping = 1
    if cjk:
        varied.wordWrap = "CJK"
    return varied


def para(text: str, style: ParagraphStyle, *, prefix: str = "", suffix: str = "") -> Paragraph:
    """A paragraph of plain ``text`` (never markup: names may hold ``<`` or ``&``);
    ``prefix`` and ``suffix`` are trusted markup around it (a bold label, more fields made
    with :func:`bold` and :func:`plain`)."""
    shaped = fonts.needs_shaping(text)
    cjk = fonts.has_cjk(text)
    chosen = _variant(style, shaped, cjk) if shaped or cjk else style
    return Paragraph(prefix + fonts.markup(text) + suffix, chosen)


def plain(text: str) -> str:
    """Markup for plain ``text`` (for ``prefix``/``suffix``)."""
    return fonts.markup(text)


def bold(text: str) -> str:
    """Markup for ``text`` in bold (for ``prefix``)."""
    return f"<b>{fonts.markup(text)}</b>"
