"""A document's pages as images, made from its bytes in memory (never a temporary file: the
only copy at rest is the one inside the encrypted database).

PDF pages come from QtPdf, loaded from a QBuffer over the bytes; PNG, JPEG and TIFF through
Pillow, one frame at a time (QImage reads only the first frame of a multi-page TIFF). A page
is drawn only when asked for, so a 50-page document shows its first page without drawing the
other 49; only a few decoded image pages are kept, and no page is decoded or drawn beyond
MAX_PAGE_PIXELS.
"""

from __future__ import annotations

import io
import math
import warnings
from collections import OrderedDict
from typing import Protocol

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument

PDF = "application/pdf"
#: the most pixels a page is decoded or drawn at: Pillow's own MAX_IMAGE_PIXELS (a letter page
#: scanned at 600 dpi is 34 million). An image page over it is refused, not decoded; a PDF
#: page or a zoom that would go over it is drawn smaller.
MAX_PAGE_PIXELS = 89_478_485
#: decoded image pages kept in memory at once (the one shown and its neighbours)
KEEP_DECODED = 3


class PageSource(Protocol):
    """The pages of one document: how many, each one's natural size, each drawn to a width."""

    @property
    def count(self) -> int: ...

    def natural_size(self, index: int) -> QSize: ...

    def render(self, index: int, width: int) -> QImage: ...

    def thumbnail(self, index: int, width: int) -> QImage: ...


class PdfPages:
    """QtPdf over the bytes. The buffer and its byte array live as long as the document:
    QPdfDocument reads pages from the device as they are drawn."""

    def __init__(self, content: bytes) -> None:
        self._bytes = QByteArray(content)
        self._buffer = QBuffer()
        self._buffer.setData(self._bytes)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._doc = QPdfDocument()
        self._doc.load(self._buffer)
        if self._doc.status() != QPdfDocument.Status.Ready:
            # Checked when attached, so this is a file damaged since or a QtPdf limit.
            raise ValueError("the PDF could not be read")

    @property
    def count(self) -> int:
        return self._doc.pageCount()

    def natural_size(self, index: int) -> QSize:
        points = self._doc.pagePointSize(index)
        # Points to pixels at 96 dpi: what "100 %" means on screen.
        return QSize(
            max(1, round(points.width() * 96 / 72)), max(1, round(points.height() * 96 / 72))
        )

    def render(self, index: int, width: int) -> QImage:
        natural = self.natural_size(index)
        width = capped_width(natural, width)
        height = max(1, round(natural.height() * width / natural.width()))
        drawn = self._doc.render(index, QSize(max(1, width), height))
        # QtPdf leaves the paper transparent: on the viewer's grey a page would have no edge.
        paper = QImage(drawn.size(), QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)
        painter = QPainter(paper)
        painter.drawImage(0, 0, drawn)
        painter.end()
        return paper

    def thumbnail(self, index: int, width: int) -> QImage:
        return self.render(index, width)  # QtPdf draws a small page small: nothing to keep


def _to_qimage(frame: Image.Image) -> QImage:
    rgba = frame.convert("RGBA")
    data = rgba.tobytes()
    image = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # the QImage above borrows ``data``; the copy owns its pixels


def capped_width(natural: QSize, width: int) -> int:
    """``width``, or less: the widest a page of ``natural`` proportions may be drawn without
    going over MAX_PAGE_PIXELS (zooming a large page in stops there)."""
    ratio = natural.height() / max(1, natural.width())
    widest = max(1, math.floor(math.sqrt(MAX_PAGE_PIXELS / max(ratio, 1e-6))))
    return max(1, min(width, widest))


class PageTooLarge(ValueError):
    """An image page with more pixels than MAX_PAGE_PIXELS: refused, never decoded."""

    def __init__(self, index: int, size: QSize | None) -> None:
        shown = f" ({size.width():,} × {size.height():,} pixels)" if size is not None else ""
        super().__init__(f"page {index + 1} is too large an image{shown}")
        self.index = index
        self.message = (
            f"Page {index + 1} is too large an image to be shown safely{shown}. Scan it again"
            " at a lower resolution (300 dpi is plenty) and attach the new file."
        )


class ImagePages:
    """PNG and JPEG (one page) and TIFF (one page a frame) through Pillow.

    A page is decoded when first drawn and kept at its own size, but only the last
    KEEP_DECODED pages are kept (a 200-frame TIFF would otherwise end up whole in memory);
    thumbnails are decoded, reduced and let go. Sizes come from each frame's header, without
    decoding, and a page over MAX_PAGE_PIXELS is refused (PageTooLarge) before it is."""

    def __init__(self, content: bytes) -> None:
        with warnings.catch_warnings():
            # Pillow warns about large images; the pages here are checked against our own cap.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                self._image = Image.open(io.BytesIO(content))
            except Image.DecompressionBombError as err:  # over twice Pillow's limit
                raise PageTooLarge(0, None) from err
        self._count = max(1, getattr(self._image, "n_frames", 1))
        self._sizes: dict[int, QSize] = {}
        self._decoded: OrderedDict[int, QImage] = OrderedDict()

    @property
    def count(self) -> int:
        return self._count

    @property
    def decoded_pages(self) -> list[int]:
        """The pages held decoded now, least recently drawn first."""
        return list(self._decoded)

    def _seek(self, index: int) -> None:
        if getattr(self._image, "n_frames", 1) > 1:
            self._image.seek(index)

    def natural_size(self, index: int) -> QSize:
        found = self._sizes.get(index)
        if found is None:
            self._seek(index)
            width, height = self._image.size
            found = self._sizes[index] = QSize(width, height)
        return found

    def _check(self, index: int) -> QSize:
        size = self.natural_size(index)
        if size.width() * size.height() > MAX_PAGE_PIXELS:
            raise PageTooLarge(index, size)
        return size

    def _frame(self, index: int) -> QImage:
        found = self._decoded.get(index)
        if found is not None:
            self._decoded.move_to_end(index)
            return found
        self._check(index)
        self._seek(index)
        found = self._decoded[index] = _to_qimage(self._image)
        while len(self._decoded) > KEEP_DECODED:
            self._decoded.popitem(last=False)
        return found

    def render(self, index: int, width: int) -> QImage:
        size = self._check(index)
        return self._frame(index).scaledToWidth(
            capped_width(size, max(1, width)), Qt.TransformationMode.SmoothTransformation
        )

    def thumbnail(self, index: int, width: int) -> QImage:
        """A small picture of the page, decoded and reduced without being kept."""
        size = self._check(index)
        kept = self._decoded.get(index)
        if kept is not None:
            return kept.scaledToWidth(max(1, width), Qt.TransformationMode.SmoothTransformation)
        self._seek(index)
        frame = self._image.copy()
        height = max(1, round(size.height() * width / max(1, size.width())))
        frame.thumbnail((max(1, width), height))
        return _to_qimage(frame)


def page_source(content: bytes, content_type: str) -> PageSource:
    """The pages of a document of ``content_type`` (the MIME type stored with it)."""
    if content_type == PDF:
        return PdfPages(content)
    return ImagePages(content)
