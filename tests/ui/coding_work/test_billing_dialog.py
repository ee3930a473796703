"""The billing export dialog and the claim summary, driven for real (issue 13, item 5): the
dialog offers last month, says what the file will hold before anything is written, exports by
keyboard to an owner-only file recorded as a disclosure, refuses to overwrite a file the user
did not confirm, says plainly when the range holds nothing, and offers nothing to a role
without the right; the claim summary shows a coded encounter as the billing office gets it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
)
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.ui.coding_work.billing_dialog import (
    EXISTS,
    NOT_ALLOWED,
    BillingExportDialog,
    last_month,
)
from medrec_desktop.ui.coding_work.claim_summary_dialog import ClaimSummaryDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import new_patient
from tests.ui.chart.conftest import WAIT, focused, key, type_text
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

TODAY = dt.date(2026, 12, 3)


def _visit(day: int) -> EncounterInput:
    return EncounterInput(
        starts_at=dt.datetime(2026, 11, day, 10, 0).astimezone().astimezone(dt.UTC),
        encounter_type=EncounterType.OFFICE,
        provider_id=None,
        location="Room 3",
        reason_for_visit="Follow-up",
    )


@pytest.fixture
def coded(local_clinic: Clinic, ui_store: CodeSetStore) -> list[int]:  # noqa: F811
    """Three signed November visits of two patients: two coded (3 lines), one still to code."""
    c = local_clinic
    provider, coder = c.sessions[Role.PROVIDER], c.sessions[Role.CODER]
    coding = EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=ui_store))
    first, second = new_patient(c), new_patient(c)
    ids = []
    for pid, day in ((first, 4), (second, 18), (second, 25)):
        added = c.inst.encounters.add(provider, pid, _visit(day))
        c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
        ids.append(added.id)
    flu = CodedProcedure(
        ProcedureSystem.HCPCS, "G0008", "Flu shot", modifiers=("25",), pointers=(2, 1)
    )
    shot = CodedProcedure(ProcedureSystem.HCPCS, "J1100", "Dexamethasone", units=2, pointers=(1,))
    codes = (
        CodingInput(
            diagnoses=(CodedDiagnosis("I10", ""), CodedDiagnosis("E11.9", "")),
            procedures=(flu, shot),
        ),
        CodingInput(diagnoses=(CodedDiagnosis("J06.9", ""),)),
    )
    for eid, data in zip(ids[:2], codes, strict=True):
        coding.save(coder, eid, data, expected_version=None)
        coding.mark_coded(coder, eid, expected_version=1)
    coding.save(
        coder, ids[2], CodingInput(diagnoses=(CodedDiagnosis("I10", ""),)), expected_version=None
    )
    return ids


Make = Callable[[Role], BillingExportDialog]


@pytest.fixture
def services(local_clinic: Clinic, ui_store: CodeSetStore) -> ServicesHolder:  # noqa: F811
    return holder(local_clinic.inst, CodeSets(store=ui_store))


@pytest.fixture
def make_dialog(
    qtbot: QtBot, local_clinic: Clinic, services: ServicesHolder, runner: OpRunner
) -> Make:
    def make(role: Role) -> BillingExportDialog:
        session = local_clinic.sessions[role]
        d = BillingExportDialog(
            None, services=services, runner=runner, session=lambda: session, today=lambda: TODAY
        )
        qtbot.addWidget(d)
        d.show()
        d.activateWindow()
        qtbot.waitUntil(d.isActiveWindow)
        return d

    return make


def disclosures(c: Clinic) -> list[str]:
    """The details of the exports recorded, oldest first (from the audit trail)."""
    events = c.inst.audit.events(c.admin, AuditFilter(action="export"))
    return [e.detail or "" for e in events if e.outcome == "success"]


def test_export_by_keyboard_to_a_private_file_recorded_as_a_disclosure(
    qtbot: QtBot, local_clinic: Clinic, coded: list[int], make_dialog: Make, tmp_path: Path
) -> None:
    d = make_dialog(Role.CODER)
    folder = tmp_path / "exports"
    folder.mkdir()
    assert last_month(TODAY) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert d.dates() == last_month(TODAY)
    assert Path(d.path.text()).name == "coded-encounters-20261101-20261130.csv"
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    assert d.summary.text() == (
        "2 encounters, 3 lines, 2 patients: recorded as a disclosure for payment to Billing office."
    )
    assert not mnemonic_clashes(d) and not orphan_mnemonics(d)
    assert disclosures(local_clinic) == []  # counting records nothing

    # The format follows the offered file name; the keyboard reaches every field.
    assert focused() is d.since
    key(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    assert focused() is d.format
    d.format.setCurrentIndex(1)  # JSON
    assert d.path.text().endswith("coded-encounters-20261101-20261130.json")
    d.format.setCurrentIndex(0)
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert focused() is d.path
    out = folder / "november.csv"
    d.path.selectAll()
    type_text(qtbot, str(out))
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert focused() is d.recipient
    d.recipient.selectAll()
    type_text(qtbot, "Acme Billing")
    assert d.summary.text().endswith("for payment to Acme Billing.")
    key(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: d.exported is not None, timeout=WAIT)
    assert d.message.message.startswith(
        "Exported 2 encounters, 3 lines, 2 patients to november.csv, readable by your "
        "account only. Recorded as disclosure"
    )
    assert d.message.message.endswith("for payment to Acme Billing.")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["procedure_code"], r["pointers"]) for r in rows] == [
        ("G0008", "BA"),
        ("J1100", "A"),
        ("", ""),
    ]
    assert len(disclosures(local_clinic)) == 1

    # The same file again, typed rather than chosen: refused, nothing recorded.
    key(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    label = d.errors.label_for("path")
    assert label is not None
    qtbot.waitUntil(lambda: label.message == EXISTS, timeout=WAIT)  # the button's click
    assert len(disclosures(local_clinic)) == 1
    # Chosen in the save dialog (which asked before replacing it): replaced.
    d.ask_path = lambda: out
    d.choose.click()
    out.write_text("old")
    d.export_button.click()
    qtbot.waitUntil(lambda: len(disclosures(local_clinic)) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: d.export_button.isEnabled(), timeout=WAIT)
    assert out.read_text(encoding="utf-8").startswith("encounter_id,")
    assert [p.name for p in folder.iterdir()] == ["november.csv"]


def test_an_empty_range_says_so_and_records_nothing(
    qtbot: QtBot, local_clinic: Clinic, coded: list[int], make_dialog: Make, tmp_path: Path
) -> None:
    d = make_dialog(Role.CODER)
    folder = tmp_path / "exports"
    folder.mkdir()
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    d.since.setDate(QDate(2026, 10, 1))
    d.until.setDate(QDate(2026, 10, 31))
    qtbot.waitUntil(lambda: d.preview is not None and d.preview.until.month == 10, timeout=WAIT)
    assert d.summary.text() == (
        "No coded encounters have a date of service from 10/01/2026 to 10/31/2026: there is "
        "nothing to export."
    )
    d.path.setText(str(folder / "october.csv"))
    d.export_button.click()
    label = d.errors.label_for("since")
    qtbot.waitUntil(lambda: label is not None and label.message != "", timeout=WAIT)
    assert label is not None and label.message.startswith("No coded encounters")
    assert list(folder.iterdir()) == []
    assert disclosures(local_clinic) == []
    # Dates the wrong way round: said under the last date, typed dates kept.
    d.until.setDate(QDate(2026, 9, 1))
    until = d.errors.label_for("until")
    assert until is not None
    qtbot.waitUntil(lambda: until.message != "", timeout=WAIT)
    assert until.message.startswith("The last date of service is before the first")
    assert d.until.date() == QDate(2026, 9, 1)


def test_a_role_without_the_right_is_told_and_offered_nothing(
    qtbot: QtBot, coded: list[int], make_dialog: Make
) -> None:
    for role in (Role.PROVIDER, Role.ADMIN):
        d = make_dialog(role)
        assert not d.export_button.isEnabled()
        assert d.message.message == NOT_ALLOWED
        d.close()


def test_the_claim_summary_of_a_coded_encounter(
    qtbot: QtBot,
    tmp_path: Path,
    local_clinic: Clinic,
    coded: list[int],
    services: ServicesHolder,
    runner: OpRunner,
) -> None:
    coder = local_clinic.sessions[Role.CODER]
    d = ClaimSummaryDialog(
        None, services=services, runner=runner, session=lambda: coder, encounter_id=coded[0]
    )
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.summary is not None, timeout=WAIT)
    assert d.banner.text().startswith("Testperson") and "MRN" in d.banner.text()
    text = d.text.toPlainText()
    assert "A. I10" in text and "B. E11.9" in text
    assert "G0008" in text and "modifiers 25; units 1; diagnoses BA" in text
    assert d.windowTitle() == "Claim summary: 11/04/2026"
    # Superbill PDF…: the billing summary in a print preview, printed to the printer chosen.
    d.superbill_button.click()
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    preview = d.preview
    assert preview is not None and preview.windowTitle() == "Superbill: 11/04/2026"
    printed = tmp_path / "superbill-printed.pdf"

    def to_pdf() -> QPrinter:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    def superbill_events(action: str) -> list[str]:
        return [
            e.entry_point
            for e in local_clinic.inst.audit.events(local_clinic.admin, AuditFilter(action=action))
            if "superbill" in e.entry_point
        ]

    # Seeing the superbill is a view; nothing is recorded as printed until the printer is chosen.
    assert superbill_events("view") == ["BillingExportService.superbill_pdf"]
    assert superbill_events("print") == []
    preview.ask_printer = to_pdf
    preview.print_document()
    assert preview.printed_pages >= 1
    assert superbill_events("print") == ["BillingExportService.record_superbill_print"]
    superbill = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(preview.data)).pages)
    assert "I10" in superbill and "E11.9" in superbill and "G0008" in superbill
    preview.reject()
    # Not coded yet: said plainly.
    other = ClaimSummaryDialog(
        None, services=services, runner=runner, session=lambda: coder, encounter_id=coded[2]
    )
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.message.message != "", timeout=WAIT)
    assert other.message.message.startswith("This encounter is not marked coded yet")
    assert other.text.toPlainText() == ""


def test_a_provider_sees_the_superbill_but_is_not_offered_its_print(
    qtbot: QtBot,
    local_clinic: Clinic,
    coded: list[int],
    services: ServicesHolder,
    runner: OpRunner,
) -> None:
    provider = local_clinic.sessions[Role.PROVIDER]
    d = ClaimSummaryDialog(
        None, services=services, runner=runner, session=lambda: provider, encounter_id=coded[0]
    )
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.summary is not None, timeout=WAIT)
    d.superbill_button.click()
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    preview = d.preview
    assert preview is not None and preview.document.pageCount() >= 1
    assert not preview.print_button.isEnabled()
    assert preview.print_button.toolTip() == "Your role cannot print the superbill."
    preview.reject()
