"""SQLAlchemy mapped classes only: no queries, no Qt."""

from medrec_desktop.models.audit import AuditEvent, AuditHead
from medrec_desktop.models.base import Base
from medrec_desktop.models.meta import AppMeta, ClinicSetting
from medrec_desktop.models.patient import ClinicalNote, Patient, RecordVersion
from medrec_desktop.models.user import BreakGlassGrant, LoginThrottle, User

__all__ = [
    "AppMeta",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BreakGlassGrant",
    "ClinicSetting",
    "ClinicalNote",
    "LoginThrottle",
    "Patient",
    "RecordVersion",
    "User",
]
