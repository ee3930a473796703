"""Coding reports (issue 13): what the coders did, day by day, and which diagnoses the clinic
coded in a period, as counts only.

Population statistics, no patient in them: no name, record number, encounter or patient id,
only numbers per coder, per day and per group of diagnoses (so a report can be shown,
printed or exported without its being a disclosure). The period is a range of local dates,
both ends included.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from medrec_desktop.domain.errors import ValidationError

#: the longest period a report covers (a day's rows for ten years is already a lot to read)
MAX_YEARS = 10


class PeriodPreset(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            "this_month": "This month",
            "last_month": "Last month",
            "this_year": "This year",
            "custom": "Custom dates",
        }[self.value]


def preset_period(preset: PeriodPreset, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a preset covers on ``today`` (custom: this month, to start from)."""
    first = today.replace(day=1)
    if preset is PeriodPreset.LAST_MONTH:
        end = first - dt.timedelta(days=1)
        return end.replace(day=1), end
    if preset is PeriodPreset.THIS_YEAR:
        return today.replace(month=1, day=1), today
    return first, today


def checked_period(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    if since > until:
        raise ValidationError("The start date is after the end date.", field="since")
    if (until - since).days > MAX_YEARS * 366:
        raise ValidationError(
            f"A report covers at most {MAX_YEARS} years; shorten the period.", field="since"
        )
    return since, until


def period_text(since: dt.date, until: dt.date) -> str:
    """ "November 2026", "2026", "11/03/2026 – 11/26/2026"."""
    if since.day == 1 and until == since.replace(
        day=calendar.monthrange(since.year, since.month)[1]
    ):
        return f"{calendar.month_name[since.month]} {since.year}"
    if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and (
        since.year == until.year
    ):
        return str(since.year)
    return f"{since:%m/%d/%Y} – {until:%m/%d/%Y}"


# ---------------------------------------------------------------------- productivity


@dataclass(frozen=True)
class Turnaround:
    """Queries answered in the period (hours from asking to answering) and those still open
    at its end (asked by then, not answered by then, not withdrawn by then)."""

    answered: int
    median_hours: float | None
    mean_hours: float | None
    open: int

    @staticmethod
    def of(hours: Sequence[float], open_count: int) -> Turnaround:
        if not hours:
            return Turnaround(0, None, None, open_count)
        return Turnaround(len(hours), statistics.median(hours), statistics.fmean(hours), open_count)


@dataclass(frozen=True)
class CoderDay:
    """One coder's day: encounters marked coded (each act counted: an encounter re-coded
    and marked coded again counts again, and ``recoded`` says how many of them were), and
    the error findings they overrode with a written reason in those acts."""

    day: dt.date
    coder_id: int
    coder: str
    coded: int
    recoded: int
    overridden: int


@dataclass(frozen=True)
class CoderTotals:
    coder_id: int
    coder: str
    coded: int
    recoded: int
    overridden: int
    #: the queries this coder asked
    queries: Turnaround


@dataclass(frozen=True)
class ProductivityReport:
    since: dt.date
    until: dt.date
    #: by day, then coder; days nobody marked anything coded are not listed
    days: tuple[CoderDay, ...]
    #: every coder who marked an encounter coded or had a query answered or open
    coders: tuple[CoderTotals, ...]
    #: every coder's queries together
    queries: Turnaround

    @property
    def coded(self) -> int:
        return sum(d.coded for d in self.days)

    @property
    def overridden(self) -> int:
        return sum(d.overridden for d in self.days)


# ---------------------------------------------------------------------- diagnoses


class DiagnosisGrouping(StrEnum):
    CHAPTER = "chapter"
    CATEGORY = "category"
    HCC = "hcc"

    @property
    def label(self) -> str:
        return {
            "chapter": "ICD-10-CM chapter",
            "category": "Category (3 characters)",
            "hcc": "HCC (CMS-HCC V28)",
        }[self.value]

    @property
    def noun(self) -> str:
        return {"chapter": "Chapter", "category": "Category", "hcc": "HCC"}[self.value]


@dataclass(frozen=True)
class DiagnosisGroup:
    """One chapter, category or HCC: ``diagnoses`` coded in it (a diagnosis line of a coded
    encounter), the ``encounters`` that had one and the distinct ``patients``."""

    key: str  # "4", "E11", "HCC38"
    title: str
    diagnoses: int
    encounters: int
    patients: int

    @property
    def label(self) -> str:
        return f"{self.key} {self.title}".strip()


@dataclass(frozen=True)
class DiagnosisReport:
    since: dt.date
    until: dt.date
    by: DiagnosisGrouping
    #: most encounters first
    groups: tuple[DiagnosisGroup, ...]
    #: coded encounters with a date of service in the period, and their distinct patients
    encounters: int
    patients: int
    diagnoses: int
    #: diagnoses in no group: not in the code sets held, or (by HCC) in no payment HCC
    ungrouped: int
    #: coded encounters with a sensitivity label the caller's role may not see: not counted
    withheld: int
