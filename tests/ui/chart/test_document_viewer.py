"""The document viewer on real files: PgDn/PgUp scroll through a page taller than the view
and turn the page at its edge (like a PDF reader), going to a page starts at its top; only a
few decoded image pages are kept however many are looked at; an image page too large to
decode safely is refused in plain words, never decoded; and a file over the clinic's size
limit is refused from its size on disk before it is read."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.pages import (
    KEEP_DECODED,
    MAX_PAGE_PIXELS,
    ImagePages,
    capped_width,
)
from medrec_desktop.ui.documents.viewer import DocumentViewer
from tests.ui.chart.conftest import WAIT, Window, key, open_chart, settle
from tests.ui.chart.test_documents_ui import documents_tab

PDF, TIFF = "application/pdf", "image/tiff"


def letter_pdf(pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for n in range(pages):
        pdf.drawString(72, 720, f"Referral letter, page {n + 1}, top")
        pdf.drawString(72, 72, f"Referral letter, page {n + 1}, bottom")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def tiff(frames: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return out.getvalue()


def scanned_page(n: int, size: tuple[int, int] = (850, 1100)) -> Image.Image:
    page = Image.new("L", size, 255)
    ImageDraw.Draw(page).text((60, 60), f"Scanned page {n + 1}", fill=0)
    return page


def viewer_for(qtbot: QtBot, content: bytes, content_type: str) -> DocumentViewer:
    file = DocumentFile(content, content_type, 0, hashlib.sha256(content).hexdigest(), None)
    viewer = DocumentViewer("Referral", file)
    qtbot.addWidget(viewer)
    viewer.resize(980, 760)
    viewer.show()
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=WAIT)  # keyboard focus needs it
    viewer.page_area.setFocus()
    viewer.pane.go_to(0)  # fitted to the view's width as shown, from the top
    return viewer


def test_page_keys_scroll_a_tall_page_then_turn_it(qtbot: QtBot) -> None:
    viewer = viewer_for(qtbot, letter_pdf(3), PDF)
    bar = viewer.page_area.verticalScrollBar()
    assert bar.maximum() > 0, "a letter page fitted to the width is taller than the view"
    assert (viewer.page, bar.value()) == (0, 0)

    key(qtbot, Qt.Key.Key_PageDown)  # down the first page, not to the second
    assert viewer.page == 0 and 0 < bar.value()
    presses = 1
    while bar.value() < bar.maximum():
        key(qtbot, Qt.Key.Key_PageDown)
        presses += 1
        assert viewer.page == 0 and presses < 20
    key(qtbot, Qt.Key.Key_PageDown)  # at the bottom: the next page, from its top
    assert (viewer.page, bar.value()) == (1, 0)
    assert viewer.where.text() == "Page 2 of 3"

    key(qtbot, Qt.Key.Key_PageUp)  # at the top: back to the bottom of the page before
    assert viewer.page == 0 and bar.value() == bar.maximum() > 0
    key(qtbot, Qt.Key.Key_PageUp)
    assert viewer.page == 0 and bar.value() < bar.maximum()

    # Going to a page (End, Home, a thumbnail) shows it from its top.
    key(qtbot, Qt.Key.Key_End)
    assert (viewer.page, bar.value()) == (2, 0)
    bar.setValue(bar.maximum())
    viewer.thumbs.setCurrentRow(1)
    assert (viewer.page, bar.value()) == (1, 0)
    bar.setValue(bar.maximum() // 2)
    key(qtbot, Qt.Key.Key_Home)
    assert (viewer.page, bar.value()) == (0, 0)
    key(qtbot, Qt.Key.Key_PageUp)  # the first page's top: nothing before it
    assert (viewer.page, bar.value()) == (0, 0)


def test_a_page_shorter_than_the_view_turns_at_once(qtbot: QtBot) -> None:
    wide = [scanned_page(n, (1200, 400)) for n in range(2)]  # receipts, wider than tall
    viewer = viewer_for(qtbot, tiff(wide), TIFF)
    assert viewer.page_area.verticalScrollBar().maximum() == 0
    key(qtbot, Qt.Key.Key_PageDown)
    assert viewer.page == 1
    key(qtbot, Qt.Key.Key_PageDown)  # the last page: stays
    assert viewer.page == 1
    key(qtbot, Qt.Key.Key_PageUp)
    assert viewer.page == 0


def test_only_a_few_decoded_pages_are_kept(qtbot: QtBot) -> None:
    frames = 8
    viewer = viewer_for(qtbot, tiff([scanned_page(n) for n in range(frames)]), TIFF)
    pages = viewer.pages
    assert isinstance(pages, ImagePages)
    qtbot.waitUntil(lambda: viewer.thumbnails_drawn == frames, timeout=WAIT)
    assert all(not viewer.thumbs.item(n).icon().isNull() for n in range(frames))
    assert pages.decoded_pages == [0]  # thumbnails are reduced and let go
    for n in range(frames):
        viewer.pane.go_to(n)
        assert len(pages.decoded_pages) <= KEEP_DECODED and pages.decoded_pages[-1] == n
    assert pages.decoded_pages == list(range(frames - KEEP_DECODED, frames))
    viewer.pane.go_to(0)  # decoded again when needed
    assert viewer.shown_size.width() > 0 and 0 in pages.decoded_pages


def test_an_image_page_too_large_to_decode_is_refused_in_plain_words(qtbot: QtBot) -> None:
    # A bilevel scan of 10,000 x 9,000 pixels: a few kilobytes on disk, 90 million pixels
    # (360 MB) decoded. Pillow itself only warns at this size.
    huge = Image.new("1", (10_000, 9_000), 1)
    assert huge.width * huge.height > MAX_PAGE_PIXELS
    viewer = viewer_for(qtbot, tiff([scanned_page(0), huge]), TIFF)
    pages = viewer.pages
    assert isinstance(pages, ImagePages)
    qtbot.waitUntil(lambda: viewer.thumbnails_drawn == 2, timeout=WAIT)
    assert viewer.thumbs.item(0) is not None
    key(qtbot, Qt.Key.Key_End)
    assert viewer.page == 1 and viewer.pane.view.pixmap().isNull()
    assert viewer.message.message == (
        "Page 2 is too large an image to be shown safely (10,000 × 9,000 pixels). Scan it again"
        " at a lower resolution (300 dpi is plenty) and attach the new file."
    )
    assert 1 not in pages.decoded_pages  # refused from its header, never decoded
    key(qtbot, Qt.Key.Key_Home)
    assert not viewer.pane.view.pixmap().isNull() and viewer.message.message == ""


def test_zooming_never_draws_a_page_beyond_the_pixel_cap() -> None:
    page = QSize(8_500, 11_000)  # a letter page scanned at 1000 dpi
    assert capped_width(page, 800) == 800
    widest = capped_width(page, 4 * 8_500)
    assert widest < 4 * 8_500
    assert widest * round(widest * 11_000 / 8_500) <= MAX_PAGE_PIXELS * 1.001


def test_a_file_over_the_limit_is_refused_from_its_size_before_it_is_read(
    qtbot: QtBot, chart_window: Window, tmp_path: Path
) -> None:
    # 2 GB, sparse (no disk used): only its size on disk can say 2048 MB, since no more than
    # the limit is ever read.
    huge = tmp_path / "whole-archive.pdf"
    with huge.open("wb") as fh:
        fh.truncate(2 * 1024**3)
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w, huge)
    key(qtbot, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: page.message.message.startswith("“whole"), timeout=WAIT)
    settle(qtbot, w)
    assert page.message.message == (
        "“whole-archive.pdf” is 2048 MB; this clinic's limit is 50 MB per file. Split it or"
        " scan it at a lower resolution. An administrator can change the limit in"
        " Administration › Documents and scanner inbox."
    )
    assert page.attach_dialog is None and QApplication.activeModalWidget() is None
