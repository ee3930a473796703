"""Patients › Import FHIR Bundle… (issue 14, item 5) on a real clinic: a US Core Bundle of the
official examples imported into a new patient by keyboard alone (Enter chooses the file,
Alt+I imports, Enter opens the chart); a Bundle exported here imported into the patient whose
MRN it carries; a likely match where "new patient" needs a reason (kept on the error); a
Bundle refused at the preview and one refused at the import, each naming the entry, with
nothing imported; a nurse is not offered the action."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.fhir_import.dialog import FhirImportDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from tests.conftest import Clinic
from tests.support.fhir_bundles import find, index_of, record_bundle, to_bytes
from tests.ui.chart.conftest import WAIT, Window, focused, settle

ALT = Qt.KeyboardModifier.AltModifier


def bundle_file(tmp_path: Path, data: dict[str, Any] | bytes, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else to_bytes(data))
    return path


def open_dialog(qtbot: QtBot, w: MainWindow, path: Path) -> FhirImportDialog:
    """Alt+P, I: the Patients menu's Import FHIR Bundle… by keyboard."""
    assert w.fhir_import_action.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=WAIT)
    menu = QApplication.activePopupWidget()
    assert menu is not None
    qtbot.keyClick(menu, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: isinstance(w.fhir_import_dialog, FhirImportDialog), timeout=WAIT)
    d = w.fhir_import_dialog
    assert isinstance(d, FhirImportDialog)
    qtbot.waitUntil(d.isActiveWindow, timeout=WAIT)  # the keyboard goes to the dialog
    d.ask_path = lambda: path
    return d


def enter(qtbot: QtBot, d: FhirImportDialog) -> None:
    """Enter where the cursor is (the dialog's default button takes it)."""
    widget = d.focusWidget() or d
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def patients(c: Clinic) -> int:
    return len(c.inst.patients.list_all(c.sessions[Role.RECORDS]))


