"""A synthetic patient's record and claim, made in memory from the domain's own form inputs
(validated as the services validate them), for the record PDF's layout tests, its
benchmark and the sample pages in docs/screenshots/. Nobody here is real.

``sample_extract(visits=..., tests=...)`` grows the record: the benchmark asks for enough
visits and tests to fill about fifty pages."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any

from medrec_desktop.domain.allergies import AllergyInput
from medrec_desktop.domain.amendments import AddendumInfo
from medrec_desktop.domain.billing import (
    ClaimCoverage,
    ClaimDiagnosis,
    ClaimLine,
    ClaimPatient,
    ClaimSummary,
)
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemInput, ItemStatus
from medrec_desktop.domain.coding_work import (
    CareSetting,
    CodedDiagnosis,
    CodedProcedure,
    CodingData,
    CodingState,
    ProcedureSystem,
)
from medrec_desktop.domain.documents import DocumentData, DocumentType
from medrec_desktop.domain.dto import (
    CoverageInfo,
    PatientDetails,
    PatientId,
    PatientInfo,
    PatientRecord,
)
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.panels import BMP, HBA1C, LIPIDS
from medrec_desktop.domain.patient_extract import EncounterExtract, PatientExtract
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 16, 45, tzinfo=dt.UTC)
CLINIC = "Maple Street Family Practice"
CLINIC_LINES = ("1200 Maple Street, Portland, OR 97205", "Phone 503-555-0100 · Fax 503-555-0101")
PROVIDER = "Dr. Kwame Osei, MD"
PATIENT = PatientInfo(
    id=PatientId(1),
    mrn="00042817",
    family_name="Nguyễn",
    given_names="Thị Ánh",
    birth_date=dt.date(1958, 7, 3),
    sex="female",
    phone="503-555-0142",
    version=3,
)
DETAILS = PatientDetails(
    preferred_language="Vietnamese",
    address_line1="2417 SE Division Street",
    address_line2="Apt 3",
    city="Portland",
    state="OR",
    postal_code="97202",
    mobile_phone="503-555-0199",
    coverages=(
        CoverageInfo(
            "Acme Health", "AH-5531207", plan="Medicare Advantage PPO", group_number="G77"
        ),
        CoverageInfo(
            "Oregon Health Plan",
            "OHP-77120",
            subscriber_name="Văn Minh Nguyễn",
            subscriber_relationship="spouse",
            priority=2,
        ),
    ),
)
_ids = itertools.count(1)


def _info(item_type: str, data: Any, when: dt.datetime, **more: Any) -> ItemInfo[Any]:
    return ItemInfo(
        id=ItemId(next(_ids)),
        item_type=item_type,
        patient_id=PATIENT.id,
        version=1,
        status=more.get("status", ItemStatus.ACTIVE),
        sensitivity=None,
        created_by="Maria Lopez, RN",
        created_at=when,
        changed_by="Maria Lopez, RN",
        changed_at=when,
        reason=None,
        data=data,
    )


def _item(item_type: str, form: ItemInput[Any], when: dt.datetime = NOW) -> ItemInfo[Any]:
    return _info(item_type, form.validated(TODAY), when, status=form.status)


def _at(days_ago: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    day = TODAY - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def _chart_items() -> dict[str, tuple[ItemInfo[Any], ...]]:
    def many(item_type: str, *forms: ItemInput[Any]) -> tuple[ItemInfo[Any], ...]:
        return tuple(_item(item_type, f) for f in forms)

    return {
        "problem": many(
            "problem",
            ProblemInput(
                description="Type 2 diabetes mellitus", icd10cm="E11.9", onset="2014", chronic=True
            ),
            ProblemInput(
                description="Essential hypertension", icd10cm="I10", onset="03/2015", chronic=True
            ),
            ProblemInput(description="Hyperlipidemia", icd10cm="E78.5", onset="2016"),
            ProblemInput(
                description="Acute bronchitis",
                icd10cm="J20.9",
                onset="01/2025",
                resolution="02/2025",
                status=ItemStatus.RESOLVED,
            ),
        ),  # fmt: skip
        "medication": many(
            "medication",
            MedicationInput(
                name="Metformin",
                strength="500 mg",
                dose="1",
                dose_unit="tablet",
                route="oral",
                frequency="twice daily",
                start="2014",
                instructions="Take with meals.",
                prescriber="Dr. Osei",
            ),
            MedicationInput(
                name="Lisinopril",
                strength="10 mg",
                dose="1",
                dose_unit="tablet",
                route="oral",
                frequency="once daily",
                start="03/2015",
            ),
            MedicationInput(
                name="Atorvastatin",
                strength="20 mg",
                dose="1",
                dose_unit="tablet",
                route="oral",
                frequency="at bedtime",
                start="2016",
            ),
            MedicationInput(
                name="Amoxicillin",
                strength="500 mg",
                dose="1",
                dose_unit="capsule",
                route="oral",
                frequency="three times daily",
                start="01/10/2025",
                stop="01/20/2025",
                status=ItemStatus.RESOLVED,
            ),
        ),  # fmt: skip
        "allergy": many(
            "allergy",
            AllergyInput(
                substance="Penicillin",
                category="drug",
                reaction="Hives",
                severity="moderate",
                onset="1990",
            ),
            AllergyInput(
                substance="Shellfish", category="food", reaction="Lip swelling", severity="severe"
            ),
        ),  # fmt: skip
        "allergy-statement": (),
        "immunization": many(
            "immunization",
            ImmunizationInput(
                vaccine="Influenza, seasonal",
                cvx="141",
                given_on="10/02/2026",
                lot_number="FL2026A",
                site="left-deltoid",
                route="IM",
                given_by="Maria Lopez, RN",
            ),
            ImmunizationInput(
                vaccine="Tdap",
                cvx="115",
                given_on="05/14/2021",
                administration="historical",
                source="Multnomah County clinic",
            ),
        ),  # fmt: skip
        "vitals": tuple(
            _item(
                "vitals",
                VitalsInput(
                    taken_at=_at(n * 90, 17, 5),
                    units=UnitSystem.US,
                    systolic=str(128 + n % 4 * 3),
                    diastolic=str(80 + n % 3),
                    pulse=str(70 + n),
                    temperature="98.4",
                    height="5' 2\"",
                    weight=f"{150.0 - n:.1f}",
                ),
            )
            for n in range(4)
        ),  # fmt: skip
        "medical-history": many(
            "medical-history",
            MedicalHistoryInput(condition="Gestational diabetes", onset="1988"),
        ),
        "surgical-history": many(
            "surgical-history",
            SurgicalHistoryInput(
                procedure="Cholecystectomy", performed="06/2009", laterality="not-applicable"
            ),
        ),  # fmt: skip
        "family-history": many(
            "family-history",
            FamilyHistoryInput(relative="mother", condition="Type 2 diabetes", age_at_onset="50"),
            FamilyHistoryInput(
                relative="father",
                condition="Myocardial infarction",
                deceased=True,
                age_at_death="67",
            ),
        ),  # fmt: skip
        "social-history": many(
            "social-history",
            SocialHistoryInput(
                smoking_status="never",
                occupation="Seamstress (retired)",
                housing="stable",
                feels_safe="yes",
            ),
        ),  # fmt: skip
        "procedure": many(
            "procedure",
            ProcedureInput(
                description="Diabetic foot examination, monofilament",
                performed_at=_at(6),
                performed_by="Dr. Osei",
                body_site="both feet",
                outcome="completed as planned",
            ),
        ),  # fmt: skip
    }


_LAB_VALUES = {
    BMP.key: ("148", "21", "1.0", "138", "5.8", "101", "25", "9.4"),
    HBA1C.key: ("7.4",),
    LIPIDS.key: ("212", "180", "38", "138"),
}


def _tests(count: int) -> tuple[ItemInfo[Any], ...]:
    panels = (BMP, HBA1C, LIPIDS)
    found = []
    for n in range(count):
        panel = panels[n % len(panels)]
        rows = panel.rows()
        values = _LAB_VALUES[panel.key]
        form = LabTestInput(
            name=panel.name,
            loinc=panel.loinc or "",
            specimen=panel.specimen or "",
            collected_at=_at(6 + n * 30, 8, 10),
            resulted_at=_at(6 + n * 30, 13, 40),
            ordering_provider="Dr. Osei",
            performing_lab="Quest Diagnostics",
            results=tuple(replace(r, value=v) for r, v in zip(rows, values, strict=True)),
        )
        found.append(_item("lab-test", form))
    return tuple(found)


SUBJECTIVE = (
    "Here for follow-up of diabetes and blood pressure. Checks sugars at home most mornings, "
    "usually 130 to 160. No lows. Walking 20 minutes most days since the weather turned. "
    "Occasional tingling in both feet at night, unchanged.\n\n"
    "Taking metformin twice daily with meals; no stomach upset. No chest pain, no shortness "
    "of breath, no swelling of the legs."
)
OBJECTIVE = (
    "BP 134/82, pulse 72, weight 148 lb. Well appearing. Heart regular, lungs clear. "
    "Feet: pulses present, monofilament sensation reduced at both great toes, skin intact."
)
ASSESSMENT = (
    "1. Type 2 diabetes, A1c 7.4%, above goal. 2. Hypertension, near goal. "
    "3. Early peripheral neuropathy."
)
PLAN = (
    "Increase metformin to 1000 mg twice daily. Recheck A1c and BMP in three months. "
    "Podiatry referral for diabetic foot care. Continue lisinopril and atorvastatin."
)


def _visits(count: int) -> tuple[EncounterExtract, ...]:
    visits = []
    for n in range(count):
        starts = _at(6 + n * 30)
        form = EncounterInput(
            starts_at=starts,
            encounter_type=EncounterType.OFFICE,
            provider_id=4,
            location="Room 2",
            reason_for_visit="Follow-up of diabetes and hypertension",
            subjective=SUBJECTIVE,
            objective=OBJECTIVE,
            assessment=ASSESSMENT,
            plan=PLAN,
        )
        signed = starts + dt.timedelta(hours=2)
        data = replace(form.validated(TODAY), signed_by=4, signed_at=signed)
        item = _info("encounter", data, starts)
        addenda = ()
        if n == 0:
            addenda = (
                AddendumInfo(
                    id=1,
                    encounter_id=int(item.id),
                    author=PROVIDER,
                    written_at=signed + dt.timedelta(days=1, hours=3),
                    reason="Late entry",
                    text="Patient called back: home BP readings this week 124/80 to 130/84.",
                ),
            )
        coding = CodingData(
            encounter_id=int(item.id),
            state=CodingState.CODED,
            setting=CareSetting.OUTPATIENT,
            diagnoses=(
                CodedDiagnosis("E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy"),
                CodedDiagnosis("I10", "Essential (primary) hypertension"),
                CodedDiagnosis("E78.5", "Hyperlipidemia, unspecified"),
            ),
            procedures=(
                CodedProcedure(
                    ProcedureSystem.CPT,
                    "99214",
                    "Office visit, established patient, moderate complexity",
                    modifiers=("25",),
                    pointers=(1, 2, 3),
                ),
                CodedProcedure(
                    ProcedureSystem.HCPCS,
                    "G0008",
                    "Administration of influenza virus vaccine",
                    pointers=(2,),
                ),
            ),
        )
        visits.append(EncounterExtract(item, PROVIDER, PROVIDER, addenda, coding))
    return tuple(visits)


def _documents() -> tuple[ItemInfo[Any], ...]:
    scans = [
        (DocumentType.OUTSIDE_LAB, "Valley Labs", "Lipid panel from the outside lab", 2, 40),
        (DocumentType.REFERRAL, "Portland Podiatry", "Referral letter and reply", 3, 12),
        (DocumentType.RELEASE_AUTHORIZATION, "Patient", "Authorization to release records", 1, 2),
    ]
    return tuple(
        _info(
            "document",
            DocumentData(
                doc_type=kind,
                document_date=TODAY - dt.timedelta(days=days),
                author=author,
                description=description,
                blob_id=n,
                content_type="application/pdf",
                page_count=pages,
                size=120_000,
                sha256="0" * 64,
            ),
            NOW,
        )
        for n, (kind, author, description, pages, days) in enumerate(scans, start=1)
    )


def sample_extract(
    *,
    visits: int = 2,
    tests: int = 3,
    sections: tuple[RecordSection, ...] = tuple(RecordSection),
) -> PatientExtract:
    """The whole synthetic record in ``sections`` (the other sections are left empty, as
    ``gather`` leaves them)."""
    scope = RecordScope(sections)
    items = _chart_items()
    kinds = {
        RecordSection.PROBLEMS: ("problem",),
        RecordSection.HISTORIES: (
            "medical-history",
            "surgical-history",
            "family-history",
            "social-history",
        ),
        RecordSection.MEDICATIONS: ("medication",),
        RecordSection.ALLERGIES: ("allergy", "allergy-statement"),
        RecordSection.IMMUNIZATIONS: ("immunization",),
        RecordSection.VITALS: ("vitals",),
        RecordSection.PROCEDURES: ("procedure",),
    }
    chosen = {k: items[k] for s, ks in kinds.items() if s in sections for k in ks}
    wants_visits = {RecordSection.ENCOUNTERS, RecordSection.CODING} & set(sections)
    return PatientExtract(
        record=PatientRecord(PATIENT, DETAILS),
        scope=scope,
        clinic_name=CLINIC,
        items=chosen,
        tests=_tests(tests) if RecordSection.RESULTS in sections else (),
        encounters=_visits(visits) if wants_visits else (),
        documents=_documents() if RecordSection.DOCUMENTS in sections else (),
    )


def sample_claim() -> ClaimSummary:
    visit = _visits(1)[0]
    coding = visit.coding
    assert coding is not None
    return ClaimSummary(
        clinic_name=CLINIC,
        encounter_id=int(visit.item.id),
        patient=ClaimPatient(
            int(PATIENT.id),
            PATIENT.mrn,
            PATIENT.family_name,
            PATIENT.given_names,
            PATIENT.birth_date,
            PATIENT.sex,
        ),
        coverages=tuple(
            ClaimCoverage(
                c.priority,
                c.payer,
                c.member_id,
                c.plan,
                c.group_number,
                c.subscriber_name,
                c.subscriber_relationship,
            )
            for c in DETAILS.coverages
        ),
        date_of_service=visit.item.data.starts_at.date(),
        visit_type="Office visit",
        place="Room 2",
        setting=CareSetting.OUTPATIENT,
        provider_id=4,
        provider=PROVIDER,
        diagnoses=tuple(
            ClaimDiagnosis(n, d.code, d.title) for n, d in enumerate(coding.diagnoses, start=1)
        ),
        lines=(
            ClaimLine(
                1,
                ProcedureSystem.CPT,
                "99214",
                "Office visit, established patient, moderate complexity",
                modifiers=("25",),
                units=1,
                pointers=("A", "B", "C"),
            ),
            ClaimLine(
                2,
                ProcedureSystem.HCPCS,
                "G0008",
                "Administration of influenza virus vaccine",
                pointers=("B",),
            ),
            ClaimLine(
                3,
                ProcedureSystem.HCPCS,
                "J1100",
                "Injection, dexamethasone sodium phosphate, 1 mg",
                modifiers=("RT", "59"),
                units=4,
                pointers=("C", "A"),
            ),
        ),  # fmt: skip
        coded_by="Priya Raman, CPC",
        coded_at=NOW,
    )
