"""Pages of a scan, in memory: the first page as a picture (to look for a cover sheet's
barcode) and the scan without its first page (the cover sheet taken off). No Qt, no
database, nothing written to disk.

A PDF page is drawn by pdfium (``pypdfium2``); a TIFF, PNG or JPEG is read by Pillow. The
picture is bounded (about 150 dpi, at most ``MAX_SIDE`` pixels a side) so a poster-sized
page or a 600 dpi photo costs no more than a letter page: reading a barcode needs no more.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader, PdfWriter

from medrec_desktop.domain.document_files import DocumentContent, quiet_pypdf

#: the resolution a first page is drawn at; a cover sheet's code has 2 mm modules (12 px)
DPI = 150
#: the longest side of a first page's picture, in pixels (a letter page at 150 dpi: 1650)
MAX_SIDE = 2000
# TIFF compressions kept when grey or colour frames are written again; anything else (JPEG in
# TIFF, or none) is written losslessly (deflate): writing again never loses more.
# (Group 3/4 are for bilevel frames only, which are always written as group 4.)
_LOSSLESS_GREY = frozenset({"tiff_lzw", "tiff_adobe_deflate", "packbits"})
# pdfium keeps global state and must not be entered by two threads at once (intake runs on
# the folder watcher's thread while other work may draw pages too).
_PDFIUM = threading.Lock()


def first_page_image(content: bytes, kind: DocumentContent) -> Image.Image:
    """The scan's first page as a grayscale picture of bounded size. Raises whatever the
    reading library raises for a file it cannot draw (callers treat that as "no barcode")."""
    if kind is DocumentContent.PDF:
        return _pdf_first_page(content)
    with Image.open(io.BytesIO(content)) as image:
        image.seek(0)
        if image.format == "JPEG":
            # A JPEG decodes at 1/2, 1/4 or 1/8 scale almost for free: ask for about the
            # size needed instead of decoding a 12-megapixel photo in full.
            image.draft("L", (MAX_SIDE, MAX_SIDE))
        picture = image.convert("L")
    return _bounded(picture)


def _pdf_first_page(content: bytes) -> Image.Image:
    with _PDFIUM:
        document = pdfium.PdfDocument(content)
        try:
            page = document[0]
            try:
                width, height = page.get_size()  # points
                scale = min(DPI / 72, MAX_SIDE / max(width, height, 1.0))
                bitmap = page.render(scale=scale, grayscale=True)
                try:
                    # A copy: the bitmap's memory goes with the document.
                    picture: Image.Image = bitmap.to_pil().convert("L").copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    return picture


#: later pages are only searched for another cover sheet: a coarser picture is enough (its
#: 3-inch code still has 10 px modules)
LATER_DPI = 100
#: a scan longer than this is not searched page by page (the caller treats it as "maybe")
MAX_LATER_PAGES = 60


def later_pages_show(
    content: bytes, kind: DocumentContent, found: Callable[[Image.Image], bool]
) -> bool:
    """Whether ``found`` is true of any page after the first, each drawn grey at
    ``LATER_DPI`` and bounded, one at a time (never all in memory). True also for a scan of
    more than ``MAX_LATER_PAGES`` pages: it is not searched, and may hold anything."""
    if kind is DocumentContent.PDF:
        with _PDFIUM:
            document = pdfium.PdfDocument(content)
            try:
                if len(document) - 1 > MAX_LATER_PAGES:
                    return True
                for n in range(1, len(document)):
                    page = document[n]
                    try:
                        width, height = page.get_size()
                        scale = min(LATER_DPI / 72, MAX_SIDE / max(width, height, 1.0))
                        bitmap = page.render(scale=scale, grayscale=True)
                        try:
                            picture: Image.Image = bitmap.to_pil().convert("L").copy()
                        finally:
                            bitmap.close()
                    finally:
                        page.close()
                    if found(picture):
                        return True
            finally:
                document.close()
        return False
    with Image.open(io.BytesIO(content)) as image:
        frames = getattr(image, "n_frames", 1)
        if frames - 1 > MAX_LATER_PAGES:
            return True
        for n in range(1, frames):
            image.seek(n)
            if found(_bounded(image.convert("L"))):
                return True
    return False


def _bounded(picture: Image.Image) -> Image.Image:
    longest = max(picture.size)
    if longest <= MAX_SIDE:
        return picture
    factor = -(-longest // MAX_SIDE)  # whole-number reduction: fast, and sharp enough
    return picture.reduce(factor)


def without_first_page(content: bytes, kind: DocumentContent) -> bytes:
    """The scan with its first page left out, as a new file of the same kind (PDF pages
    copied as they are; TIFF frames written again without further loss). Raises ValueError
    for a one-page file (a PNG or JPEG is always one page) and whatever the reading library
    raises for one it cannot read."""
    if kind is DocumentContent.PDF:
        return _pdf_without_first(content)
    if kind is DocumentContent.TIFF:
        return _tiff_without_first(content)
    raise ValueError("a single image has no pages after its first")


def _pdf_without_first(content: bytes) -> bytes:
    with quiet_pypdf():
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            # Only files that open without a password are stored (owner-only restrictions):
            # the empty password opens them.
            reader.decrypt("")
        if len(reader.pages) < 2:
            raise ValueError("a one-page PDF has no pages after its first")
        writer = PdfWriter()
        for page in list(reader.pages)[1:]:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def _tiff_without_first(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content), formats=["TIFF"]) as image:
        count = int(getattr(image, "n_frames", 1))
        if count < 2:
            raise ValueError("a one-frame TIFF has no pages after its first")
        frames: list[Image.Image] = []
        compressions: set[str] = set()
        dpi = None
        for index in range(1, count):
            image.seek(index)
            frames.append(image.copy())
            compressions.add(str(image.info.get("compression", "raw")))
            dpi = dpi or image.info.get("dpi")
    if all(f.mode == "1" for f in frames):
        compression = "group4"  # bilevel fax and document scans: the scanner's own choice
    elif len(compressions) == 1 and compressions <= _LOSSLESS_GREY:
        compression = compressions.pop()
    else:
        compression = "tiff_adobe_deflate"
    out = io.BytesIO()
    params: dict[str, object] = {"compression": compression}
    if dpi:
        params["dpi"] = dpi
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], **params)
    return out.getvalue()
