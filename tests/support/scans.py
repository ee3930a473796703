"""Paper as a scanner returns it, made in memory for the cover-sheet tests and benchmark: a
printed PDF page drawn as a picture, then fed a little crooked, grey, noisy and soft."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

#: a modest scanner resolution keeps tests quick; intake draws pages at its own resolution
SCAN_DPI = 100


def page_picture(pdf: bytes, dpi: int = SCAN_DPI) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def as_scanned(page: Image.Image, seed: int = 7) -> Image.Image:
    """What a desk scanner makes of a printed page: fed a little crooked (2.5 degrees), grey,
    with sensor noise, dust specks and a slightly soft focus."""
    rng = random.Random(seed)
    turned = page.rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    # Gaussian sensor noise (sigma 24 grey levels) either way: noise is centred on 128.
    noisy = ImageChops.add(turned, Image.effect_noise(turned.size, 24), offset=-128)
    specks = noisy.load()
    assert specks is not None
    for _ in range(turned.width * turned.height // 400):  # salt and pepper, 0.25 %
        x, y = rng.randrange(turned.width), rng.randrange(turned.height)
        specks[x, y] = rng.choice((0, 255))
    return noisy.filter(ImageFilter.GaussianBlur(0.7))


def text_page(words: str) -> Image.Image:
    """A printed page of text as a bilevel fax-like picture."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER)
    pdf.setFont("Helvetica", 14)
    for line in range(12):
        pdf.drawString(72, 700 - line * 22, f"{words}, line {line + 1}")
    pdf.showPage()
    pdf.save()
    return page_picture(out.getvalue()).point(lambda v: 255 if v > 128 else 0).convert("1")
