"""Opening a chart is one audited read (issue 8's "one View event per real view", issue 9's
chart): the record and its versions, the banner and the summary in one transaction, on
SQLCipher and PostgreSQL. It counts as opening the chart for the recent-patients list and
for "changed since you last opened this chart"."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.allergies import AllergyInput
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_banner import AllergyState
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient


def views(c: Clinic, pid: int, after: int) -> list[tuple[str, str, str]]:
    return [
        (e.entry_point, e.category, e.outcome)
        for e in c.inst.audit.events(c.admin, AuditFilter(patient_id=pid))
        if e.seq > after and e.action == "view"
    ]


def last_seq(c: Clinic) -> int:
    return max(e.seq for e in c.inst.audit.events(c.admin, AuditFilter()))


def test_one_call_brings_the_record_banner_and_summary_with_one_event(clinic: Clinic) -> None:
    doc = clinic.sessions[Role.PROVIDER]
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic, "Openedchart")
    clinic.inst.problems.add(doc, pid, ProblemInput(description="Asthma", icd10cm="J45.909"))
    clinic.inst.problems.add(
        doc,
        pid,
        ProblemInput(description="Panic disorder", sensitivity=Sensitivity.BEHAVIORAL_HEALTH),
    )
    clinic.inst.allergies.add(doc, pid, AllergyInput(substance="Latex", category="environment"))
    before = last_seq(clinic)

    opening = clinic.inst.chart.open(nurse, pid)

    assert opening.record.info.family_name == "Openedchart"
    assert [v.summary for v in opening.versions] == ["registered"]
    assert opening.banner.allergies == ("Latex",)
    assert opening.banner.withheld == {Sensitivity.BEHAVIORAL_HEALTH: 1}
    assert opening.summary is not None
    problems = opening.summary.section("problems")
    assert problems is not None and problems.lines == ("Asthma (J45.909)",)
    assert problems.withheld == {Sensitivity.BEHAVIORAL_HEALTH: 1}
    assert "Panic" not in repr(opening)
    assert views(clinic, pid, before) == [("ChartSummaryService.open", "clinical", "success")]
    [event] = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
        if e.seq > before
    ]
    assert event.detail.startswith("chart opened: record, 1 versions, banner: demographics")
    assert "Asthma" not in event.detail and "Latex" not in event.detail  # counts only
    # The same data as the separate calls a refresh makes.
    assert opening.summary == clinic.inst.chart.summary(nurse, pid)
    assert opening.banner == clinic.inst.chart_banner.banner(nurse, pid)
    assert clinic.inst.patients.recent(nurse)[0].id == pid


def test_a_role_without_clinical_access_opens_the_record_and_banner_only(
    clinic: Clinic,
) -> None:
    desk = clinic.sessions[Role.FRONT_DESK]
    pid = new_patient(clinic)
    clinic.inst.problems.add(
        clinic.sessions[Role.PROVIDER], pid, ProblemInput(description="Asthma")
    )
    before = last_seq(clinic)
    opening = clinic.inst.chart.open(desk, pid)
    assert opening.summary is None
    assert opening.banner.allergy_state is AllergyState.NOT_SHOWN
    assert "Asthma" not in repr(opening)
    assert views(clinic, pid, before) == [("ChartSummaryService.open", "demographics", "success")]


def test_opening_counts_as_the_last_visit_for_the_changes_list(clinic: Clinic) -> None:
    doc, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid, elsewhere = new_patient(clinic), new_patient(clinic)
    first = clinic.inst.chart.open(nurse, pid).summary
    assert first is not None and first.last_opened is None
    opened = clinic.clock.now
    clinic.inst.chart.open(nurse, elsewhere)  # she moves on
    clinic.clock.advance(minutes=30)
    clinic.inst.problems.add(doc, pid, ProblemInput(description="Gout"))
    back = clinic.inst.chart.open(nurse, pid).summary
    assert back is not None and back.last_opened == opened
    assert [c.line(tz=None).split(" by ")[0] for c in back.changes] == ["Problem added"]


def test_a_missing_patient_is_refused_and_recorded(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    with pytest.raises(NotFoundError):
        clinic.inst.chart.open(nurse, PatientId(999_999))
    [event] = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter())
        if e.entry_point == "ChartSummaryService.open"
    ]
    assert event.outcome == "failure"
