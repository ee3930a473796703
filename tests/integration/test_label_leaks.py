"""Attacks on sensitivity labels through related items (outside review of issue 9): a
labelled problem must not leak through the medication that treats it, a labelled item must
not be changed as a side effect by someone who may not change it, and a labelled item's
typed entered-in-error reason stays out of the audit trail administrators read. Issue 10: what
was recorded in a labelled visit (a drug screen in a substance-use visit) carries its label."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import LABELLED_LIKE_PROBLEM
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.encounter_kinds import LABELLED_LIKE_ENCOUNTER
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient

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


# ---------------------------------------------------------------------- issue 10: encounters

SCREEN = "Urine drug screen"
LABEL = Sensitivity.SUBSTANCE_USE
VISIT, VITALS, PROCEDURE = (
    SAMPLE_INPUTS["encounter"],
    SAMPLE_INPUTS["vitals"],
    SAMPLE_INPUTS["procedure"],
)
assert isinstance(VISIT, EncounterInput) and isinstance(VITALS, VitalsInput)
assert isinstance(PROCEDURE, ProcedureInput)


def _substance_use_visit(clinic: Clinic, pid: PatientId) -> int:
    provider = clinic.sessions[Role.PROVIDER]
    visit = replace(
        VISIT,
        reason_for_visit="Buprenorphine induction",
        sensitivity=Sensitivity.SUBSTANCE_USE,
    )
    return clinic.inst.encounters.add(provider, pid, visit).id


def _screen(encounter_id: int | None, sensitivity: Sensitivity | None = None) -> LabTestInput:
    return LabTestInput(
        name=SCREEN,
        collected_at=dt.datetime(2026, 11, 20, 9, 40, tzinfo=dt.UTC),
        results=(ResultInput(analyte="Fentanyl", value="Positive", abnormal=True),),
        encounter_id=encounter_id,
        sensitivity=sensitivity,
    )


def test_an_entry_of_a_labelled_visit_carries_its_label(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    eid = _substance_use_visit(clinic, pid)
    vitals = replace(VITALS, encounter_id=eid)
    procedure = replace(PROCEDURE, encounter_id=eid)
    tried: list[tuple[ClinicalItemService[Any, Any], Any]] = [
        (clinic.inst.lab_tests, _screen(eid)),
        (clinic.inst.vitals, vitals),
        (clinic.inst.procedures, procedure),
    ]
    for service, typed in tried:
        with pytest.raises(ValidationError, match=f"carries the {LABEL.label} label") as refused:
            service.add(provider, pid, typed)
        assert refused.value.field == "sensitivity"
        # Given the same label, it is recorded in the visit.
        saved = service.add(provider, pid, replace(typed, sensitivity=Sensitivity.SUBSTANCE_USE))
        assert saved.sensitivity is Sensitivity.SUBSTANCE_USE
        # Nor can the label be taken off while the link stays.
        with pytest.raises(ValidationError) as unlabelled:
            service.update(provider, saved.id, replace(typed, sensitivity=None), expected_version=1)
        assert unlabelled.value.field == "sensitivity"
    # The nurse sees none of it: not in the grid, not in the trends.
    grid = clinic.inst.results.grid(nurse, pid)
    assert grid.rows == () and sum(grid.withheld.values()) == 1
    assert SCREEN not in repr(grid)
    assert clinic.inst.trends.vital(nurse, pid, "pulse").points == ()


def test_labelling_an_unsigned_visit_labels_what_was_recorded_in_it(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    eid = clinic.inst.encounters.add(provider, pid, VISIT).id
    test = clinic.inst.lab_tests.add(nurse, pid, _screen(eid))
    vitals = clinic.inst.vitals.add(nurse, pid, replace(VITALS, encounter_id=eid))
    procedure = clinic.inst.procedures.add(provider, pid, replace(PROCEDURE, encounter_id=eid))
    other = clinic.inst.lab_tests.add(nurse, pid, _screen(None))  # not of this visit
    clinic.clock.advance(minutes=5)
    clinic.inst.encounters.update(
        provider,
        eid,
        replace(VISIT, sensitivity=Sensitivity.SUBSTANCE_USE),
        expected_version=1,
    )
    services: tuple[tuple[ClinicalItemService[Any, Any], int], ...] = (
        (clinic.inst.lab_tests, test.id),
        (clinic.inst.vitals, vitals.id),
        (clinic.inst.procedures, procedure.id),
    )
    for service, item_id in services:
        item = service.get(provider, ItemId(item_id))
        assert (item.sensitivity, item.version) == (Sensitivity.SUBSTANCE_USE, 2)
        [*_, last] = service.history(provider, ItemId(item_id))
        assert last.reason == LABELLED_LIKE_ENCOUNTER
    assert clinic.inst.lab_tests.get(provider, other.id).sensitivity is None
    # The visit's save names the entries it changed (ids only).
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    [saved] = [e for e in events if (e.detail or "").startswith(f"encounter {eid} version 2")]
    for item_type, item_id in (("lab-test", test.id), ("vitals", vitals.id)):
        assert f"also {item_type} {item_id}" in (saved.detail or "")
    # The nurse's grid and trends no longer show the visit's entries.
    grid = clinic.inst.results.grid(nurse, pid)
    assert grid.tests == 1 and sum(grid.withheld.values()) == 1
    assert clinic.inst.trends.vital(nurse, pid, "pulse").points == ()


def test_a_signed_visit_keeps_its_entries_as_signed(clinic: Clinic) -> None:
    """A signed note cannot be given a label (nor anything else): its entries stay as signed."""
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid = clinic.inst.encounters.add(provider, pid, VISIT).id
    test = clinic.inst.lab_tests.add(provider, pid, _screen(eid))
    clinic.inst.encounters.sign(provider, eid, password=ROLE_PASSWORD, expected_version=1)
    with pytest.raises(ValidationError):
        clinic.inst.encounters.update(
            provider, eid, replace(VISIT, sensitivity=Sensitivity.SUBSTANCE_USE), expected_version=2
        )
    assert clinic.inst.lab_tests.get(provider, test.id).version == 1
