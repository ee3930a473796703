"""Tables and label/value blocks of a printed record, drawn with reportlab (issue 14).

Most cells of a record are short ("11/20/2026", "E11.9", "mmol/L"): those are handed to
reportlab as plain strings, drawn directly in the cell's font, several times faster than a
paragraph (which parses markup and breaks lines); a cell that does not fit on one line, or
holds characters DejaVu cannot draw as they come (CJK, Arabic, Hebrew), is a paragraph.
Columns are widened to their longest short word first, so a date or a status never breaks
in the middle ("01/20/202" over "5").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable
from reportlab.platypus import Table as RLTable

from medrec_desktop.export import fonts
from medrec_desktop.export import pdf_styles as st
from medrec_desktop.export.pdf_doc import Fields, Table

PAD_X = 3.0
# A pair whose value is longer than this takes a whole row of a Fields block.
LONG_VALUE = 44
# Words longer than this may break (an address, a long drug name); shorter ones may not.
_UNBROKEN = 14
# No column is widened past this share of the table to keep a short word whole.
_MOST = 0.35

_CELL_STYLE = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
    ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
]


def _font(style: ParagraphStyle) -> tuple[Any, ...]:
    """A table FONT command's font, size and leading, and its TEXTCOLOR, for a style."""
    return (style.fontName, style.fontSize, style.leading)


def _style_cells(
    style: ParagraphStyle, start: tuple[int, int], end: tuple[int, int]
) -> list[tuple[Any, ...]]:
    return [("FONT", start, end, *_font(style)), ("TEXTCOLOR", start, end, style.textColor)]


def cell(text: str, style: ParagraphStyle, width: float) -> Any:
    """``text`` as a table cell ``width`` wide: a plain string drawn in ``style``'s font
    when it fits on one line (the table's FONT command must match ``style``), else a
    paragraph."""
    if (
        "\n" not in text
        and fonts.plain(text)
        # a little air before the next column: a string exactly as wide reads as touching
        and stringWidth(text, style.fontName, style.fontSize) <= width - 2 * PAD_X - 3
    ):
        return text
    return st.para(text, style)


def column_widths(block: Table, width: float) -> list[float]:
    """The relative widths scaled to ``width``, each column widened to its longest short
    word (taken from the widest columns)."""
    count = len(block.columns)
    relative = block.widths or (1.0,) * count
    total = sum(relative)
    widths = [width * w / total for w in relative]
    need = [0.0] * count
    for index, row in enumerate((block.columns, *block.rows)):
        style = st.HEAD_CELL if index == 0 else st.CELL_BOLD
        for col, text in enumerate(row):
            words = [w for w in text.split() if len(w) <= _UNBROKEN]
            if words:
                longest = max(words, key=len)
                need[col] = max(need[col], stringWidth(longest, style.fontName, style.fontSize))
    need = [min(n + 2 * PAD_X + 1, width * _MOST) for n in need]
    short = sum(max(n - w, 0.0) for n, w in zip(need, widths, strict=True))
    if short <= 0:
        return widths
    spare = [max(w - n, 0.0) for n, w in zip(need, widths, strict=True)]
    room = sum(spare)
    if room < short:  # cannot keep every word whole: keep the relative widths
        return widths
    return [
        max(w, n) - (s * short / room if s else 0.0)
        for w, n, s in zip(widths, need, spare, strict=True)
    ]


def table(block: Table, width: float) -> Flowable:
    count = len(block.columns)
    if not block.rows:
        return st.para("None recorded.", st.MUTED_BODY)
    for row in block.rows:
        if len(row) != count:
            raise ValueError(f"a table row has {len(row)} cells for {count} columns")
    widths = column_widths(block, width)
    data: list[list[Any]] = [
        [cell(c, st.HEAD_CELL, w) for c, w in zip(block.columns, widths, strict=True)]
    ]
    for index, row in enumerate(block.rows):
        style = st.CELL_BOLD if index in block.flagged else st.CELL
        data.append([cell(value, style, w) for value, w in zip(row, widths, strict=True)])
    commands: list[tuple[Any, ...]] = [
        *_CELL_STYLE,
        *_style_cells(st.HEAD_CELL, (0, 0), (-1, 0)),
        *_style_cells(st.CELL, (0, 1), (-1, -1)),
        ("BACKGROUND", (0, 0), (-1, 0), st.HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, st.RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, st.LIGHT_RULE),
    ]
    for i in sorted(block.flagged):
        commands.append(("BACKGROUND", (0, i + 1), (-1, i + 1), st.FLAG_FILL))
        commands += _style_cells(st.CELL_BOLD, (0, i + 1), (-1, i + 1))
    # The header row is repeated on every page the table runs onto; a row taller than a
    # page (a long comment in a cell) splits inside itself rather than failing the layout.
    drawn = RLTable(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    drawn.setStyle(commands)
    drawn.spaceAfter = 6
    return drawn


_FIELD_SHARES = (0.19, 0.31, 0.19, 0.31)


def fields(block: Fields, width: float) -> Flowable:
    """Label/value pairs two to a row; a long value takes its row's whole width."""
    widths = [width * share for share in _FIELD_SHARES]
    rows: list[list[Any]] = []
    spans: list[tuple[Any, ...]] = []
    pending: list[tuple[str, str]] = []

    def pair(label: str, value: str, value_width: float) -> list[Any]:
        return [cell(label, st.LABEL, widths[0]), cell(value, st.CELL, value_width)]

    def flush() -> None:
        if pending:
            row: list[Any] = []
            for label, value in pending:
                row += pair(label, value, widths[1])
            rows.append(row + [""] * (4 - len(row)))
            pending.clear()

    for label, value in block.pairs:
        if len(value) > LONG_VALUE or "\n" in value:
            flush()
            rows.append([*pair(label, value, sum(widths[1:])), "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
        else:
            pending.append((label, value))
            if len(pending) == 2:
                flush()
    flush()
    drawn = RLTable(rows, colWidths=widths, hAlign="LEFT", splitInRow=1)
    commands: Sequence[tuple[Any, ...]] = [
        *_CELL_STYLE,
        *spans,
        *_style_cells(st.LABEL, (0, 0), (0, -1)),
        *_style_cells(st.LABEL, (2, 0), (2, -1)),
        *_style_cells(st.CELL, (1, 0), (1, -1)),
        *_style_cells(st.CELL, (3, 0), (3, -1)),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
    drawn.setStyle(list(commands))
    drawn.spaceAfter = 4
    return drawn
