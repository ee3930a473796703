"""The coders' worklist on a real clinic (issue 13): its scopes and filters with their counts,
driven by the keyboard; who coded what and when; paging; Enter opens the encounter for
coding beside its queries; a code saved elsewhere refreshes the list; the billing export, the
reports and a coded encounter's claim summary are reached from it by keyboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodingInput,
    WorklistFilter,
    WorklistScope,
)
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.ui.coding_work.area import CodingWorkArea
from medrec_desktop.ui.coding_work.claim_summary_dialog import ClaimSummaryDialog
from medrec_desktop.ui.coding_work.reports_page import CodingReportsPage
from medrec_desktop.ui.coding_work.worklist_model import ReturnedModel, WorklistModel
from medrec_desktop.ui.coding_work.worklist_page import CodingWorklistPage, showing_text
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from tests.ui.coding_work.conftest import RETURN_REASON, SECOND, WAIT, Desk

ALT = Qt.KeyboardModifier.AltModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def alt(qtbot: QtBot, k: Qt.Key) -> None:
    qtbot.keyClick(focused(), k, ALT)


def coding_work(desk: Desk) -> tuple[MainWindow, CodingWorkArea, CodingWorklistPage]:
    w = desk.window(Role.CODER)
    assert "Coding work" in w.areas
    w.show_area("Coding work")
    lazy = w.areas["Coding work"]
    assert isinstance(lazy, LazyArea)
    area = lazy.ensure()
    assert isinstance(area, CodingWorkArea)
    page = area.worklist
    desk.qtbot.waitUntil(lambda: page.page is not None, timeout=WAIT)
    desk.settle()
    return w, area, page


def shown(page: CodingWorklistPage) -> list[int]:
    return [r.encounter_id for r in page.model.rows()]


def test_scopes_and_filters_show_their_counts_and_narrow_the_list(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    w, _area, page = coding_work(desk)
    f = page.filters
    # Signed and not yet coded, by date of service; the unsigned note is not listed.
    assert shown(page) == [week.not_started, week.queried, week.errors, week.second]
    texts = {s: b.text() for s, b in f.scope_buttons.items()}
    assert list(texts.values()) == [
        "&To code (4)",
        "&Returned to provider (1)",
        "C&oded (1)",
        "&All signed (6)",
    ]
    assert f.open_query.text() == "Open &query (1)" and f.errors.text() == "With &errors (1)"
    assert page.showing.text() == "Showing 1–4 of 4"
    assert focused() is page.table
    assert not mnemonic_clashes(w) and not orphan_mnemonics(w)

    m = page.model
    rows = {r.encounter_id: r for r in m.rows()}
    queried = m.find(week.queried)
    assert m.display(rows[week.queried], m.COL_QUERIES) == "? 1"
    assert m.display(rows[week.errors], m.COL_ERRORS) == "⚠ 1"
    assert m.display(rows[week.not_started], m.COL_STATE) == "○ Not started"
    assert m.display(rows[week.errors], m.COL_STATE) == "◐ Being coded"
    assert m.display(rows[week.second], m.COL_PROVIDER) == SECOND
    assert m.display(rows[week.not_started], m.COL_DOS) == "11/02/2026"
    assert queried >= 0

    # Alt+Q: only those with a query waiting; Alt+Q again and Alt+E: those with errors.
    alt(qtbot, Qt.Key.Key_Q)
    qtbot.waitUntil(lambda: shown(page) == [week.queried], timeout=WAIT)
    alt(qtbot, Qt.Key.Key_Q)
    alt(qtbot, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: shown(page) == [week.errors], timeout=WAIT)
    alt(qtbot, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: len(shown(page)) == 4, timeout=WAIT)

    # The provider chosen by keyboard: the counts follow the choice.
    alt(qtbot, Qt.Key.Key_I)
    assert focused() is f.provider
    index = f.provider.findText(SECOND)
    for _ in range(index):
        qtbot.keyClick(f.provider, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: shown(page) == [week.second], timeout=WAIT)
    qtbot.waitUntil(lambda: f.scope_buttons[f.scope()].text() == "&To code (1)", timeout=WAIT)
    assert f.current().provider_id == week.second_provider_id
    f.provider.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(shown(page)) == 4, timeout=WAIT)

    # Dates of service, inclusive: the 10th to the 16th.
    alt(qtbot, Qt.Key.Key_D)  # a mnemonic clicks a check box a moment later (animated)
    qtbot.waitUntil(f.use_dates.isChecked, timeout=WAIT)
    f.since.setDate(f.since.date().fromString("2026-11-10", "yyyy-MM-dd"))
    f.until.setDate(f.until.date().fromString("2026-11-16", "yyyy-MM-dd"))
    qtbot.waitUntil(lambda: shown(page) == [week.queried, week.errors], timeout=WAIT)
    qtbot.waitUntil(lambda: f.scope_buttons[f.scope()].text() == "&To code (2)", timeout=WAIT)
    alt(qtbot, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: len(shown(page)) == 4, timeout=WAIT)

    # Coded: who coded it and when; the type filter narrows "all signed".
    alt(qtbot, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: shown(page) == [week.coded], timeout=WAIT)
    coded = page.model.row_at(0)
    assert page.model.display(coded, WorklistModel.COL_CODED_BY) == "Test Coder"
    assert page.model.display(coded, WorklistModel.COL_CODED_AT).startswith("11/26/2026")
    assert page.model.display(coded, WorklistModel.COL_STATE) == "✔ Coded"
    alt(qtbot, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: shown(page) == [week.returned], timeout=WAIT)
    tip = page.model.tooltip(page.model.row_at(0), WorklistModel.COL_STATE)
    assert tip is not None and RETURN_REASON in tip
    alt(qtbot, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: len(shown(page)) == 6, timeout=WAIT)
    alt(qtbot, Qt.Key.Key_Y)
    assert focused() is f.encounter_type
    f.encounter_type.setCurrentIndex(f.encounter_type.findText("Telehealth visit"))
    qtbot.waitUntil(lambda: shown(page) == [week.coded], timeout=WAIT)
    assert page.showing.text() == "Showing 1–1 of 1"
    f.encounter_type.setCurrentIndex(f.encounter_type.findText("Lab-only visit"))
    qtbot.waitUntil(lambda: page.showing.text() == "No encounters match.", timeout=WAIT)
    assert page.message.message == "No encounters match these choices."
    assert not page.open_button.isEnabled()


def test_pages_of_rows_and_enter_opens_the_encounter_beside_its_queries(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    _w, area, page = coding_work(desk)
    page.page_size = 3  # four rows to code: two pages
    page.refresh()
    qtbot.waitUntil(lambda: page.showing.text() == "Showing 1–3 of 4", timeout=WAIT)
    assert not page.previous_button.isEnabled() and page.next_button.isEnabled()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.showing.text() == "Showing 4–4 of 4", timeout=WAIT)
    assert shown(page) == [week.second]
    alt(qtbot, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: page.showing.text() == "Showing 1–3 of 4", timeout=WAIT)

    # Down to the queried visit, Enter: the coding page, its queries panel on that visit.
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.current_row() is not None
    assert page.current_row().encounter_id == week.queried  # type: ignore[union-attr]
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: area.currentWidget() is area.page, timeout=WAIT)
    assert area.page.encounter_id == week.queried
    qtbot.waitUntil(lambda: area.queries.encounter_id == week.queried, timeout=WAIT)
    qtbot.waitUntil(lambda: area.queries.model.rowCount() == 1, timeout=WAIT)
    area.page.back_requested.emit()
    qtbot.waitUntil(lambda: area.currentWidget() is area.worklist, timeout=WAIT)


def test_codes_saved_elsewhere_refresh_the_list(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    _w, _area, page = coding_work(desk)
    coder = desk.clinic.sessions[Role.CODER]
    work = desk.services.coding_work
    view = work.save(
        coder,
        week.not_started,
        CodingInput(diagnoses=(CodedDiagnosis("D50.9", ""),)),
        expected_version=None,
    )
    work.mark_coded(coder, week.not_started, expected_version=view.version or 1)
    desk.services.notify_changed(view.context.patient_id, {ChangeKind.CODING})
    qtbot.waitUntil(lambda: week.not_started not in shown(page), timeout=WAIT)
    f = page.filters
    assert f.scope_buttons[f.scope()].text() == "&To code (3)"
    assert f.scope_buttons[WorklistScope.CODED].text() == "C&oded (2)"


def test_showing_text() -> None:
    assert showing_text(0, 100, 4210) == "Showing 1–100 of 4,210"
    assert showing_text(4200, 10, 4210) == "Showing 4,201–4,210 of 4,210"
    assert showing_text(0, 0, 0) == "No encounters match."


def test_the_worklist_models_pass_the_model_checks(qtmodeltester: Any, desk: Desk) -> None:
    coder = desk.clinic.sessions[Role.CODER]
    page = desk.services.coding_work.worklist(coder, WorklistFilter(scope=WorklistScope.ALL))
    assert len(page.rows) == 6
    model = WorklistModel()
    model.set_rows(page.rows)
    qtmodeltester.check(model)
    provider = desk.clinic.sessions[Role.PROVIDER]
    returned = ReturnedModel()
    returned.set_rows(desk.services.coding_work.returned_to_me(provider).rows)
    assert returned.rowCount() == 1
    assert returned.display(returned.row_at(0), ReturnedModel.COL_REASON) == RETURN_REASON
    qtmodeltester.check(returned)


def test_billing_export_reports_and_claim_summary_are_reached_from_the_worklist(
    desk: Desk,
) -> None:
    qtbot, week = desk.qtbot, desk.week
    w, area, page = coding_work(desk)
    page.table.setFocus()

    # Alt+B: the export for billing over the list; Esc closes it and the list is still there.
    alt(qtbot, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: area.billing is not None and area.billing.isVisible(), timeout=WAIT)
    dialog = area.billing
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=WAIT)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: area.billing is None, timeout=WAIT)
    assert area.currentWidget() is area.worklist

    # Alt+S: the coding reports in place of the list, counting this clinic's coded visit.
    w.activateWindow()  # the offscreen platform does not give it back when a dialog closes
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=WAIT)
    alt(qtbot, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: area.reports is not None and area.reports.isVisible(), timeout=WAIT)
    reports = area.reports
    assert reports is not None
    today = dt.date.today()  # marked coded while the clinic was staged
    reports.set_custom_period(today - dt.timedelta(days=7), today)
    reports.refresh()
    qtbot.waitUntil(lambda: reports.report is not None and not reports.loading, timeout=WAIT)
    assert "1 encounter marked coded by 1 coder" in reports.summary.text()
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: area.currentWidget() is area.worklist, timeout=WAIT)

    # A coded encounter: its coding page offers the claim summary; one to code does not.
    area.open_encounter(week.not_started)
    qtbot.waitUntil(lambda: area.page.view is not None, timeout=WAIT)
    assert not area.page.claim_button.isEnabled()
    area.open_encounter(week.coded)
    qtbot.waitUntil(
        lambda: area.page.view is not None and area.page.encounter_id == week.coded,
        timeout=WAIT,
    )
    qtbot.waitUntil(area.page.claim_button.isEnabled, timeout=WAIT)
    area.page.setFocus()
    alt(qtbot, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: isinstance(area.page.dialog, ClaimSummaryDialog), timeout=WAIT)
    claim = area.page.dialog
    assert isinstance(claim, ClaimSummaryDialog)
    qtbot.waitUntil(lambda: claim.summary is not None, timeout=WAIT)
    assert "A. I10" in claim.text.toPlainText()
    claim.reject()


def test_an_administrator_reads_the_coding_reports_without_the_worklist(desk: Desk) -> None:
    qtbot = desk.qtbot
    w = desk.window(Role.ADMIN)
    assert "Coding work" not in w.areas and "Queries" not in w.areas
    w.show_area("Coding reports")
    lazy = w.areas["Coding reports"]
    assert isinstance(lazy, LazyArea)
    reports = lazy.ensure()
    assert isinstance(reports, CodingReportsPage)
    today = dt.date.today()
    reports.set_custom_period(today - dt.timedelta(days=7), today)
    reports.refresh()
    qtbot.waitUntil(lambda: reports.report is not None and not reports.loading, timeout=WAIT)
    assert "1 encounter marked coded by 1 coder" in reports.summary.text()
