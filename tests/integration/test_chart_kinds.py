"""The chart kinds of schema 0008 through the real services, on SQLCipher and PostgreSQL:
refused values save nothing, a medication's problem link is checked, one social history is
current, vitals round-trip exactly (UTC instant, metric values, the units typed), and the
summary helpers work on what the services list."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from medrec_desktop.domain.clinical import FieldChange, ItemInput, ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunization_schedule import due_or_recent
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput, current_medications
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.social_history import SocialHistoryInput, current_social_history
from medrec_desktop.domain.vital_units import UnitSystem, weight_display
from medrec_desktop.domain.vitals import VitalsInput, latest_vitals
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import NO_SUCH_PROBLEM, SUPERSEDED
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient, services

TAKEN = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

# One refused value per kind: (item type, what was typed, the field named).
REFUSED: list[tuple[str, ItemInput[Any], str]] = [
    ("medication", MedicationInput(name="Warfarin", start="2019", stop="2018"), "stop"),
    ("immunization", ImmunizationInput(vaccine="Tdap", given_on="10/2026"), "given_on"),
    ("vitals", VitalsInput(taken_at=TAKEN, systolic="80", diastolic="120"), "systolic"),
    ("vitals", VitalsInput(taken_at=TAKEN, spo2="101"), "spo2"),
    ("medical-history", MedicalHistoryInput(condition="HIV", icd10cm="HIV"), "icd10cm"),
    (
        "surgical-history",
        SurgicalHistoryInput(procedure="Vasectomy", performed="2031"),
        "performed",
    ),
    (
        "family-history",
        FamilyHistoryInput(relative="mother", condition="Huntington disease", age_at_death="50"),
        "age_at_death",
    ),
    (
        "social-history",
        SocialHistoryInput(smoking_status="never", packs_per_day="1"),
        "smoking_status",
    ),
]


@pytest.mark.parametrize(("item_type", "typed", "field"), REFUSED, ids=lambda v: str(v)[:20])
def test_a_refused_value_names_the_field_and_saves_nothing(
    clinic: Clinic, item_type: str, typed: ItemInput[Any], field: str
) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    svc = services(clinic)[item_type]
    with pytest.raises(ValidationError) as refused:
        svc.add(nurse, pid, typed)
    assert refused.value.field == field
    for phi in ("warfarin", "hiv", "vasectomy", "huntington"):
        assert phi not in refused.value.message.lower()
    listed = svc.list(nurse, pid, include_inactive=True, include_entered_in_error=True)
    assert listed.items == ()
    found = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    [event] = [e for e in found if e.entry_point == "ClinicalItemService.add"]
    assert (event.outcome, event.reason) == ("failure", "ValidationError")


def test_a_medication_treats_a_problem_of_the_same_patient(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid, other = new_patient(clinic), new_patient(clinic)
    htn = clinic.inst.problems.add(provider, pid, ProblemInput(description="Hypertension"))
    theirs = clinic.inst.problems.add(provider, other, ProblemInput(description="Gout"))
    typed = MedicationInput(name="Lisinopril", indication_problem_id=htn.id)
    med = clinic.inst.medications.add(nurse, pid, typed)
    assert med.data.indication_problem_id == htn.id
    for wrong in (theirs.id, 999_999):
        with pytest.raises(ValidationError, match=NO_SUCH_PROBLEM) as refused:
            clinic.inst.medications.add(nurse, pid, replace(typed, indication_problem_id=wrong))
        assert refused.value.field == "indication_problem_id"
    clinic.inst.problems.mark_entered_in_error(
        provider, htn.id, reason="wrong chart", expected_version=1
    )
    with pytest.raises(ValidationError, match="entered in error") as refused:
        clinic.inst.medications.add(nurse, pid, typed)
    assert refused.value.field == "indication_problem_id"
    # The medication already linked to it can still be edited (the link is history).
    changed = clinic.inst.medications.update(
        nurse, med.id, replace(typed, frequency="once daily"), expected_version=1
    )
    assert changed.version == 2


def test_a_labelled_problem_is_linked_only_by_who_may_see_it(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    hidden = clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Opioid use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    typed = MedicationInput(name="Buprenorphine", indication_problem_id=hidden.id)
    with pytest.raises(ValidationError, match=NO_SUCH_PROBLEM):
        clinic.inst.medications.add(nurse, pid, typed)
    # Its indication would tell the problem to everyone who sees medications: same label.
    with pytest.raises(ValidationError) as unlabelled:
        clinic.inst.medications.add(provider, pid, typed)
    assert unlabelled.value.field == "sensitivity"
    labelled = replace(typed, sensitivity=Sensitivity.SUBSTANCE_USE)
    assert (
        clinic.inst.medications.add(provider, pid, labelled).data.indication_problem_id == hidden.id
    )


def test_current_medications_from_the_service_list(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    meds = clinic.inst.medications
    meds.add(nurse, pid, MedicationInput(name="Metformin", start="2019"))
    meds.add(nurse, pid, MedicationInput(name="Amoxicillin", start="11/01/2026", stop="11/10/2026"))
    meds.add(nurse, pid, MedicationInput(name="Prednisone", stop="12/05/2026"))
    stopped = meds.add(nurse, pid, MedicationInput(name="Ibuprofen"))
    meds.update(
        nurse,
        stopped.id,
        MedicationInput(name="Ibuprofen", status=ItemStatus.INACTIVE),
        expected_version=1,
        reason="stomach upset",
    )
    today = clinic.clock.now.date()
    current = current_medications(meds.list(nurse, pid).items, today)
    assert [m.data.name for m in current] == ["Metformin", "Prednisone"]


def test_saving_a_social_history_replaces_the_active_one(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid, other = new_patient(clinic), new_patient(clinic)
    social = clinic.inst.social_history
    first = social.add(nurse, pid, SocialHistoryInput(smoking_status="current-every-day"))
    theirs = social.add(nurse, other, SocialHistoryInput(smoking_status="never"))
    clinic.clock.advance(minutes=1)
    second = social.add(nurse, pid, SocialHistoryInput(smoking_status="former"))
    listed = social.list(nurse, pid, include_inactive=True).items
    assert {i.id: i.status for i in listed} == {
        first.id: ItemStatus.INACTIVE,
        second.id: ItemStatus.ACTIVE,
    }
    current = current_social_history(listed)
    assert current is not None and current.id == second.id
    replaced = social.history(nurse, first.id)
    assert [(v.version, v.reason) for v in replaced] == [(1, None), (2, SUPERSEDED)]
    assert social.get(nurse, theirs.id).status is ItemStatus.ACTIVE  # another patient's stays


def test_vitals_round_trip_exactly_and_show_both_ways(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    typed = VitalsInput(
        taken_at=TAKEN, units=UnitSystem.US, systolic="182", diastolic="96", weight="154.3"
    )
    saved = clinic.inst.vitals.add(nurse, pid, typed)
    assert saved.data.taken_at == dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC)
    assert [w.field for w in typed.check(clinic.clock.now.date())] == ["systolic"]  # saved anyway
    read = clinic.inst.vitals.get(nurse, saved.id)
    assert read == saved
    assert weight_display(read.data.weight_kg or 0, read.data.units) == "154.3 lb (70.0 kg)"
    with clinic.inst.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT taken_at, weight_kg FROM vitals")).one()
    assert tuple(stored) == ("2026-11-20T14:05:00.000000Z", 69.989)
    # Opening the entry and saving it changes nothing; a corrected weight shows in the history.
    same = clinic.inst.vitals.update(nurse, saved.id, VitalsInput.editing(read), expected_version=1)
    assert same == saved
    fixed = replace(VitalsInput.editing(read), weight="145.3")
    clinic.inst.vitals.update(nurse, saved.id, fixed, expected_version=1, reason="re-weighed")
    last = clinic.inst.vitals.history(nurse, saved.id)[-1]
    assert last.changes == (FieldChange("weight_kg", "Weight (kg)", "69.989", "65.907"),)
    latest = latest_vitals(clinic.inst.vitals.list(nurse, pid).items)
    assert latest is not None and latest.version == 2


def test_immunizations_due_or_recent_from_the_service_list(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    shots = clinic.inst.immunizations
    flu = shots.add(nurse, pid, ImmunizationInput(cvx="150", given_on="10/02/2026"))
    assert flu.data.vaccine == "Influenza, injectable, quadrivalent, preservative free"
    shots.add(
        nurse,
        pid,
        ImmunizationInput(
            vaccine="Td", given_on="2009", administration="historical", source="state registry"
        ),
    )
    overview = due_or_recent(
        shots.list(nurse, pid).items, today=clinic.clock.now.date(), birth_date=dt.date(1960, 1, 1)
    )
    assert [i.id for i in overview.recent] == [flu.id]
    assert [d.name for d in overview.due] == ["Tetanus (Td/Tdap)"]
