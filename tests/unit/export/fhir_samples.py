"""A PatientExtract made by hand (no database): one item of each kind the FHIR mapping
reads, for the export's unit tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.allergies import AllergyCategory, AllergyData, Severity
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, Sensitivity
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
from medrec_desktop.domain.encounters import EncounterData, EncounterType
from medrec_desktop.domain.histories import FamilyHistoryData, Relative
from medrec_desktop.domain.immunizations import Administration, ImmunizationData, InjectionSite
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.domain.patient_extract import EncounterExtract, PatientExtract
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.domain.procedures import ProcedureCodeSystem, ProcedureData
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.domain.results import LabTestData, ResultData
from medrec_desktop.domain.social_history import SmokingStatus, SocialHistoryData
from medrec_desktop.domain.vitals import VitalsData

CLINIC = "urn:uuid:6f1c2b1e-3d4a-4e5f-8a9b-0c1d2e3f4a5b"
WHEN = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
SEEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
PID = PatientId(7)


def info(item_type: str, item_id: int, data: Any, **kw: Any) -> ItemInfo[Any]:
    fields: dict[str, Any] = {
        "id": ItemId(item_id),
        "item_type": item_type,
        "patient_id": PID,
        "version": 1,
        "status": ItemStatus.ACTIVE,
        "sensitivity": None,
        "created_by": "Dr. Osei",
        "created_at": WHEN,
        "changed_by": "Dr. Osei",
        "changed_at": WHEN,
        "reason": None,
        "data": data,
    }
    return ItemInfo(**(fields | kw))


RECORD = PatientRecord(
    PatientInfo(
        PID, "00001234", "Shaw", "Amy V.", dt.date(1987, 2, 20), "female", "555-555-5555", 1
    ),
    PatientDetails(
        city="Mounds",
        state="OK",
        address_line1="183 Mountain View St",
        postal_code="74048",
        race="White",
        coverages=(CoverageInfo("Acme Health Plan", "888009335", plan="Gold", group_number="xyz"),),
    ),
)
VISIT = EncounterExtract(
    item=info(
        "encounter",
        3,
        EncounterData(
            starts_at=SEEN,
            encounter_type=EncounterType.OFFICE,
            provider_id=4,
            location="Room 2",
            reason_for_visit="Follow-up",
            assessment="Hypertension, controlled.",
            problems_addressed=(1,),
            signed_by=4,
            signed_at=WHEN,
        ),
    ),
    provider="Dr. Osei",
    signed_by="Dr. Osei",
    coding=CodingData(
        encounter_id=3,
        state=CodingState.CODED,
        setting=CareSetting.OUTPATIENT,
        diagnoses=(CodedDiagnosis("I10", "Essential (primary) hypertension", problem_id=1),),
        procedures=(CodedProcedure(ProcedureSystem.CPT, "99213", "Office visit", pointers=(1,)),),
        coded_at=WHEN,
    ),
)
POTASSIUM = ResultData("Potassium", numeric=5.4, unit="mmol/L", low=3.5, high=5.1, loinc="2823-3")


def extract(
    sections: tuple[RecordSection, ...] = tuple(RecordSection), **items: tuple[ItemInfo[Any], ...]
) -> PatientExtract:
    everything: dict[str, tuple[ItemInfo[Any], ...]] = {
        "problem": (
            info("problem", 1, ProblemData("Essential hypertension", "I10", PartialDate(2015, 3))),
            info(
                "problem",
                2,
                ProblemData("Depression", "F32.9"),
                sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
            ),
        ),
        "vitals": (
            info(
                "vitals",
                5,
                VitalsData(
                    taken_at=SEEN,
                    systolic=109,
                    diastolic=44,
                    pulse=44,
                    respirations=26,
                    temperature_c=36.55556,
                    spo2=99,
                    height_cm=111.506,
                    weight_kg=20.09414,
                    bmi=16.2,
                    encounter_id=3,
                ),
            ),
        ),
        "allergy": (
            info(
                "allergy",
                6,
                AllergyData("Sulfonamide", AllergyCategory.DRUG, "skin rash", Severity.MILD),
            ),
        ),
        "immunization": (
            info(
                "immunization",
                8,
                ImmunizationData(
                    "Influenza, high-dose",
                    "197",
                    Administration.GIVEN,
                    PartialDate(2020, 11, 19),
                    lot_number="AAJN11K",
                    site=InjectionSite.LEFT_DELTOID,
                ),
            ),
        ),
        "family-history": (
            info("family-history", 9, FamilyHistoryData(Relative.FATHER, "Chronic kidney disease")),
        ),
        "social-history": (
            info(
                "social-history",
                10,
                SocialHistoryData(smoking_status=SmokingStatus.CURRENT_SOME_DAY, pack_years=26),
            ),
        ),
        "procedure": (
            info(
                "procedure",
                11,
                ProcedureData(
                    description="Individual counseling",
                    code_system=ProcedureCodeSystem.PCS,
                    code="HZ30ZZZ",
                    performed_at=SEEN,
                    encounter_id=3,
                ),
            ),
        ),
    }
    everything.update(items)
    return PatientExtract(
        record=RECORD,
        scope=RecordScope(sections, labelled=True),
        clinic_name="Holy Family Clinic",
        items=everything,
        tests=(
            info(
                "lab-test",
                12,
                LabTestData(
                    name="Basic metabolic panel",
                    loinc="51990-0",
                    specimen="Serum",
                    collected_at=SEEN,
                    resulted_at=WHEN,
                    ordering_provider="Dr. Osei",
                    performing_lab="Acme Lab",
                    results=(POTASSIUM,),
                    notes=None,
                ),
            ),
        ),
        encounters=(VISIT,),
        documents=(
            info(
                "document",
                13,
                DocumentData(
                    doc_type=DocumentType.REFERRAL,
                    document_date=dt.date(2026, 11, 18),
                    blob_id=1,
                    content_type="application/pdf",
                    page_count=2,
                    size=2048,
                    sha256="ab" * 32,
                ),
            ),
        ),
        names={4: "Dr. Osei"},
    )
