"""Procedures by keyboard alone: the code picked from the ICD-10-PCS search sets its code set
and names the procedure, the problem it treated chosen from the chart; a code of the wrong
shape refused under its field with the text kept, and a CPT code typed by hand kept with a
word that it is not checked."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import Laterality
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureCodeSystem
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.chart.code_picker import CPT_UNCHECKED, PROCEDURE_SYSTEMS, CodePicker
from medrec_desktop.ui.chart.field_widgets import LookupChoice
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, rows, settle, type_text
from tests.ui.chart.form_keys import ALT, fill, new_item, open_list, refused, retype, saved
from tests.ui.coding.conftest import scratch_ui_store, ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

TAB = Qt.Key.Key_Tab


def procedures(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    return open_list(qtbot, w, Qt.Key.Key_9, "procedures")  # Ctrl+9


def test_a_procedure_by_keyboard_with_its_pcs_code_picked_from_the_search(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    problem = populated.inst.problems.add(
        records, okafor.id, ProblemInput(description="Acute appendicitis", icd10cm="K35.80")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = procedures(qtbot, w)
    form = new_item(qtbot, page)
    assert focused() is form.inputs["description"].focus
    key(qtbot, TAB)  # the description is left for the picked code to name
    code = form.inputs["code"]
    picker = code.picker
    assert isinstance(picker, CodePicker) and focused() is code.focus
    type_text(qtbot, "appendectomy")
    popup = picker.completer.popup()
    qtbot.waitUntil(lambda: popup is not None and popup.isVisible(), timeout=WAIT)
    assert popup is not None
    first = picker.model.item(0)
    assert first is not None and first.text().startswith("0DTJ4ZZ   ICD-10-PCS   Resection")
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=WAIT)
    assert code.value() == "0DTJ4ZZ"
    assert picker.title.text() == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert form.inputs["code_system"].value() == "pcs"
    assert form.inputs["description"].value() == picker.title.text()
    fill(qtbot, form, "description", "Laparoscopic appendectomy")  # the user's own words
    fill(qtbot, form, "performed_at", "11/20/2026 10:15")
    for text in ("Dr. Osei", "appendix", "Not"):  # performed by, site, side
        key(qtbot, TAB)
        type_text(qtbot, text)
    key(qtbot, TAB)
    type_text(qtbot, "comp")  # outcome: "completed as planned" from the list
    key(qtbot, Qt.Key.Key_L, ALT)  # &Linked problem
    link = form.inputs["problem_id"].widget
    assert isinstance(link, LookupChoice) and focused() is link.combo
    qtbot.waitUntil(lambda: link.combo.count() == 2, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Down)
    saved(qtbot, page)
    settle(qtbot, w)
    assert rows(page) == ["Laparoscopic appendectomy"]
    row = page.model.rows()[0]
    assert [page.model.display(row, c) for c in (1, 2, 3, 4, 5, 7)] == [
        "11/20/2026 10:15",
        "0DTJ4ZZ (ICD-10-PCS)",
        "appendix",
        "Dr. Osei",
        "completed as planned",
        "Recorded",
    ]
    d = populated.inst.procedures.list(records, okafor.id).items[0].data
    assert (d.code_system, d.code, d.laterality, d.problem_id) == (
        ProcedureCodeSystem.PCS,
        "0DTJ4ZZ",
        Laterality.NOT_APPLICABLE,
        problem.id,
    )
    assert d.performed_at == dt.datetime(2026, 11, 20, 10, 15).astimezone(dt.UTC)
    # Reopened, it reads as it was typed (local time, the problem by its name).
    key(qtbot, Qt.Key.Key_Return)
    assert form.inputs["performed_at"].value() == "2026-11-20T10:15"
    assert link.combo.currentText() == "Acute appendicitis — K35.80"


def test_a_wrong_code_is_refused_and_a_cpt_code_is_kept_unchecked(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = procedures(qtbot, w)
    form = new_item(qtbot, page)
    refused(qtbot, form, "description", "Say what was done")
    type_text(qtbot, "Colonoscopy, diagnostic")
    key(qtbot, TAB)
    type_text(qtbot, "colon scope")
    fill(qtbot, form, "performed_at", "11/21/2026 08:30")
    refused(qtbot, form, "code", "does not look like a procedure code", kept="colon scope")
    retype(qtbot, "45378")
    picker = form.inputs["code"].picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.title.text() == CPT_UNCHECKED, timeout=WAIT)
    saved(qtbot, page)
    settle(qtbot, w)
    nurse = populated.sessions[Role.NURSE]
    d = populated.inst.procedures.list(nurse, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.code_system, d.code) == (ProcedureCodeSystem.CPT, "45378")
    # A whole PCS code the release does not have is said so beside the field.
    key(qtbot, Qt.Key.Key_Return)
    key(qtbot, Qt.Key.Key_E, ALT)  # Procedure cod&e
    retype(qtbot, "0DTJ4ZX")
    qtbot.waitUntil(
        lambda: "Not in the loaded ICD-10-PCS release" in picker.title.text(), timeout=WAIT
    )


def focused_picker(
    qtbot: QtBot, clinic: Clinic, store: CodeSetStore, runner: OpRunner
) -> CodePicker:
    """A procedure code picker on its own, shown, active and ready for typing."""
    services = holder(clinic.inst, CodeSets(store=store))
    picker = CodePicker(services=services, runner=runner, systems=PROCEDURE_SYSTEMS)
    qtbot.addWidget(picker)
    picker.show()
    picker.activateWindow()
    qtbot.waitUntil(picker.isActiveWindow)
    picker.edit.setFocus()
    return picker


def test_the_picker_searches_hcpcs_beside_pcs_once_a_release_is_imported(
    qtbot: QtBot,
    local_clinic: Clinic,
    scratch_ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    runner: OpRunner,
    tmp_path: Path,
) -> None:
    path = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    path.write_text(sample_file())
    scratch_ui_store.import_file(path)
    picker = focused_picker(qtbot, local_clinic, scratch_ui_store, runner)
    picked: list[tuple[str, str, str]] = []
    picker.picked.connect(lambda *args: picked.append(args))
    qtbot.keyClicks(picker.edit, "injection dexamethasone")
    popup = picker.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    item = picker.model.item(0)
    assert item is not None and item.text() == (
        "J1100   HCPCS   Injection, dexamethasone sodium phosphate, 1 mg"
    )
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picked == [("J1100", "hcpcs", "Injection, dexamethasone sodium phosphate, 1 mg")]
    assert picker.edit.text() == "J1100"
    # Typed by hand, a whole HCPCS code the release lacks is said so.
    picker.edit.selectAll()
    qtbot.keyClicks(picker.edit, "J9999")
    qtbot.waitUntil(lambda: "Not in the loaded HCPCS release" in picker.title.text(), timeout=WAIT)


def test_a_misspelt_procedure_name_is_corrected_and_the_picker_says_so(
    qtbot: QtBot,
    local_clinic: Clinic,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    runner: OpRunner,
) -> None:
    picker = focused_picker(qtbot, local_clinic, ui_store, runner)
    qtbot.keyClicks(picker.edit, "apendectomy")
    popup = picker.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    item = picker.model.item(0)
    assert item is not None and "Resection of Appendix" in item.text()
    assert picker.title.text() == (
        "Showing codes for “appendectomy” — no codes match “apendectomy”."
    )
