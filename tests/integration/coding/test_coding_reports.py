"""Coding reports (issue 13), on SQLCipher and PostgreSQL: productivity per coder per day
(each "mark coded" counted, re-codings and overrides among them, query turnaround and queries
open at the period's end) and diagnosis counts by chapter, category and HCC for a period
(encounters outside it, not yet coded or returned left out); counts only, for coders and
administrators, every run audited without a patient or a code in the event.

A signed note cannot be entered in error (the database refuses it) and only signed notes are
coded, so no coded encounter is ever entered in error: the report's exclusion of those is a
guard the data cannot exercise."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_reports import CoderDay, DiagnosisGrouping
from medrec_desktop.domain.coding_work import finding_key
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient
from tests.integration.coding.report_data import NOV, Desk, noon


@pytest.fixture
def desk(clinic: Clinic, store: CodeSetStore) -> Desk:
    return Desk(clinic, store)


def test_productivity_counts_each_mark_coded_per_coder_per_day(desk: Desk) -> None:
    c = desk.c
    pid = new_patient(c)
    e1, e2, e3, e4, e5 = (desk.visit(pid, noon(10, d)) for d in (20, 21, 22, 23, 24))
    # Before the period: the second coder codes one, and asks a query answered in it.
    desk.at(noon(10, 31))
    desk.code(desk.coder2, e4, "I10")
    early = desk.ask(desk.coder2, e5)
    desk.at(noon(11, 2, 9))
    desk.answer(early)  # 45 hours after asking, answered on November 2
    # November 2: two encounters, one with an Excludes1 error overridden.
    desk.at(noon(11, 2))
    desk.code(desk.coder, e1, "I10")
    excludes = finding_key("EXCLUDES1", ("E11.9", "E10.9"))
    desk.code(desk.coder, e2, "E11.9", "E10.9", overrides={excludes: "Both documented"})
    first = desk.ask(desk.coder, e3)
    desk.at(noon(11, 2, 18))
    desk.answer(first)  # 6 hours
    # November 3: the first coder re-codes e1 (a second act), the second codes e3.
    desk.at(noon(11, 3))
    desk.code(desk.coder, e1, "I10", "E78.5", reason="Lipids documented in the plan")
    desk.code(desk.coder2, e3, "E11.9")
    second = desk.ask(desk.coder, e5)
    desk.at(noon(11, 5))
    desk.answer(second)  # 48 hours
    desk.at(noon(11, 6))
    desk.ask(desk.coder, e5)  # still open
    withdrawn = desk.ask(desk.coder2, e4)
    c.inst.coder_queries.withdraw(
        desk.coder2, withdrawn[0], expected_version=withdrawn[1], reason="Answered in person"
    )

    for who in (desk.coder, c.admin):
        report = desk.reports.productivity(who, *NOV)
        me, other = "Test Coder", "Second Coder"
        assert [(d.day.day, d.coder, d.coded, d.recoded, d.overridden) for d in report.days] == [
            (2, me, 2, 0, 1),
            (3, other, 1, 0, 0),
            (3, me, 1, 1, 0),
        ]
        assert all(isinstance(d, CoderDay) for d in report.days)
        assert report.coded == 4 and report.overridden == 1
        totals = {t.coder: t for t in report.coders}
        assert (totals[me].coded, totals[me].recoded, totals[me].overridden) == (3, 1, 1)
        mine, theirs = totals[me].queries, totals[other].queries
        assert (mine.answered, mine.median_hours, mine.mean_hours, mine.open) == (2, 27, 27, 1)
        assert (theirs.answered, theirs.median_hours, theirs.open) == (1, 45, 0)
        assert report.queries.answered == 3 and report.queries.median_hours == 45
        assert report.queries.mean_hours == pytest.approx(33)

    # A shorter period: the day before and after; a query answered after it was open at its end.
    report = desk.reports.productivity(desk.coder, dt.date(2026, 11, 3), dt.date(2026, 11, 4))
    assert [(d.day.day, d.coded) for d in report.days] == [(3, 1), (3, 1)]
    assert report.queries.answered == 0 and report.queries.open == 1
    october = desk.reports.productivity(desk.coder, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert [(d.coder, d.coded) for d in october.days] == [("Second Coder", 1)]
    # The early query was open at the end of October; the withdrawn one did not exist yet.
    assert october.queries.open == 1 and october.queries.answered == 0


def test_diagnoses_by_chapter_category_and_hcc(desk: Desk) -> None:
    c = desk.c
    p1, p2 = new_patient(c), new_patient(c)
    e1 = desk.visit(p1, noon(11, 5))
    e2 = desk.visit(p2, noon(11, 10))
    e3 = desk.visit(p1, noon(11, 12))
    outside = desk.visit(p2, noon(10, 15))
    being_coded = desk.visit(p1, noon(11, 15))
    returned = desk.visit(p2, noon(11, 16))
    desk.at(noon(11, 20))
    desk.code(desk.coder, e1, "E11.9", "I10")
    desk.code(desk.coder, e2, "E11.65", "N18.4", "E66.01", "Z68.41")
    desk.code(desk.coder, e3, "I10")
    desk.code(desk.coder, outside, "J45.909")
    desk.code(desk.coder, being_coded, "J45.909", mark=False)
    desk.work.return_to_provider(
        desk.coder, returned, expected_version=None, reason="The assessment is blank"
    )

    def rows(by: str) -> dict[str, tuple[str, int, int, int]]:
        report = desk.reports.diagnoses(desk.coder, *NOV, by=by)
        assert (report.encounters, report.patients, report.diagnoses) == (3, 2, 7)
        assert report.by is DiagnosisGrouping(by) and report.withheld == 0
        return {g.key: (g.title, g.diagnoses, g.encounters, g.patients) for g in report.groups}

    chapters = rows("chapter")
    assert chapters["4"] == (
        "Endocrine, nutritional and metabolic diseases (E00-E89)",
        3,
        2,
        2,
    )
    assert chapters["9"][1:] == (2, 2, 1)  # I10 twice, one patient
    assert chapters["14"][1:] == (1, 1, 1)
    assert chapters["21"][1:] == (1, 1, 1)  # Z68.41
    assert "10" not in chapters  # asthma: outside the period, or not coded yet
    # Most encounters first; chapters in their order among equals.
    report = desk.reports.diagnoses(c.admin, *NOV)
    assert [g.key for g in report.groups] == ["4", "9", "14", "21"]

    categories = rows("category")
    assert categories["E11"] == ("Type 2 diabetes mellitus", 2, 2, 2)
    assert categories["I10"][1:] == (2, 2, 1)
    assert set(categories) == {"E11", "I10", "N18", "E66", "Z68"}

    hccs = rows("hcc")  # dates of service in 2026: payment year 2027
    assert hccs["HCC38"] == ("Diabetes with Glycemic, Unspecified, or No Complications", 2, 2, 2)
    assert hccs["HCC327"][1:] == (1, 1, 1)
    assert hccs["HCC48"] == ("Morbid Obesity", 2, 1, 1)  # two codes, one encounter
    hcc_report = desk.reports.diagnoses(desk.coder, *NOV, by=DiagnosisGrouping.HCC)
    assert hcc_report.ungrouped == 2  # I10 twice: in no payment HCC


def test_who_may_run_the_reports_and_what_the_trail_says(desk: Desk) -> None:
    c = desk.c
    pid = new_patient(c)
    eid = desk.visit(pid, noon(11, 5))
    desk.at(noon(11, 6))
    desk.code(desk.coder, eid, "E11.9")
    for role in (Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.RECORDS):
        with pytest.raises(PermissionDeniedError):
            desk.reports.diagnoses(c.sessions[role], *NOV)
        with pytest.raises(PermissionDeniedError):
            desk.reports.productivity(c.sessions[role], *NOV)
    with pytest.raises(ValidationError) as backwards:
        desk.reports.productivity(desk.coder, NOV[1], NOV[0])
    assert backwards.value.field == "since"
    with pytest.raises(ValidationError) as grouping:
        desk.reports.diagnoses(desk.coder, *NOV, by="payer")
    assert grouping.value.field == "by"
    desk.reports.diagnoses(c.admin, *NOV, by="category")
    desk.reports.productivity(c.admin, *NOV)

    events = c.inst.audit.events(c.admin, AuditFilter(), limit=60)
    mine = [e for e in events if e.entry_point.startswith("CodingReportService.")]
    denied = [e for e in mine if e.outcome == "denied"]
    assert {e.username for e in denied} >= {"frontdesk", "nurse", "provider"}
    done = [e for e in mine if e.outcome == "success"]
    assert {e.entry_point for e in done} == {
        "CodingReportService.diagnoses",
        "CodingReportService.productivity",
    }
    for e in done:
        assert e.category == "coding" and e.action == "query" and e.patient_id is None
        assert "counts only" in (e.detail or "")
        assert "E11" not in (e.detail or "") and e.patient_mrn is None
