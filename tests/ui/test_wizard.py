"""First run: the set-up wizard creates the clinic and shows the recovery key once."""

from __future__ import annotations

from pathlib import Path

import pypdf
from PySide6.QtWidgets import QWizard

from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import recovery_key
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.wizard import SetupWizard


def test_wizard_creates_a_working_clinic(qtbot, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    paths = DataPaths(tmp_path / "clinic")
    wizard = SetupWizard(paths=paths, runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    # Clinic name is required, and the page says so.
    nxt.click()
    assert wizard.currentPage() is wizard.clinic_page
    assert "clinic's name" in wizard.clinic_page.error.text()
    qtbot.keyClicks(wizard.clinic_page.name, "Maple Street Clinic")
    wizard.clinic_page.demo.setChecked(True)
    nxt.click()
    page = wizard.admin_page
    qtbot.keyClicks(page.full_name, "Ada Admin")
    qtbot.keyClicks(page.password, "short")
    nxt.click()
    assert "at least 12" in page.error.text() and page.password.text() == "short"
    page.password.setText("correct horse battery")
    page.password2.setText("correct horse battery")
    nxt.click()
    assert wizard.currentPage() is wizard.location_page
    nxt.click()
    key_page = wizard.key_page
    assert not key_page.use_keyring.isEnabled()  # no secure keyring here: passphrase it is
    key_page.passphrase.setText("workstation pass phrase")
    key_page.passphrase2.setText("workstation pass phrase")
    nxt.click()
    rec = wizard.recovery_page
    # A hang guard, not a figure: the demo clinic (coded) is made first; CI may be busy.
    qtbot.waitUntil(lambda: bool(rec.key.text()), timeout=120_000)
    assert recovery_key.normalize(rec.key.text()) == rec.key.text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # not before the key is stored
    sheet = tmp_path / "sheet.pdf"
    rec.ask_sheet_path = lambda: str(sheet)  # type: ignore[method-assign]
    rec.save_button.click()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(sheet).pages)
    assert rec.key.text().split("-")[0] in text and "Maple Street Clinic" in text
    rec.confirm.setChecked(True)
    assert finish.isEnabled()
    finish.click()
    assert wizard.session is not None and wizard.session.role is Role.ADMIN
    inst = wizard.installation
    assert inst is not None
    assert inst.setup.clinic_settings()["clinic_name"] == "Maple Street Clinic"
    nina = inst.auth.login("nina", "correct horse battery")  # demo users share the password
    assert len(inst.patients.list_all(nina)) > 100
    inst.close()
    reopened = Installation.open(paths, Unlock(recovery_key=rec.key.text()))
    reopened.close()


def test_recovery_sheet_prints_from_memory(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Printing renders the same reportlab PDF that would be saved, without a temp file."""
    import datetime as dt
    import io

    from PySide6.QtPrintSupport import QPrinter

    from medrec_desktop.export.recovery_sheet import write_recovery_sheet
    from medrec_desktop.ui.printing import print_pdf

    data = io.BytesIO()
    key = recovery_key.generate()
    write_recovery_sheet(
        data, recovery_key=key, clinic_name="Maple", install_id="x", created=dt.datetime.now(dt.UTC)
    )
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(data.getvalue(), printer) == 1
    printed = pypdf.PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == 1
    assert printed.pages[0].images  # the page was drawn, as it will be on paper


def _to_key_page(qtbot, wizard: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(wizard.clinic_page.name, "Maple Street Clinic")
    wizard.next()
    wizard.admin_page.full_name.setText("Ada Admin")
    wizard.admin_page.password.setText("correct horse battery")
    wizard.admin_page.password2.setText("correct horse battery")
    wizard.next()
    wizard.next()
    assert wizard.currentPage() is wizard.key_page


def test_passphrase_page_starts_in_the_passphrase_and_escape_keeps_the_recovery_key(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, runner
) -> None:
    from PySide6.QtCore import Qt

    wizard = SetupWizard(paths=DataPaths(tmp_path / "clinic"), runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    _to_key_page(qtbot, wizard)
    key_page = wizard.key_page
    qtbot.waitUntil(key_page.passphrase.hasFocus)  # not the radio button: type at once
    qtbot.keyClicks(key_page.passphrase, "workstation pass phrase")
    key_page.passphrase2.setText("workstation pass phrase")
    wizard.next()
    rec = wizard.recovery_page
    # A hang guard, not a figure: the demo clinic (coded) is made first; CI may be busy.
    qtbot.waitUntil(lambda: bool(rec.key.text()), timeout=120_000)
    # Escape before the key is stored asks, and Escape on the question stays.
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    box = wizard.leave_prompt
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert "recovery key" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert wizard.isVisible() and wizard.currentPage() is rec and rec.key.text()
    # Once the key is confirmed stored, closing asks nothing.
    rec.confirm.setChecked(True)
    with qtbot.waitSignal(wizard.rejected):
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.installation is not None
    wizard.installation.close()


def test_escape_on_a_filled_wizard_asks_before_dropping_the_answers(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, runner
) -> None:
    wizard = SetupWizard(paths=DataPaths(tmp_path / "clinic"), runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.clinic_page.name, "Maple Street Clinic")
    wizard.reject()
    box = wizard.leave_prompt
    assert box is not None and "Nothing has been created" in box.text()
    qtbot.waitUntil(box.isVisible)
    with qtbot.waitSignal(wizard.rejected):
        next(b for b in box.buttons() if "Leave" in b.text()).click()
    assert not (tmp_path / "clinic").exists()
