"""Problems by keyboard alone: add with the code picked from the code-set search, every
refused value explained under its field with the typed text kept, edit then history with the
change field by field, and entered in error (Delete) with its required reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import (
    WAIT,
    Window,
    focused,
    key,
    open_chart,
    rows,
    settle,
    tab_to,
    type_text,
)

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def problems(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    key(qtbot, Qt.Key.Key_2, CTRL)  # Ctrl+2: the problem list, cursor on its table
    page = w.chart.lists["problems"]
    assert w.chart.tabs.currentWidget() is page
    assert focused() is page.table
    return page


def save(qtbot: QtBot) -> None:
    key(qtbot, Qt.Key.Key_S, CTRL)


def test_add_a_problem_by_keyboard_with_the_code_picked_from_the_search(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    form = page.form
    assert page.stack.currentWidget() is form
    assert focused() is form.inputs["description"].focus
    type_text(qtbot, "type 2 diabetes, diet controlled")
    key(qtbot, Qt.Key.Key_Tab)
    picker = form.inputs["icd10cm"].container
    assert focused() is form.inputs["icd10cm"].focus
    type_text(qtbot, "E11.9")
    popup = form.findChild(type(picker)).completer.popup()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: popup.isVisible(), timeout=WAIT)
    # The list under the field answers the keys: Down to the code, Enter picks it.
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=WAIT)
    assert form.inputs["icd10cm"].value() == "E11.9"
    assert "Type 2 diabetes mellitus without complications" in picker.title.text()  # type: ignore[attr-defined]
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "03/2019")
    key(qtbot, Qt.Key.Key_Tab)  # resolved: blank
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.inputs["chronic"].focus
    key(qtbot, Qt.Key.Key_Space)
    assert "Unsaved changes" in form.save_state.text()
    save(qtbot)
    qtbot.waitUntil(lambda: rows(page) == ["type 2 diabetes, diet controlled"], timeout=WAIT)
    assert page.stack.currentWidget() is page.panel
    assert page.message.message.startswith("Saved ")
    nurse = populated.sessions[Role.NURSE]
    saved = populated.inst.problems.list(nurse, w.chart.patient.id).items  # type: ignore[union-attr]
    assert [
        (p.data.description, p.data.icd10cm, str(p.data.onset), p.data.chronic) for p in saved
    ] == [("type 2 diabetes, diet controlled", "E11.9", "03/2019", True)]
    # The summary lists it, and Enter on it opens the full list.
    key(qtbot, Qt.Key.Key_1, CTRL)
    section = w.chart.summary.sections[0]
    qtbot.waitUntil(
        lambda: (
            section.texts() == ["type 2 diabetes, diet controlled (E11.9), since 03/2019, chronic"]
        ),
        timeout=WAIT,
    )
    assert focused() is section.list
    key(qtbot, Qt.Key.Key_Return)
    assert w.chart.tabs.currentWidget() is page and focused() is page.table


def test_each_refused_value_shows_under_its_field_and_keeps_the_text(
    qtbot: QtBot, chart_window: Window
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    form = page.form

    def refused(field: str, words: str) -> None:
        save(qtbot)
        label = form.errors[field]
        qtbot.waitUntil(lambda: label.isVisible(), timeout=WAIT)
        assert words in label.message
        assert focused() is form.inputs[field].focus
        assert page.stack.currentWidget() is form and rows(page) == []

    refused("description", "Describe the problem")
    type_text(qtbot, "Asthma")
    tab_to(qtbot, form.inputs["icd10cm"].focus)
    type_text(qtbot, "asthma!")
    refused("icd10cm", "does not look like an ICD-10-CM code")
    assert form.inputs["icd10cm"].value() == "asthma!"
    form.inputs["icd10cm"].focus.selectAll()  # type: ignore[attr-defined]
    key(qtbot, Qt.Key.Key_Backspace)
    tab_to(qtbot, form.inputs["onset"].focus)
    type_text(qtbot, "13/1998")
    refused("onset", "no month 13")
    assert form.inputs["onset"].value() == "13/1998"
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "2030")
    refused("onset", "in the future")
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "2010")
    tab_to(qtbot, form.inputs["resolution"].focus)
    type_text(qtbot, "2005")
    refused("resolution", "cannot be resolved before its onset")
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "2012")
    refused("resolution", "An active problem has no resolution date")
    assert form.inputs["resolution"].value() == "2012"
    # Choosing "Resolved" in the status list by keyboard makes it acceptable.
    tab_to(qtbot, form.inputs["status"].focus)
    type_text(qtbot, "R")
    assert form.inputs["status"].value() == "resolved"
    save(qtbot)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    # A resolved problem is off the working list, on it with "Show inactive and resolved".
    settle(qtbot, w)
    assert rows(page) == []
    key(qtbot, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: rows(page) == ["Asthma"], timeout=WAIT)


def test_edit_then_history_shows_the_change_and_entered_in_error_keeps_it(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    populated.inst.problems.add(
        records, okafor.id, ProblemInput(description="Essential hypertension", onset="2015")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    qtbot.waitUntil(lambda: rows(page) == ["Essential hypertension"], timeout=WAIT)
    key(qtbot, Qt.Key.Key_Return)  # Enter edits the chosen problem
    form = page.form
    assert page.stack.currentWidget() is form
    assert "Version 1" in form.subheading.text()
    tab_to(qtbot, form.inputs["onset"].focus)
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "03/2015")
    tab_to(qtbot, form.reason)
    type_text(qtbot, "onset month from the referral letter")
    save(qtbot)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    settle(qtbot, w)
    key(qtbot, Qt.Key.Key_Y, ALT)  # View histor&y
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.history, timeout=WAIT)
    history = page.history
    assert history.list.count() == 2
    assert history.list.item(0).text().startswith("Version 2 ·")
    assert "changed Onset. Reason: onset month from the referral letter" in (
        history.list.item(0).text()
    )
    cells = [history.changes.item(0, c).text() for c in range(4)]  # type: ignore[union-attr]
    assert cells == ["Onset", "2015", "→", "03/2015"]
    key(qtbot, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.panel
    # Delete: entered in error, with a reason the dialog insists on.
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Delete)
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason, timeout=WAIT)
    key(qtbot, Qt.Key.Key_M, ALT)  # without a reason: asked for one (a button's mnemonic
    # clicks it after a short animation, hence the waits)
    qtbot.waitUntil(lambda: "Say why" in dialog.reason_error.message, timeout=WAIT)
    assert dialog.isVisible()
    type_text(qtbot, "charted on the wrong patient")
    # No default button: Enter with a reason typed marks nothing by reflex.
    key(qtbot, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert dialog.isVisible() and dialog.mark_button.isEnabled()
    assert not dialog.mark_button.isDefault()
    assert [r for r in rows(page)] != []
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    qtbot.waitUntil(lambda: rows(page) == [], timeout=WAIT)
    assert "Marked entered in error" in page.message.message
    item = populated.inst.problems.list(records, okafor.id, include_entered_in_error=True).items[0]
    versions = populated.inst.problems.history(records, item.id)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[-1].summary == ("marked entered in error. Reason: charted on the wrong patient")
    # Not even among the inactive ones.
    w.activateWindow()  # offscreen: nothing hands activation back after the dialog
    qtbot.waitUntil(w.isActiveWindow, timeout=WAIT)
    assert focused() is page.table
    key(qtbot, Qt.Key.Key_I, ALT)
    settle(qtbot, w)
    assert rows(page) == []
