"""Printing a PDF we made (reportlab) through Qt: what prints is exactly what would be saved."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSizeF
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget


def print_pdf(data: bytes, printer: QPrinter) -> int:
    """Render every page of the PDF in ``data`` onto ``printer``; returns the pages printed.

    The PDF stays in memory: nothing (a recovery key, a record) is written to a temp file.
    """
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument()
    doc.load(buffer)
    if doc.status() != QPdfDocument.Status.Ready:
        raise ValueError("the document could not be read for printing")
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        dpi = printer.resolution()
        target = printer.pageLayout().paintRectPixels(dpi)
        for page in range(doc.pageCount()):
            if page:
                printer.newPage()
            size_pt: QSizeF = doc.pagePointSize(page)
            scale = min(target.width() / size_pt.width(), target.height() / size_pt.height())
            image = doc.render(page, (size_pt * scale).toSize())
            painter.drawImage(0, 0, image)
    finally:
        painter.end()
    return doc.pageCount()


def printer_from_dialog(parent: QWidget, title: str) -> QPrinter | None:
    """The system print dialog for a real printer, or None if the user cancelled.

    "Print to file" is not offered: a print is audited as a print, and a file written from
    here would be an export nobody recorded. ``title`` names the job in the printer's queue
    (kept on the print server): it must not name the patient."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted or printer.outputFileName():
        return None
    return printer


def ask_and_print(parent: QWidget, data: bytes, title: str) -> bool:
    """The system print dialog, then print. False if the user cancelled."""
    printer = printer_from_dialog(parent, title)
    if printer is None:
        return False
    print_pdf(data, printer)
    return True
