"""The coding reports (issue 13) as CSV files: one table each, a header line, then the rows,
every cell formula-safe (``csv_cells``). Counts only, as the reports themselves: no patient.

Productivity: a row per coder per day, then a total row per coder and one for all coders
(Day "All days"), the query turnaround on the total rows. Diagnoses: a row per group, most
encounters first, then a total row ("All").
"""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.coding_reports import (
    DiagnosisReport,
    ProductivityReport,
    Turnaround,
)
from medrec_desktop.export.csv_cells import write_csv

ALL_DAYS = "All days"
ALL_CODERS = "All coders"
PRODUCTIVITY_HEADER = (
    "Day",
    "Coder",
    "Encounters coded",
    "Re-coded",
    "Errors overridden",
    "Queries answered",
    "Median turnaround (hours)",
    "Mean turnaround (hours)",
    "Queries open at end",
)
DIAGNOSES_HEADER = ("{noun}", "Title", "Diagnoses", "Encounters", "Patients")


def hours(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def _turnaround(t: Turnaround) -> list[object]:
    return [t.answered, hours(t.median_hours), hours(t.mean_hours), t.open]


def productivity_rows(report: ProductivityReport) -> list[list[object]]:
    rows: list[list[object]] = [
        [d.day.isoformat(), d.coder, d.coded, d.recoded, d.overridden, "", "", "", ""]
        for d in report.days
    ]
    for t in report.coders:
        rows.append([ALL_DAYS, t.coder, t.coded, t.recoded, t.overridden, *_turnaround(t.queries)])
    rows.append(
        [
            ALL_DAYS,
            ALL_CODERS,
            report.coded,
            sum(d.recoded for d in report.days),
            report.overridden,
            *_turnaround(report.queries),
        ]
    )
    return rows


def diagnosis_header(report: DiagnosisReport) -> tuple[str, ...]:
    return (DIAGNOSES_HEADER[0].format(noun=report.by.noun), *DIAGNOSES_HEADER[1:])


def diagnosis_rows(report: DiagnosisReport) -> list[list[object]]:
    rows: list[list[object]] = [
        [g.key, g.title, g.diagnoses, g.encounters, g.patients] for g in report.groups
    ]
    rows.append(
        [
            "All",
            "Coded encounters in the period",
            report.diagnoses,
            report.encounters,
            report.patients,
        ]
    )
    return rows


def write_productivity(fh: Any, report: ProductivityReport) -> None:
    """Into a text file opened with ``newline=""``."""
    write_csv(fh, PRODUCTIVITY_HEADER, productivity_rows(report))


def write_diagnoses(fh: Any, report: DiagnosisReport) -> None:
    write_csv(fh, diagnosis_header(report), diagnosis_rows(report))
