"""Re-coding a coded encounter asks why, and its history shows the codes before and after
with the reason; a provider sees the codes read only, with the reason the controls are
disabled."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    CodingState,
    ProcedureSystem,
)
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding_work.coding_dialogs import HistoryDialog
from medrec_desktop.ui.coding_work.encounter_coding import ONLY_CODERS
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
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
WHY = "Hypertension not addressed in this visit (provider query answered)"


def code_it(page_services: object, visit: Visit) -> None:
    svc = page_services.coding_work  # type: ignore[attr-defined]
    coder = visit.clinic.sessions[Role.CODER]
    saved = svc.save(
        coder,
        visit.encounter_id,
        CodingInput(
            diagnoses=(CodedDiagnosis("E11.9", ""), CodedDiagnosis("I10", "")),
            procedures=(CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", pointers=(1,)),),
        ),
        expected_version=None,
    )
    svc.mark_coded(coder, visit.encounter_id, expected_version=saved.version)


def test_recoding_asks_a_reason_and_the_history_shows_the_difference(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    code_it(page._services, visit)
    page.refresh()
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.state is CodingState.CODED, timeout=WAIT
    )
    settle(qtbot, page)
    assert [d.code for d in page.editor.diagnoses] == ["E11.9", "I10"]
    assert not page.mark_button.isEnabled() and not page.return_button.isEnabled()
    key(qtbot, Qt.Key.Key_S, CTRL)  # nothing changed: nothing to save
    assert page.save_state.message == "Nothing changed since the last save."

    key(qtbot, Qt.Key.Key_D, ALT)
    page.dx_table.select(1)
    key(qtbot, Qt.Key.Key_Delete)
    assert [d.code for d in page.editor.diagnoses] == ["E11.9"]
    assert page.mark_button.isEnabled()
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: isinstance(page.dialog, RequiredReasonDialog), timeout=WAIT)
    dialog = page.dialog
    assert isinstance(dialog, RequiredReasonDialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.ok_button.click()
    assert dialog.reason_error.message == "Write the reason: it is kept with this version."
    assert focused() is dialog.reason
    type_text(qtbot, WHY)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.view is not None and page.view.version == 3, timeout=WAIT)
    settle(qtbot, page)
    assert page.view.state is CodingState.IN_PROGRESS
    assert page.header.state.text().startswith("✎ Being coded")

    page.activateWindow()  # (offscreen, a closed dialog hands nothing back)
    qtbot.waitUntil(page.isActiveWindow)
    key(qtbot, Qt.Key.Key_Y, ALT)  # Histor&y…
    qtbot.waitUntil(lambda: isinstance(page.dialog, HistoryDialog), timeout=WAIT)
    history = page.dialog
    assert isinstance(history, HistoryDialog)
    history.activateWindow()
    qtbot.waitUntil(history.isActiveWindow)
    view = history.view
    assert view.list.count() == 3
    newest = view.list.item(0)
    assert newest is not None and newest.text().startswith("Version 3 · ")
    assert "Test Coder" in newest.text() and f"Reason: {WHY}" in newest.text()
    cells = {
        view.changes.item(r, 0).text(): (
            view.changes.item(r, 1).text(),
            view.changes.item(r, 3).text(),
        )
        for r in range(view.changes.rowCount())
    }
    before, after = cells["Diagnoses"]
    assert "I10 Essential (primary) hypertension" in before and "I10" not in after
    assert cells["State"] == ("Coded", "Being coded")
    assert cells["Coded by"] == ("Test Coder", "(blank)")  # a name, never a user number
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: closed(history), timeout=WAIT)


def test_a_provider_sees_the_codes_read_only(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.PROVIDER)
    code_it(page._services, visit)
    page.refresh()
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.state is CodingState.CODED, timeout=WAIT
    )
    settle(qtbot, page)
    assert [d.code for d in page.editor.diagnoses] == ["E11.9", "I10"]
    assert page.px_model.rowCount() == 1
    assert page.header.state.text().startswith("✔ Coded by Test Coder")
    assert not page.search.isVisible()
    for button in (page.save_button, page.mark_button, page.return_button):
        assert not button.isEnabled() and button.toolTip() == ONLY_CODERS
    for table in (page.dx_table, page.px_table):
        assert not table.remove_button.isVisible() and not table.up_button.isVisible()
        assert table.table.toolTip() == ONLY_CODERS
    assert not page.problem_list.add_button.isEnabled()
    assert page.history_button.isEnabled()
    # The keys change nothing either.
    page.dx_table.table.setFocus()
    page.dx_table.select(1)
    key(qtbot, Qt.Key.Key_Up, ALT)
    key(qtbot, Qt.Key.Key_Delete)
    key(qtbot, Qt.Key.Key_S, CTRL)
    page.add_diagnosis("E78.2", "Mixed hyperlipidemia")
    assert [d.code for d in page.editor.diagnoses] == ["E11.9", "I10"]
    assert page.message.message == ONLY_CODERS
    assert not page.has_unsaved_changes()
    flags = page.px_model.flags(page.px_model.index(0, 6))
    assert not flags & Qt.ItemFlag.ItemIsEditable
