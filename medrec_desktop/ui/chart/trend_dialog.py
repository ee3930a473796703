"""The trend dialog: the plot, what it shows in words, Print… (Ctrl+P) and Save as PDF…; Esc
closes it.

A page of it (title, the patient's identifiers, the plot, a footer saying who made the page
and when) is drawn with one painter on paper or into a PDF kept in memory: nothing is
written to a temporary file. Printing and saving are recorded first (``inst.trends``:
print, export); only once that succeeds is the page made, and a role that may not export
has no Save button.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.trends import Trend
from medrec_desktop.security import permissions
from medrec_desktop.ui.chart.trend_plot import MARKERS, NORMAL, TrendPlot, range_text, value_text
from medrec_desktop.ui.printing import printer_from_dialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel

CONFIDENTIAL = "Confidential patient information. Do not leave unattended."
PDF_DPI = 300


def summary_text(trend: Trend) -> str:
    """ "14 readings from 03/02/2020 to 11/20/2026; latest 128 mmHg on 11/20/2026.
    Reference range 90–120 mmHg (shaded)." """
    points = trend.points
    if not points:
        return "No readings recorded."
    first, last = points[0].at.astimezone(), points[-1].at.astimezone()
    count = f"{len(points)} reading{'s' if len(points) != 1 else ''}"
    said = (
        f"{count} from {first:%m/%d/%Y} to {last:%m/%d/%Y}; "
        f"latest {value_text(points[-1].value, trend.unit)} on {last:%m/%d/%Y}."
    )
    band = range_text(trend)
    return said + (f" Reference range {band} (shaded)." if band else "")


def key_text(plot: TrendPlot) -> str:
    """The markers this plot uses, in words: "● within range  ▲ high  ◆ low"."""
    return "   ".join(
        f"{m.symbol} {m.name.lower() if m is not NORMAL else 'within range'}"
        for m in MARKERS
        if m.key in plot.markers
    )


def _paper_font(base: QFont, points: float, *, bold: bool = False) -> QFont:
    """A font for the page. Without ligatures: the PDF's text is searched and copied, and
    "ﬁ" drawn as one glyph reads back as a character nobody types."""
    font = QFont(base)
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setFeature(QFont.Tag("liga"), 0)
    return font


