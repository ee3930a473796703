"""Draws a :class:`~medrec_desktop.export.pdf_doc.PdfDocument` with reportlab (issue 14, DESIGN
§8): the record PDF, the superbill and the accounting of disclosures all come out of here.

Every page carries the letterhead, the patient line (when the document is about one patient),
the confidentiality footer, who generated it when, and "Page x of y": the total is known only
once the last page is laid out, so the canvas keeps each page until the document is saved and
writes the numbers then (one layout pass, not two).

The file says nothing about the patient outside its pages: its title, author, subject and
keywords are generic (reportlab's defaults are replaced, not trusted). An optional password
encrypts it with AES-256 (revision 6); the owner password is random and thrown away, so
nobody can lift the restrictions.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Spacer,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.export import fonts, pdf_tables
from medrec_desktop.export import pdf_styles as st
from medrec_desktop.export.pdf_doc import (
    Block,
    Fields,
    Heading,
    Note,
    PageBreak,
    Paragraph,
    PdfDocument,
    Table,
)
from medrec_desktop.export.record_text import local_time

CREATOR = "medrec-desktop"
PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN_X = 0.6 * inch
MARGIN_TOP = 0.45 * inch
MARGIN_BOTTOM = 0.4 * inch
_BLANK_LINES = re.compile(r"\n\s*\n")
# How much of what follows a heading must fit below it for both to start on this page.
_FIRST_LINES = 0.9 * inch


def render(doc: PdfDocument, *, password: str | None = None) -> bytes:
    """The PDF's bytes. ``password``: encrypt with AES-256, opening needs it (blank is
    refused: it would look protected and not be)."""
    if password is not None and not password.strip():
        raise ValidationError("Type a password for the PDF, or choose none.", field="password")
    fonts.register()
    out = io.BytesIO()
    width = PAGE_WIDTH - 2 * MARGIN_X
    decor = _Decor(doc, width)
    template = BaseDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        # Generic words only: viewers, indexers and mail gateways show these without
        # opening the pages (no name, MRN or date of birth may be here).
        title=_generic(doc.title, doc, "Patient document"),
        author=_generic(doc.clinic, doc, CREATOR) or CREATOR,
        subject="",
        creator=CREATOR,
        producer=CREATOR,
        keywords=[],
        lang="en-US",
        initialFontName=fonts.SANS,  # no unused Helvetica in the file
    )
    frame = Frame(
        MARGIN_X,
        decor.body_bottom,
        width,
        decor.body_top - decor.body_bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    template.keepTogetherClass = _KeepWithFirstLines
    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decor.draw)])
    template.build(list(_story(doc, width)), canvasmaker=decor.canvas_class())
    return _encrypted(out.getvalue(), password) if password is not None else out.getvalue()


def _generic(text: str, doc: PdfDocument, instead: str) -> str:
    """``text`` for the file's metadata, unless it names the patient (their name, MRN or date
    of birth): a title is meant to be "Medical record", but the metadata is read unopened,
    so it is checked rather than trusted."""
    if doc.patient is None:
        return text
    p = doc.patient
    said = text.casefold()
    marks = [w for w in p.name.replace(",", " ").split() if len(w) >= 3]
    marks += [p.mrn, f"{p.birth_date:%m/%d/%Y}", p.birth_date.isoformat()]
    return instead if any(m.casefold() in said for m in marks if m) else text


# Printing and copying text stay allowed (a recipient prints a record; a screen reader needs
# its text); changing it, annotating it, filling it in and reassembling its pages do not.
_PERMISSIONS = UserAccessPermissions.all() & ~(
    UserAccessPermissions.MODIFY
    | UserAccessPermissions.ADD_OR_MODIFY
    | UserAccessPermissions.FILL_FORM_FIELDS
    | UserAccessPermissions.ASSEMBLE_DOC
)


def _encrypted(pdf: bytes, password: str) -> bytes:
    """``pdf`` encrypted with AES-256 as PDF 2.0 defines it (revision 6, the password
    hardened by the iterated hash). reportlab's own AES-256 writes revision 5, the
    Acrobat 9 scheme ISO 32000-2 deprecated for its fast password check, so pypdf encrypts
    the finished file instead. The owner password is random and thrown away."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(
        password,
        secrets.token_urlsafe(32),
        permissions_flag=_PERMISSIONS,
        algorithm="AES-256",
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------- every page


