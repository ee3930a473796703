"""Coding a signed encounter by keyboard alone: two diagnoses and an HCPCS line added from the
code search, the diagnoses reordered with the line's pointer following its diagnosis, a
pointer typed into its cell, saved (Ctrl+S) and marked coded (Ctrl+Enter); the screen says
who coded it and the patient's views are told."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.coding_work import CodingState, ProcedureSystem
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.ui.coding_work.coding_models import ProceduresModel
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from tests.ui.coding_work.conftest import WAIT, MakePage, Visit, focused, key, settle, type_text

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def pick_from_search(qtbot: QtBot, page: EncounterCodingPage, typed: str, code: str) -> None:
    """Type into the code search, Down to ``code`` in the list under it, Enter."""
    assert focused() is page.search.edit
    type_text(qtbot, typed)
    popup = page.search.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    model = page.search.model
    row = next(r for r in range(model.rowCount()) if model.item(r).text().startswith(code))
    for _ in range(row + 1):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=WAIT)


def test_an_encounter_is_coded_end_to_end_by_keyboard(
    qtbot: QtBot, make_page: MakePage, visit: Visit
) -> None:
    page = make_page(Role.CODER)
    assert "Not started" in page.header.state.text()
    assert "age 65 on the date of service" in page.header.encounter.text()
    assert "Influenza vaccine given today" in page.note.note_text()
    assert "Vaccine lot 4471A." in page.note.note_text()
    changed: list[tuple[int, object]] = []
    page._services.changed.connect(lambda pid, kinds: changed.append((pid, kinds)))
    written: list[int] = []
    page.encounter_changed.connect(written.append)
    codes: list[object] = []
    page.codes_changed.connect(codes.append)

    key(qtbot, Qt.Key.Key_A, ALT)  # &Add code
    pick_from_search(qtbot, page, "type 2 diabetes without compl", "E11.9")
    # A whole code typed and Enter adds it at once (once the search has answered).
    type_text(qtbot, "I10")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(page.editor.diagnoses) == 2, timeout=WAIT)
    assert [d.code for d in page.editor.diagnoses] == ["E11.9", "I10"]
    assert page.dx_model.data(page.dx_model.index(0, 0)) == "1 first-listed"
    assert codes[-1] == ("E11.9", "I10")

    key(qtbot, Qt.Key.Key_P, CTRL | SHIFT)  # the search looks for procedures now
    assert page.search.searching == "procedures" and focused() is page.search.edit
    pick_from_search(qtbot, page, "influenza", "G0008")
    [line] = page.editor.procedures
    assert (line.system, line.code, line.pointers) == (ProcedureSystem.HCPCS, "G0008", (1,))

    # I10 to the top by keyboard: the flu shot still points to the diabetes, now number 2.
    key(qtbot, Qt.Key.Key_D, ALT)  # &Diagnoses
    assert focused() is page.dx_table.table
    page.dx_table.select(1)
    key(qtbot, Qt.Key.Key_Up, ALT)
    assert [d.code for d in page.editor.diagnoses] == ["I10", "E11.9"]
    assert page.editor.procedures[0].pointers == (2,)
    assert page.dx_table.selected_row() == 0

    # The pointers typed into their cell: the diabetes first, the hypertension second.
    key(qtbot, Qt.Key.Key_O, ALT)  # Pr&ocedures
    table = page.px_table.table
    assert focused() is table
    table.setCurrentIndex(page.px_model.index(0, ProceduresModel.COL_POINTERS))
    key(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.EditingState)
    assert focused().accessibleName() == "Pointers of line 1"
    type_text(qtbot, "2,1")  # over the pointer shown, which the editor opens selected
    key(qtbot, Qt.Key.Key_Return)  # the editor commits once it has closed
    qtbot.waitUntil(lambda: page.editor.procedures[0].pointers == (2, 1), timeout=WAIT)
    assert page.px_model.data(page.px_model.index(0, ProceduresModel.COL_POINTERS)) == "2,1"
    assert page.save_state.message == "Unsaved changes"

    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.view is not None and page.view.version == 1, timeout=WAIT)
    assert "Being coded" in page.header.state.text()
    assert page.save_state.message.startswith("✓ Saved")
    assert not page.has_unsaved_changes()

    key(qtbot, Qt.Key.Key_Return, CTRL)  # Mark coded
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.state is CodingState.CODED, timeout=WAIT
    )
    settle(qtbot, page)
    assert page.header.state.text().startswith("✔ Coded by Test Coder on ")
    assert not page.mark_button.isEnabled()
    stored = visit.clinic.inst  # what was saved, read back through the service
    view = page._services.coding_work.get(visit.clinic.sessions[Role.CODER], visit.encounter_id)
    assert view.coding is not None and stored is not None
    data = view.coding.data
    assert [d.code for d in data.diagnoses] == ["I10", "E11.9"]
    assert data.procedures[0].pointers == (2, 1)
    assert written == [visit.encounter_id, visit.encounter_id]
    assert changed and all(
        pid == visit.patient_id and kinds == frozenset({ChangeKind.CODING})
        for pid, kinds in changed
    )
