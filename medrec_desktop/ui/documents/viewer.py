"""The document viewer: page thumbnails down the side, the page itself beside them, zoom
(Ctrl++ / Ctrl+- / fit width), rotate (R / Shift+R), pages (PgUp / PgDn, Home / End) and an
audited print (Ctrl+P).

The bytes arrive from an audited view (``DocumentService.open_file``) and stay in memory; the
pages are shown by ``page_view.PageView`` (the scanner inbox's preview shows them the same way).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.page_view import PageView
from medrec_desktop.ui.documents.pages import PageSource, PageTooLarge, page_source
from medrec_desktop.ui.printing import printer_from_dialog
from medrec_desktop.ui.widgets.shortcuts import shortcut


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
        self._print_file = print_file
        # How the user chooses a printer; tests put their own in (the system's dialog blocks).
        self.ask_printer: Callable[[], QPrinter | None] = self._printer_from_dialog

        layout = QVBoxLayout(self)
        self.pane = PageView(parent=self)
        self.pane.load(file.content, file.content_type)
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print this document (Ctrl+P); the print is recorded")
        self.close_button = QPushButton("Close")
        for b in (self.print_button, self.close_button):
            b.setAutoDefault(False)
            self.pane.bar.addWidget(b)
        self.print_button.setVisible(print_file is not None)
        layout.addWidget(self.pane, 1)
        # The pane's parts, as the viewer's callers and tests name them.
        self.where, self.thumbs = self.pane.where, self.pane.thumbs
        self.page_area, self.message = self.pane.page_area, self.pane.message

        self.print_button.clicked.connect(self.print_document)
        self.close_button.clicked.connect(self.accept)
        window = Qt.ShortcutContext.WindowShortcut
        self.pane.install_keys(self, window)
        shortcut("Ctrl+P", self, self.print_document, window)
        self.resize(980, 760)
        self.page_area.setFocus()

    # ------------------------------------------------------------------ the pane's state

    @property
    def pages(self) -> PageSource:
        return self.pane.pages

    @property
    def page(self) -> int:
        return self.pane.page

    @property
    def rotation(self) -> int:
        return self.pane.rotation

    @property
    def shown_size(self) -> QSize:
        return self.pane.shown_size

    @property
    def thumbnails_drawn(self) -> int:
        return self.pane.thumbnails_drawn

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