class _Decor:
    """The letterhead, patient line and footer, laid out once and drawn on every page."""

    def __init__(self, doc: PdfDocument, width: float) -> None:
        self.width = width
        left = width * 0.68
        self.letterhead = [st.para(doc.clinic or doc.title, st.LETTERHEAD)]
        self.letterhead += [st.para(line, st.LETTERHEAD_LINE) for line in doc.clinic_lines]
        self.page_title = st.para(doc.title, st.PAGE_TITLE)
        self.patient: RLParagraph | None = None
        if doc.patient is not None:
            p = doc.patient
            self.patient = st.para(
                p.name,
                st.PATIENT,
                prefix="<b>Patient:</b> ",
                suffix=(
                    f"&nbsp;&nbsp;&nbsp; <b>DOB:</b> {p.birth_date:%m/%d/%Y}"
                    f"&nbsp;&nbsp;&nbsp; <b>MRN:</b> {st.plain(p.mrn)}"
                ),
            )
        self.confidential = st.para(doc.confidentiality, st.FOOTER)
        self.generated = st.para(
            f"Generated by {doc.generated_by} on {local_time(doc.generated_at)}", st.FOOTER
        )
        self.title_x = left
        self.head_heights = [p.wrap(left, PAGE_HEIGHT)[1] for p in self.letterhead]
        self.title_height = self.page_title.wrap(width - left, PAGE_HEIGHT)[1]
        self.patient_height = self.patient.wrap(width, PAGE_HEIGHT)[1] if self.patient else 0.0
        self.confidential_height = self.confidential.wrap(width, PAGE_HEIGHT)[1]
        self.generated_height = self.generated.wrap(width * 0.78, PAGE_HEIGHT)[1]
        top = PAGE_HEIGHT - MARGIN_TOP
        self.rule_y = top - max(sum(self.head_heights), self.title_height) - 4
        self.patient_rule_y = self.rule_y - (self.patient_height + 8 if self.patient else 0)
        self.body_top = self.patient_rule_y - 10
        self.footer_rule_y = (
            MARGIN_BOTTOM + self.generated_height + 3 + self.confidential_height + 4
        )
        self.body_bottom = self.footer_rule_y + 8

    def draw(self, canv: Canvas, _template: BaseDocTemplate) -> None:
        canv.saveState()
        x, right = MARGIN_X, MARGIN_X + self.width
        y = PAGE_HEIGHT - MARGIN_TOP
        for para, height in zip(self.letterhead, self.head_heights, strict=True):
            y -= height
            para.drawOn(canv, x, y)
        self.page_title.drawOn(canv, x + self.title_x, PAGE_HEIGHT - MARGIN_TOP - self.title_height)
        canv.setStrokeColor(st.ACCENT)
        canv.setLineWidth(1.2)
        canv.line(x, self.rule_y, right, self.rule_y)
        if self.patient is not None:
            self.patient.drawOn(canv, x, self.rule_y - 4 - self.patient_height)
            canv.setStrokeColor(st.RULE)
            canv.setLineWidth(0.5)
            canv.line(x, self.patient_rule_y, right, self.patient_rule_y)
        canv.setStrokeColor(st.RULE)
        canv.setLineWidth(0.5)
        canv.line(x, self.footer_rule_y, right, self.footer_rule_y)
        self.confidential.drawOn(canv, x, self.footer_rule_y - 3 - self.confidential_height)
        self.generated.drawOn(canv, x, MARGIN_BOTTOM)
        canv.restoreState()

    def canvas_class(self) -> type[Canvas]:
        """A canvas that holds every page until the document is complete, then writes
        "Page x of y" on each, right-aligned on the generated-by line."""
        baseline = MARGIN_BOTTOM + 1.5
        right = MARGIN_X + self.width

        class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._pages: list[dict[str, Any]] = []

            def showPage(self) -> None:  # noqa: N802 (reportlab's name)
                self._pages.append(dict(self.__dict__))
                self._startPage()

            def save(self) -> None:
                total = len(self._pages)
                for number, state in enumerate(self._pages, start=1):
                    self.__dict__.update(state)
                    self.setFont(fonts.SANS_BOLD, 7.5)
                    self.setFillColor(st.MUTED)
                    self.drawRightString(right, baseline, f"Page {number} of {total}")
                    super().showPage()
                super().save()

        return NumberedCanvas


