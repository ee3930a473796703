"""Splitting a multi-page scan into several documents (a batch of letters scanned at once):
the pages as thumbnails; the user marks each page where a new part starts (arrows to a
page, S or Space to mark or unmark it), sees the parts it makes ("Part 1: pages 1-3 · Part
2: pages 4-5") and splits. Each part then waits in the inbox on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import ConflictError, KnownError, ValidationError
from medrec_desktop.ui.documents.page_view import edged
from medrec_desktop.ui.documents.pages import PageSource, PageTooLarge
from medrec_desktop.ui.inbox.texts import parts_from_starts, parts_text, range_text
from medrec_desktop.ui.widgets.status import StatusLabel

THUMB_WIDTH = 132
#: drawn per turn of the event loop, so keys stay answered while a long scan fills in
THUMBS_PER_TURN = 4
MARK_KEYS = (Qt.Key.Key_S, Qt.Key.Key_Space)
CUT_COLOR = QColor(176, 0, 32)
Parts = list[tuple[int, int]]


class SplitDialog(QDialog):
    """``submit(parts)`` asks the service to split; ``refused`` shows its answer."""

    def __init__(
        self,
        what: str,
        pages: PageSource,
        submit: Callable[[Parts], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.pages = pages
        self.starts: set[int] = set()  # 1-based pages where a new part starts (not page 1)
        self.setWindowTitle("Split a scan into parts")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"“{what}”: mark each page where a new document starts. Arrow keys move between "
            "pages; S or Space marks or unmarks the page. Each part waits in the inbox on "
            "its own, to be filed or marked not ours."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        first = pages.natural_size(0)
        self._thumb = QSize(
            THUMB_WIDTH, max(1, round(THUMB_WIDTH * first.height() / first.width()))
        )
        self.thumbs = QListWidget()
        self.thumbs.setAccessibleName("Pages of the scan")
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.LeftToRight)
        self.thumbs.setWrapping(True)
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setIconSize(self._thumb)
        # Room for the page's number and its mark on two lines under the picture.
        self.thumbs.setGridSize(QSize(THUMB_WIDTH + 28, self._thumb.height() + 48))
        self.thumbs.setSpacing(6)
        self.thumbs.setWordWrap(True)
        self._pictures: list[QPixmap] = []
        blank = QPixmap(self._thumb)
        blank.fill(Qt.GlobalColor.white)
        for _ in range(pages.count):
            self._pictures.append(blank)
            self.thumbs.addItem(QListWidgetItem())
        self.thumbs.installEventFilter(self)
        self.thumbs.itemDoubleClicked.connect(lambda item: self.toggle(self.thumbs.row(item) + 1))
        layout.addWidget(self.thumbs, 1)

        self.parts_label = QLabel()
        self.parts_label.setAccessibleName("Parts")
        self.parts_label.setWordWrap(True)
        self.parts_label.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.parts_label)
        self.error = StatusLabel()
        self.error.setAccessibleName("Split problem")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.mark_button = QPushButton("&Mark: a new part starts here")
        self.mark_button.setToolTip("S or Space on the chosen page")
        self.mark_button.clicked.connect(self.toggle_current)
        buttons.addWidget(self.mark_button)
        buttons.addStretch(1)
        self.split_button = QPushButton()
        self.cancel_button = QPushButton("Cancel")
        for b in (self.mark_button, self.split_button, self.cancel_button):
            b.setAutoDefault(False)
            b.setDefault(False)
        buttons.addWidget(self.split_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.split_button.clicked.connect(self.split)
        self.cancel_button.clicked.connect(self.reject)

        self._next = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._draw)
        self._timer.start()
        self._show_marks()
        self.thumbs.setCurrentRow(0)
        self.thumbs.setFocus()
        self.resize(900, 560)

    # ------------------------------------------------------------------ pictures

    @property
    def thumbnails_drawn(self) -> int:
        return self._next

    def _draw(self) -> None:
        end = min(self.pages.count, self._next + THUMBS_PER_TURN)
        for n in range(self._next, end):
            try:
                picture = self.pages.thumbnail(n, THUMB_WIDTH)
            except PageTooLarge:
                continue  # an image page too large to decode stays blank
            self._pictures[n] = QPixmap.fromImage(edged(picture))
            self._show_item(n)
        self._next = end
        if end >= self.pages.count:
            self._timer.stop()

    def _show_item(self, n: int) -> None:
        """Page ``n`` (0-based): its picture, with a red bar down its left edge and
        "✂ Part k starts" under it (words as well as the bar) where a part starts."""
        item = self.thumbs.item(n)
        if item is None:
            return
        page = n + 1
        picture = self._pictures[n]
        if page in self.starts:
            picture = picture.copy()
            painter = QPainter(picture)
            painter.setPen(QPen(CUT_COLOR, 8))
            painter.drawLine(4, 0, 4, picture.height())
            painter.end()
        item.setIcon(QIcon(picture))
        part = self._part_of(page)
        starts = page == 1 or page in self.starts
        mark = f"\n✂ Part {part} starts" if starts and self.starts else ""
        item.setText(f"Page {page}{mark}")
        item.setToolTip(
            f"Page {page}, part {part}"
            + (": a new part starts here" if page in self.starts else "")
        )

    def _part_of(self, page: int) -> int:
        return 1 + sum(1 for s in self.starts if s <= page)

    # ------------------------------------------------------------------ marking

    def parts(self) -> Parts:
        return parts_from_starts(self.starts, self.pages.count)

    def toggle_current(self) -> None:
        self.toggle(self.thumbs.currentRow() + 1)

    def toggle(self, page: int) -> None:
        """Mark or unmark ``page`` (1-based) as the start of a new part; page 1 always
        starts the first part."""
        if page < 1 or page > self.pages.count:
            return
        if page == 1:
            self.error.info(
                "Page 1 always starts the first part: mark the page where the next starts."
            )
            return
        self.error.clear_message()
        self.starts.symmetric_difference_update({page})
        self._show_marks()

    def _show_marks(self) -> None:
        for n in range(self.pages.count):
            self._show_item(n)
        parts = self.parts()
        if len(parts) < 2:
            self.parts_label.setText(
                f"One part: {range_text(*parts[0])}. Mark the page where the next part starts."
            )
            self.split_button.setText("&Split (mark a page first)")
            self.split_button.setEnabled(False)
        else:
            self.parts_label.setText(parts_text(parts))
            self.split_button.setText(f"&Split into {len(parts)} parts")
            self.split_button.setEnabled(True)

    # ------------------------------------------------------------------ splitting

    def split(self) -> None:
        parts = self.parts()
        if len(parts) < 2 or not self.split_button.isEnabled():
            return
        self.error.clear_message()
        self.split_button.setEnabled(False)
        self._submit(parts)

    def refused(self, err: BaseException) -> None:
        """The service said no: explain, keep the marks."""
        if isinstance(err, ConflictError):
            self.error.error(err.message)
            self.cancel_button.setText("Close")
            return
        self.split_button.setEnabled(True)
        if isinstance(err, ValidationError | KnownError):
            self.error.error(err.message)
        else:
            raise err

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.thumbs
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in MARK_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.toggle_current()
            return True
        return super().eventFilter(watched, event)
