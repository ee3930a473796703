"""Pictures of the results grid and of a panel being entered (``make screenshots``, after the
chart's other shots): a few years of a patient's panels with high, low and critical values,
then a basic metabolic panel typed with a high potassium flagged as it is typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.panels import BMP, CBC, HBA1C, LIPIDS, URINALYSIS, PanelTemplate
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.result_rows import ResultRowsField
from medrec_desktop.ui.chart.results_page import ResultsPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner

# (days before today, template, values in the template's order; "" = not resulted)
HISTORY: tuple[tuple[int, PanelTemplate, tuple[str, ...]], ...] = (
    (1460, BMP, ("96", "15", "0.9", "140", "4.2", "103", "25", "9.6")),
    (1095, BMP, ("118", "17", "1.0", "138", "4.6", "101", "24", "9.4")),
    (1095, LIPIDS, ("231", "182", "38", "157")),
    (730, HBA1C, ("7.4",)),
    (730, BMP, ("131", "19", "1.1", "137", "5.4", "100", "23", "9.3")),
    (365, CBC, ("6.8", "4.5", "13.6", "40.8", "90", "30.2", "33.3", "13.1", "244")),
    (365, HBA1C, ("6.9",)),
    (200, LIPIDS, ("198", "141", "44", "126")),
    (
        90,
        URINALYSIS,
        (
            "Yellow",
            "Clear",
            "1.020",
            "6.0",
            "Trace",
            "Negative",
            "Negative",
            "Negative",
            "Negative",
            "0.2",
            "Negative",
            "Negative",
        ),
    ),  # fmt: skip
    (90, HBA1C, ("6.4",)),
    (30, CBC, ("3.1", "3.9", "6.7", "21.0", "86", "29.0", "33.0", "15.2", "132")),
    (30, BMP, ("412", "31", "1.6", "128", "6.5", "95", "19", "8.4")),
)
TYPED = ("104", "22", "1.4", "136", "5.8", "99", "23", "9.1")


def _test(days: int, template: PanelTemplate, values: tuple[str, ...]) -> LabTestInput:
    when = dt.datetime.now(dt.UTC).replace(hour=14, minute=10, second=0, microsecond=0)
    collected = when - dt.timedelta(days=days)
    rows = []
    for row, value in zip(template.rows(), values, strict=True):
        answer = next((a for a in template.analytes if a.analyte == row.analyte), None)
        choice = next((c for c in answer.choices if c.display == value), None) if answer else None
        if choice is not None:
            row = replace(row, code=choice.code, abnormal=not choice.normal)
        rows.append(replace(row, value=value))
    return LabTestInput(
        name=template.name,
        loinc=template.loinc or "",
        specimen=template.specimen or "",
        collected_at=collected,
        resulted_at=collected + dt.timedelta(hours=5),
        ordering_provider="Dr. Rivera",
        performing_lab="Quest Diagnostics",
        results=tuple(rows),
    )


def render_result_screenshots(
    window: MainWindow,
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    inst: Installation,
    session: UserSession,
    patient: PatientInfo,
) -> list[Path]:
    from medrec_desktop.ui.screenshots import grab, settle

    for days, template, values in HISTORY:
        inst.lab_tests.add(session, patient.id, _test(days, template, values))
    chart = window.chart
    page = chart.lists["results"]
    assert isinstance(page, ResultsPage)
    chart.open_list(page)
    settle(app, runner, lambda: page.grid_model.rowCount() > 20 and page.model.rowCount() > 10)
    # The oldest sodium chosen: the flagged values of the newest panels show their colours.
    analytes = [page.grid_model.row_at(r) for r in range(page.grid_model.rowCount())]
    sodium = next(n for n, a in enumerate(analytes) if a and a.analyte == "Sodium")
    oldest = page.grid_model.columnCount() - 1
    page.grid_view.setCurrentIndex(page.grid_model.index(sodium, oldest))
    page.grid_view.setFocus()
    shots = [grab(window, out, "chart-results-grid.png", app, runner)]

    page.add_panel(BMP)
    rows = page.form.inputs["results"].widget
    assert isinstance(rows, ResultRowsField)
    for typed_row, value in zip(rows.rows, TYPED, strict=True):
        if typed_row.edit is not None:
            typed_row.edit.setText(value)
    rows.rows[5].value.setFocus()
    shots.append(grab(window, out, "chart-results-panel-entry.png", app, runner))
    page.form.discard_changes()
    return shots
