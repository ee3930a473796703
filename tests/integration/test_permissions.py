"""The permission matrix is enforced by the services; sensitive data and break-the-glass."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ROLE_PASSWORD, Clinic

PATIENT = PatientInput("Rivera", "Ana", dt.date(1985, 5, 5), "female", "555 222 3333")


def test_administrators_see_demographics_for_merges_but_no_clinical_data(clinic: Clinic) -> None:
    pid = clinic.inst.patients.register(clinic.sessions[Role.FRONT_DESK], PATIENT).id
    assert clinic.inst.patients.get(clinic.admin, pid).family_name == "Rivera"
    with pytest.raises(PermissionDeniedError):
        clinic.inst.patients.update(clinic.admin, pid, PATIENT, expected_version=1)
    with pytest.raises(PermissionDeniedError):
        clinic.inst.patients.notes(clinic.admin, pid)


def test_front_desk_registers_but_reads_no_clinical_notes(clinic: Clinic) -> None:
    desk = clinic.sessions[Role.FRONT_DESK]
    pid = clinic.inst.patients.register(desk, PATIENT).id
    clinic.inst.patients.add_note(clinic.sessions[Role.NURSE], pid, "Vitals normal")
    with pytest.raises(PermissionDeniedError, match="Front desk"):
        clinic.inst.patients.notes(desk, pid)


def test_sensitive_notes_are_hidden_from_roles_without_the_right(clinic: Clinic) -> None:
    pid = clinic.inst.patients.register(clinic.sessions[Role.RECORDS], PATIENT).id
    clinic.inst.patients.add_note(clinic.sessions[Role.PROVIDER], pid, "Routine visit")
    clinic.inst.patients.add_note(
        clinic.sessions[Role.PROVIDER], pid, "Substance use counselling", sensitive=True
    )
    nurse_view = [n.text for n in clinic.inst.patients.notes(clinic.sessions[Role.NURSE], pid)]
    provider_view = [
        n.text for n in clinic.inst.patients.notes(clinic.sessions[Role.PROVIDER], pid)
    ]
    assert nurse_view == ["Routine visit"]
    assert provider_view == ["Routine visit", "Substance use counselling"]
    with pytest.raises(PermissionDeniedError):
        clinic.inst.patients.add_note(clinic.sessions[Role.NURSE], pid, "x", sensitive=True)


def test_break_the_glass_is_reasoned_reauthenticated_flagged_and_time_boxed(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = clinic.inst.patients.register(clinic.sessions[Role.RECORDS], PATIENT).id
    clinic.inst.patients.add_note(
        clinic.sessions[Role.PROVIDER], pid, "Psych history", sensitive=True
    )
    with pytest.raises(ValidationError, match="at least 10"):
        clinic.inst.auth.break_glass(nurse, pid, "urgent", ROLE_PASSWORD)
    with pytest.raises(ValidationError, match="password"):
        clinic.inst.auth.break_glass(nurse, pid, "unconscious in waiting room", "wrong password")
    grant = clinic.inst.auth.break_glass(nurse, pid, "unconscious in waiting room", ROLE_PASSWORD)
    assert grant.expires_at - clinic.clock() == permissions.BREAK_GLASS_DURATION
    assert [n.text for n in clinic.inst.patients.notes(nurse, pid)] == ["Psych history"]
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    notes_view = [e for e in events if e.entry_point == "PatientService.notes"][-1]
    assert notes_view.emergency and notes_view.username == "nurse"
    # The grant covers one patient only, and ends by itself.
    other = clinic.inst.patients.register(
        clinic.sessions[Role.RECORDS],
        PATIENT,
        duplicates_reviewed=True,
        reason="a different person (checked)",
    ).id
    clinic.inst.patients.add_note(
        clinic.sessions[Role.PROVIDER], other, "Other psych", sensitive=True
    )
    assert clinic.inst.patients.notes(nurse, other) == []
    clinic.clock.advance(minutes=61)
    assert clinic.inst.patients.notes(nurse, pid) == []
    assert clinic.inst.auth.active_emergency_grants(nurse) == []


def test_roles_without_emergency_access_cannot_break_the_glass(clinic: Clinic) -> None:
    pid = clinic.inst.patients.register(clinic.sessions[Role.RECORDS], PATIENT).id
    with pytest.raises(PermissionDeniedError):
        clinic.inst.auth.break_glass(
            clinic.sessions[Role.FRONT_DESK], pid, "patient collapsed at desk", ROLE_PASSWORD
        )


def test_matrix_minimum_necessary() -> None:
    assert not permissions.allowed(Role.ADMIN, Action.VIEW, DataCategory.CLINICAL)
    assert not permissions.allowed(Role.CODER, Action.UPDATE, DataCategory.CLINICAL)
    assert permissions.allowed(Role.CODER, Action.UPDATE, DataCategory.CODING)
    assert permissions.allowed(Role.RECORDS, Action.EXPORT, DataCategory.SENSITIVE)
    assert not permissions.allowed(Role.NURSE, Action.VIEW, DataCategory.SENSITIVE)
    for role in Role:
        assert permissions.allowed(role, Action.LOGIN, DataCategory.SESSION)
    # Records from another system are imported by the records specialist alone.
    importers = {
        r for r in Role if permissions.allowed(r, Action.CREATE, DataCategory.RECORD_IMPORT)
    }
    assert importers == {Role.RECORDS}


def test_two_workstations_cannot_silently_overwrite_each_other(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    p = clinic.inst.patients.register(records, PATIENT)
    changed = PatientInput("Rivera", "Ana Maria", PATIENT.birth_date, "female")
    clinic.inst.patients.update(records, p.id, changed, expected_version=p.version)
    from medrec_desktop.domain.errors import ConflictError

    with pytest.raises(ConflictError, match="Someone else changed"):
        clinic.inst.patients.update(records, p.id, PATIENT, expected_version=p.version)
    assert clinic.inst.patients.get(records, p.id).given_names == "Ana Maria"
