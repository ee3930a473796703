"""Allergies by keyboard, the dated "no known allergies" statement, and the banner saying
which of the three a chart holds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, rows, tab_to, type_text

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_no_known_allergies_then_an_allergy_by_keyboard_and_the_banner_follows(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    banner = w.banner
    qtbot.waitUntil(lambda: banner.allergies.text() == "Allergies not recorded", timeout=WAIT)
    allergies_section = w.chart.summary.section("allergies")
    assert allergies_section is not None and allergies_section.texts() == ["Not recorded"]
    key(qtbot, Qt.Key.Key_3, CTRL)
    page = w.chart.lists["allergies"]
    assert w.chart.tabs.currentWidget() is page and focused() is page.table
    button = page.statement_button
    assert button is not None
    qtbot.waitUntil(button.isVisible, timeout=WAIT)  # once the list has been read
    key(qtbot, Qt.Key.Key_K, ALT)  # Record no &known allergies
    qtbot.waitUntil(
        lambda: banner.allergies.text() == "No known allergies (recorded 11/26/2026)",
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=WAIT)
    assert page.statement_text.text() == "✓ No known allergies (recorded 11/26/2026)"
    qtbot.waitUntil(
        lambda: allergies_section.texts() == ["No known allergies (recorded 11/26/2026)"],
        timeout=WAIT,
    )

    # An allergy after all: each refused value is explained under its field, text kept.
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Insert)
    form = page.form
    assert focused() is form.inputs["substance"].focus

    def refused(field: str, words: str) -> None:
        key(qtbot, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(lambda: words in form.errors[field].message, timeout=WAIT)
        assert form.errors[field].isVisible() and focused() is form.inputs[field].focus

    refused("substance", "Name the substance")
    type_text(qtbot, "Penicillin V")
    refused("category", "Choose a category")
    assert form.inputs["substance"].value() == "Penicillin V"
    type_text(qtbot, "D")  # type-ahead in the list: Drug
    assert form.inputs["category"].value() == "drug"
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.inputs["reaction"].focus
    type_text(qtbot, "hives and wheeze")
    key(qtbot, Qt.Key.Key_Tab)  # Tab leaves the several-line field
    type_text(qtbot, "S")
    assert form.inputs["severity"].value() == "severe"
    tab_to(qtbot, form.inputs["onset"].focus)
    type_text(qtbot, "childhood")
    refused("onset", "Type the date like 1998, 03/1998 or 03/14/1998")
    assert form.inputs["onset"].value() == "childhood"
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "1998")
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: rows(page) == ["Penicillin V"], timeout=WAIT)
    assert page.model.display(page.model.row_at(0), 3) == "Severe"
    qtbot.waitUntil(lambda: banner.allergies.text() == "⚠ Allergies: Penicillin V", timeout=WAIT)
    # The allergy made "no known allergies" untrue: the statement is gone from the list page.
    qtbot.waitUntil(lambda: not page.statement_text.isVisible(), timeout=WAIT)
    assert not button.isVisible()
    qtbot.waitUntil(
        lambda: allergies_section.texts() == ["Penicillin V (drug): hives and wheeze, severe"],
        timeout=WAIT,
    )