class TrendDialog(QDialog):
    def __init__(
        self,
        trend: Trend,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        patient_id: PatientId,
        what: str,
        subject: str,
        parent: QWidget | None = None,
    ) -> None:
        """``what`` names the trend by its key for the audit trail ("vital:pulse");
        ``subject`` is the patient's identifiers, printed on the page."""
        super().__init__(parent)
        self.trend = trend
        self._services, self._runner, self._session = services, runner, session
        self._patient_id, self._what, self.subject = patient_id, what, subject
        self.setWindowTitle(f"{trend.title}: trend")
        self.resize(960, 620)
        # How the user chooses a printer and a file; tests put their own in (the system's
        # dialogs are modal and belong to the platform).
        self.ask_printer: Callable[[], QPrinter | None] = self._printer_from_dialog
        self.ask_pdf_path: Callable[[], Path | None] = self._path_from_dialog
        layout = QVBoxLayout(self)
        self.heading = QLabel(trend.title)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.who = QLabel(subject)
        self.who.setAccessibleName("Patient")
        self.summary = QLabel(summary_text(trend))
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        layout.addWidget(self.heading)
        layout.addWidget(self.who)
        layout.addWidget(self.summary)
        self.plot = TrendPlot(trend)
        self.plot.setAccessibleDescription(self.summary.text())
        layout.addWidget(self.plot, 1)
        self.hint = QLabel(
            "Point at a reading, or click the plot and use ← and →, to read its value and "
            "time.   " + key_text(self.plot)
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.hint)
        self.message = StatusLabel()
        self.message.setAccessibleName("Trend message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print this plot (Ctrl+P)")
        self.print_button.clicked.connect(self.print_plot)
        self.pdf_button = QPushButton("Save as P&DF…")
        self.pdf_button.setToolTip("Save this plot as a PDF file (recorded as an export)")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.pdf_button.setVisible(
            permissions.allowed(session.role, Action.EXPORT, DataCategory.CLINICAL)
        )
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        shortcut(
            QKeySequence(QKeySequence.StandardKey.Print),
            self,
            self.print_plot,
            Qt.ShortcutContext.WindowShortcut,  # the dialog is its own window
        )
        self.plot.setFocus()

    # ------------------------------------------------------------------ the page

    def paint_page(self, painter: QPainter, page: QRectF, made: str) -> None:
        """One page: the title, the patient, the summary, the plot, then the footer."""
        unit = page.height() / 100  # layout in hundredths of the page's height
        title_font = _paper_font(self.font(), 16, bold=True)
        body_font = _paper_font(self.font(), 10)
        painter.setPen(QColor("black"))
        painter.setFont(title_font)
        top = page.top()
        painter.drawText(QRectF(page.left(), top, page.width(), 7 * unit), self.trend.title)
        painter.setFont(body_font)
        painter.drawText(QRectF(page.left(), top + 7 * unit, page.width(), 5 * unit), self.subject)
        painter.drawText(
            QRectF(page.left(), top + 12 * unit, page.width(), 5 * unit),
            summary_text(self.trend),
        )
        chart_area = QRectF(page.left(), top + 18 * unit, page.width(), 74 * unit)
        plot = self.plot
        plot.hide_point()
        # Black on white on paper whatever the screen's palette, then back.
        plot.apply_colors(QColor("white"), QColor("black"))
        try:
            plot.render(painter, chart_area, plot.viewport().rect())
        finally:
            plot.apply_colors(plot.palette().base().color(), plot.palette().text().color())
        painter.setFont(body_font)
        painter.drawText(
            QRectF(page.left(), page.bottom() - 5 * unit, page.width(), 5 * unit),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            f"{made}. {CONFIDENTIAL}",
        )

    def _made(self, how: str) -> str:
        return f"{how} by {self._session.display_name} on {dt.datetime.now():%m/%d/%Y %H:%M}"

    def render_to(self, device: QPagedPaintDevice, how: str) -> None:
        """Draw the page on a printer or PDF writer (landscape, half-inch margins)."""
        layout = QPageLayout(
            device.pageLayout().pageSize(),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12.7, 12.7, 12.7, 12.7),
            QPageLayout.Unit.Millimeter,
        )
        device.setPageLayout(layout)
        painter = QPainter()
        if not painter.begin(device):
            raise OSError("the printer could not be started")
        try:
            page = QRectF(device.pageLayout().paintRectPixels(device.logicalDpiX()))
            self.paint_page(painter, page.translated(-page.topLeft()), self._made(how))
        finally:
            painter.end()

    def pdf_bytes(self) -> bytes:
        """The page as a PDF, made in memory."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        writer.setResolution(PDF_DPI)
        writer.setTitle(self.trend.title)
        writer.setCreator("medrec-desktop")
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
        self.render_to(writer, "Saved")
        del writer  # finishes the document
        data = bytes(buffer.data().data())
        buffer.close()
        return data

    # ------------------------------------------------------------------ print and save

    def print_plot(self) -> None:
        printer = self.ask_printer()
        if printer is None:
            return
        self._recorded(
            lambda: self._services.inst.trends.printed(self._session, self._patient_id, self._what),
            lambda: self._print_on(printer),
        )

    def _print_on(self, printer: QPrinter) -> None:
        printer.setDocName(self.trend.title)
        self.render_to(printer, "Printed")
        self.message.ok("Sent to the printer.")

    def save_pdf(self) -> None:
        if not self.pdf_button.isVisible():
            return
        path = self.ask_pdf_path()
        if path is None:
            return
        self._recorded(
            lambda: self._services.inst.trends.exported(
                self._session, self._patient_id, self._what
            ),
            lambda: self._write(path),
        )

    def _write(self, path: Path) -> None:
        data = self.pdf_bytes()
        try:
            # Owner-only, like every file the program writes; the user chose where it goes.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as err:
            self.message.error(f"The PDF could not be saved there: {err.strerror}.")
            return
        self.message.ok(f"Saved as {path.name}.")

    def _recorded(self, record: Callable[[], None], then: Callable[[], None]) -> None:
        """Record the print or export, then make the page; a refusal is shown instead."""

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            self.message.error(err.message)

        self.message.info("Recording…")
        Op(self, record, runner=self._runner, key="release").success(lambda _r: then()).failure(
            failed
        ).run()

    def _printer_from_dialog(self) -> QPrinter | None:
        # a real printer only: "print to file" would be an unrecorded export
        return printer_from_dialog(self, self.trend.title)

    def _path_from_dialog(self) -> Path | None:
        # The suggested name says what, never who: file names travel further than files.
        # Qt's dialog, not the system's: the system's would list the saved file (patient
        # data) in the desktop's "recent files" (ui/widgets/file_dialogs.py).
        return save_file_path(
            self, "Save the trend as PDF", "PDF files (*.pdf)", f"{self.trend.title} trend.pdf"
        )
