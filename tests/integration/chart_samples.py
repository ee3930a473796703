"""Patients and one valid input per clinical item kind, shared by the chart item tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic

_NAMES = itertools.count(1)

# One valid input per item type: a new kind adds its line, or the tests over every kind fail.
SAMPLE_INPUTS: dict[str, ItemInput[Any]] = {
    "problem": ProblemInput(description="Essential hypertension", icd10cm="I10", onset="2015"),
    "allergy": AllergyInput(substance="Penicillin", category="drug", reaction="Hives"),
    "allergy-statement": AllergyStatementInput(stated_on="11/20/2026"),
    "medication": MedicationInput(
        name="Metformin",
        strength="500 mg",
        dose="1",
        dose_unit="tablet",
        route="oral",
        frequency="twice daily",
        start="2019",
        prescriber="Dr. Osei",
    ),
    "immunization": ImmunizationInput(
        vaccine="Tdap",
        cvx="115",
        given_on="10/02/2026",
        lot_number="AC52B041AA",
        site="left-deltoid",
        route="IM",
        given_by="Test Nurse",
    ),
    "vitals": VitalsInput(
        taken_at=dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC),
        units=UnitSystem.US,
        systolic="128",
        diastolic="82",
        pulse="72",
        temperature="98.6",
        height="5' 5\"",
        weight="154.3",
    ),
    "medical-history": MedicalHistoryInput(
        condition="Appendicitis", icd10cm="K35.80", onset="1998"
    ),
    "surgical-history": SurgicalHistoryInput(
        procedure="Appendectomy", performed="03/1998", laterality="not-applicable"
    ),
    "family-history": FamilyHistoryInput(
        relative="mother", condition="Breast cancer", icd10cm="C50.919", age_at_onset="52"
    ),
    "social-history": SocialHistoryInput(
        smoking_status="former",
        packs_per_day="1",
        years_smoked="12.5",
        audit_c_frequency="2",
        audit_c_typical="0",
        audit_c_six_or_more="0",
        occupation="Teacher",
        housing="stable",
        feels_safe="yes",
    ),
    "procedure": ProcedureInput(
        description="Laparoscopic appendectomy",
        code="0DTJ4ZZ",
        performed_at=dt.datetime(2026, 11, 19, 9, 30, tzinfo=dt.UTC),
        performed_by="Dr. Osei",
        body_site="appendix",
        laterality="not-applicable",
        outcome="completed as planned",
        complications="none",
        notes="Discharged the next day.",
    ),
}


def new_patient(c: Clinic, family: str | None = None) -> PatientId:
    """A patient registered by the records specialist (a different person each call)."""
    n = next(_NAMES)
    data = PatientInput(
        family or f"Testperson{n}",
        "Pat",
        # Wrapped at 70 years: one test run registers more patients than fit before today.
        dt.date(1950, 1, 1) + dt.timedelta(days=400 * n % (70 * 365)),
        "female",
        f"555-010-{n:04d}",
    )
    return c.inst.patients.register(
        c.sessions[Role.RECORDS], data, duplicates_reviewed=True, reason="checked: different"
    ).id


def services(c: Clinic) -> dict[str, ClinicalItemService[Any, Any]]:
    """Each item type's service on this clinic's installation."""
    inst = c.inst
    return {
        "problem": inst.problems,
        "allergy": inst.allergies,
        "allergy-statement": inst.allergy_statements,
        "medication": inst.medications,
        "immunization": inst.immunizations,
        "vitals": inst.vitals,
        "medical-history": inst.medical_history,
        "surgical-history": inst.surgical_history,
        "family-history": inst.family_history,
        "social-history": inst.social_history,
        "procedure": inst.procedures,
    }
