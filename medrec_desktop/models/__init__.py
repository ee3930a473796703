"""SQLAlchemy mapped classes only: no queries, no Qt."""

from medrec_desktop.models.audit import AuditEvent, AuditHead
from medrec_desktop.models.base import Base
from medrec_desktop.models.meta import AppMeta, ClinicSetting
from medrec_desktop.models.patient import (
    ClinicalNote,
    Coverage,
    Patient,
    PatientSearchToken,
    RecordVersion,
    RelatedPerson,
)
from medrec_desktop.models.user import BreakGlassGrant, LoginThrottle, User

__all__ = [
    "AppMeta",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BreakGlassGrant",
    "ClinicSetting",
    "ClinicalNote",
    "Coverage",
    "LoginThrottle",
    "Patient",
    "PatientSearchToken",
    "RecordVersion",
    "RelatedPerson",
    "User",
]
