"""Documents in the chart on a real clinic: a reportlab PDF attached by keyboard appears in
the list, opens in the viewer (an audited view) whose page keys move; a 3-frame TIFF shows 3
thumbnails and prints as an audited print; a labelled one is withheld from a nurse; a refused
file shows its message beside the field with everything typed kept."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.documents.attach_dialog import AttachDialog
from medrec_desktop.ui.documents.page import DocumentsPage
from medrec_desktop.ui.documents.viewer import DocumentViewer
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text

ALT = Qt.KeyboardModifier.AltModifier


def pdf_bytes(pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"Referral letter, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def tiff_bytes(frames: int) -> bytes:
    images = [Image.new("RGB", (300, 400), (255, 255 - 60 * n, 255)) for n in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:])
    return out.getvalue()


def documents_tab(qtbot: QtBot, w: MainWindow, chosen: Path | None = None) -> DocumentsPage:
    """The Documents tab by keyboard (Ctrl+Tab from the tab before it), the file chooser
    answering with ``chosen``."""
    chart = w.chart
    page = chart.documents
    page.choose_file = lambda _parent: chosen
    chart.tabs.setCurrentIndex(chart.tabs.indexOf(page) - 1)
    chart.tabs.setFocus()
    key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert chart.tabs.currentWidget() is page
    page.focus_list()
    settle(qtbot, w)
    return page


def attach_form(qtbot: QtBot, page: DocumentsPage) -> AttachDialog:
    key(qtbot, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: page.attach_dialog is not None, timeout=WAIT)
    dialog = page.attach_dialog
    assert dialog is not None
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.doc_type, timeout=WAIT)
    return dialog


def open_viewer(qtbot: QtBot, page: DocumentsPage) -> DocumentViewer:
    """Enter on the list's row: the viewer, with the cursor in its page view."""
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.viewer is not None, timeout=WAIT)
    viewer = page.viewer
    assert viewer is not None
    viewer.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.page_area, timeout=WAIT)
    return viewer


def page_down_to_next(qtbot: QtBot, viewer: DocumentViewer) -> None:
    """PgDn until the page turns: a page taller than the view is scrolled through first."""
    start = viewer.page
    for _ in range(20):
        key(qtbot, Qt.Key.Key_PageDown)
        if viewer.page != start:
            return
    raise AssertionError("PgDn never turned the page")


