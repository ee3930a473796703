"""The coding reports page (issue 13) on a real clinic with a month of coding: productivity
and the diagnoses by chapter, category and HCC, each shown as a table and a chart, chosen and
exported by keyboard; the CSV read back holds what the table shows."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QHorizontalBarSeries, QStackedBarSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_reports import DiagnosisReport, ProductivityReport
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.coding_work.reports_page import CodingReportsPage
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from tests.conftest import Clinic
from tests.integration.coding.report_data import Desk, a_month_of_coding
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401
from tests.ui.conftest import holder

WAIT = 15_000
TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def page(
    qtbot: QtBot,
    local_clinic: Clinic,
    ui_store: CodeSetStore,  # noqa: F811
    runner: OpRunner,
) -> Iterator[CodingReportsPage]:
    a_month_of_coding(Desk(local_clinic, ui_store))
    services = holder(local_clinic.inst, CodeSets(store=ui_store))
    coder = local_clinic.sessions[Role.CODER]
    p = CodingReportsPage(
        services=services, runner=runner, session=lambda: coder, today=lambda: TODAY
    )
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    qtbot.waitUntil(p.isActiveWindow)
    yield p
    runner.wait_for_done()


def loaded(qtbot: QtBot, p: CodingReportsPage, kind: type) -> None:
    qtbot.waitUntil(lambda: not p.loading and isinstance(p.report, kind), timeout=WAIT)


def alt(qtbot: QtBot, p: CodingReportsPage, letter: Qt.Key) -> None:
    focus = QApplication.focusWidget() or p
    qtbot.keyClick(focus, letter, Qt.KeyboardModifier.AltModifier)


def test_productivity_then_diagnoses_by_keyboard_as_tables_and_charts(
    qtbot: QtBot, page: CodingReportsPage, qtmodeltester: object
) -> None:
    p = page
    loaded(qtbot, p, ProductivityReport)  # "This month" on show
    assert (p.report.since, p.report.until) == (dt.date(2026, 11, 1), TODAY)  # type: ignore[union-attr]
    days = [p.days_model.display(r, 0) for r in p.days_model.rows()]
    assert days == ["Mon 11/09/2026", "Tue 11/10/2026", "Thu 11/12/2026"]
    coders = {r.coder: r for r in p.coders_model.rows()}
    assert coders["Test Coder"].coded == 2 and coders["Test Coder"].overridden == 1
    assert coders["Test Coder"].queries.answered == 1 and coders["Test Coder"].queries.open == 1
    assert p.coders_model.display(coders["Test Coder"], 5) == "6 h"
    assert "4 encounters marked coded by 2 coders" in p.summary.text()
    # The chart: a bar a day of November so far, a part per coder, day numbers side by side.
    chart = p.productivity_chart
    assert p.pages.currentIndex() == 0 and chart.isVisible()
    [series] = chart.chart().series()
    assert isinstance(series, QStackedBarSeries)
    assert [s.label() for s in series.barSets()] == ["Second Coder", "Test Coder"]
    assert chart.categories == [str(d) for d in range(1, 27)]
    assert [series.barSets()[1].at(8), series.barSets()[0].at(9)] == [2, 1]
    assert chart.x_axis.labelsAngle() == 0
    for model in (p.days_model, p.coders_model):
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert not mnemonic_clashes(p) and not orphan_mnemonics(p)

    # Alt+R, then the arrow: diagnoses by chapter.
    alt(qtbot, p, Qt.Key.Key_R)
    assert QApplication.focusWidget() is p.kind
    qtbot.keyClick(p.kind, Qt.Key.Key_Down)
    loaded(qtbot, p, DiagnosisReport)
    groups = [(g.key, g.encounters, g.patients) for g in p.groups_model.rows()]
    assert groups == [("4", 2, 2), ("9", 2, 1), ("10", 1, 1), ("14", 1, 1)]
    assert p.groups_model.headerData(0, Qt.Orientation.Horizontal) == "Chapter"
    bars = p.diagnosis_chart
    assert p.pages.currentIndex() == 1 and bars.isVisible()
    [hseries] = bars.chart().series()
    assert isinstance(hseries, QHorizontalBarSeries) and hseries.isLabelsVisible()
    axis = next(a for a in bars.chart().axes() if isinstance(a, QBarCategoryAxis))
    # Largest on top (Qt lists categories bottom up); long titles shortened, never cut blind.
    assert axis.categories()[-1].startswith("4 Endocrine")
    assert bars.values == [2, 2, 1, 1]
    qtmodeltester.check(p.groups_model)  # type: ignore[attr-defined]
    assert not mnemonic_clashes(p) and not orphan_mnemonics(p)

    qtbot.keyClick(p.kind, Qt.Key.Key_Down)
    loaded(qtbot, p, DiagnosisReport)
    assert p.report.by.value == "category"  # type: ignore[union-attr]
    assert [g.key for g in p.groups_model.rows()][:2] == ["E11", "I10"]
    qtbot.keyClick(p.kind, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: str(getattr(p.report, "by", "")) == "hcc", timeout=WAIT)
    loaded(qtbot, p, DiagnosisReport)
    hccs = {g.key: g.encounters for g in p.groups_model.rows()}
    assert hccs == {"HCC38": 2, "HCC327": 1}
    assert "in no payment HCC" in p.summary.text()

    # Alt+O: last month holds none of this work; the chart says so instead of drawing nothing.
    alt(qtbot, p, Qt.Key.Key_O)
    assert QApplication.focusWidget() is p.preset
    qtbot.keyClick(p.preset, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: p.report is not None and p.report.since.month == 10, timeout=WAIT)
    loaded(qtbot, p, DiagnosisReport)
    assert p.groups_model.rowCount() == 0
    assert bars.chart().title() == "No coded encounter in this period"


def test_dates_typed_and_refused(qtbot: QtBot, page: CodingReportsPage) -> None:
    p = page
    loaded(qtbot, p, ProductivityReport)
    p.set_custom_period(dt.date(2026, 11, 10), dt.date(2026, 11, 12))
    qtbot.waitUntil(lambda: p.report is not None and p.report.since.day == 10, timeout=WAIT)
    assert p.preset.currentText() == "Custom dates"
    assert [r.coded for r in p.days_model.rows()] == [1, 1]
    assert p.productivity_chart.categories == ["10", "11", "12"]
    # Backwards dates: said in plain words, the dates kept, focus where to fix them.
    p.set_custom_period(dt.date(2026, 11, 12), dt.date(2026, 11, 10))
    assert p.status.message == "The start date is after the end date."
    assert p.since.date().day() == 12 and p.since.hasFocus()
    # Across two months, a bar a day, labelled month/day, upright (and thinned) if crowded.
    p.resize(700, 600)
    p.set_custom_period(dt.date(2026, 10, 20), dt.date(2026, 11, 19))
    qtbot.waitUntil(lambda: p.report is not None and p.report.since.month == 10, timeout=WAIT)
    chart = p.productivity_chart
    assert chart.categories[0] == "10/20" and len(chart.categories) == 31
    assert chart.x_axis.labelsAngle() == -90 and not chart.x_axis.truncateLabels()
    shown = chart.x_axis.categories()
    assert len(set(shown)) == 31 and shown[0] == "10/20"  # crowded: some left blank, never cut


def test_each_report_exported_as_csv_and_read_back(
    qtbot: QtBot, page: CodingReportsPage, tmp_path: Path
) -> None:
    p = page
    loaded(qtbot, p, ProductivityReport)
    target = tmp_path / "productivity"
    p._ask_save_path = lambda: target  # type: ignore[method-assign]
    assert p.suggested_name() == "coding-productivity-2026-11-01-to-2026-11-26.csv"
    alt(qtbot, p, Qt.Key.Key_X)
    saved = target.with_name("productivity.csv")  # the extension added
    qtbot.waitUntil(lambda: p.status.message.startswith("Saved"), timeout=WAIT)
    with saved.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["Day", "Coder", "Encounters coded", "Re-coded", "Errors overridden"]
    assert rows[1] == ["2026-11-09", "Test Coder", "2", "0", "1", "", "", "", ""]
    assert rows[-1][:5] == ["All days", "All coders", "4", "0", "1"]
    assert rows[-1][5:] == ["1", "6.0", "6.0", "1"]

    p.choose_report(p.report.by if isinstance(p.report, DiagnosisReport) else None)
    p.kind.setCurrentIndex(2)  # by category
    loaded(qtbot, p, DiagnosisReport)
    out = tmp_path / "categories.csv"
    p._ask_save_path = lambda: out  # type: ignore[method-assign]
    p.status.clear_message()
    p.export_button.click()
    qtbot.waitUntil(lambda: p.status.message.startswith("Saved"), timeout=WAIT)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Category", "Title", "Diagnoses", "Encounters", "Patients"]
    shown = [
        [g.key, g.title, str(g.diagnoses), str(g.encounters), str(g.patients)]
        for g in p.groups_model.rows()
    ]
    assert rows[1:-1] == shown
    assert rows[-1] == ["All", "Coded encounters in the period", "7", "4", "2"]
