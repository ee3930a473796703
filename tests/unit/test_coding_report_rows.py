"""The coding reports' periods, turnaround figures and CSV rows (issue 13), without a
database: presets on a given day, plain-words refusals, a staff name that looks like a
formula written as text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from medrec_desktop.domain.coding_reports import (
    CoderDay,
    CoderTotals,
    DiagnosisGroup,
    DiagnosisGrouping,
    DiagnosisReport,
    PeriodPreset,
    ProductivityReport,
    Turnaround,
    checked_period,
    period_text,
    preset_period,
)
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.export.coding_report_csv import write_diagnoses, write_productivity

D = dt.date


def test_presets_and_period_words() -> None:
    today = D(2026, 3, 15)
    assert preset_period(PeriodPreset.THIS_MONTH, today) == (D(2026, 3, 1), today)
    assert preset_period(PeriodPreset.LAST_MONTH, today) == (D(2026, 2, 1), D(2026, 2, 28))
    assert preset_period(PeriodPreset.LAST_MONTH, D(2026, 1, 5)) == (
        D(2025, 12, 1),
        D(2025, 12, 31),
    )
    assert preset_period(PeriodPreset.THIS_YEAR, today) == (D(2026, 1, 1), today)
    assert period_text(D(2026, 2, 1), D(2026, 2, 28)) == "February 2026"
    assert period_text(D(2025, 1, 1), D(2025, 12, 31)) == "2025"
    assert period_text(D(2026, 3, 1), today) == "03/01/2026 – 03/15/2026"
    with pytest.raises(ValidationError, match="start date is after") as refused:
        checked_period(today, D(2026, 3, 1))
    assert refused.value.field == "since"
    with pytest.raises(ValidationError, match="at most 10 years"):
        checked_period(D(2000, 1, 1), today)


def test_turnaround_median_and_mean() -> None:
    assert Turnaround.of([], 2) == Turnaround(0, None, None, 2)
    t = Turnaround.of([6.0, 45.0, 48.0], 1)
    assert (t.answered, t.median_hours, t.mean_hours, t.open) == (3, 45.0, 33.0, 1)


def test_csv_rows_are_counts_and_formula_safe() -> None:
    sneaky = '=HYPERLINK("http://x","y")'
    report = ProductivityReport(
        since=D(2026, 11, 1),
        until=D(2026, 11, 30),
        days=(CoderDay(D(2026, 11, 2), 7, sneaky, 3, 1, 2),),
        coders=(CoderTotals(7, sneaky, 3, 1, 2, Turnaround.of([1.25, 2.0], 0)),),
        queries=Turnaround.of([1.25, 2.0], 0),
    )
    out = io.StringIO(newline="")
    write_productivity(out, report)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["2026-11-02", "'" + sneaky, "3", "1", "2", "", "", "", ""]
    assert rows[2] == ["All days", "'" + sneaky, "3", "1", "2", "2", "1.6", "1.6", "0"]
    assert rows[3][:2] == ["All days", "All coders"]

    diagnoses = DiagnosisReport(
        since=D(2026, 11, 1),
        until=D(2026, 11, 30),
        by=DiagnosisGrouping.HCC,
        groups=(DiagnosisGroup("HCC38", "Diabetes", 3, 2, 2),),
        encounters=4,
        patients=3,
        diagnoses=7,
        ungrouped=4,
        withheld=0,
    )
    out = io.StringIO(newline="")
    write_diagnoses(out, diagnoses)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["HCC", "Title", "Diagnoses", "Encounters", "Patients"],
        ["HCC38", "Diabetes", "3", "2", "2"],
        ["All", "Coded encounters in the period", "7", "4", "3"],
    ]
