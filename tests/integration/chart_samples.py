"""Patients and one valid input per clinical item kind, shared by the chart item tests."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import replace
from typing import Any

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.amendments import AmendmentInput
from medrec_desktop.domain.clinical import ItemId, ItemInput
from medrec_desktop.domain.documents import DocumentInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.panels import BMP
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ROLE_PASSWORD, Clinic

_NAMES = itertools.count(1)
# The test clinic's provider (tests/conftest.py adds one user per role, in Role order, after
# the administrator): the provider of the sample encounter, who may sign it.
PROVIDER_ID = 4

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
    # Issue 10.
    "encounter": EncounterInput(
        starts_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC),
        encounter_type=EncounterType.OFFICE,
        provider_id=PROVIDER_ID,
        location="Room 2",
        reason_for_visit="Follow-up of blood pressure",
        subjective="Feels well; no headaches.",
        objective="BP 128/82, pulse 72.",
        assessment="Hypertension, controlled.",
        plan="Continue lisinopril; recheck in 3 months.",
    ),
    "amendment-request": AmendmentInput(
        received_on="11/23/2026",
        concerns="Visit note of 11/20/2026",
        requested_change="The note says I smoke; I quit in 2019.",
        patient_reason="Insurance premiums depend on it.",
    ),
    # A basic metabolic panel with a high potassium, typed on the template's rows.
    "lab-test": LabTestInput(
        name=BMP.name,
        loinc=BMP.loinc or "",
        specimen="Serum",
        collected_at=dt.datetime(2026, 11, 19, 8, 10, tzinfo=dt.UTC),
        resulted_at=dt.datetime(2026, 11, 19, 13, 40, tzinfo=dt.UTC),
        ordering_provider="Dr. Osei",
        performing_lab="Quest Diagnostics",
        results=tuple(
            replace(row, value=value)
            for row, value in zip(
                BMP.rows(), ("102", "18", "1.1", "139", "5.8", "101", "24", "9.4"), strict=True
            )
        ),
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


SAMPLE_DOCUMENT = DocumentInput(
    doc_type="outside_lab",
    document_date=dt.date(2026, 11, 18),
    author="Valley Labs",
    description="Lipid panel from the outside lab",
    file_name="lipids.pdf",
)


def sample_pdf(pages: int = 1) -> bytes:
    """A real PDF made here (reportlab), ``pages`` pages of plain text."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"Outside lab report, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


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
        "encounter": inst.encounters,
        "amendment-request": inst.amendments,
        "lab-test": inst.lab_tests,
        "procedure": inst.procedures,
    }


def sign_with_addendum(c: Clinic, encounter_id: int, expected_version: int) -> None:
    """Sign the provider's encounter (their password again) and add an addendum to it."""
    provider = c.sessions[Role.PROVIDER]
    c.inst.encounters.sign(
        provider, ItemId(encounter_id), password=ROLE_PASSWORD, expected_version=expected_version
    )
    c.inst.encounters.add_addendum(
        provider, ItemId(encounter_id), reason="Late entry", text="Patient called: BP 124/80."
    )