def test_a_pdf_attached_by_keyboard_is_listed_and_opens_with_page_keys(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    chosen = tmp_path / "referral-park.pdf"
    chosen.write_bytes(pdf_bytes(3))
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w, chosen)
    assert page.rows() == []
    dialog = attach_form(qtbot, page)
    assert focused() is dialog.doc_type
    key(qtbot, Qt.Key.Key_Down)  # Referral -> Outside lab report
    key(qtbot, Qt.Key.Key_D, ALT)
    assert focused() is dialog.document_date
    type_text(qtbot, "11022026")
    assert dialog.typed().document_date == dt.date(2026, 11, 2)
    key(qtbot, Qt.Key.Key_M, ALT)
    type_text(qtbot, "Valley Lab")
    key(qtbot, Qt.Key.Key_I, ALT)
    type_text(qtbot, "Lipid panel")
    key(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: page.rows() != [], timeout=WAIT)
    settle(qtbot, w)
    assert page.rows() == [
        ("11/02/2026", "Outside lab report", "Valley Lab", "3", page.rows()[0][4], "Lipid panel")
    ]
    assert page.attach_dialog is None

    w.activateWindow()  # offscreen: nothing hands activation back after the dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=WAIT)
    viewer = open_viewer(qtbot, page)
    assert viewer.where.text() == "Page 1 of 3"
    assert viewer.thumbs.count() == 3
    page_down_to_next(qtbot, viewer)  # (down the tall first page, then to the next)
    assert viewer.where.text() == "Page 2 of 3"
    key(qtbot, Qt.Key.Key_End)
    assert viewer.where.text() == "Page 3 of 3" and viewer.thumbs.currentRow() == 2
    key(qtbot, Qt.Key.Key_PageUp)
    assert viewer.page == 1
    key(qtbot, Qt.Key.Key_Home)
    assert viewer.page == 0
    wide = viewer.shown_size
    key(qtbot, Qt.Key.Key_R)
    assert viewer.rotation == 90 and viewer.shown_size != wide
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.rotation == 0
    key(qtbot, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.shown_size.width() < wide.width()
    key(qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.shown_size.width() > wide.width()
    qtbot.waitUntil(lambda: viewer.thumbnails_drawn == 3, timeout=WAIT)

    pid = populated.inst.patients.search(populated.sessions[Role.RECORDS], "okafor")[0].id
    events = populated.inst.audit.events(populated.admin, AuditFilter(patient_id=pid))
    points = [(e.entry_point, e.action, e.outcome) for e in events]
    assert ("DocumentService.attach", "create", "success") in points
    assert ("DocumentService.open_file", "view", "success") in points
    viewer.reject()


def test_a_three_frame_tiff_shows_three_thumbnails_and_prints_audited(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = populated.inst.patients.search(records, "okafor")[0].id
    populated.inst.documents.attach(
        records,
        pid,
        DocumentInput(
            doc_type=DocumentType.INSURANCE_CARD,
            document_date=dt.date(2026, 10, 1),
            file_name="card.tif",
        ),
        tiff_bytes(3),
    )
    w = chart_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w)
    qtbot.waitUntil(lambda: len(page.rows()) == 1, timeout=WAIT)
    viewer = open_viewer(qtbot, page)
    assert viewer.where.text() == "Page 1 of 3" and viewer.thumbs.count() == 3
    qtbot.waitUntil(lambda: viewer.thumbnails_drawn == 3, timeout=WAIT)
    assert all(not viewer.thumbs.item(n).icon().isNull() for n in range(3))
    page_down_to_next(qtbot, viewer)
    assert viewer.page == 1

    # Ctrl+P: the print is recorded, then the pages go to the printer chosen (a PDF here).
    printed = tmp_path / "printed.pdf"

    def to_pdf() -> QPrinter:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    viewer.ask_printer = to_pdf
    key(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: viewer.message.message.startswith("Sent"), timeout=WAIT)
    assert len(PdfReader(printed).pages) == 3
    events = populated.inst.audit.events(populated.admin, AuditFilter(patient_id=pid))
    points = [(e.entry_point, e.action, e.outcome) for e in events]
    assert ("DocumentService.open_file", "view", "success") in points
    assert ("DocumentService.print_file", "print", "success") in points
    viewer.reject()


def test_a_labelled_document_is_withheld_from_a_role_without_access(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    provider = populated.sessions[Role.PROVIDER]
    pid = populated.inst.patients.search(provider, "okafor")[0].id
    populated.inst.documents.attach(
        provider,
        pid,
        DocumentInput(
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
            doc_type=DocumentType.CORRESPONDENCE,
            document_date=dt.date(2026, 8, 1),
        ),
        pdf_bytes(1),
    )
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w)
    qtbot.waitUntil(page.withheld.isVisible, timeout=WAIT)
    assert page.rows() == [] and "withheld" in page.withheld.text().lower()


def test_a_refused_file_is_named_beside_the_field_and_the_form_keeps_what_was_typed(
    qtbot: QtBot, chart_window: Window, tmp_path: Path
) -> None:
    chosen = tmp_path / "letter.pdf"
    chosen.write_bytes(b"PK\x03\x04 a word document renamed")
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w, chosen)
    dialog = attach_form(qtbot, page)
    dialog.set_date(dt.date(2026, 9, 30))
    key(qtbot, Qt.Key.Key_M, ALT)
    type_text(qtbot, "Dr. Park")
    key(qtbot, Qt.Key.Key_S, ALT)
    file_message = dialog.errors.label_for("file")
    assert file_message is not None
    qtbot.waitUntil(lambda: file_message.text() != "", timeout=WAIT)
    assert "not a PDF, PNG, JPEG or TIFF" in file_message.text()
    assert dialog.isVisible() and dialog.author.text() == "Dr. Park"
    assert dialog.typed().document_date == dt.date(2026, 9, 30)
    # "Other" asks what kind of document it is, beside that field.
    dialog.doc_type.setCurrentIndex(dialog.doc_type.findData(DocumentType.OTHER.value))
    assert dialog.type_name.isVisible()
    dialog.content = pdf_bytes(1)
    dialog.save_button.setFocus()
    key(qtbot, Qt.Key.Key_S, ALT)
    kind_message = dialog.errors.label_for("type_name")
    assert kind_message is not None
    qtbot.waitUntil(lambda: kind_message.text() != "", timeout=WAIT)
    assert focused() is dialog.type_name and dialog.author.text() == "Dr. Park"
    type_text(qtbot, "Disability form")
    key(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: page.rows() != [], timeout=WAIT)
    assert page.rows()[0][1:3] == ("Disability form", "Dr. Park")
    assert QApplication.activeModalWidget() is None


def test_delete_marks_a_document_entered_in_error_with_a_reason(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = populated.inst.patients.search(records, "okafor")[0].id
    populated.inst.documents.attach(
        records,
        pid,
        DocumentInput(doc_type=DocumentType.REFERRAL, document_date=dt.date(2026, 7, 1)),
        pdf_bytes(1),
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w)
    qtbot.waitUntil(lambda: len(page.rows()) == 1, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.error_dialog is not None, timeout=WAIT)
    dialog = page.error_dialog
    assert dialog is not None
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    dialog.reason.setFocus()
    type_text(qtbot, "filed to the wrong patient")
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: page.rows() == [], timeout=WAIT)
    assert page.message.message.startswith("Marked entered in error: Referral of 07/01/2026")
    assert populated.inst.documents.list(records, pid).items == ()
