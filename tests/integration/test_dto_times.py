"""Instants in DTOs are tz-aware UTC datetimes (stored in UTC, shown in local time)."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic


def _utc(value: object, expected: dt.datetime) -> None:
    assert isinstance(value, dt.datetime)
    assert value.utcoffset() == dt.timedelta(0)
    assert value == expected


def test_dto_timestamps_are_utc_datetimes(clinic: Clinic) -> None:
    now = clinic.clock.now
    nurse = clinic.sessions[Role.NURSE]
    info = clinic.inst.patients.register(
        nurse, PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male")
    )
    assert type(info.birth_date) is dt.date  # a date of birth is a date, not an instant
    note = clinic.inst.patients.add_note(nurse, info.id, "Seen today")
    _utc(note.created_at, now)
    _utc(clinic.inst.patients.notes(nurse, info.id)[0].created_at, now)
    _utc(clinic.inst.patients.history(nurse, info.id)[0].changed_at, now)
    for user in clinic.inst.users.list_users(clinic.admin):
        _utc(user.created_at, now)
    for event in clinic.inst.audit.events(clinic.admin, AuditFilter()):
        _utc(event.ts, now)
