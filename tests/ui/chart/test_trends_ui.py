"""A vital sign's trend from the vitals list, by keyboard: the readings, the normal band and
the abnormal ones marked by shape; pointing at a reading (or ← →) reads its value and local
time; Save as PDF writes a readable PDF with the title and the patient, Ctrl+P prints, both
recorded; Esc closes, and so does locking the workstation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.chart.trend_dialog import TrendDialog
from medrec_desktop.ui.chart.trend_plot import TrendPlot
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle
from tests.ui.chart.form_keys import ALT, CTRL, open_list

FIRST = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
PULSES = (72, 104, 88, 51, 66)


def _with_pulses(populated: Clinic) -> int:
    nurse = populated.sessions[Role.NURSE]
    okafor = populated.inst.patients.search(nurse, "okafor")[0]
    for n, pulse in enumerate(PULSES):
        taken = FIRST + dt.timedelta(days=30 * n)
        populated.inst.vitals.add(nurse, okafor.id, VitalsInput(taken_at=taken, pulse=str(pulse)))
    return okafor.id


def _open_trend(qtbot: QtBot, w: MainWindow, letter: Qt.Key) -> TrendDialog:
    page = open_list(qtbot, w, Qt.Key.Key_6, "vitals")  # Ctrl+6
    qtbot.waitUntil(lambda: page.model.rowCount() == len(PULSES), timeout=WAIT)
    [button] = page.action_buttons
    key(qtbot, Qt.Key.Key_N, ALT)  # Tre&nd…: the menu of the signs
    menu = button.menu()
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    qtbot.keyClick(menu, letter)
    qtbot.waitUntil(lambda: page.findChild(TrendDialog) is not None, timeout=WAIT)
    dialog = page.findChild(TrendDialog)
    assert isinstance(dialog, TrendDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    return dialog


def test_the_trend_shows_the_readings_the_band_and_reads_a_point(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    _with_pulses(populated)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    dialog = _open_trend(qtbot, w, Qt.Key.Key_P)  # &Pulse
    plot = dialog.plot
    assert isinstance(plot, TrendPlot)
    assert dialog.heading.text() == "Pulse"
    assert dialog.who.text().startswith("Okafor, Chidi · born 07/01/1990 · MRN ")
    assert "5 readings from 03/02/2026 to 06/30/2026" in dialog.summary.text()
    assert "Reference range 60–100 beats/min (shaded)" in dialog.summary.text()
    assert [p.y() for p in plot.line.points()] == list(PULSES)
    assert plot.band is not None
    upper, lower = plot.band.upperSeries(), plot.band.lowerSeries()
    assert upper is not None and lower is not None
    assert {p.y() for p in upper.points()} == {100} and {p.y() for p in lower.points()} == {60}
    # Abnormal readings by shape, not colour alone: a triangle high, a diamond low.
    assert [p.y() for p in plot.markers["normal"].points()] == [72, 88, 66]
    high, low = plot.markers["high"], plot.markers["low"]
    assert [p.y() for p in high.points()] == [104] and [p.y() for p in low.points()] == [51]
    assert high.markerShape() != low.markerShape() != plot.markers["normal"].markerShape()
    assert "▲ high" in dialog.hint.text() and "◆ low" in dialog.hint.text()

    # Pointing at a reading reads it, in local time.
    qtbot.waitUntil(lambda: plot.viewport().width() > 400, timeout=WAIT)
    # The offscreen platform moves "the mouse" into the first window under it: the dialog
    # is put beside the main window, as a user would drag it, so the pointer lands on it.
    dialog.move(w.frameGeometry().right() + 40, 0)
    qtbot.waitUntil(lambda: dialog.pos().x() > w.frameGeometry().right(), timeout=WAIT)
    qtbot.mouseMove(plot.viewport(), plot.position_of(1).toPoint())
    qtbot.waitUntil(lambda: plot.callout_text != "", timeout=WAIT)
    taken = (FIRST + dt.timedelta(days=30)).astimezone()
    assert plot.callout_text == f"104 beats/min  ▲ high\n{taken:%m/%d/%Y %H:%M}"
    # And by keyboard: the cursor is on the plot, ← and → move along the readings.
    assert focused() is plot
    key(qtbot, Qt.Key.Key_Right)
    assert plot.callout_text.startswith("88 beats/min\n")
    key(qtbot, Qt.Key.Key_End)
    assert plot.callout_text.startswith("66 beats/min\n")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_save_as_pdf_and_print_are_recorded_and_readable(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    pid = _with_pulses(populated)
    w = chart_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    dialog = _open_trend(qtbot, w, Qt.Key.Key_P)
    saved_to = tmp_path / "pulse.pdf"
    dialog.ask_pdf_path = lambda: saved_to
    key(qtbot, Qt.Key.Key_D, ALT)  # Save as P&DF…
    qtbot.waitUntil(lambda: dialog.message.message == "Saved as pulse.pdf.", timeout=WAIT)
    assert saved_to.stat().st_mode & 0o077 == 0  # the owner's only
    reader = PdfReader(saved_to)
    assert len(reader.pages) == 1
    words = " ".join(reader.pages[0].extract_text().split())
    assert words.startswith("Pulse")
    assert "Okafor, Chidi" in words and "MRN" in words
    assert "5 readings from 03/02/2026" in words
    assert "Confidential patient information" in words
    assert reader.metadata is not None and reader.metadata.title == "Pulse"

    printed_to = tmp_path / "printer.pdf"

    def printer() -> QPrinter:
        # A PDF printer stands in for the paper one (the print dialog is the system's).
        chosen = QPrinter(QPrinter.PrinterMode.HighResolution)
        chosen.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        chosen.setOutputFileName(str(printed_to))
        chosen.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
        return chosen

    dialog.ask_printer = printer
    key(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: dialog.message.message == "Sent to the printer.", timeout=WAIT)
    paper = " ".join(PdfReader(printed_to).pages[0].extract_text().split())
    assert paper.startswith("Pulse Okafor, Chidi") and "Printed by Test Provider" in paper
    provider = populated.sessions[Role.PROVIDER]
    events = populated.inst.audit.events(populated.admin, AuditFilter(patient_id=pid), limit=2)
    assert [(e.entry_point, e.username, e.detail) for e in events] == [
        ("TrendService.exported", provider.username, "trend plot vital:pulse saved as PDF"),
        ("TrendService.printed", provider.username, "trend plot vital:pulse printed"),
    ]
    dialog.close()
    settle(qtbot, w)


def test_a_role_that_may_not_export_prints_only(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    _with_pulses(populated)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    dialog = _open_trend(qtbot, w, Qt.Key.Key_S)  # &Systolic: none recorded
    assert dialog.summary.text() == "No readings recorded."
    assert dialog.plot.line.count() == 0
    assert dialog.print_button.isVisible() and not dialog.pdf_button.isVisible()
    # Locking the workstation takes the plot off the screen with the rest of the chart.
    w.lock(idle=True)
    page = w.chart.lists["vitals"]
    qtbot.waitUntil(lambda: page.findChild(TrendDialog) is None, timeout=WAIT)
