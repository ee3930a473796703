"""The coding screen's editing beyond the main path: a refused pointer keeps what was typed,
a drag moves a diagnosis with the pointers following, leaving with unsaved codes asks Save /
Discard / Cancel, a save refused by a version saved meanwhile is shown plainly with both
ways on, and the encounter is returned to its provider with a reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.types import Finding, Severity
from medrec_desktop.domain.coding_work import (
    CareSetting,
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    CodingState,
    ProcedureSystem,
)
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding_work.coding_dialogs import OverrideDialog
from medrec_desktop.ui.coding_work.coding_models import (
    DiagnosesModel,
    FindingsModel,
    ProceduresModel,
)
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.unsaved import LeavePrompt
from tests.ui.coding_work.conftest import (
    WAIT,
    MakePage,
    Visit,
    closed,
    focused,
    key,
    settle,
    type_text,
)

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
FLU = ("hcpcs", "G0008", "Administration of influenza virus vaccine")


def three_codes(page: EncounterCodingPage) -> None:
    """E11.9, I10 and E78.2 with the flu shot pointing to the first two (as if picked)."""
    for code in ("E11.9", "I10", "E78.2"):
        page.search.chosen.emit("icd10cm", code, "")
    page.search.chosen.emit(*FLU)
    page.editor.edit_procedure(0, "pointers", "1,2")


def test_a_refused_pointer_is_explained_and_what_was_typed_is_kept(
    qtbot: QtBot, make_page: MakePage
) -> None:
    page = make_page(Role.CODER)
    page.search.chosen.emit("icd10cm", "E11.9", "")
    page.search.chosen.emit(*FLU)
    key(qtbot, Qt.Key.Key_O, ALT)
    table = page.px_table.table
    table.setCurrentIndex(page.px_model.index(0, ProceduresModel.COL_POINTERS))
    key(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.EditingState)
    type_text(qtbot, "7")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.message.message != "", timeout=WAIT)
    assert page.message.message == (
        "Procedure line 1: Diagnosis pointers: there is no diagnosis 7 (the encounter has 1)."
    )
    # The cell opens again holding the 7, for the user to correct.
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.EditingState, timeout=WAIT)
    assert focused().accessibleName() == "Pointers of line 1"
    assert focused().text() == "7"  # type: ignore[attr-defined]
    assert page.editor.procedures[0].pointers == (1,)
    # Modifiers: two letters or digits, up to four.
    key(qtbot, Qt.Key.Key_Escape)
    table.setCurrentIndex(page.px_model.index(0, ProceduresModel.COL_MODIFIERS))
    key(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.EditingState)
    type_text(qtbot, "25 lt")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.editor.procedures[0].modifiers == ("25", "LT"), timeout=WAIT)


def test_a_diagnosis_dragged_to_the_top_takes_its_pointers_along(
    qtbot: QtBot, make_page: MakePage
) -> None:
    page = make_page(Role.CODER)
    three_codes(page)
    model = page.dx_model
    dragged = model.mimeData([model.index(2, 1)])
    # A row of the other table is never taken.
    assert not model.canDropMimeData(
        page.px_model.mimeData([page.px_model.index(0, 0)]),
        Qt.DropAction.MoveAction,
        0,
        0,
        QModelIndex(),
    )
    assert model.canDropMimeData(dragged, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    model.dropMimeData(dragged, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert [d.code for d in page.editor.diagnoses] == ["E78.2", "E11.9", "I10"]
    assert page.editor.procedures[0].pointers == (2, 3)
    assert page.dx_table.selected_row() == 0
    # Removing a diagnosis drops the pointers to it; later ones move up.
    page.dx_table.table.setFocus()
    page.dx_table.select(1)
    key(qtbot, Qt.Key.Key_Delete)
    assert [d.code for d in page.editor.diagnoses] == ["E78.2", "I10"]
    assert page.editor.procedures[0].pointers == (2,)
    assert page.px_model.data(page.px_model.index(0, ProceduresModel.COL_POINTERS)) == "2"


def test_leaving_with_unsaved_codes_asks_save_discard_or_cancel(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    back: list[bool] = []
    page.back_requested.connect(lambda: back.append(True))
    page.search.chosen.emit("icd10cm", "E11.9", "")
    assert page.save_state.message == "Unsaved changes"

    def prompt() -> LeavePrompt:
        found: list[LeavePrompt] = []

        def shown() -> bool:
            found[:] = [p for p in page.findChildren(LeavePrompt) if p.isVisible()]
            return bool(found)

        qtbot.waitUntil(shown, timeout=WAIT)
        assert "1 diagnosis, 0 procedure lines" in found[0].informativeText()
        return found[0]

    def no_prompt() -> bool:
        return not any(p.isVisible() for p in page.findChildren(LeavePrompt))

    key(qtbot, Qt.Key.Key_Escape)
    prompt().cancel_button.click()
    qtbot.waitUntil(no_prompt, timeout=WAIT)
    assert not back and page.has_unsaved_changes()

    page.back_button.click()
    prompt().discard_button.click()
    qtbot.waitUntil(lambda: back == [True], timeout=WAIT)
    assert not page.editor.diagnoses and not page.has_unsaved_changes()

    page.search.chosen.emit("icd10cm", "I10", "")
    page.back_button.click()
    prompt().save_button.click()
    qtbot.waitUntil(lambda: back == [True, True], timeout=WAIT)
    settle(qtbot, page)
    assert page.view is not None and page.view.version == 1
    assert [d.code for d in page.editor.diagnoses] == ["I10"]

    # Leaving while a save runs waits for it instead of asking about the same codes.
    page.search.chosen.emit("icd10cm", "E11.9", "")
    page.save()
    assert page.saving
    page.leave()
    qtbot.waitUntil(lambda: back == [True, True, True], timeout=WAIT)
    assert no_prompt() and page.view.version == 2


def titled(qtbot: QtBot, page: Any, title: str) -> None:
    qtbot.waitUntil(
        lambda: any(title in d.label for d in page.editor.input().diagnoses), timeout=WAIT
    )


def test_a_version_saved_meanwhile_is_shown_and_either_version_kept(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    coder = visit.clinic.sessions[Role.CODER]
    work = page._services.coding_work
    # Someone at another workstation codes the encounter while this screen has it open.
    work.save(
        coder,
        visit.encounter_id,
        CodingInput(diagnoses=(CodedDiagnosis("I10", ""),)),
        expected_version=None,
    )
    page.search.chosen.emit("icd10cm", "E11.9", "")
    titled(qtbot, page, "Type 2 diabetes")  # the code's title is looked up, then shown
    page.save()
    qtbot.waitUntil(page.conflict.isVisible, timeout=WAIT)
    assert "Test Coder saved this encounter's coding (version 1" in page.conflict.heading.text()
    assert "1. E11.9 Type 2 diabetes mellitus without complications" in page.conflict.mine.text()
    assert "1. I10 Essential (primary) hypertension" in page.conflict.theirs.text()
    assert page.save_state.message == "Not saved" and page.has_unsaved_changes()
    page.conflict.theirs_button.click()
    qtbot.waitUntil(lambda: page.view is not None and page.view.version == 1, timeout=WAIT)
    settle(qtbot, page)
    assert [d.code for d in page.editor.diagnoses] == ["I10"]
    assert not page.conflict.isVisible() and not page.has_unsaved_changes()

    work.save(
        coder,
        visit.encounter_id,
        CodingInput(diagnoses=(CodedDiagnosis("I10", ""), CodedDiagnosis("E78.2", ""))),
        expected_version=1,
    )
    page.search.chosen.emit("icd10cm", "E11.9", "")
    titled(qtbot, page, "Type 2 diabetes")  # the code's title is looked up, then shown
    page.save()
    qtbot.waitUntil(page.conflict.isVisible, timeout=WAIT)
    page.conflict.mine_button.click()
    qtbot.waitUntil(lambda: page.view is not None and page.view.version == 3, timeout=WAIT)
    settle(qtbot, page)
    stored = work.get(coder, visit.encounter_id).coding
    assert stored is not None
    assert [d.code for d in stored.data.diagnoses] == ["I10", "E11.9"]


def test_the_encounter_is_returned_to_its_provider_with_a_reason(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    written: list[int] = []
    page.encounter_changed.connect(written.append)
    key(qtbot, Qt.Key.Key_R, ALT)  # &Return to provider…
    qtbot.waitUntil(lambda: isinstance(page.dialog, RequiredReasonDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, RequiredReasonDialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    key(qtbot, Qt.Key.Key_R, ALT)
    type_text(qtbot, "The plan names a vaccine; which one was given?")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT)
    settle(qtbot, page)
    assert page.view is not None and page.view.state is CodingState.RETURNED
    assert page.header.state.text() == (
        "↩ Returned to provider: The plan names a vaccine; which one was given?"
    )
    assert written == [visit.encounter_id]


def test_side_panels_sit_beside_the_codes_and_the_alt_letters_stay_unique(
    qtbot: QtBot, make_page: MakePage
) -> None:
    page = make_page(Role.CODER)
    assert not page.side.isVisible()
    page.add_side_panel("Chronic review", QLabel("suggestions"))
    page.add_side_panel("Queries", QLabel("queries"))
    assert page.side.isVisible() and page.side.count() == 2
    page.search.chosen.emit("icd10cm", "E11.9", "")
    page.search.chosen.emit("icd10cm", "E11.9", "")  # already listed: said, not added twice
    assert len(page.editor.diagnoses) == 1
    assert page.message.message == "E11.9 is already diagnosis 1."
    page.add_diagnosis("E11.9", "", 42)  # from the review panel, with its problem
    assert page.editor.diagnoses[0].problem_id == 42
    assert mnemonic_clashes(page) == {}


def test_the_override_dialog_takes_one_reason_for_all(qtbot: QtBot) -> None:
    errors = [
        Finding(
            Severity.ERROR, "EXCLUDES1", "E11.9 and E10.9 ...", "Excludes1", ("E11.9", "E10.9")
        ),
        Finding(Severity.ERROR, "MCE-SEX", "O80 is for females", "MCE sex edit", ("O80",)),
    ]
    sent: list[dict[str, str]] = []
    dialog = OverrideDialog(errors, sent.append)
    qtbot.addWidget(dialog)
    dialog.show()
    assert mnemonic_clashes(dialog) == {}
    first, second = dialog.reasons.values()
    first.setText("Documented by both")
    dialog.ok_button.click()
    assert not sent
    assert list(dialog.problems.values())[1].message == "Write why this error may stand."
    dialog.same.setChecked(True)
    assert not second.isVisibleTo(dialog)
    assert first.accessibleName() == "Reason for overriding every error"
    dialog.ok_button.click()
    assert sent == [
        {"EXCLUDES1:E11.9,E10.9": "Documented by both", "MCE-SEX:O80": "Documented by both"}
    ]


def test_the_models_hold_up_under_qtmodeltester(qtmodeltester: Any) -> None:
    dx = DiagnosesModel()
    dx.set_rows([CodedDiagnosis("E11.9", "Type 2 diabetes", 3), CodedDiagnosis("I10", "HTN")])
    dx.problems = {3: "Type 2 diabetes"}
    qtmodeltester.check(dx)
    px = ProceduresModel()
    px.set_rows(
        [
            CodedProcedure(ProcedureSystem.HCPCS, "G0008", "Flu shot", ("25",), 1, (1, 2)),
            CodedProcedure(ProcedureSystem.ICD10PCS, "0DTJ4ZZ", "Appendectomy"),
        ]
    )
    qtmodeltester.check(px)
    assert px.data(px.index(1, ProceduresModel.COL_POINTERS)) == "—"
    findings = FindingsModel()
    findings.set_findings(
        [
            Finding(Severity.WARNING, "W", "a warning", "rule w"),
            Finding(Severity.ERROR, "E", "an error", "rule e", ("E11.9",)),
        ],
        {"E:E11.9": "why"},
    )
    qtmodeltester.check(findings)
    assert findings.data(findings.index(0, 0)) == "✖ Error (overridden)"
    assert findings.data(findings.index(1, 0)) == "⚠ Warning"


def test_the_setting_is_chosen_by_keyboard_and_checked_at_once(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    opened: list[int] = []
    page.encounter_opened.connect(opened.append)
    page.search.chosen.emit("icd10cm", "E11.9", "")
    settle(qtbot, page)
    checks = page.checks
    key(qtbot, Qt.Key.Key_T, ALT)  # Se&tting
    assert focused() is page.header.setting
    key(qtbot, Qt.Key.Key_Down)
    assert page.editor.setting is CareSetting.INPATIENT
    qtbot.waitUntil(lambda: page.checks > checks, timeout=WAIT)
    assert page.has_unsaved_changes()
    key(qtbot, Qt.Key.Key_Up)  # back to office: the same as saved, so nothing to ask
    page.discard_changes()
    page.open_encounter(visit.encounter_id)
    assert opened == [visit.encounter_id]
