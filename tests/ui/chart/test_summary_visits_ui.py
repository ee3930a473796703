"""The summary's "Recent visits" and "Recent results" on screen (issue 10): read in the
chart's one opening, each abnormal value marked by its flag's symbol and drawn in the alert
colour, the unsigned notes counted, and Enter on either section opening its tab (Encounters
Ctrl+7, Results Ctrl+8), as the keys beside the titles say."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.ui.chart.summary import ALERT_COLOUR
from tests.conftest import Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS
from tests.ui.chart.conftest import key
from tests.ui.chart.test_summary_ui import opened
from tests.ui.test_desk_keyboard_and_roles import W


def test_recent_visits_and_results_open_their_tabs(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    c = populated
    doc = c.sessions[Role.PROVIDER]
    pid = c.inst.patients.search(doc, "okafor")[0].id
    sample = SAMPLE_INPUTS["encounter"]
    assert isinstance(sample, EncounterInput)
    at = c.clock.now - dt.timedelta(days=2)
    c.inst.encounters.add(doc, pid, replace(sample, starts_at=at, reason_for_visit="Cough"))
    c.inst.lab_tests.add(
        doc,
        pid,
        LabTestInput(
            name="Potassium",
            collected_at=at,
            results=(
                ResultInput(analyte="Potassium", value="5.8", unit="mmol/L", low="3.5", high="5.1"),
            ),
        ),
    )
    w = make_window(Role.NURSE)
    opened(qtbot, w)
    chart, summary = w.chart, w.chart.summary
    day = f"{at.astimezone():%m/%d/%Y}"
    visits, results = summary.section("encounters"), summary.section("results")
    assert visits is not None and results is not None
    assert visits.texts() == ["✎ 1 unsigned note", f"{day} office visit, Cough, ✎ unsigned"]
    assert results.texts() == [f"Potassium 5.8 mmol/L H ↑, {day}"]
    assert results.list.item(0).foreground().color().name() == ALERT_COLOUR
    assert (visits.hint.text(), results.hint.text()) == ("Ctrl+7", "Ctrl+8")
    visits.list.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    assert chart.tabs.currentWidget() is chart.encounters
    chart.show_tab(0)
    results.list.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    assert chart.tabs.currentWidget() is chart.lists["results"]
