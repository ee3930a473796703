"""A patient with every kind of record, for the FHIR export tests: demographics with address,
contacts and two coverages; every chart item kind (a labelled problem and an entered-in-error
one among them); a signed visit with an addendum, vitals taken in it and its coding marked
coded; a refused vaccine; a filed document and a signed authorization to release."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.clinical import ItemId, Sensitivity
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
)
from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails, PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.integration.chart_samples import (
    SAMPLE_DOCUMENT,
    SAMPLE_INPUTS,
    sample_pdf,
    services,
    sign_with_addendum,
)

FULL = PatientInput(
    "Osei-Fhirtest",
    "Ama Grace",
    dt.date(1961, 4, 3),
    "female",
    "555-010-7788",
    details=PatientDetails(
        previous_names="Ama Mensah",
        race="Black or African American",
        ethnicity="Not Hispanic or Latino",
        preferred_language="Twi",
        address_line1="12 Elm Street",
        address_line2="Apt 3",
        city="Springfield",
        state="IL",
        postal_code="62701",
        mobile_phone="555-010-9911",
        email="ama.osei@example.com",
        contacts=(ContactInfo("Kofi Osei", "spouse", "555-010-1234"),),
        coverages=(
            CoverageInfo("Acme Health", "XG12345678", plan="Gold PPO", group_number="GRP-77"),
            CoverageInfo(
                "Medicare",
                "1EG4TE5MK72",
                subscriber_name="Kofi Osei",
                subscriber_relationship="spouse",
                priority=2,
            ),
        ),
    ),
)
#: words only the labelled problem carries (absent from every export that leaves it out)
LABELLED = "Opioid use disorder, in early remission"
ENTERED_IN_ERROR = "Gout of the left toe"
#: the sample items added, one of each kind
SAMPLE_KINDS = (
    "problem",
    "allergy-statement",  # first: the allergy after it makes it inactive
    "allergy",
    "medication",
    "immunization",
    "vitals",
    "medical-history",
    "surgical-history",
    "family-history",
    "social-history",
    "lab-test",
    "procedure",
)


@dataclass(frozen=True)
class FullChart:
    patient_id: PatientId
    encounter_id: int
    problem_id: int
    labelled_problem_id: int
    authorization_id: int
    document_id: int


def full_chart(c: Clinic, store: CodeSetStore, family: str | None = None) -> FullChart:
    """The patient, charted by the test clinic's provider, filed by its records specialist
    and coded by its coder."""
    records = c.sessions[Role.RECORDS]
    provider = c.sessions[Role.PROVIDER]
    data = replace(FULL, family_name=family) if family else FULL
    pid = c.inst.patients.register(
        records, data, duplicates_reviewed=True, reason="checked: different"
    ).id
    kinds = services(c)
    visit = c.inst.encounters.add(provider, pid, SAMPLE_INPUTS["encounter"])  # type: ignore[arg-type]
    added: dict[str, int] = {}
    for kind in SAMPLE_KINDS:
        added[kind] = kinds[kind].add(provider, pid, SAMPLE_INPUTS[kind]).id
    c.inst.problems.add(
        provider,
        pid,
        ProblemInput(description=LABELLED, icd10cm="F11.21", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    wrong = c.inst.problems.add(provider, pid, ProblemInput(description=ENTERED_IN_ERROR))
    c.inst.problems.mark_entered_in_error(
        provider, wrong.id, expected_version=1, reason="wrong chart"
    )
    labelled = [
        p.id for p in c.inst.problems.list(provider, pid).items if p.data.description == LABELLED
    ][0]
    c.inst.medications.add(
        provider,
        pid,
        MedicationInput(
            name="Lisinopril",
            strength="10 mg",
            dose="1",
            dose_unit="tablet",
            route="oral",
            frequency="once daily",
            indication="Hypertension",
            indication_problem_id=added["problem"],
        ),
    )
    c.inst.immunizations.add(
        provider,
        pid,
        ImmunizationInput(
            vaccine="Influenza",
            cvx="197",
            administration="refused",
            given_on="11/20/2026",
            refusal_reason="Declined",
        ),
    )
    vitals = SAMPLE_INPUTS["vitals"]
    assert isinstance(vitals, VitalsInput)
    c.inst.vitals.add(
        provider,
        pid,
        replace(
            vitals,
            taken_at=dt.datetime(2026, 11, 20, 9, 40, tzinfo=dt.UTC),
            respirations="16",
            spo2="97",
            pain="3",
            encounter_id=visit.id,
        ),
    )
    sign_with_addendum(c, visit.id, expected_version=1)
    document = c.inst.documents.attach(records, pid, SAMPLE_DOCUMENT, sample_pdf())
    authorization = c.inst.documents.attach(
        records,
        pid,
        replace(
            SAMPLE_DOCUMENT,
            doc_type="release_authorization",
            author="The patient",
            description="Signed authorization to release records",
            file_name="authorization.pdf",
        ),
        sample_pdf(2),
    )
    coding = EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=store))
    coder = c.sessions[Role.CODER]
    coding.save(
        coder,
        visit.id,
        CodingInput(
            diagnoses=(CodedDiagnosis("I10", ""), CodedDiagnosis("E11.9", "")),
            procedures=(CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", pointers=(1,)),),
        ),
        expected_version=None,
    )
    coding.mark_coded(coder, visit.id, expected_version=1)
    return FullChart(
        patient_id=pid,
        encounter_id=int(visit.id),
        problem_id=added["problem"],
        labelled_problem_id=int(labelled),
        authorization_id=int(authorization.id),
        document_id=int(document.id),
    )


def item(value: int) -> ItemId:
    return ItemId(value)
