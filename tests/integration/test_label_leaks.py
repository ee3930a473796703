"""Attacks on sensitivity labels through related items (outside review of issue 9): a
labelled problem must not leak through the medication that treats it, a labelled item must
not be changed as a side effect by someone who may not change it, and a labelled item's
typed entered-in-error reason stays out of the audit trail administrators read."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import LABELLED_LIKE_PROBLEM
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

SECRET = "Opioid use disorder in remission"


def test_labelling_a_problem_labels_the_medications_that_treat_it(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    problem = clinic.inst.problems.add(provider, pid, ProblemInput(description=SECRET))
    med = clinic.inst.medications.add(
        provider,
        pid,
        MedicationInput(name="Buprenorphine", indication=SECRET, indication_problem_id=problem.id),
    )
    # Later the problem is labelled: the medication naming it follows, as a version of its own.
    clinic.inst.problems.update(
        provider,
        problem.id,
        ProblemInput(description=SECRET, sensitivity=Sensitivity.SUBSTANCE_USE),
        expected_version=1,
    )
    assert clinic.inst.medications.get(provider, med.id).sensitivity is Sensitivity.SUBSTANCE_USE
    versions = clinic.inst.medications.history(provider, med.id)
    assert versions[-1].reason == LABELLED_LIKE_PROBLEM
    # The nurse sees neither the problem nor the medication's indication anywhere.
    listed = clinic.inst.medications.list(nurse, pid)
    assert listed.items == () and sum(listed.withheld.values()) == 1
    summary = clinic.inst.chart.summary(nurse, pid)
    assert SECRET not in repr(summary)


def test_a_nurse_does_not_supersede_a_labelled_social_history(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    social = clinic.inst.social_history
    labelled = social.add(
        provider,
        pid,
        SocialHistoryInput(
            smoking_status="former",
            other_substances="heroin, in remission",
            sensitivity=Sensitivity.SUBSTANCE_USE,
        ),
    )
    clinic.clock.advance(minutes=1)
    social.add(nurse, pid, SocialHistoryInput(smoking_status="never"))
    # Left as it was: no version written in the provider's item by a nurse.
    kept = social.get(provider, labelled.id)
    assert kept.status is ItemStatus.ACTIVE and kept.version == 1


def test_a_side_effect_is_named_in_the_audit_event(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    social = clinic.inst.social_history
    first = social.add(nurse, pid, SocialHistoryInput(smoking_status="current-every-day"))
    clinic.clock.advance(minutes=1)
    second = social.add(nurse, pid, SocialHistoryInput(smoking_status="former"))
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    saved = [e for e in events if e.detail and e.detail.startswith(f"social-history {second.id}")]
    assert saved and f"also social-history {first.id}" in (saved[-1].detail or "")


def test_a_labelled_items_typed_reason_stays_behind_the_label(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    item = clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(description=SECRET, sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    typed = "wrong chart: belongs to the patient's brother, " + SECRET
    clinic.inst.problems.mark_entered_in_error(provider, item.id, reason=typed, expected_version=1)
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    assert all(SECRET not in (e.reason or "") + (e.detail or "") for e in events)
    # Still readable where the label is checked: the item's own history.
    assert clinic.inst.problems.history(provider, item.id)[-1].reason == typed
