"""Results by keyboard alone: a panel chosen from the templates, its values typed with Tab
from value to value, each flag shown with its symbol and colour as it is typed, Enter saving;
the grid then shows the values by date with the same marks, a refused value is explained
with the row named and the typing kept, a test typed freely grows rows with Insert, a
typed panel is kept as a draft and restored after a crash, a clinic template is added from
the results page, Enter on an analyte asks for its trend, and a labelled test is withheld."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.drafts import new_form_key
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.results import Flag, LabTestInput, ResultInput
from medrec_desktop.ui.chart.result_rows import ResultRowsField
from medrec_desktop.ui.chart.result_style import flag_background, flag_foreground
from medrec_desktop.ui.chart.results_grid_model import ResultsGridModel
from medrec_desktop.ui.chart.results_page import ResultsPage
from medrec_desktop.ui.chart.template_dialog import TemplatesDialog
from medrec_desktop.ui.draft_offer import DraftOfferDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text
from tests.ui.chart.form_keys import ALT, CTRL

TAB = Qt.Key.Key_Tab
BMP_VALUES = ("412", "22", "1.4", "136", "5.8", "99", "23", "9.1")


def results(qtbot: QtBot, w: MainWindow) -> ResultsPage:
    key(qtbot, Qt.Key.Key_8, CTRL)  # the Results tab
    page = w.chart.lists["results"]
    assert isinstance(page, ResultsPage)
    qtbot.waitUntil(lambda: page.isVisible() and w.runner.in_flight == 0, timeout=WAIT)
    return page


def pick_panel(qtbot: QtBot, page: ResultsPage, name: str) -> ResultRowsField:
    """Alt+N, then the template by arrow keys and Enter in the menu."""
    key(qtbot, Qt.Key.Key_N, ALT)  # Add pa&nel…
    qtbot.waitUntil(
        lambda: page.panel_menu is not None and page.panel_menu.isVisible(), timeout=WAIT
    )
    menu = page.panel_menu
    assert menu is not None
    names = [a.text() for a in menu.actions()]
    for _ in range(next(i for i, n in enumerate(names) if n.startswith(name))):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=WAIT)
    rows = page.form.inputs["results"].widget
    assert isinstance(rows, ResultRowsField)
    qtbot.waitUntil(lambda: focused() is rows.rows[0].value, timeout=WAIT)
    return rows


def colour(flag: Flag) -> str:
    found = flag_foreground(flag, QPalette())
    assert found is not None
    return found.name()


def grid_cell(page: ResultsPage, analyte: str, column: int = 0) -> tuple[str, Any, Any]:
    model = page.grid_model
    row = next(
        r for r in range(model.rowCount()) if (g := model.row_at(r)) and g.analyte == analyte
    )
    index = model.index(row, column)
    return (
        model.data(index),
        model.data(index, Qt.ItemDataRole.ForegroundRole),
        model.data(index, Qt.ItemDataRole.BackgroundRole),
    )


def test_a_panel_typed_by_keyboard_is_flagged_as_typed_and_in_the_grid_after_saving(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    populated.clock.now = dt.datetime.now(dt.UTC)  # "collected now" is not in the future
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    rows = pick_panel(qtbot, page, "Basic metabolic panel")
    form = page.form
    assert form.inputs["name"].value() == "Basic metabolic panel (BMP)"
    assert form.inputs["loinc"].value() == "51990-0"
    assert [r.analyte.text() for r in rows.rows][:5] == [
        "Glucose", "BUN", "Creatinine", "Sodium", "Potassium",
    ]  # fmt: skip
    assert not form.has_unsaved_changes()  # the template is not the user's typing
    # The cursor waits in the first value; Tab goes from value to value.
    for n, value in enumerate(BMP_VALUES):
        assert focused() is rows.rows[n].value, f"row {n + 1}"
        type_text(qtbot, value)
        if n < len(BMP_VALUES) - 1:
            key(qtbot, TAB)
    potassium, glucose, sodium = rows.rows[4], rows.rows[0], rows.rows[3]
    assert potassium.flag.text() == "H ↑"
    assert colour(Flag.HIGH) in potassium.flag.styleSheet()
    assert potassium.flag.toolTip() == "High (reference 3.5–5.1)"
    assert glucose.flag.text() == "HH ‼" and colour(Flag.CRITICAL_HIGH) in glucose.flag.styleSheet()
    assert "background" in glucose.flag.styleSheet()  # critical: stronger than abnormal
    assert sodium.flag.text() == "✓" and sodium.flag.styleSheet() == ""
    assert form.has_unsaved_changes()
    key(qtbot, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    qtbot.waitUntil(lambda: page.grid_model.rowCount() == 9, timeout=WAIT)  # heading + 8
    text, fore, back = grid_cell(page, "Potassium")
    assert text == "5.8 H ↑"
    assert isinstance(fore, QColor) and fore.name() == colour(Flag.HIGH)
    assert back is None
    text, fore, back = grid_cell(page, "Glucose")
    assert text == "412 HH ‼" and fore.name() == colour(Flag.CRITICAL_HIGH)
    assert back == flag_background(Flag.CRITICAL_HIGH, QPalette())
    assert grid_cell(page, "Sodium")[:2] == ("136", None)
    assert page.model.display(page.model.rows()[0], 2) == "8 results · ‼ 1 critical · 3 abnormal"
    nurse = populated.sessions[Role.NURSE]
    [saved] = populated.inst.lab_tests.list(nurse, w.chart.patient.id).items  # type: ignore[union-attr]
    assert [r.flag for r in saved.data.results][:5] == [
        Flag.CRITICAL_HIGH, Flag.HIGH, Flag.HIGH, Flag.NORMAL, Flag.HIGH,
    ]  # fmt: skip


def test_a_value_that_is_not_a_number_is_refused_with_its_row_named_and_kept(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    populated.clock.now = dt.datetime.now(dt.UTC)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    rows = pick_panel(qtbot, page, "Basic metabolic panel")
    for _ in range(4):
        key(qtbot, TAB)
    assert focused() is rows.rows[4].value
    type_text(qtbot, "five")
    assert rows.rows[4].flag.text() == "?"  # not a number yet: no flag to give
    key(qtbot, Qt.Key.Key_Return)
    label = page.form.errors["results"]
    qtbot.waitUntil(lambda: label.isVisible(), timeout=WAIT)
    assert label.message == "Result 5 (Potassium): type the value as a number."
    assert page.stack.currentWidget() is page.form
    edit = rows.rows[4].edit
    assert edit is not None and edit.text() == "five"


def test_a_test_typed_freely_grows_rows_with_insert(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    populated.clock.now = dt.datetime.now(dt.UTC)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)  # Add single test
    form = page.form
    assert page.stack.currentWidget() is form and focused() is form.inputs["name"].focus
    type_text(qtbot, "Lead, blood")
    rows = form.inputs["results"].widget
    assert isinstance(rows, ResultRowsField) and len(rows.rows) == 1
    first = rows.rows[0]
    first.analyte.setFocus()
    # An open row: Tab goes through every cell in reading order.
    for cell, text in zip(
        (first.analyte, first.value, first.unit, first.low, first.high),
        ("Lead", "7.2", "ug/dL", "", "3.4"),
        strict=True,
    ):
        assert focused() is cell
        type_text(qtbot, text)
        if cell is not first.high:
            key(qtbot, TAB)
    assert first.flag.text() == "H ↑"
    assert not first.abnormal.isVisible()  # a number with a range judges itself
    key(qtbot, TAB)
    assert focused() is rows.add_button
    key(qtbot, Qt.Key.Key_Insert)
    assert len(rows.rows) == 2 and focused() is rows.rows[1].analyte
    type_text(qtbot, "Specimen comment")
    key(qtbot, TAB)
    type_text(qtbot, "Capillary")
    assert rows.rows[1].abnormal.isVisible()  # text: the user judges it
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    qtbot.waitUntil(lambda: page.grid_model.rowCount() == 3, timeout=WAIT)
    assert grid_cell(page, "Lead")[0] == "7.2 H ↑"
    assert grid_cell(page, "Specimen comment")[0] == "Capillary"


def test_a_typed_panel_is_kept_as_a_draft_and_restored_after_a_crash(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    populated.clock.now = dt.datetime.now(dt.UTC)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    rows = pick_panel(qtbot, page, "TSH")
    type_text(qtbot, "7.9")
    pid = w.chart.patient.id  # type: ignore[union-attr]
    nurse = populated.sessions[Role.NURSE]
    form_key = new_form_key("lab-test", pid)
    qtbot.waitUntil(lambda: populated.inst.drafts.draft(nurse, form_key) is not None, timeout=WAIT)
    settle(qtbot, w)
    w.session = None  # a crash: nothing saved, nothing signed out
    w.hide()
    again = chart_window(Role.NURSE)
    again.offer_drafts()  # what a sign-in does
    offered: list[DraftOfferDialog] = []

    def shown() -> bool:
        offered[:] = [d for d in again.findChildren(DraftOfferDialog) if d.isVisible()]
        return bool(offered)

    qtbot.waitUntil(shown, timeout=WAIT)
    assert "New test for Okafor, Chidi" in offered[0].list.item(0).text()  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)  # Restore
    page = again.chart.lists["results"]  # type: ignore[assignment]
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=WAIT)
    restored = page.form.inputs["results"].widget
    assert isinstance(restored, ResultRowsField) and restored is not rows
    [tsh] = restored.rows
    assert (tsh.analyte.text(), tsh.edit.text() if tsh.edit else "", tsh.flag.text()) == (
        "TSH",
        "7.9",
        "H ↑",
    )
    assert page.form.has_unsaved_changes()


def test_a_clinic_template_added_from_the_results_page_is_offered(
    qtbot: QtBot, chart_window: Window
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    key(qtbot, Qt.Key.Key_M, ALT)  # Te&mplates…
    qtbot.waitUntil(lambda: page.dialog_templates is not None, timeout=WAIT)
    dialog = page.dialog_templates
    assert isinstance(dialog, TemplatesDialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 7 and dialog.isVisible(), timeout=WAIT)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    assert "built in" in dialog.list.item(0).text()  # type: ignore[union-attr]
    assert not dialog.retire_button.isEnabled()  # the bundled ones stay
    key(qtbot, Qt.Key.Key_N, ALT)  # &New template… (a button's mnemonic clicks it shortly)
    qtbot.waitUntil(lambda: focused() is dialog.name, timeout=WAIT)
    type_text(qtbot, "Iron studies")
    key(qtbot, Qt.Key.Key_A, ALT)  # &Analytes
    assert focused() is dialog.table
    dialog.table.setCurrentCell(0, 0)
    for text in ("Iron", "2498-4", "ug/dL", "60", "170"):
        for char in text:  # the first key opens the cell's editor, which takes the rest
            type_text(qtbot, char)
        key(qtbot, TAB)
    key(qtbot, Qt.Key.Key_S, ALT)  # &Save template
    qtbot.waitUntil(lambda: dialog.list.count() == 8, timeout=WAIT)
    assert dialog.current() is not None and dialog.current().name == "Iron studies"  # type: ignore[union-attr]
    assert dialog.message.message.startswith("Added: Iron studies")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow() and focused() is not None, timeout=WAIT)
    rows = pick_panel(qtbot, page, "Iron studies")
    [iron] = rows.rows
    assert (iron.analyte.text(), iron.unit.text(), iron.low.text(), iron.high.text()) == (
        "Iron", "ug/dL", "60", "170",
    )  # fmt: skip


def test_enter_on_a_numeric_analyte_asks_for_its_trend(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    nurse = populated.sessions[Role.NURSE]
    pid = populated.inst.patients.search(nurse, "okafor")[0].id
    for days, value in ((400, "6.1"), (30, "7.4")):
        populated.inst.lab_tests.add(
            nurse,
            pid,
            LabTestInput(
                name="Hemoglobin A1c",
                collected_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - dt.timedelta(days=days),
                results=(
                    ResultInput(analyte="Hemoglobin A1c", loinc="4548-4", value=value, high="5.6"),
                    ResultInput(analyte="Comment", value="fasting"),
                ),
            ),
        )
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    qtbot.waitUntil(lambda: page.grid_model.rowCount() == 3, timeout=WAIT)
    key(qtbot, Qt.Key.Key_V, ALT)  # &Values by date
    assert focused() is page.grid_view
    assert page.grid_model.columnCount() == 2
    assert page.grid_view.currentIndex().row() == 1  # the first analyte, not the heading
    with qtbot.waitSignal(page.trend_requested, timeout=WAIT) as asked:
        key(qtbot, Qt.Key.Key_Return)
    assert asked.args == ["loinc:4548-4"]
    trend = populated.inst.results.trend(nurse, pid, asked.args[0])
    assert [p.value for p in trend.points] == [6.1, 7.4]
    key(qtbot, Qt.Key.Key_Down)  # the comment: text, nothing to plot
    assert not page.trend_button.isEnabled()
    with qtbot.assertNotEmitted(page.trend_requested):
        key(qtbot, Qt.Key.Key_Return)
    assert page.message.message == "Comment has no numbers to plot."
    # Choosing a cell chooses its test in the list below.
    page.grid_view.setCurrentIndex(page.grid_model.index(1, 1))
    chosen = page.current_item()
    assert chosen is not None and chosen.data.results[0].value_text == "6.1"


def test_a_labelled_test_is_withheld_from_the_grid_of_a_role_without_access(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    provider = populated.sessions[Role.PROVIDER]
    pid = populated.inst.patients.search(provider, "okafor")[0].id
    populated.inst.lab_tests.add(
        provider,
        pid,
        LabTestInput(
            name="HIV-1/2 antigen and antibodies",
            collected_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            results=(ResultInput(analyte="HIV-1/2 Ag+Ab", value="Nonreactive"),),
            sensitivity=Sensitivity.HIV_STI,
        ),
    )
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    qtbot.waitUntil(lambda: page.grid_note.isVisible(), timeout=WAIT)
    assert page.grid_note.text() == "⊘ 1 test withheld (HIV/STI)"
    assert page.grid_model.rowCount() == 0 and page.grid_model.columnCount() == 0


def test_a_test_saved_meanwhile_is_compared_result_by_result(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    nurse, provider = populated.sessions[Role.NURSE], populated.sessions[Role.PROVIDER]
    pid = populated.inst.patients.search(nurse, "okafor")[0].id
    typed = LabTestInput(
        name="Potassium",
        collected_at=dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC),
        results=(
            ResultInput(analyte="Potassium", value="4.1", unit="mmol/L", low="3.5", high="5.1"),
        ),
    )
    saved = populated.inst.lab_tests.add(nurse, pid, typed)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Return)  # Edit
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=WAIT)
    rows = page.form.inputs["results"].widget
    assert isinstance(rows, ResultRowsField)
    [row] = rows.rows
    assert row.analyte.isReadOnly() and not row.unit.focusPolicy() & Qt.FocusPolicy.TabFocus
    row.value.setFocus()
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "6.1")
    assert row.flag.text() == "H ↑"
    other = replace(typed, results=(replace(typed.results[0], value="4.4"),))
    populated.inst.lab_tests.update(provider, saved.id, other, expected_version=1)
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.conflict, timeout=WAIT)
    view = page.conflict
    assert view.differing == ["results"]
    texts = [label.text() for label in view.table.findChildren(QLabel)]
    assert "Potassium 6.1 mmol/L H ↑" in texts and "Potassium 4.4 mmol/L" in texts


def test_the_grid_model_passes_the_model_checks(qtmodeltester: Any, populated: Clinic) -> None:
    nurse = populated.sessions[Role.NURSE]
    pid = populated.inst.patients.search(nurse, "okafor")[0].id
    for days, potassium in ((10, "5.8"), (400, "2.1")):
        populated.inst.lab_tests.add(
            nurse,
            pid,
            LabTestInput(
                name="Basic metabolic panel",
                collected_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - dt.timedelta(days=days),
                results=(
                    ResultInput(analyte="Sodium", value="139", low="135", high="145"),
                    ResultInput(
                        analyte="Potassium", value=potassium, unit="mmol/L", low="3.5",
                        high="5.1", critical_low="2.8", loinc="2823-3",
                    ),
                ),
            ),
        )  # fmt: skip
    model = ResultsGridModel()
    model.set_grid(populated.inst.results.grid(nurse, pid))
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == 2
    assert model.headerData(0, Qt.Orientation.Vertical) == "Basic metabolic panel"
    assert model.headerData(2, Qt.Orientation.Vertical) == "   Potassium (mmol/L)"
    assert model.data(model.index(2, 1)) == "2.1 LL ‼"
    assert model.data(model.index(2, 1), Qt.ItemDataRole.AccessibleTextRole) == (
        "Potassium 2.1 mmol/L, critically low"
    )
    tip = model.data(model.index(2, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines()[:2] == [
        "Potassium: 5.8 mmol/L — High",
        "Reference 3.5–5.1 mmol/L; critical below 2.8",
    ]
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable  # a heading


def test_the_rows_read_back_as_typed_and_compare_as_results() -> None:
    from medrec_desktop.domain.panels import URINALYSIS
    from medrec_desktop.ui.chart.result_rows_text import (
        rows_from_text,
        rows_summary,
        rows_text,
        template_text,
    )

    text = template_text(URINALYSIS)
    rows = rows_from_text(text)
    assert len(rows) == 12 and all(r.fixed for r in rows)
    assert [c.display for c in rows[4].choices][:3] == ["Negative", "Trace", "1+"]
    assert rows_summary(text) == ""  # nothing typed yet
    typed = [
        replace(r, row=replace(r.row, value="6.5")) if r.row.analyte == "pH" else r for r in rows
    ]
    assert rows_summary(rows_text(typed)) == "pH 6.5"
    assert rows_from_text("not json") == [] and rows_from_text("") == []


def test_a_value_below_the_assays_limit_is_typed_with_its_comparator(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    populated.clock.now = dt.datetime.now(dt.UTC)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = results(qtbot, w)
    rows = pick_panel(qtbot, page, "TSH")
    type_text(qtbot, "<0.01")  # as the lab printed it
    tsh = rows.rows[0]
    assert tsh.flag.text() == "L ↓" and tsh.flag.toolTip() == "Low (reference 0.4–4.5)"
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    qtbot.waitUntil(lambda: page.grid_model.rowCount() == 2, timeout=WAIT)  # heading + TSH
    text, fore, _back = grid_cell(page, "TSH")
    assert text == "<0.01 L ↓"
    assert isinstance(fore, QColor) and fore.name() == colour(Flag.LOW)
