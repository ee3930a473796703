"""A blocked "mark coded": E11.9 (added from the problem list in one step, linked to it) with
E10.9 is an Excludes1 error; Mark coded asks for a written reason for it, Cancel saves
nothing, a blank reason is refused, and the reason given shows on the coded encounter with
who accepted it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.types import Severity
from medrec_desktop.domain.coding_work import CodingState
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding_work.coding_dialogs import OverrideDialog
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
REASON = "Both documented: endocrinology letter of 10/02 and this visit's assessment"


def test_an_excludes1_error_blocks_mark_coded_until_overridden_with_a_written_reason(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    # The problem's code added in one step, linked to the problem (and the list says so).
    key(qtbot, Qt.Key.Key_L, ALT)  # Prob&lem list
    assert focused() is page.problem_list.list
    page.problem_list.list.setCurrentRow(0)
    key(qtbot, Qt.Key.Key_Return)
    [dx] = page.editor.diagnoses
    assert (dx.code, dx.problem_id) == ("E11.9", visit.diabetes)
    qtbot.waitUntil(lambda: dx.title != page.editor.diagnoses[0].title, timeout=WAIT)
    assert page.editor.diagnoses[0].title == "Type 2 diabetes mellitus without complications"
    first = page.problem_list.list.item(0)
    assert first is not None and "✔ diagnosis 1 here" in first.text()
    assert page.dx_model.data(page.dx_model.index(0, 3)) == "↔ Type 2 diabetes"
    # A problem without a code goes to the code search with its words.
    page.problem_list.list.setFocus()
    page.problem_list.list.setCurrentRow(2)
    key(qtbot, Qt.Key.Key_Return)
    assert page.search.edit.text() == "Mixed hyperlipidemia"

    key(qtbot, Qt.Key.Key_A, ALT)
    type_text(qtbot, "E10.9")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(page.editor.diagnoses) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: any(f.rule_id == "EXCLUDES1" for f in page.findings), timeout=WAIT)
    settle(qtbot, page)
    findings = page.findings_view
    assert findings.summary.text().startswith("✖ 1 error")
    key(qtbot, Qt.Key.Key_N, ALT)  # Fi&ndings: the first is the error, its rule below
    assert focused() is findings.table
    findings.table.selectRow(0)
    assert findings.model.data(findings.model.index(0, 0)) == "✖ Error"
    assert findings.rule.text().startswith("Rule (EXCLUDES1): Excludes1")

    # Mark coded: the error needs a reason; Cancel saves nothing.
    key(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: isinstance(page.dialog, OverrideDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, OverrideDialog)
    assert [f.rule_id for f in dialog.errors] == ["EXCLUDES1"]
    dialog.cancel_button.click()
    settle(qtbot, page)
    coder = visit.clinic.sessions[Role.CODER]
    assert page._services.coding_work.get(coder, visit.encounter_id).coding is None
    assert page.view is not None and page.view.coding is None
    assert page.has_unsaved_changes()

    page.activateWindow()  # (offscreen, a closed dialog hands nothing back)
    qtbot.waitUntil(page.isActiveWindow)
    key(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: page.dialog is not dialog and page.dialog is not None, timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, OverrideDialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.ok_button.click()  # no reason typed: refused under its field, nothing sent
    [problem] = dialog.problems.values()
    assert problem.message == "Write why this error may stand."
    [reason] = dialog.reasons.values()
    assert focused() is reason
    type_text(qtbot, REASON)
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.state is CodingState.CODED, timeout=WAIT
    )
    settle(qtbot, page)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT)
    assert page.header.state.text().startswith("✔ Coded by Test Coder on ")
    shown = findings.overrides.text()
    assert findings.overrides.isVisible()
    assert "Errors overridden by Test Coder" in shown
    assert "EXCLUDES1 (E11.9, E10.9)" in shown and f"Reason: {REASON}" in shown
    errors = [
        r
        for r in range(findings.model.rowCount())
        if findings.model.finding(r).severity is Severity.ERROR
    ]
    assert [findings.model.data(findings.model.index(r, 0)) for r in errors] == [
        "✖ Error (overridden)"
    ]
    assert findings.summary.text().startswith("✓ 1 error")
    view = page._services.coding_work.get(coder, visit.encounter_id)
    assert view.coding is not None
    [override] = view.coding.data.overrides
    assert (override.rule_id, override.reason) == ("EXCLUDES1", REASON)
