"""SQLAlchemy mapped classes only: no queries, no Qt."""

from medrec_desktop.models.audit import AuditEvent, AuditHead
from medrec_desktop.models.base import Base
from medrec_desktop.models.chart import Allergy, AllergyStatement, Problem
from medrec_desktop.models.chart_more import (
    FamilyHistory,
    Immunization,
    MedicalHistory,
    Medication,
    SocialHistory,
    SurgicalHistory,
    Vitals,
)
from medrec_desktop.models.clinical import ITEM_MODELS, ClinicalItem, ClinicalItemVersion
from medrec_desktop.models.coding_work import (
    CoderQuery,
    Disclosure,
    DisclosurePatient,
    EncounterCoding,
)
from medrec_desktop.models.documents import Document, DocumentBlob
from medrec_desktop.models.drafts import FormDraft
from medrec_desktop.models.fhir_imports import FhirImportLog
from medrec_desktop.models.inbox import CoverSheet, InboxItem
from medrec_desktop.models.meta import AppMeta, ClinicSetting
from medrec_desktop.models.patient import (
    ClinicalNote,
    Coverage,
    Patient,
    PatientSearchText,
    PatientSearchToken,
    RecordVersion,
    RelatedPerson,
)
from medrec_desktop.models.registry import NOT_MOVED, PATIENT_OWNED, patient_owned
from medrec_desktop.models.user import BreakGlassGrant, LoginThrottle, User
from medrec_desktop.models.visits import (
    AmendmentRequest,
    Encounter,
    EncounterAddendum,
    LabTest,
    Procedure,
    ResultTemplate,
)
from medrec_desktop.models.workstations import Enrollment, Workstation

# The models written before the registry existed; clinical items register themselves.
for _model in (ClinicalNote, RelatedPerson, Coverage):
    patient_owned(_model)

__all__ = [
    "ITEM_MODELS",
    "NOT_MOVED",
    "PATIENT_OWNED",
    "Allergy",
    "AllergyStatement",
    "AppMeta",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BreakGlassGrant",
    "ClinicSetting",
    "ClinicalItem",
    "ClinicalItemVersion",
    "ClinicalNote",
    "CoderQuery",
    "Coverage",
    "Disclosure",
    "DisclosurePatient",
    "EncounterCoding",
    "FormDraft",
    "LoginThrottle",
    "Patient",
    "PatientSearchText",
    "PatientSearchToken",
    "Problem",
    "RecordVersion",
    "RelatedPerson",
    "User",
    "patient_owned",
    # issue 9, schema 0008
    "FamilyHistory",
    "Immunization",
    "MedicalHistory",
    "Medication",
    "SocialHistory",
    "SurgicalHistory",
    "Vitals",
    # issue 10, schema 0011
    "AmendmentRequest",
    "Encounter",
    "EncounterAddendum",
    "LabTest",
    "Procedure",
    # issue 12, schema 0014
    "Document",
    "DocumentBlob",
    "ResultTemplate",
    # issue 12, schema 0015
    "CoverSheet",
    "InboxItem",
    # issue 14, schema 0019
    "FhirImportLog",
    # issue 15, schema 0021
    "Enrollment",
    "Workstation",
]
