"""The document viewer: page thumbnails down the side, the page itself beside them, zoom
(Ctrl++ / Ctrl+- / fit width), rotate (R / Shift+R), pages (PgUp / PgDn scroll through a page
taller than the view and turn it at its edge, as a PDF reader does; Home / End) and an
audited print (Ctrl+P).

The bytes arrive from an audited view (``DocumentService.open_file``) and stay in memory; the
first page is shown at once and the thumbnails are drawn a few at a time afterwards, so a long
document opens as fast as a short one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap, QTransform
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
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

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.pages import PageSource, PageTooLarge, page_source
from medrec_desktop.ui.printing import printer_from_dialog
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel

THUMB_WIDTH = 96
#: thumbnails drawn per turn of the event loop: keys stay answered while a long PDF fills in
THUMBS_PER_TURN = 4
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 4.0


class DocumentViewer(QDialog):
    def __init__(
        self,
        title: str,
        file: DocumentFile,
        *,
        print_file: Callable[
            [Callable[[DocumentFile], None], Callable[[BaseException], None]], None
        ]
        | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``print_file(done, failed)`` records the audited print (on the runner) and calls
        ``done`` with the bytes as read for printing; None hides the Print button."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.file = file
        self.pages: PageSource = page_source(file.content, file.content_type)
        self.page = 0
        self.zoom = 1.0
        self.fit_width = True
        self.rotation = 0
        self._print_file = print_file
        self._refused_shown = False
        # How the user chooses a printer; tests put their own in (the system's dialog blocks).
        self.ask_printer: Callable[[], QPrinter | None] = self._printer_from_dialog

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.where = QLabel()
        self.where.setAccessibleName("Page")
        bar.addWidget(self.where)
        bar.addStretch(1)
        self.zoom_out_button = QPushButton("Zoom out")
        self.zoom_out_button.setToolTip("Ctrl+-")
        self.zoom_in_button = QPushButton("Zoom in")
        self.zoom_in_button.setToolTip("Ctrl++")
        self.fit_button = QPushButton("&Fit width")
        self.rotate_button = QPushButton("Rotate")
        self.rotate_button.setToolTip("R turns right, Shift+R turns left")
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print this document (Ctrl+P); the print is recorded")
        self.close_button = QPushButton("Close")
        for b in (
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.rotate_button,
            self.print_button,
            self.close_button,
        ):
            b.setAutoDefault(False)
            bar.addWidget(b)
        self.print_button.setVisible(print_file is not None)
        layout.addLayout(bar)
        self.message = StatusLabel()
        self.message.setAccessibleName("Viewer message")
        layout.addWidget(self.message)

        body = QHBoxLayout()
        self.thumbs = QListWidget()
        self.thumbs.setAccessibleName("Pages")
        first = self.pages.natural_size(0)
        thumb = QSize(THUMB_WIDTH, max(1, round(THUMB_WIDTH * first.height() / first.width())))
        self.thumbs.setIconSize(thumb)
        self.thumbs.setFixedWidth(THUMB_WIDTH + 40)
        # Each page's number under its picture, one column down the side.
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setSpacing(4)
        # A fixed cell per page, so pictures drawn later do not overlap the blank ones.
        self.thumbs.setGridSize(QSize(THUMB_WIDTH + 12, thumb.height() + 26))
        self.thumbs.setUniformItemSizes(True)
        blank = QPixmap(thumb)
        blank.fill(Qt.GlobalColor.white)
        self.thumbs.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # page keys answer in the view
        for n in range(self.pages.count):
            self.thumbs.addItem(QListWidgetItem(QIcon(blank), f"{n + 1}"))
        self.thumbs.currentRowChanged.connect(self._thumb_chosen)
        body.addWidget(self.thumbs)
        self.view = QLabel()
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setAccessibleName("Page view")
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
        self.print_button.clicked.connect(self.print_document)
        self.close_button.clicked.connect(self.accept)
        window = Qt.ShortcutContext.WindowShortcut
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
            ("End", lambda: self.go_to(self.pages.count - 1)),
            ("Ctrl+P", self.print_document),
        ):
            shortcut(keys, self, slot, window)

        self._next_thumb = 0
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setInterval(0)
        self._thumb_timer.timeout.connect(self._draw_thumbs)
        self.resize(980, 760)
        self.go_to(0)
        self._thumb_timer.start()
        self.page_area.setFocus()

    # ------------------------------------------------------------------ pages

    @property
    def thumbnails_drawn(self) -> int:
        return self._next_thumb

    def _draw_thumbs(self) -> None:
        end = min(self.pages.count, self._next_thumb + THUMBS_PER_TURN)
        for n in range(self._next_thumb, end):
            try:
                drawn = self.pages.thumbnail(n, THUMB_WIDTH)
            except PageTooLarge:
                continue  # left blank; the page itself says why when shown
            image = drawn.convertToFormat(QImage.Format.Format_ARGB32)
            # A thin edge: a white page on the white list would have none.
            painter = QPainter(image)
            painter.setPen(QColor(160, 160, 160))
            painter.drawRect(0, 0, image.width() - 1, image.height() - 1)
            painter.end()
            item = self.thumbs.item(n)
            if item is not None:
                item.setIcon(QIcon(QPixmap.fromImage(image)))
        self._next_thumb = end
        if end >= self.pages.count:
            self._thumb_timer.stop()

    def _thumb_chosen(self, row: int) -> None:
        if row >= 0 and row != self.page:
            self.go_to(row)

    def go_to(self, index: int, *, at_end: bool = False) -> None:
        """Show page ``index`` from its top (from its bottom with ``at_end``: paging back
        into it, as a PDF reader does)."""
        index = max(0, min(self.pages.count - 1, index))
        self.page = index
        self.where.setText(f"Page {index + 1} of {self.pages.count}")
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
        elif self.page < self.pages.count - 1:
            self.go_to(self.page + 1)

    def previous_page(self) -> None:
        """PgUp: further up the page; at its top, the bottom of the page before."""
        bar = self.page_area.verticalScrollBar()
        if bar.value() > bar.minimum():
            bar.setValue(max(bar.minimum(), bar.value() - self._page_step()))
        elif self.page > 0:
            self.go_to(self.page - 1, at_end=True)

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
        try:
            image: QImage = self.pages.render(self.page, self._target_width())
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

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)  # type: ignore[arg-type]
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
        self.zoom = min(ZOOM_MAX, self._current_zoom() * ZOOM_STEP)
        self.fit_width = False
        self._show_page()

    def zoom_out(self) -> None:
        self.zoom = max(ZOOM_MIN, self._current_zoom() / ZOOM_STEP)
        self.fit_width = False
        self._show_page()

    def fit(self) -> None:
        self.fit_width = True
        self._show_page()

    def rotate(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._show_page()

    # ------------------------------------------------------------------ print

    def print_document(self) -> None:
        if self._print_file is None:
            return
        printer = self.ask_printer()
        if printer is None:
            return
        self.message.info("Recording the print…")

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            self.message.error(err.message)

        self._print_file(lambda file: self._print_on(printer, file), failed)

    def _print_on(self, printer: QPrinter, file: DocumentFile) -> None:
        pages = page_source(file.content, file.content_type)
        painter = QPainter()
        if not painter.begin(printer):
            self.message.error("The printer could not be started.")
            return
        try:
            area = painter.viewport()
            for n in range(pages.count):
                if n:
                    printer.newPage()
                try:
                    image = pages.render(n, area.width())
                except PageTooLarge as err:
                    printer.abort()
                    self.message.error(f"Nothing was printed. {err.message}")
                    return
                scaled = image.scaled(
                    area.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                painter.drawImage(0, 0, scaled)
        finally:
            painter.end()
        self.message.ok(f"Sent {pages.count} page(s) to the printer.")

    def _printer_from_dialog(self) -> QPrinter | None:
        # the job's name stays in the print server's logs: never the patient's or file's name
        return printer_from_dialog(self, "medrec-desktop document")
