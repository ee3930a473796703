"""Frozen DTOs handed from services to the UI and CLI (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import NewType

from medrec_desktop.domain.enums import Role

UserId = NewType("UserId", int)
PatientId = NewType("PatientId", int)
NoteId = NewType("NoteId", int)


@dataclass(frozen=True)
class UserSession:
    """Who is signed in. Services re-check the account on every call; this is only a handle."""

    user_id: UserId
    username: str
    display_name: str
    role: Role
    started_at: dt.datetime
    must_change_password: bool = False


@dataclass(frozen=True)
class UserInfo:
    id: UserId
    username: str
    display_name: str
    role: Role
    active: bool
    locked: bool
    created_at: dt.datetime  # UTC (tz-aware); screens show local time


@dataclass(frozen=True)
class AuditEventInfo:
    """One audit event. ``patient_mrn`` and ``patient_name`` are joined by the service for the
    patient the event is about; the name only for roles that may see demographics."""

    seq: int
    ts: dt.datetime  # UTC (tz-aware); screens show local time
    user_id: int | None
    username: str
    workstation: str
    patient_id: int | None
    category: str
    action: str
    outcome: str
    entry_point: str
    reason: str | None
    emergency: bool
    detail: str | None
    patient_mrn: str | None = None
    patient_name: str | None = None


@dataclass(frozen=True)
class PatientInfo:
    id: PatientId
    mrn: str
    family_name: str
    given_names: str
    birth_date: dt.date
    sex: str
    phone: str | None
    version: int

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_names}"


@dataclass(frozen=True)
class NoteInfo:
    id: NoteId
    patient_id: PatientId
    author: str
    sensitive: bool
    text: str
    created_at: dt.datetime  # UTC (tz-aware)
    entered_in_error: bool


@dataclass(frozen=True)
class BreakGlassInfo:
    patient_id: PatientId
    reason: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class IntegrityReport:
    """Result of `medrec verify` / `verify_backup`."""

    ok: bool
    problems: tuple[str, ...]
    row_counts: dict[str, int]
    audit_summary: str
    # The newest audit event (seq, chain MAC): the high-water mark this copy carries.
    audit_mark: tuple[int, str] | None = None

    @property
    def summary(self) -> str:
        if self.ok:
            return "Database verified: " + self.audit_summary
        return "DATABASE PROBLEMS FOUND: " + "; ".join(self.problems)


@dataclass(frozen=True)
class ContactInfo:
    """A related person: emergency contact, guardian, next of kin."""

    name: str
    relationship: str
    phone: str | None = None
    emergency_contact: bool = True


@dataclass(frozen=True)
class CoverageInfo:
    payer: str
    member_id: str
    plan: str | None = None
    group_number: str | None = None
    subscriber_name: str | None = None
    subscriber_relationship: str = "self"
    priority: int = 1


@dataclass(frozen=True)
class PatientDetails:
    """Everything on the demographics form beyond PatientInfo's core."""

    previous_names: str | None = None
    gender_identity: str | None = None
    sexual_orientation: str | None = None
    race: str | None = None
    ethnicity: str | None = None
    preferred_language: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    mobile_phone: str | None = None
    email: str | None = None
    occupation: str | None = None
    contacts: tuple[ContactInfo, ...] = ()
    coverages: tuple[CoverageInfo, ...] = ()


# The simple text fields of PatientDetails (everything but contacts and coverages).
DETAIL_FIELDS = tuple(
    f.name for f in fields(PatientDetails) if f.name not in ("contacts", "coverages")
)


@dataclass(frozen=True)
class PatientRecord:
    """A patient's demographics as the registration form shows them."""

    info: PatientInfo
    details: PatientDetails
    merged_into: PatientId | None = None


@dataclass(frozen=True)
class DuplicateCandidate:
    patient: PatientInfo
    reasons: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class VersionInfo:
    version: int
    changed_by: str
    changed_at: dt.datetime  # UTC (tz-aware)
    summary: str
