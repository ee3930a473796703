"""Reading the text layer of a PDF's first pages as a hint: bounded, quiet, never an error.
Every file is real, made here in memory with reportlab or Pillow."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from medrec_desktop.domain.pdf_text import first_pages_text


def text_pdf(pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(1, pages + 1):
        pdf.drawString(72, 720, f"Patient: Rivera, Ana   page {n}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def image_pdf() -> bytes:
    """A scan: one page that is only a picture (no text layer)."""
    picture = io.BytesIO()
    Image.new("L", (200, 260), 255).save(picture, "PNG")
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawImage(ImageReader(io.BytesIO(picture.getvalue())), 0, 0, 612, 792)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_only_the_first_pages_are_read() -> None:
    texts = first_pages_text(text_pdf(20))
    assert len(texts) == 3
    assert [t.strip() for t in texts] == [f"Patient: Rivera, Ana   page {n}" for n in (1, 2, 3)]
    assert len(first_pages_text(text_pdf(2))) == 2


def test_a_scanned_page_has_no_text() -> None:
    assert first_pages_text(image_pdf()) == [""]


def test_characters_per_page_are_capped() -> None:
    assert [len(t) for t in first_pages_text(text_pdf(1), chars_per_page=10)] == [10]


def test_no_page_is_read_once_the_time_is_spent() -> None:
    assert first_pages_text(text_pdf(3), seconds=-1) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.7\nnot really a pdf\n%%EOF", b"\x89PNG\r\n\x1a\n", text_pdf(2)[:600]],
)
def test_what_cannot_be_read_gives_no_text_and_no_log_lines(
    content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        texts = first_pages_text(content)
    assert all(t == "" for t in texts)
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