# ---------------------------------------------------------------------- blocks


class _KeepWithFirstLines(KeepTogether):  # type: ignore[misc]  # reportlab is untyped
    """What reportlab groups for ``keepWithNext`` (a heading, its rule, the table or text it
    heads): kept together when it fits on what is left of the page, moved to the next page
    when not even its first lines fit, and otherwise started here and continued over the
    page (reportlab's own KeepTogether would leave the rest of the page empty)."""

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803 (reportlab's names)
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        content: list[Flowable] = self._content[:]
        heads = sum(f.wrapOn(self.canv, aW, aH)[1] for f in content[:-1])
        if self._H > aH and aH >= heads + _FIRST_LINES:
            return content
        result: list[Flowable] = super().split(aW, aH)
        return result


def _story(doc: PdfDocument, width: float) -> Iterator[Flowable]:
    yield st.para(doc.title, st.TITLE)
    for line in doc.subtitle.splitlines():
        if line.strip():
            yield st.para(line, st.SUBTITLE)
    yield Spacer(0, 4)
    blocks = doc.blocks
    for index, block in enumerate(blocks):
        for flowable in _flowables(block, width):
            # Tables one after the other belong together (a visit's diagnoses and its
            # procedure lines): they start on the same page when they can.
            if isinstance(block, Table) and isinstance(_next(blocks, index), Table):
                flowable.keepWithNext = 1
            yield flowable


def _next(blocks: tuple[Block, ...], index: int) -> Block | None:
    return blocks[index + 1] if index + 1 < len(blocks) else None


def _flowables(block: Block, width: float) -> Iterator[Flowable]:
    if isinstance(block, Heading):
        if block.level <= 1:
            yield st.para(block.text, st.H1)
            yield _rule(st.ACCENT, 0.8, before=0, after=5)
        else:
            yield st.para(block.text, st.H2)
    elif isinstance(block, Paragraph):
        yield from _texts(block.text, st.MUTED_BODY if block.muted else st.BODY)
    elif isinstance(block, Fields):
        if block.pairs:
            yield pdf_tables.fields(block, width)
    elif isinstance(block, Table):
        yield pdf_tables.table(block, width)
    elif isinstance(block, Note):
        yield from _note(block)
    elif isinstance(block, PageBreak):
        yield RLPageBreak()


def _rule(color: Any, thickness: float, *, before: float, after: float) -> HRFlowable:
    rule = HRFlowable(
        width="100%", thickness=thickness, color=color, spaceBefore=before, spaceAfter=after
    )
    rule.keepWithNext = 1  # a heading's rule stays with what it heads
    return rule


def _texts(text: str, style: ParagraphStyle) -> Iterator[RLParagraph]:
    """One paragraph per blank-line-separated chunk (a single newline is a line break), so
    long text wraps and splits across pages anywhere between lines."""
    for chunk in _BLANK_LINES.split(text.strip()):
        if chunk.strip():
            yield st.para(chunk.strip(), style)


def _note(block: Note) -> Iterator[Flowable]:
    """The title, who/when and the first lines of the first part stay together; each part's
    title stays with its text; the text itself flows over as many pages as it needs."""
    yield _rule(st.LIGHT_RULE, 0.5, before=8, after=0)
    yield st.para(block.title, st.NOTE_TITLE)
    if block.byline:
        yield st.para(block.byline, st.NOTE_BYLINE)
    for title, text in block.parts:
        yield st.para(title, st.PART_TITLE)
        yield from _texts(text, st.PART_TEXT)
