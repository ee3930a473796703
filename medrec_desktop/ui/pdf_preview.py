"""Print preview of a PDF we made (issue 14): the reportlab file itself, drawn by QtPdf, so
what is previewed, printed and sent are one and the same bytes. Pages scroll (PgUp/PgDn),
Ctrl+plus / Ctrl+minus zoom, Ctrl+0 fits the width; Print… (Ctrl+P) asks for a real printer
(never "print to file": that would be an unrecorded export), then ``record_print`` records the
print (an audited service call) before a page is drawn; a refused record prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.printing import print_pdf, printer_from_dialog
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel

ZOOM_STEP = 1.25


class PdfPreviewDialog(QDialog):
    def __init__(
        self,
        data: bytes,
        *,
        title: str,
        job_name: str,
        record_print: Callable[[int], None],
        parent: QWidget | None = None,
    ) -> None:
        """``title``: the window's title (may name the patient: it stays on this screen);
        ``job_name``: the printer queue's name for the job (never the patient's);
        ``record_print(pages)`` records the print and raises to refuse it."""
        super().__init__(parent)
        self.data = data
        self._job_name = job_name
        self._record_print = record_print
        # How the printer is chosen; tests put their own in (the system dialog blocks).
        self.ask_printer: Callable[[], QPrinter | None] = lambda: printer_from_dialog(
            self, job_name
        )
        self.printed_pages = 0
        self.setWindowTitle(title)
        self.resize(900, 1000)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("Print preview")
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        self.message = StatusLabel()
        self.message.setAccessibleName("Print message")
        layout.addWidget(self.message)
        row = QHBoxLayout()
        pages = self.document.pageCount()
        self.pages_label = QLabel(f"{pages} page{'s' if pages != 1 else ''}")
        row.addWidget(self.pages_label)
        row.addStretch(1)
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Choose the printer (Ctrl+P); the print is recorded")
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the preview (Esc)")
        for b in (self.print_button, self.close_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_document)
        self.close_button.clicked.connect(self.reject)
        window = Qt.ShortcutContext.WindowShortcut
        shortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_document, window)
        shortcut(
            QKeySequence(QKeySequence.StandardKey.ZoomIn),
            self,
            lambda: self.zoom(ZOOM_STEP),
            window,
        )
        shortcut(
            QKeySequence(QKeySequence.StandardKey.ZoomOut),
            self,
            lambda: self.zoom(1 / ZOOM_STEP),
            window,
        )
        shortcut("Ctrl+0", self, self.fit_width, window)
        if self.document.status() != QPdfDocument.Status.Ready:
            self.print_button.setEnabled(False)
            self.message.error("The document could not be shown; nothing can be printed.")
        self.view.setFocus()

    def zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def print_document(self) -> None:
        if not self.print_button.isEnabled():
            return
        printer = self.ask_printer()
        if printer is None:
            return  # cancelled: nothing printed, nothing recorded
        pages = self.document.pageCount()
        try:
            self._record_print(pages)
        except KnownError as err:  # refused (role, a break-glass grant run out): not printed
            self.message.error(err.message)
            return
        try:
            self.printed_pages = print_pdf(self.data, printer)
        except (OSError, ValueError):
            # Recorded already (the printer was chosen): say so rather than pretend.
            self.message.error(
                "The printer could not print the document. The print was recorded; check the "
                "printer and print again (that is recorded too)."
            )
            return
        self.message.info(f"Sent {self.printed_pages} pages to the printer.")
