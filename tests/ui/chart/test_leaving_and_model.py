"""Leaving a chart with a half-typed item asks Save / Discard / Cancel (the main window finds
every item form by itself), and the list's item model passes Qt's model checks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.chart.item_model import ItemsModel
from medrec_desktop.ui.chart.kinds import PROBLEMS
from medrec_desktop.ui.widgets.unsaved import LeavePrompt
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, key, open_chart, rows, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def visible_prompt(qtbot: QtBot, w: Any) -> LeavePrompt:
    found: list[LeavePrompt] = []

    def shown() -> bool:
        found[:] = [p for p in w.findChildren(LeavePrompt) if p.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def test_leaving_with_a_half_typed_problem_asks_and_cancel_keeps_it(
    qtbot: QtBot, chart_window: Window
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    key(qtbot, Qt.Key.Key_2, CTRL)
    page = w.chart.lists["problems"]
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Migraine without aura")
    assert page.form in w.guarded_forms()
    dirty = [f for f in w.guarded_forms() if f.has_unsaved_changes()]
    assert dirty[0] is page.form  # the one in view is asked about first
    key(qtbot, Qt.Key.Key_1, CTRL)  # the summary: still in the chart, nothing asked
    assert not any(p.isVisible() for p in w.findChildren(LeavePrompt))
    qtbot.keyClick(w, Qt.Key.Key_F, CTRL)  # leaving the chart
    box = visible_prompt(qtbot, w)
    assert "Problem in the chart of Okafor, Chidi: Problem" in box.informativeText()
    # The form was brought back into view for the question.
    assert w.chart.tabs.currentWidget() is page and page.stack.currentWidget() is page.form
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    assert w.patients_area.currentWidget() is w.chart
    assert page.form.values()["description"] == "Migraine without aura"
    # Asked again, Enter saves, then the search opens.
    qtbot.keyClick(w, Qt.Key.Key_F, CTRL)
    box = visible_prompt(qtbot, w)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)
    qtbot.waitUntil(lambda: rows(page) == ["Migraine without aura"], timeout=WAIT)


def test_cancel_in_a_dirty_form_asks_and_discard_goes_back_to_the_list(
    qtbot: QtBot, chart_window: Window
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    key(qtbot, Qt.Key.Key_2, CTRL)
    page = w.chart.lists["problems"]
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Low back pain")
    key(qtbot, Qt.Key.Key_Escape)
    box = visible_prompt(qtbot, w)
    box.discard_button.click()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    assert not page.form.has_unsaved_changes() and rows(page) == []


def test_the_item_model_passes_the_model_checks(qtmodeltester: Any, populated: Clinic) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    for text, onset in (("Asthma", "1998"), ("Hypertension", "03/2015"), ("Gout", "")):
        populated.inst.problems.add(records, okafor.id, ProblemInput(description=text, onset=onset))
    model = ItemsModel(PROBLEMS)
    model.set_rows(populated.inst.problems.list(records, okafor.id).items)
    qtmodeltester.check(model)
    # Partial dates sort by the day they start, not as the text reads.
    keys = sorted(range(3), key=lambda r: model.sort_key(model.row_at(r), 2))
    assert [model.display(model.row_at(r), 2) for r in keys] == ["", "1998", "03/2015"]
