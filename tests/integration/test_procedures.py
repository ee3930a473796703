"""Procedures through the real services, on SQLCipher and PostgreSQL: the code and its code
set kept as the coders write them, the problem link checked like a medication's (same
patient, not entered in error, a labelled problem only by who may see it, and its label
passed on), and the history field by field."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureCodeSystem, ProcedureInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import LABELLED_LIKE_PROBLEM, NO_SUCH_PROBLEM
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

DONE = dt.datetime(2026, 11, 24, 15, 40, tzinfo=dt.UTC)
TYPED = ProcedureInput(
    description="Knee injection, corticosteroid",
    code="j1030",
    performed_at=DONE,
    performed_by="Dr. Osei",
    body_site="knee",
    laterality="left",
)


def test_a_procedure_round_trips_with_its_code_set_and_history(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    procs = clinic.inst.procedures
    saved = procs.add(nurse, pid, TYPED)
    assert (saved.item_type, saved.data.code_system, saved.data.code) == (
        "procedure",
        ProcedureCodeSystem.HCPCS,
        "J1030",
    )
    assert saved.data.performed_at == DONE
    assert procs.get(nurse, saved.id) == saved
    changed = procs.update(
        nurse,
        saved.id,
        replace(TYPED, outcome="completed as planned", complications="mild flare next day"),
        expected_version=1,
        reason="follow-up call",
    )
    assert changed.version == 2
    [first, second] = procs.history(nurse, saved.id)
    assert first.summary == "recorded"
    assert [(c.label, c.before, c.after) for c in second.changes] == [
        ("Outcome", "", "completed as planned"),
        ("Complications", "", "mild flare next day"),
    ]
    assert second.reason == "follow-up call"
    listed = procs.list(nurse, pid).items
    assert [i.data.description for i in listed] == ["Knee injection, corticosteroid"]


def test_a_cpt_code_typed_by_hand_is_kept_as_cpt(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    typed = ProcedureInput(description="Colonoscopy, diagnostic", code="45378", performed_at=DONE)
    saved = clinic.inst.procedures.add(nurse, pid, typed)
    assert (saved.data.code_system, saved.data.code) == (ProcedureCodeSystem.CPT, "45378")


def test_a_wrong_code_saves_nothing_and_is_audited_as_refused(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    with pytest.raises(ValidationError) as refused:
        clinic.inst.procedures.add(nurse, pid, replace(TYPED, code="J1030", code_system="pcs"))
    assert refused.value.field == "code"
    assert "knee" not in refused.value.message.lower()
    assert clinic.inst.procedures.list(nurse, pid, include_inactive=True).items == ()
    found = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    [event] = [e for e in found if e.entry_point == "ClinicalItemService.add"]
    assert (event.outcome, event.reason) == ("failure", "ValidationError")


def test_the_problem_treated_is_one_of_the_patients_own(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid, other = new_patient(clinic), new_patient(clinic)
    oa = clinic.inst.problems.add(provider, pid, ProblemInput(description="Osteoarthritis"))
    theirs = clinic.inst.problems.add(provider, other, ProblemInput(description="Gout"))
    typed = replace(TYPED, problem_id=oa.id)
    saved = clinic.inst.procedures.add(nurse, pid, typed)
    assert saved.data.problem_id == oa.id
    for wrong in (theirs.id, 999_999):
        with pytest.raises(ValidationError, match=NO_SUCH_PROBLEM) as refused:
            clinic.inst.procedures.add(nurse, pid, replace(typed, problem_id=wrong))
        assert refused.value.field == "problem_id"
    clinic.inst.problems.mark_entered_in_error(
        provider, oa.id, reason="wrong chart", expected_version=1
    )
    with pytest.raises(ValidationError, match="entered in error") as refused:
        clinic.inst.procedures.add(nurse, pid, typed)
    assert refused.value.field == "problem_id"
    # The procedure already linked to it can still be corrected (the link is history).
    again = clinic.inst.procedures.update(
        nurse, saved.id, replace(typed, body_site="left knee"), expected_version=1
    )
    assert again.version == 2


def test_a_labelled_problem_passes_its_label_to_the_procedures_that_treat_it(
    clinic: Clinic,
) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    problem = clinic.inst.problems.add(provider, pid, ProblemInput(description="Alcohol use"))
    proc = clinic.inst.procedures.add(
        nurse,
        pid,
        ProcedureInput(
            description="Brief intervention", code="G2011", performed_at=DONE, problem_id=problem.id
        ),
    )
    clinic.inst.problems.update(
        provider,
        problem.id,
        ProblemInput(description="Alcohol use", sensitivity=Sensitivity.SUBSTANCE_USE),
        expected_version=1,
    )
    stored = clinic.inst.procedures.get(provider, proc.id)
    assert (stored.sensitivity, stored.version, stored.reason) == (
        Sensitivity.SUBSTANCE_USE,
        2,
        LABELLED_LIKE_PROBLEM,
    )
    # The nurse sees neither the problem nor the procedure, only that one is withheld.
    listed = clinic.inst.procedures.list(nurse, pid)
    assert listed.items == ()
    assert listed.withheld_notes == ("1 item withheld (substance use disorder)",)
    # Linking a new procedure to it: refused to whoever may not see it, and unlabelled.
    typed = replace(TYPED, problem_id=problem.id)
    with pytest.raises(ValidationError, match=NO_SUCH_PROBLEM):
        clinic.inst.procedures.add(nurse, pid, typed)
    with pytest.raises(ValidationError, match="give the procedure the same label") as refused:
        clinic.inst.procedures.add(provider, pid, typed)
    assert refused.value.field == "sensitivity"
    labelled = replace(typed, sensitivity=Sensitivity.SUBSTANCE_USE)
    assert clinic.inst.procedures.add(provider, pid, labelled).data.problem_id == problem.id


def test_a_procedure_set_aside_leaves_the_working_list(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    saved = clinic.inst.procedures.add(nurse, pid, TYPED)
    clinic.inst.procedures.update(
        nurse, saved.id, replace(TYPED, status=ItemStatus.INACTIVE), expected_version=1
    )
    assert clinic.inst.procedures.list(nurse, pid).items == ()
    assert len(clinic.inst.procedures.list(nurse, pid, include_inactive=True).items) == 1


def test_a_procedure_added_by_someone_else_is_news_on_the_summary(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    clinic.inst.chart.summary(nurse, pid)  # her first visit to this chart
    clinic.inst.chart.summary(nurse, new_patient(clinic))  # then another chart
    clinic.clock.advance(minutes=10)
    clinic.inst.procedures.add(provider, pid, TYPED)
    clinic.clock.advance(minutes=10)
    [change] = clinic.inst.chart.summary(nurse, pid).changes
    assert change.item_type == "procedure"
    assert change.line(dt.UTC).startswith("Procedure added by Test Provider ")
    local_day = f"{DONE.astimezone():%m/%d/%Y}"
    assert change.text == f"Knee injection, corticosteroid (J1030), {local_day}, knee, by Dr. Osei"
