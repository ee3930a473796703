"""A document's pages as images, made from its bytes in memory (never a temporary file: the
only copy at rest is the one inside the encrypted database).

PDF pages come from QtPdf, loaded from a QBuffer over the bytes; PNG, JPEG and TIFF through
Pillow, one frame at a time (QImage reads only the first frame of a multi-page TIFF). A page
is drawn only when asked for, so a 50-page document shows its first page without drawing the
other 49.
"""

from __future__ import annotations

import io
from typing import Protocol

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument

PDF = "application/pdf"


class PageSource(Protocol):
    """The pages of one document: how many, each one's natural size, each drawn to a width."""

    @property
    def count(self) -> int: ...

    def natural_size(self, index: int) -> QSize: ...

    def render(self, index: int, width: int) -> QImage: ...


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
        height = max(1, round(natural.height() * width / natural.width()))
        drawn = self._doc.render(index, QSize(max(1, width), height))
        # QtPdf leaves the paper transparent: on the viewer's grey a page would have no edge.
        paper = QImage(drawn.size(), QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)
        painter = QPainter(paper)
        painter.drawImage(0, 0, drawn)
        painter.end()
        return paper


def _to_qimage(frame: Image.Image) -> QImage:
    rgba = frame.convert("RGBA")
    data = rgba.tobytes()
    image = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # the QImage above borrows ``data``; the copy owns its pixels


class ImagePages:
    """PNG and JPEG (one page) and TIFF (one page a frame) through Pillow. Each frame is
    decoded once, when first drawn, and kept at its own size."""

    def __init__(self, content: bytes) -> None:
        self._image = Image.open(io.BytesIO(content))
        self._count = max(1, getattr(self._image, "n_frames", 1))
        self._frames: dict[int, QImage] = {}

    @property
    def count(self) -> int:
        return self._count

    def _frame(self, index: int) -> QImage:
        found = self._frames.get(index)
        if found is None:
            self._image.seek(index)
            found = self._frames[index] = _to_qimage(self._image)
        return found

    def natural_size(self, index: int) -> QSize:
        return self._frame(index).size()

    def render(self, index: int, width: int) -> QImage:
        return self._frame(index).scaledToWidth(
            max(1, width), Qt.TransformationMode.SmoothTransformation
        )


def page_source(content: bytes, content_type: str) -> PageSource:
    """The pages of a document of ``content_type`` (the MIME type stored with it)."""
    if content_type == PDF:
        return PdfPages(content)
    return ImagePages(content)