def test_a_new_patient_by_keyboard(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    w = chart_window(Role.RECORDS)
    d = open_dialog(qtbot, w, bundle_file(tmp_path, record_bundle()))
    assert not mnemonic_clashes(d) and not orphan_mnemonics(d)
    assert d.choose_button.isDefault() and focused() is d.choose_button
    qtbot.keyClicks(d.source, "Holy Family Hospital")  # who sent it, kept with each item
    d.choose_button.setFocus()
    enter(qtbot, d)  # Enter: choose the file (read and previewed off the GUI thread)
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    assert d.patient_label.text() == "Baxter, Amy V.  ·  born 02/20/1987  ·  female"
    assert d.source_label.text() == "A collection Bundle from Holy Family Hospital"
    assert d.counts_label.text().startswith("Will import: 3 problems, 1 allergy, 4 medications")
    assert "5 entries left out" in d.counts_label.text()
    assert "this chart has no place for a Goal" in d.details.toPlainText()
    assert "No existing patient matches" in d.advice.text()
    # No match: "new patient" is chosen. Enter in the sender's name imports nothing by reflex.
    assert d.new_choice.isChecked() and d.choice_buttons() == [d.new_choice]
    assert not d.import_button.isDefault() and not d.reason.isEnabled()
    assert not mnemonic_clashes(d) and not orphan_mnemonics(d)
    before = patients(populated)
    d.source.setFocus()
    enter(qtbot, d)
    QApplication.processEvents()
    assert d.imported is None and patients(populated) == before and d.isVisible()
    qtbot.keyClick(d, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # Alt+I imports
    qtbot.waitUntil(lambda: d.imported is not None, timeout=WAIT)
    result = d.imported
    assert result is not None and result.new_patient
    assert result.counts[ImportKind.PROBLEM] == 3
    assert patients(populated) == before + 1
    assert d.message.message.startswith("Imported into a new patient, Baxter, Amy V. (MRN ")
    assert not d.import_button.isEnabled()  # once: a second Import would record it twice
    assert d.open_button.isVisible() and d.open_button.isDefault()
    assert d.open_button.text() == "&Open Baxter, Amy V.'s chart"
    enter(qtbot, d)  # Enter: open the chart
    qtbot.waitUntil(lambda: w.chart.patient is not None, timeout=WAIT)
    assert w.chart.patient is not None and w.chart.patient.id == result.patient.id
    problems = populated.inst.problems.list(populated.sessions[Role.RECORDS], result.patient.id)
    assert any("ulcer" in p.data.description.lower() for p in problems.items)
    settle(qtbot, w)


def test_into_the_patient_whose_mrn_the_bundle_carries(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    """A Bundle exported here (inst.fhir_export) comes back: its MRN names the patient, who
    is chosen for the user; Esc closes without opening anything."""
    records, provider = populated.sessions[Role.RECORDS], populated.sessions[Role.PROVIDER]
    okafor = populated.inst.patients.search(records, "okafor", limit=1)[0]
    populated.inst.problems.add(
        provider, okafor.id, ProblemInput(description="Essential hypertension")
    )
    sent = populated.inst.fhir_export.export_patient(
        records,
        okafor.id,
        ReleaseRequest(
            scope=RecordScope((RecordSection.PROBLEMS,)),
            recipient="Riverside Cardiology",
            purpose=DisclosurePurpose.TREATMENT,
        ),
    )
    w = chart_window(Role.RECORDS)
    d = open_dialog(qtbot, w, bundle_file(tmp_path, sent.content))
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    assert d.preview is not None and d.preview.same_mrn is not None
    first = d.choice_buttons()[0]
    assert first.isChecked() and first.hasFocus()
    assert first.text().startswith(f"&Add to Okafor, Chidi (MRN {okafor.mrn}, born ")
    assert first.text().endswith("the Bundle carries this clinic's MRN")
    assert d.chosen_patient() == okafor.id
    before = patients(populated)
    d.import_button.click()  # the import starts at once, off the GUI thread
    # Esc while it is being recorded does not close the dialog: the outcome would be lost.
    assert d.busy
    qtbot.keyClick(d.focusWidget() or d, Qt.Key.Key_Escape)
    assert d.isVisible() and d.message.message.startswith("Still working")
    qtbot.waitUntil(lambda: d.imported is not None, timeout=WAIT)
    assert d.imported is not None and not d.imported.new_patient
    assert d.imported.patient.id == okafor.id
    assert patients(populated) == before
    listed = populated.inst.problems.list(records, okafor.id).items
    assert [p.data.description for p in listed].count("Essential hypertension") == 2
    qtbot.keyClick(d.focusWidget() or d, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=WAIT)
    assert w.chart.patient is None  # Esc: nothing opened


def test_a_likely_match_needs_a_reason_for_a_new_patient(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    """Nothing is chosen for the user beside a likely match; "new patient" without the
    reason is refused at the reason, keeping the choice; Alt+A adds to the match."""
    records = populated.sessions[Role.RECORDS]
    baxter = populated.inst.patients.register(
        records,
        PatientInput("Baxter", "Amy V.", dt.date(1987, 2, 20), "female"),
    )
    w = chart_window(Role.RECORDS)
    d = open_dialog(qtbot, w, bundle_file(tmp_path, record_bundle()))
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    add, new = d.choice_buttons()
    assert not add.isChecked() and not new.isChecked()
    assert not d.import_button.isEnabled()  # a choice is the user's to make
    assert "same name and same date of birth" in add.text()
    qtbot.keyClick(d, Qt.Key.Key_N, ALT)  # a mnemonic clicks a moment later (animated)
    qtbot.waitUntil(new.isChecked, timeout=WAIT)
    assert d.reason.isEnabled()
    before = patients(populated)
    d.import_button.setFocus()
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.errors.label_for("reason").message != "", timeout=WAIT)  # type: ignore[union-attr]
    assert "give the reason" in d.errors.label_for("reason").message  # type: ignore[union-attr]
    assert new.isChecked() and patients(populated) == before and d.imported is None
    qtbot.keyClick(d, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(add.isChecked, timeout=WAIT)
    assert d.chosen_patient() == baxter.id and d.errors.label_for("reason").message == ""  # type: ignore[union-attr]
    qtbot.keyClick(d, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: d.imported is not None, timeout=WAIT)
    assert d.imported is not None and d.imported.patient.id == baxter.id
    assert patients(populated) == before
    d.reject()


def test_a_refused_bundle_names_the_entry_and_imports_nothing(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    records = populated.sessions[Role.RECORDS]
    # Not valid R4: refused at the preview, each entry and field on its own line.
    bad = record_bundle()
    find(bad, "Observation", "serum-potassium")["valueQuantity"]["value"] = "5.4 high"
    potassium = index_of(bad, "Observation", "serum-potassium")
    w = chart_window(Role.RECORDS)
    d = open_dialog(qtbot, w, bundle_file(tmp_path, bad, "bad.json"))
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.refused is not None, timeout=WAIT)
    shown = d.refusal.toPlainText().splitlines()
    assert shown[0] == "Nothing was imported: the Bundle has 1 problem."
    assert shown[2].startswith(f"•  entry {potassium} (Observation, ")
    assert "valueQuantity.value" in shown[2]
    assert d.refusal.isVisible() and d.refusal.hasFocus()
    assert d.preview is None and not d.import_button.isEnabled()

    # The preview passes, but registering a new patient needs the whole date of birth
    # (this Bundle gives the year): refused at the import, naming the Patient entry; the
    # user's choice and the sender's name kept, nothing recorded.
    partial = record_bundle()
    find(partial, "Patient", "example")["birthDate"] = "1987"
    entry = index_of(partial, "Patient", "example")
    d.ask_path = lambda: bundle_file(tmp_path, partial, "partial.json")
    d.source.setText("Holy Family Hospital")
    d.choose_button.setFocus()
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    assert not d.refusal.isVisible() and d.new_choice.isChecked()
    before = patients(populated)
    qtbot.keyClick(d, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: d.refused is not None, timeout=WAIT)
    text = d.refusal.toPlainText()
    assert f"entry {entry} (Patient" in text and "birthDate" in text
    assert "the whole date of birth is needed to register" in text
    assert d.message.message.startswith("Nothing was imported")
    assert patients(populated) == before
    assert not populated.inst.patients.search(records, "baxter")
    assert d.new_choice.isChecked() and d.source.text() == "Holy Family Hospital"
    assert d.import_button.isEnabled() and d.imported is None
    d.reject()


def test_a_file_imported_before_needs_import_again_by_keyboard(
    qtbot: QtBot, chart_window: Window, populated: Clinic, tmp_path: Path
) -> None:
    """The same file a second time: the preview warns (amber, ⚠ and words) and offers
    "Import again anyway"; Import without it is refused with nothing recorded and the
    cursor on the box; Alt+G ticks it and Alt+I imports it once more."""
    records = populated.sessions[Role.RECORDS]
    baxter = populated.inst.patients.register(
        records, PatientInput("Baxter", "Amy V.", dt.date(1987, 2, 20), "female")
    )
    path = bundle_file(tmp_path, record_bundle())
    populated.inst.fhir_import.commit(
        records, path.read_bytes(), patient_id=baxter.id, source="Holy Family Hospital"
    )
    problems = len(populated.inst.problems.list(records, baxter.id, include_inactive=True).items)
    w = chart_window(Role.RECORDS)
    d = open_dialog(qtbot, w, path)
    assert d.again.isHidden() and d.earlier.isHidden()  # no file yet, nothing to warn of
    enter(qtbot, d)
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT)
    assert d.earlier.isVisible() and d.again.isVisible() and not d.again.isChecked()
    assert d.earlier.text().startswith(
        f"⚠  This same Bundle was imported once already: into MRN {baxter.mrn} (Baxter, Amy V.)"
    )
    assert "by Test Records specialist (15 items from Holy Family Hospital)" in d.earlier.text()
    assert "#8a5300" in d.earlier.styleSheet()  # amber, beside the symbol and the words
    assert not mnemonic_clashes(d) and not orphan_mnemonics(d)
    qtbot.keyClick(d, Qt.Key.Key_A, ALT)  # Add to Baxter
    qtbot.waitUntil(lambda: d.chosen_patient() == baxter.id, timeout=WAIT)

    assert d.preview is not None
    day = d.preview.earlier[0].day
    qtbot.keyClick(d, Qt.Key.Key_I, ALT)  # Import, not ticked: refused, nothing recorded
    qtbot.waitUntil(lambda: d.refused is not None, timeout=WAIT)
    assert d.message.message == (
        f"This same Bundle was imported into MRN {baxter.mrn} on {day} by Test Records "
        "specialist: importing it again would record every item twice. Nothing was imported."
    )
    assert d.again.hasFocus() and d.imported is None
    assert d.chosen_patient() == baxter.id  # the choice stays
    listed = populated.inst.problems.list(records, baxter.id, include_inactive=True).items
    assert len(listed) == problems

    qtbot.keyClick(d, Qt.Key.Key_G, ALT)  # Import again anyway
    qtbot.waitUntil(d.again.isChecked, timeout=WAIT)
    assert d.message.message == ""  # the refusal is answered
    qtbot.keyClick(d, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: d.imported is not None, timeout=WAIT)
    assert d.imported is not None and d.imported.patient.id == baxter.id
    listed = populated.inst.problems.list(records, baxter.id, include_inactive=True).items
    assert len(listed) == 2 * problems
    d.reject()


def test_a_nurse_is_not_offered_the_import(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    assert not w.fhir_import_action.isEnabled()
    assert "records specialist's job" in w.fhir_import_action.toolTip()
    w.open_fhir_import()
    assert w.fhir_import_dialog is None
    assert "records specialist's job" in w.statusBar().currentMessage()
