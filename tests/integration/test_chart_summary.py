"""The chart summary through the real services, on SQLCipher and PostgreSQL: its sections,
labelled items counted per label for roles without access, "what changed since you last
opened this chart", and a number of queries that does not grow with the chart (issue 9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import PROBLEMS
from medrec_desktop.services.chart_sections import SECTIONS, ItemText, SectionProvider, Selection
from medrec_desktop.services.chart_summary import ChartSummaryService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

UTC = dt.UTC


def test_sections_list_active_problems_and_allergies_and_withhold_labelled_items(
    clinic: Clinic,
) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    records = clinic.sessions[Role.RECORDS]
    problems, allergies = clinic.inst.problems, clinic.inst.allergies
    pid = new_patient(clinic)
    problems.add(provider, pid, ProblemInput(description="Essential hypertension", icd10cm="I10"))
    problems.add(
        provider,
        pid,
        ProblemInput(description="Type 2 diabetes", icd10cm="E11.9", onset="03/1998", chronic=True),
    )
    problems.add(
        provider,
        pid,
        ProblemInput(
            description="Appendicitis", onset="2001", resolution="2001", status=ItemStatus.RESOLVED
        ),
    )
    wrong = problems.add(provider, pid, ProblemInput(description="Gout"))
    problems.mark_entered_in_error(records, wrong.id, reason="other patient", expected_version=1)
    problems.add(
        provider,
        pid,
        ProblemInput(
            description="Major depressive disorder",
            icd10cm="F33.1",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    )
    allergies.add(
        provider,
        pid,
        AllergyInput(substance="Penicillin", category="drug", reaction="Hives", severity="severe"),
    )

    seen = clinic.inst.chart.summary(provider, pid)
    assert [s.key for s in seen.sections] == [
        "problems",
        "allergies",
        "medications",
        "vitals",
        "immunizations",
        "social_history",
        "encounters",
        "results",
    ]
    shown = seen.section("problems")
    assert shown is not None and shown.title == "Active problems" and not shown.withheld
    assert shown.lines == (
        "Type 2 diabetes (E11.9), since 03/1998, chronic",  # chronic conditions first
        "Essential hypertension (I10)",
        "Major depressive disorder (F33.1)",
    )
    assert [i.item_type for i in shown.items] == ["problem"] * 3
    allergy = seen.section("allergies")
    assert allergy is not None and allergy.lines == ("Penicillin (drug): Hives, severe",)

    for role in (Role.NURSE, Role.CODER):
        limited = clinic.inst.chart.summary(clinic.sessions[role], pid)
        hidden = limited.section("problems")
        assert hidden is not None
        assert hidden.lines[-1] == "Essential hypertension (I10)" and len(hidden.items) == 2
        assert hidden.withheld == {Sensitivity.BEHAVIORAL_HEALTH: 1}
        assert hidden.text_lines[-1] == "1 item withheld (behavioral health)"
        assert "depressive" not in repr(limited) and "F33" not in repr(limited)
    [event_] = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
        if e.entry_point == "ChartSummaryService.summary" and e.username == nurse.username
    ]
    assert event_.detail == (
        "summary: problems 2, allergies 1, medications 0, vitals 0, immunizations 0, "
        "social_history 0, encounters 0, results 0; withheld behavioral-health 1"
    )


def test_allergies_say_no_known_allergies_not_recorded_or_none_active(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    stated, blank, past = new_patient(clinic), new_patient(clinic), new_patient(clinic)
    clinic.inst.allergy_statements.add(nurse, stated, AllergyStatementInput(note="per patient"))
    clinic.inst.allergies.add(
        nurse,
        past,
        AllergyInput(substance="Latex", category="environment", status=ItemStatus.RESOLVED),
    )

    def allergies(pid: int) -> tuple[str, ...]:
        found = clinic.inst.chart.summary(nurse, pid).section("allergies")  # type: ignore[arg-type]
        assert found is not None
        return found.text_lines

    assert allergies(stated) == ("No known allergies (recorded 11/26/2026): per patient",)
    assert allergies(blank) == ("Not recorded",)
    assert allergies(past) == ("No active allergies (1 inactive or resolved)",)
    empty = clinic.inst.chart.summary(nurse, blank).section("problems")
    assert empty is not None and empty.text_lines == ("None recorded",)


def test_what_others_changed_since_this_user_last_opened_the_chart(clinic: Clinic) -> None:
    s = clinic.sessions
    nurse, provider, records = s[Role.NURSE], s[Role.PROVIDER], s[Role.RECORDS]
    inst = clinic.inst
    pid, elsewhere = new_patient(clinic), new_patient(clinic)
    hives = inst.allergies.add(
        nurse, pid, AllergyInput(substance="Penicillin", category="drug", reaction="Hives")
    )
    gout = inst.problems.add(nurse, pid, ProblemInput(description="Gout"))
    clinic.clock.advance(minutes=1)
    first = inst.chart.summary(nurse, pid)
    assert first.last_opened is None and first.changes == ()  # never opened before
    opened = clinic.clock.now
    inst.chart.summary(nurse, elsewhere)  # the nurse moves on to another chart

    clinic.clock.advance(hours=1)  # 10:01
    inst.problems.add(provider, pid, ProblemInput(description="Type 2 diabetes", icd10cm="E11.9"))
    clinic.clock.advance(minutes=1)  # 10:02
    inst.allergies.update(
        provider,
        hives.id,
        AllergyInput(substance="Penicillin", category="drug", reaction="Hives", severity="severe"),
        expected_version=1,
    )
    clinic.clock.advance(minutes=1)  # 10:03
    inst.problems.mark_entered_in_error(records, gout.id, reason="wrong chart", expected_version=1)
    clinic.clock.advance(minutes=1)  # 10:04
    patient = inst.patients.get(records, pid)
    inst.patients.update(
        records,
        pid,
        PatientInput(
            patient.family_name,
            patient.given_names,
            patient.birth_date,
            patient.sex,
            "(503) 555-0199",
        ),
        expected_version=patient.version,
    )
    clinic.clock.advance(minutes=1)  # 10:05
    inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Opioid use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    inst.problems.add(nurse, pid, ProblemInput(description="Low back pain"))  # her own
    clinic.clock.advance(hours=1)

    back = inst.chart.summary(nurse, pid)
    assert back.last_opened == opened
    lines = [c.line(UTC) for c in back.changes]
    assert lines == [
        "Patient record changed phone by Test Records specialist 11/26 10:04",
        "Problem marked entered in error (wrong chart) by Test Records specialist 11/26 10:03: "
        "Gout, entered in error",
        "Allergy changed Severity by Test Provider 11/26 10:02: Penicillin (drug): Hives, severe",
        "Problem added by Test Provider 11/26 10:01: Type 2 diabetes (E11.9)",
    ]
    assert back.changes_withheld == {Sensitivity.SUBSTANCE_USE: 1}
    assert back.changes_withheld_notes == ("1 item withheld (substance use disorder)",)
    # Her own change is not news to her; the labelled one is counted, never shown.
    assert "Opioid" not in repr(back) and "Low back" not in repr(back.changes)
    assert back.changes[-1].item_type == "problem" and back.changes[-1].item_id is not None

    # Refreshing within the visit keeps the list; the next visit starts from this one.
    clinic.clock.advance(minutes=5)
    assert inst.chart.summary(nurse, pid).changes == back.changes
    last_seen = clinic.clock.now
    inst.chart.summary(nurse, elsewhere)
    clinic.clock.advance(minutes=5)
    again = inst.chart.summary(nurse, pid)
    assert (again.last_opened, again.changes, again.changes_withheld) == (last_seen, (), {})
    # A role that sees labelled items sees that change too.
    inst.chart.summary(records, pid)
    inst.auth.logout(records)
    records = inst.auth.login(records.username, "role password 1234")
    clinic.clock.advance(minutes=1)
    inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Bipolar disorder", sensitivity=Sensitivity.BEHAVIORAL_HEALTH),
    )
    seen = inst.chart.summary(records, pid)
    assert [c.text for c in seen.changes] == ["Bipolar disorder"] and not seen.changes_withheld


@contextmanager
def counted(c: Clinic) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(c.inst.store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(c.inst.store.engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_chart(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    small, large = new_patient(clinic), new_patient(clinic)
    clinic.inst.chart.summary(nurse, small)  # the first visits, so changes are listed after
    clinic.inst.chart.summary(nurse, large)
    clinic.clock.advance(minutes=10)
    for pid, n in ((small, 1), (large, 12)):
        for i in range(n):
            added = clinic.inst.problems.add(provider, pid, ProblemInput(description=f"P{i}"))
            clinic.inst.problems.update(
                provider,
                added.id,
                ProblemInput(description=f"P{i}", chronic=True),
                expected_version=1,
            )
            clinic.inst.allergies.add(
                provider, pid, AllergyInput(substance=f"Drug {i}", category="drug")
            )
    counts = []
    for pid, n in ((small, 1), (large, 12)):
        with counted(clinic) as statements:
            found = clinic.inst.chart.summary(nurse, pid)
        counts.append(len(statements))
        assert len(found.section("problems").items) == n  # type: ignore[union-attr]
        assert len(found.changes) == 3 * n
    assert counts[0] == counts[1], counts


def test_a_kind_plugs_in_with_one_section_provider(clinic: Clinic) -> None:
    """What medications, vitals and immunizations will do: one provider in the registry.
    Here a series-like section over problems reads only the newest two."""
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    for name in ("Asthma", "Gout", "Migraine"):
        clinic.inst.problems.add(provider, pid, ProblemInput(description=name))
    newest = ItemText(PROBLEMS, "Problem", lambda i: i.data.description.upper(), newest=2)
    recent = SectionProvider(
        "recent", "Latest problems", (newest,), lambda f: Selection(f.of(newest), "None")
    )
    service = ChartSummaryService(ctx=clinic.inst.ctx, sections=(*SECTIONS, recent))
    found = service.summary(provider, pid)
    assert [s.key for s in found.sections] == [*(s.key for s in SECTIONS), "recent"]
    assert found.section("recent").lines == ("GOUT", "MIGRAINE")  # type: ignore[union-attr]
