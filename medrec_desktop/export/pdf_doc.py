"""What a printed record is made of, apart from how it is drawn (issue 14): the services turn a
patient's record (or a claim, or an accounting of disclosures) into a :class:`PdfDocument`
of plain blocks; ``export/record_pdf.py`` draws one with reportlab (the bench draws the same
document through Qt's QTextDocument for comparison). Nothing here knows about the database or
about reportlab.

Every page of the drawn document carries the letterhead (``clinic``), the patient line
(``patient``, when the document is about one patient), "Page x of y", the confidentiality
footer and who generated it when (``generated_by``, ``generated_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True)
class PatientLine:
    """Who the pages are about, printed on every page."""

    name: str
    birth_date: dt.date
    mrn: str


@dataclass(frozen=True)
class Heading:
    """A section heading (``level`` 1) or a sub-heading (2)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Running text; long text wraps. ``muted``: smaller and grey (e.g. "None recorded")."""

    text: str
    muted: bool = False


@dataclass(frozen=True)
class Fields:
    """Label/value pairs laid out in two columns (demographics, a visit's header)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """Rows under a header row that is repeated on every page the table runs onto.
    ``widths``: relative column widths (None: equal). ``flagged``: indexes of rows to
    emphasise (abnormal results), marked by a symbol in the text as well, never only colour."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    flagged: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Note:
    """A clinical note: a heading line, a line of who/when, then titled parts (Subjective,
    Objective, ...; an addendum is a further part), each wrapping over pages."""

    title: str
    byline: str
    parts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block: TypeAlias = Heading | Paragraph | Fields | Table | Note | PageBreak


@dataclass(frozen=True)
class PdfDocument:
    """``title`` heads the first page ("Medical record", "Billing summary", "Accounting of
    disclosures"); ``subtitle`` says what it holds (sections, dates, recipient).
    ``confidentiality`` is the footer printed on every page."""

    title: str
    clinic: str
    generated_by: str
    generated_at: dt.datetime
    blocks: tuple[Block, ...]
    patient: PatientLine | None = None
    subtitle: str = ""
    clinic_lines: tuple[str, ...] = field(default=())
    confidentiality: str = (
        "Confidential patient information. If you received this in error, notify the sender "
        "and destroy it. Further disclosure may be prohibited by law (45 CFR 164, 42 CFR 2)."
    )
