"""The Documents tab's cover sheet and move, by keyboard on a real clinic: a cover sheet
printed (into a PDF file through an injected printer) is one page and an audited print, a
refusal stays beside its field and a cancelled printer issues nothing; a document moved with
a required reason leaves this chart for the other; roles without the rights see the buttons
disabled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text
from tests.ui.chart.test_documents_ui import documents_tab, pdf_bytes

ALT = Qt.KeyboardModifier.AltModifier


def issues(clinic: Clinic, pid: int) -> list[str]:
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    return [f"{e.action}:{e.outcome}" for e in events if e.entry_point == "CoverSheetService.issue"]


def test_a_cover_sheet_printed_by_keyboard_is_one_page_and_an_audited_print(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = populated.inst.patients.search(records, "okafor")[0].id
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w)
    assert page.cover_button.isEnabled()

    key(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: page.cover_dialog is not None, timeout=WAIT)
    dialog = page.cover_dialog
    assert dialog is not None
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.doc_type, timeout=WAIT)

    # The print dialog cancelled: nothing issued, nothing recorded, the dialog still open.
    asked: list[str] = []

    def cancelled() -> None:
        asked.append("printer")

    dialog.ask_printer = cancelled
    key(qtbot, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: asked == ["printer"], timeout=WAIT)
    settle(qtbot, w)
    assert issues(populated, pid) == [] and dialog.isVisible()

    printed = tmp_path / "cover.pdf"

    def to_pdf() -> QPrinter:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    dialog.ask_printer = to_pdf
    # Other without its name: refused beside "Kind of document", the type kept.
    key(qtbot, Qt.Key.Key_T, ALT)
    key(qtbot, Qt.Key.Key_End)
    assert dialog.doc_type.currentData() == DocumentType.OTHER.value
    key(qtbot, Qt.Key.Key_P, ALT)
    kind_message = dialog.errors.label_for("type_name")
    assert kind_message is not None
    qtbot.waitUntil(lambda: kind_message.text() != "", timeout=WAIT)
    assert focused() is dialog.type_name and not printed.exists()
    assert dialog.doc_type.currentData() == DocumentType.OTHER.value

    type_text(qtbot, "Disability form")
    key(qtbot, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: page.cover_dialog is None, timeout=WAIT)
    until = (populated.clock() + dt.timedelta(days=90)).astimezone()
    assert page.message.message == (
        f"Cover sheet printed for Other: Disability form; valid until {until:%m/%d/%Y}."
    )
    assert len(PdfReader(printed).pages) == 1
    assert issues(populated, pid) == ["print:failure", "print:success"]


def test_a_document_moved_by_keyboard_leaves_this_chart_for_the_other(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    smith = populated.inst.patients.search(records, "john")[0]
    populated.inst.documents.attach(
        records,
        okafor.id,
        DocumentInput(doc_type=DocumentType.REFERRAL, document_date=dt.date(2026, 7, 1)),
        pdf_bytes(2),
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = documents_tab(qtbot, w)
    qtbot.waitUntil(lambda: len(page.rows()) == 1, timeout=WAIT)
    assert page.move_button.isEnabled()

    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: page.refile_dialog is not None, timeout=WAIT)
    dialog = page.refile_dialog
    assert dialog is not None
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search_box, timeout=WAIT)
    type_text(qtbot, "john")
    qtbot.waitUntil(lambda: dialog.picker.model.rowCount() >= 1, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Up)
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.picker.chosen is not None and dialog.picker.chosen.patient_id == smith.id
    assert focused() is dialog.reason

    # No reason: refused beside the field, nothing moved.
    key(qtbot, Qt.Key.Key_M, ALT)
    reason_message = dialog.errors.label_for("reason")
    assert reason_message is not None
    qtbot.waitUntil(lambda: reason_message.message.startswith("Say why"), timeout=WAIT)
    assert focused() is dialog.reason and dialog.isVisible()
    assert len(populated.inst.documents.list(records, okafor.id).items) == 1

    type_text(qtbot, "scanned into the wrong chart")
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: page.rows() == [], timeout=WAIT)
    assert page.message.message == f"Moved to {smith.display_name} (MRN {smith.mrn})."
    assert page.refile_dialog is None
    assert populated.inst.documents.list(records, okafor.id).items == ()
    moved = populated.inst.documents.list(records, smith.id).items
    assert [(d.data.doc_type, d.data.page_count) for d in moved] == [("referral", 2)]


def test_roles_without_the_rights_see_the_buttons_disabled(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = populated.inst.patients.search(records, "okafor")[0].id
    populated.inst.documents.attach(
        records,
        pid,
        DocumentInput(doc_type=DocumentType.CONSENT, document_date=dt.date(2026, 7, 1)),
        pdf_bytes(1),
    )
    nurse = chart_window(Role.NURSE)
    open_chart(qtbot, nurse, "okafor")
    page = documents_tab(qtbot, nurse)
    qtbot.waitUntil(lambda: len(page.rows()) == 1, timeout=WAIT)
    # A nurse prints cover sheets (may print and file clinical items) but moves nothing.
    assert page.cover_button.isEnabled()
    assert not page.move_button.isEnabled()
    assert "cannot move" in page.move_button.toolTip()
    nurse.close()

    coder = chart_window(Role.CODER)
    open_chart(qtbot, coder, "okafor")
    page = documents_tab(qtbot, coder)
    qtbot.waitUntil(lambda: len(page.rows()) == 1, timeout=WAIT)
    assert not page.cover_button.isEnabled() and not page.move_button.isEnabled()
    assert "cannot print cover sheets" in page.cover_button.toolTip()
    page.print_cover_sheet()  # the button's action does nothing either
    assert page.cover_dialog is None
