"""A document's pages on screen: thumbnails down the side and the page beside them, with zoom
(Ctrl++ / Ctrl+- / fit width), rotate (R / Shift+R) and pages (PgUp / PgDn scroll through a
page taller than the view and turn it at its edge, as a PDF reader does; Home / End).

Shared by the document viewer (a dialog of its own) and the scanner inbox's preview pane.
The bytes stay in memory; the first page is shown at once and the thumbnails are drawn a few
at a time afterwards, so a long document opens as fast as a short one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap, QResizeEvent, QTransform
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.ui.documents.pages import PageSource, PageTooLarge, page_source
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel

THUMB_WIDTH = 96
#: thumbnails drawn per turn of the event loop: keys stay answered while a long PDF fills in
THUMBS_PER_TURN = 4
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 4.0


def edged(image: QImage) -> QImage:
    """``image`` with a thin grey edge: a white page on a white list would have none."""
    framed = image.convertToFormat(QImage.Format.Format_ARGB32)
    painter = QPainter(framed)
    painter.setPen(QColor(160, 160, 160))
    painter.drawRect(0, 0, framed.width() - 1, framed.height() - 1)
    painter.end()
    return framed


class PageView(QWidget):
    """Shows one document at a time (``load``); ``bar`` is the row of page controls, to which
    a host may add buttons of its own (the viewer's Print and Close)."""

    def __init__(
        self, *, empty_text: str = "", thumb_width: int = THUMB_WIDTH, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._thumb_width = thumb_width
        self._pages: PageSource | None = None
        self.page = 0
        self.zoom = 1.0
        self.fit_width = True
        self.rotation = 0
        self.shown_size = QSize()
        self._empty_text = empty_text
        self._refused_shown = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QHBoxLayout()
        self.where = QLabel()
        self.where.setAccessibleName("Page")
        self.bar.addWidget(self.where)
        self.bar.addStretch(1)
        self.zoom_out_button = QPushButton("Zoom out")
        self.zoom_out_button.setToolTip("Ctrl+-")
        self.zoom_in_button = QPushButton("Zoom in")
        self.zoom_in_button.setToolTip("Ctrl++")
        # Alt+W: Alt+F is the main window's File menu where this view is a pane of a page.
        self.fit_button = QPushButton("Fit &width")
        self.fit_button.setToolTip("Ctrl+0")
        self.rotate_button = QPushButton("Rotate")
        self.rotate_button.setToolTip("R turns right, Shift+R turns left")
        self.page_buttons = (
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.rotate_button,
        )
        for b in self.page_buttons:
            b.setAutoDefault(False)
            self.bar.addWidget(b)
        layout.addLayout(self.bar)
        self.message = StatusLabel()
        self.message.setAccessibleName("Viewer message")
        layout.addWidget(self.message)

        body = QHBoxLayout()
        self.thumbs = QListWidget()
        self.thumbs.setAccessibleName("Pages")
        self.thumbs.setFixedWidth(thumb_width + 40)
        # Each page's number under its picture, one column down the side.
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setSpacing(4)
        self.thumbs.setUniformItemSizes(True)
        self.thumbs.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # page keys answer in the view
        self.thumbs.currentRowChanged.connect(self._thumb_chosen)
        body.addWidget(self.thumbs)
        self.view = QLabel()
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setAccessibleName("Page view")
        self.view.setWordWrap(True)
        self.page_area = QScrollArea()
        self.page_area.setWidget(self.view)
        self.page_area.setWidgetResizable(True)
        self.page_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        body.addWidget(self.page_area, 1)
        layout.addLayout(body, 1)

        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_button.clicked.connect(self.fit)
        self.rotate_button.clicked.connect(lambda: self.rotate(90))

        self._next_thumb = 0
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setInterval(0)
        self._thumb_timer.timeout.connect(self._draw_thumbs)
        self.clear()

    def install_keys(self, owner: QWidget, context: Qt.ShortcutContext) -> None:
        """The page keys, on ``owner`` in ``context`` (the viewer: its whole window; a pane
        of a page: only while the cursor is in the pane)."""
        for keys, slot in (
            ("Ctrl++", self.zoom_in),
            ("Ctrl+=", self.zoom_in),
            ("Ctrl+-", self.zoom_out),
            ("Ctrl+0", self.fit),
            ("R", lambda: self.rotate(90)),
            ("Shift+R", lambda: self.rotate(-90)),
            ("PgDown", self.next_page),
            ("PgUp", self.previous_page),
            ("Home", lambda: self.go_to(0)),
            ("End", self.last_page),
        ):
            shortcut(keys, owner, slot, context)

    # ------------------------------------------------------------------ the document

    @property
    def pages(self) -> PageSource:
        assert self._pages is not None, "no document loaded"
        return self._pages

    @property
    def loaded(self) -> bool:
        return self._pages is not None

    def load(self, content: bytes, content_type: str) -> None:
        """Show the document in ``content`` from its first page. Raises (QtPdf, Pillow) when
        its file cannot be read; what was shown before is then cleared."""
        self.clear()
        pages = page_source(content, content_type)
        self._pages = pages
        self.page = 0
        self.rotation = 0
        first = pages.natural_size(0)
        width = self._thumb_width
        thumb = QSize(width, max(1, round(width * first.height() / first.width())))
        self.thumbs.setIconSize(thumb)
        # A fixed cell per page, so pictures drawn later do not overlap the blank ones.
        self.thumbs.setGridSize(QSize(width + 12, thumb.height() + 26))
        blank = QPixmap(thumb)
        blank.fill(Qt.GlobalColor.white)
        self.thumbs.blockSignals(True)
        for n in range(pages.count):
            self.thumbs.addItem(QListWidgetItem(QIcon(blank), f"{n + 1}"))
        self.thumbs.blockSignals(False)
        for b in self.page_buttons:
            b.setEnabled(True)
        self.go_to(0)
        self._thumb_timer.start()

    def clear(self) -> None:
        """Nothing shown (the empty text instead)."""
        self._thumb_timer.stop()
        self._pages = None
        self._next_thumb = 0
        self.thumbs.blockSignals(True)
        self.thumbs.clear()
        self.thumbs.blockSignals(False)
        self.view.clear()
        self.view.setText(self._empty_text)
        self.where.setText("")
        self.shown_size = QSize()
        self.message.clear_message()
        self._refused_shown = False
        for b in self.page_buttons:
            b.setEnabled(False)

    # ------------------------------------------------------------------ pages

    @property
    def thumbnails_drawn(self) -> int:
        return self._next_thumb

    def _draw_thumbs(self) -> None:
        if self._pages is None:
            self._thumb_timer.stop()
            return
        end = min(self._pages.count, self._next_thumb + THUMBS_PER_TURN)
        for n in range(self._next_thumb, end):
            try:
                image = edged(self._pages.thumbnail(n, self._thumb_width))
            except PageTooLarge:
                continue  # left blank; the page itself says why when shown
            item = self.thumbs.item(n)
            if item is not None:
                item.setIcon(QIcon(QPixmap.fromImage(image)))
        self._next_thumb = end
        if end >= self._pages.count:
            self._thumb_timer.stop()

    def _thumb_chosen(self, row: int) -> None:
        if row >= 0 and row != self.page:
            self.go_to(row)

    def go_to(self, index: int, *, at_end: bool = False) -> None:
        """Show page ``index`` from its top (from its bottom with ``at_end``: paging back
        into it, as a PDF reader does)."""
        if self._pages is None:
            return
        index = max(0, min(self._pages.count - 1, index))
        self.page = index
        self.where.setText(f"Page {index + 1} of {self._pages.count}")
        if self.thumbs.currentRow() != index:
            self.thumbs.setCurrentRow(index)
        self._show_page()
        # The scroll area learns the new page's height from a posted layout request: take it
        # now, so the scroll position set here is within the new page's range.
        QApplication.sendPostedEvents(self.page_area.viewport(), QEvent.Type.LayoutRequest)
        bar = self.page_area.verticalScrollBar()
        bar.setValue(bar.maximum() if at_end else bar.minimum())

    def _page_step(self) -> int:
        """How far PgUp/PgDn scroll within a page: a screenful less two lines, so the line
        read last stays in sight."""
        bar = self.page_area.verticalScrollBar()
        return max(bar.singleStep(), bar.pageStep() - 2 * bar.singleStep())

    def next_page(self) -> None:
        """PgDn: further down a page taller than the view; at its bottom, the next page."""
        bar = self.page_area.verticalScrollBar()
        if bar.value() < bar.maximum():
            bar.setValue(min(bar.maximum(), bar.value() + self._page_step()))
        elif self._pages is not None and self.page < self._pages.count - 1:
            self.go_to(self.page + 1)

    def previous_page(self) -> None:
        """PgUp: further up the page; at its top, the bottom of the page before."""
        bar = self.page_area.verticalScrollBar()
        if bar.value() > bar.minimum():
            bar.setValue(max(bar.minimum(), bar.value() - self._page_step()))
        elif self.page > 0:
            self.go_to(self.page - 1, at_end=True)

    def last_page(self) -> None:
        if self._pages is not None:
            self.go_to(self._pages.count - 1)

    def _target_width(self) -> int:
        natural = self.pages.natural_size(self.page)
        upright = self.rotation % 180 == 0
        if self.fit_width:
            room = max(200, self.page_area.viewport().width() - 16)
            if upright:
                return room
            # Turned on its side: the page's height is what must fit the width.
            return max(1, round(room * natural.width() / natural.height()))
        return max(1, round(natural.width() * self.zoom))

    def _show_page(self) -> None:
        if self._pages is None:
            return
        try:
            image: QImage = self._pages.render(self.page, self._target_width())
        except PageTooLarge as err:
            self.view.clear()
            self.shown_size = QSize()
            self.message.error(err.message)
            self._refused_shown = True
            return
        if self._refused_shown:  # another page's refusal
            self.message.clear_message()
            self._refused_shown = False
        if self.rotation:
            image = image.transformed(QTransform().rotate(self.rotation))
        self.view.setPixmap(QPixmap.fromImage(image))
        self.shown_size = image.size()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.fit_width:
            # After the layout has given the page view its new width, not before.
            QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self.fit_width:
            self._show_page()

    # ------------------------------------------------------------------ zoom and rotate

    def _current_zoom(self) -> float:
        if not self.fit_width:
            return self.zoom
        natural = self.pages.natural_size(self.page)
        return self._target_width() / max(1, natural.width())

    def zoom_in(self) -> None:
        if self._pages is None:
            return
        self.zoom = min(ZOOM_MAX, self._current_zoom() * ZOOM_STEP)
        self.fit_width = False
        self._show_page()

    def zoom_out(self) -> None:
        if self._pages is None:
            return
        self.zoom = max(ZOOM_MIN, self._current_zoom() / ZOOM_STEP)
        self.fit_width = False
        self._show_page()

    def fit(self) -> None:
        self.fit_width = True
        self._show_page()

    def rotate(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._show_page()
