"""Roles, actions and data categories: the axes of the permission matrix and the audit trail."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    NURSE = "nurse"
    PROVIDER = "provider"
    RECORDS = "records_specialist"
    CODER = "coder"
    ADMIN = "administrator"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.FRONT_DESK: "Front desk",
    Role.NURSE: "Nurse",
    Role.PROVIDER: "Provider",
    Role.RECORDS: "Records specialist",
    Role.CODER: "Coder",
    Role.ADMIN: "Administrator",
}


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PRINT = "print"
    EXPORT = "export"
    QUERY = "query"
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    BREAK_GLASS = "break_glass"
    ADMIN = "admin"


class DataCategory(StrEnum):
    """What kind of data an action touches."""

    DEMOGRAPHICS = "demographics"
    CLINICAL = "clinical"
    SENSITIVE = "sensitive"  # behavioral health, substance use, ... (labelled records)
    CODING = "coding"
    # The code-set releases themselves (no PHI): who may import a new release.
    CODESET = "code_set"  # shown as "Code set" in the audit viewer
    USERS = "users"
    AUDIT = "audit"
    SETTINGS = "settings"
    BACKUP = "backup"
    SESSION = "session"
    # Scans and faxes picked up from the scanner folder, not yet filed to a patient (issue 12).
    INBOX = "inbox"
    # Every patient's record at once, out of the clinic (the FHIR bulk export, issue 14): a
    # right of its own, so holding it never lets anyone read a chart on screen.
    BULK_EXPORT = "bulk_export"
    # A patient's record from another system taken into a chart (the FHIR import, issue 14):
    # the records specialist's job, who receives outside records, so a right of its own on top
    # of recording clinical data (which nurses and providers hold too).
    RECORD_IMPORT = "record_import"


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class ChangeKind(StrEnum):
    """What part of a patient's record a successful write changed; screens showing that
    patient refresh the parts they show (DESIGN §3, change notifications)."""

    DEMOGRAPHICS = "demographics"
    ALLERGIES = "allergies"
    NOTES = "notes"
    MERGE = "merge"
    PROBLEMS = "problems"
    MEDICATIONS = "medications"
    IMMUNIZATIONS = "immunizations"
    VITALS = "vitals"
    MEDICAL_HISTORY = "medical_history"
    SURGICAL_HISTORY = "surgical_history"
    FAMILY_HISTORY = "family_history"
    SOCIAL_HISTORY = "social_history"
    # issue 10
    ENCOUNTERS = "encounters"
    RESULTS = "results"
    PROCEDURES = "procedures"
    DOCUMENTS = "documents"
    AMENDMENTS = "amendments"
    # issue 13: an encounter's codes, its coder queries and their answers
    CODING = "coding"
