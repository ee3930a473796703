"""A coder's keyboard in the Coding area: the search box after each added code, shortcuts that
do not fight the main window's, unique mnemonics and a Tab order that reaches every control."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QCheckBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.coding.models import ResultsModel
from tests.ui.coding.keys import clashes, labels_without_buddies, mnemonics

#: the main window's own shortcuts (Find patient, New patient, Save, Lock, Emergency, Help)
WINDOW_KEYS = ("Ctrl+F", "Ctrl+N", "Ctrl+S", "Ctrl+L", "Ctrl+Shift+E", "F1")


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def pick(qtbot: QtBot, panel: CodingPanel, query: str, code: str) -> None:
    """Type the query, go down to the results with the keyboard, wait for the code's detail."""
    panel.focus_search()
    qtbot.keyClicks(panel.search_edit, query)
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == code, timeout=10_000)
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Down)
    assert panel.results.hasFocus() and panel.results.currentIndex().row() == 0
    qtbot.waitUntil(
        lambda: panel.detail.detail is not None and panel.detail.detail.code == code,
        timeout=10_000,
    )


def add_by_enter(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)


def add_by_double_click(qtbot: QtBot, panel: CodingPanel) -> None:
    rect = panel.results.visualRect(panel.results_model.index(0, ResultsModel.COL_CODE))
    # a real double-click: press and release, then the second press
    qtbot.mouseClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def add_by_button(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.mouseClick(panel.detail.add_button, Qt.MouseButton.LeftButton)


def add_by_mnemonic(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClick(panel, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Add to claim


def add_full_code_by_mnemonic(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClick(panel, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # Add full c&ode


@pytest.mark.parametrize(
    ("query", "code", "add", "added"),
    [
        ("htn", "I10", add_by_enter, "I10"),
        ("htn", "I10", add_by_double_click, "I10"),
        ("htn", "I10", add_by_button, "I10"),
        ("htn", "I10", add_by_mnemonic, "I10"),
        ("S72.001", "S72.001", add_full_code_by_mnemonic, "S72.001A"),
    ],
    ids=["enter", "double-click", "button", "alt-a", "alt-o-full-code"],
)
def test_after_adding_a_code_typing_replaces_the_query(
    qtbot: QtBot, panel: CodingPanel, query: str, code: str, add: object, added: str
) -> None:
    pick(qtbot, panel, query, code)
    add(qtbot, panel)  # type: ignore[operator]
    # a mnemonic "clicks" its button after a short animation: wait for the claim
    qtbot.waitUntil(lambda: panel.claim.codes() == [added], timeout=5_000)
    assert focused() is panel.search_edit
    assert panel.search_edit.selectedText() == query
    # The next code is typed straight away, into the search box, over the last query.
    qtbot.keyClicks(focused(), "copd")
    assert panel.search_edit.text() == "copd"
    assert panel.import_button.isHidden() or not panel.imports.running


def test_enter_down_enter_then_type_never_leaves_the_search_box(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    """The trap of the issue: after an add, Shift+Tab and typing opened the Import dialog."""
    pick(qtbot, panel, "htn", "I10")
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert panel.claim.codes() == ["I10"]
    qtbot.keyClicks(focused(), "e1165")
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == "E11.65", timeout=10_000)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # to the results
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # add
    assert panel.claim.codes() == ["I10", "E11.65"]
    assert focused() is panel.search_edit and panel.search_edit.selectedText() == "e1165"
    assert panel.imports.dialog is None


def test_focus_search_selects_the_query_from_anywhere(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClicks(panel.search_edit, "asthma")
    panel.claim.table.setFocus()
    assert not panel.search_edit.hasFocus()
    panel.focus_search()
    assert focused() is panel.search_edit
    assert panel.search_edit.selectedText() == "asthma"


def test_the_panel_binds_no_key_of_the_main_window(panel: CodingPanel) -> None:
    def portable(seq: QKeySequence) -> str:
        return seq.toString(QKeySequence.SequenceFormat.PortableText)

    taken = {portable(QKeySequence(k)) for k in WINDOW_KEYS}
    taken |= {portable(k) for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Find)}
    bound = [portable(s.key()) for s in panel.findChildren(QShortcut)]
    bound += [portable(k) for a in panel.findChildren(QAction) for k in a.shortcuts()]
    assert bound, "the panel's own keys (Enter, Esc, Delete, Alt+Up/Down) are shortcuts"
    assert [k for k in bound if k in taken] == []


def test_the_panel_keys_belong_to_their_widget(qtbot: QtBot, panel: CodingPanel) -> None:
    """Enter adds a result only in the results; Delete removes a code only in the claim."""
    shortcuts = panel.findChildren(QShortcut)
    assert {s.context() for s in shortcuts} == {Qt.ShortcutContext.WidgetShortcut}
    pick(qtbot, panel, "htn", "I10")
    panel.add_to_claim("E11.9", "Type 2 diabetes mellitus without complications")
    panel.dos_edit.setFocus()
    qtbot.keyClick(panel.dos_edit, Qt.Key.Key_Return)
    qtbot.keyClick(panel.dos_edit, Qt.Key.Key_Escape)
    assert panel.claim.codes() == ["E11.9"] and focused() is panel.dos_edit
    panel.results.setFocus()
    qtbot.keyClick(panel.results, Qt.Key.Key_Delete)
    qtbot.keyClick(panel.results, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert panel.claim.codes() == ["E11.9"]


def test_the_panel_keys_still_work(qtbot: QtBot, panel: CodingPanel) -> None:
    pick(qtbot, panel, "htn", "I10")
    qtbot.keyClick(panel.results, Qt.Key.Key_Escape)
    assert focused() is panel.search_edit
    panel.add_to_claim("E11.9", "Type 2 diabetes mellitus without complications")
    panel.add_to_claim("E10.9", "Type 1 diabetes mellitus without complications")
    qtbot.keyClick(panel, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # &Claim
    assert focused() is panel.claim.table
    qtbot.keyClick(panel.claim.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert panel.claim.codes() == ["E10.9", "E11.9"]
    qtbot.keyClick(panel.claim.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert panel.claim.codes() == ["E11.9", "E10.9"]
    qtbot.keyClick(panel.claim.table, Qt.Key.Key_Delete)
    assert panel.claim.codes() == ["E11.9"]
    qtbot.keyClick(panel, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # A&ge
    assert focused() is panel.claim.age
    qtbot.keyClick(panel, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # Se&x
    assert focused() is panel.claim.sex
    qtbot.keyClick(panel, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Tabular &notes
    assert focused() is panel.detail.notes
    qtbot.keyClick(panel, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # &Date of service
    assert focused() is panel.dos_edit


def test_mnemonics_are_unique_and_leave_the_menu_bar_alone(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    found = mnemonics(panel)
    letters = {letter for letter, _ in found}
    # the ones a coder uses all day are there
    assert {"A", "B", "C", "D", "I", "O", "7"} <= letters, found
    assert clashes(found) == []
    assert labels_without_buddies(panel) == []


def test_the_seventh_character_box_is_reached_by_its_mnemonic(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    pick(qtbot, panel, "S72.001", "S72.001")
    qtbot.keyClick(panel, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)  # &7th character
    assert focused() is panel.detail.seventh_combo


def test_tab_reaches_every_control_and_each_shows_focus(qtbot: QtBot, panel: CodingPanel) -> None:
    pick(qtbot, panel, "S72.001", "S72.001")
    panel.add_to_claim("I10", "Essential (primary) hypertension")
    assert focused() is panel.search_edit
    reached: list[QWidget] = []
    for _ in range(40):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        reached.append(focused())
    d, c = panel.detail, panel.claim
    controls = [
        panel.system_combo,
        panel.billable_check,
        panel.dos_edit,
        panel.import_button,
        panel.results,
        d.seventh_combo,
        d.full_code,
        d.add_full,
        d.add_button,
        d.notes,
        c.table,
        c.up_button,
        c.down_button,
        c.remove_button,
        c.age,
        c.sex,
        c.findings,
        panel.search_edit,
    ]
    shown = [w for w in controls if w.isVisible()]
    assert [w.accessibleName() for w in shown if w not in reached] == []
    # in reading order: the search bar, then results, detail, claim, findings
    first = [reached.index(w) for w in shown if w is not panel.search_edit]
    assert first == sorted(first)
    # nothing flat (a flat button shows no focus in most styles), nothing mouse-only
    buttons = panel.findChildren(QPushButton) + panel.findChildren(QCheckBox)
    assert [b.text() for b in buttons if isinstance(b, QPushButton) and b.isFlat()] == []
    assert [
        w.accessibleName() or w.text()
        for w in [*controls, *buttons]
        if not w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ] == []
