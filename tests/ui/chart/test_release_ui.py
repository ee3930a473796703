"""The release of information by keyboard (issue 14): Ctrl+Shift+R on an open chart, the
sections chosen, what the release carries counted, a PDF saved (recorded as a disclosure), a
print previewed and printed (recorded once the printer is chosen), then the accounting of
disclosures listing them, printed too."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import DisclosurePurpose, RecordSection
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.pdf_preview import PdfPreviewDialog
from medrec_desktop.ui.release.accounting_dialog import AccountingDialog
from medrec_desktop.ui.release.release_dialog import ReleaseDialog
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, open_chart, settle

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _chart(c: Clinic) -> None:
    provider = c.sessions[Role.PROVIDER]
    found = c.inst.patients.search(c.sessions[Role.RECORDS], "okafor", limit=1)
    pid = found[0].id
    c.inst.problems.add(provider, pid, ProblemInput(description="Essential hypertension"))
    c.inst.medications.add(provider, pid, MedicationInput(name="Amlodipine", strength="5 mg"))


def test_release_save_print_and_account_by_keyboard(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    _chart(populated)
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    qtbot.keyClick(w, Qt.Key.Key_R, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(w.release_dialog, ReleaseDialog), timeout=WAIT)
    d = w.release_dialog
    assert isinstance(d, ReleaseDialog)
    assert not mnemonic_clashes(d) and not orphan_mnemonics(d)
    assert not d.save_button.isEnabled()  # nothing chosen yet: minimum necessary is a choice
    d.scope.boxes[RecordSection.PROBLEMS].setChecked(True)
    qtbot.waitUntil(lambda: d.extract is not None, timeout=WAIT)
    assert d.summary.text() == "The release will carry 1 item from 1 section."
    d.recipient.setText("Dr. Ana Lee, Riverside Cardiology")
    d.purpose.setCurrentIndex(d.purpose.findData(DisclosurePurpose.TREATMENT.value))

    out = tmp_path / "release.pdf"
    d.ask_path = lambda: out
    qtbot.keyClick(d, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: d.released is not None, timeout=WAIT)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(out).pages)
    assert "Essential hypertension" in text and "Amlodipine" not in text
    assert (out.stat().st_mode & 0o077) == 0  # readable by its owner only
    assert d.message.message.startswith("Saved release.pdf")

    # Alt+F: the same sections as a FHIR Bundle for another system, recorded the same way.
    bundle = tmp_path / "release.json"
    d.ask_fhir_path = lambda _name: bundle
    qtbot.keyClick(d, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: d.fhir_released is not None, timeout=WAIT)
    kinds = {e["resource"]["resourceType"] for e in json.loads(bundle.read_bytes())["entry"]}
    assert "Condition" in kinds and "MedicationStatement" not in kinds

    printed = tmp_path / "printed.pdf"
    qtbot.keyClick(d, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(d.preview_dialog, PdfPreviewDialog), timeout=WAIT)
    preview = d.preview_dialog
    assert isinstance(preview, PdfPreviewDialog)
    assert preview.pages_label.text() == "1 page"

    def to_pdf() -> QPrinter:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    preview.ask_printer = to_pdf
    qtbot.keyClick(preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: preview.printed_pages == 1, timeout=WAIT)
    assert len(PdfReader(printed).pages) == 1
    preview.reject()
    d.reject()

    w.open_accounting()
    qtbot.waitUntil(lambda: isinstance(w.accounting_dialog, AccountingDialog), timeout=WAIT)
    a = w.accounting_dialog
    assert isinstance(a, AccountingDialog)
    qtbot.waitUntil(lambda: a.accounting is not None, timeout=WAIT)
    # At first only what the patient is owed: all three were for treatment (exempt).
    assert a.only_owed.isChecked() and a.table.rowCount() == 0
    a.only_owed.setChecked(False)
    assert [r.medium for r in a.shown_rows()] == ["print", "fhir", "pdf"]  # newest first
    assert a.table.rowCount() == 3
    assert not mnemonic_clashes(a) and not orphan_mnemonics(a)

    # Alt+P: the accounting for the patient in a print preview; the print is recorded.
    on_paper = tmp_path / "accounting-printed.pdf"
    qtbot.keyClick(a, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(a.preview_dialog, PdfPreviewDialog), timeout=WAIT)
    sheet = a.preview_dialog
    assert isinstance(sheet, PdfPreviewDialog)
    shown = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "Dr. Ana Lee" in shown  # the full list: "only owed" was unticked
    printed_before = _prints(populated)
    sheet.ask_printer = lambda: _pdf_printer(on_paper)
    qtbot.keyClick(sheet, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sheet.printed_pages >= 1, timeout=WAIT)
    assert _prints(populated) == [*printed_before, "RecordReleaseService.record_accounting_print"]
    assert len(PdfReader(on_paper).pages) == sheet.printed_pages
    sheet.reject()
    settle(qtbot, w)
    QApplication.processEvents()


def _pdf_printer(out: Path) -> QPrinter:
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return printer


def _prints(c: Clinic) -> list[str]:
    """The audited prints, oldest first."""
    events = c.inst.audit.events(c.admin, AuditFilter(action="print"))
    return [e.entry_point for e in sorted(events, key=lambda e: e.seq)]


def test_a_nurse_is_not_offered_the_release(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    assert not w.release_action.isEnabled()
    assert w.release_action.toolTip() == "Your role cannot release records."
