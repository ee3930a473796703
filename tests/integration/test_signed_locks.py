"""The database itself locks signed notes (schema 0012): raw SQL through our own engine cannot
change or delete a signed encounter, the vitals, tests and procedures recorded in it, or any
addendum; a merge still moves them; `verify` names a lock that was removed or defanged
(SQLCipher and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.vitals import VitalsInput
from tests.conftest import Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient, sign_with_addendum

REFUSED = "signed notes are locked|addenda are append-only"
STAMP = "2026-11-20T09:00:00.000000Z"


@dataclass(frozen=True)
class Visit:
    patient_id: PatientId
    encounter_id: int
    entries: dict[str, int]  # table -> row recorded in the visit


def _raw_entry(c: Clinic, table: str, patient_id: int, encounter_id: int | None) -> int:
    """A test or procedure row written directly (their services belong to other modules)."""
    content = {
        "lab_test": {"name": "Potassium", "collected_at": STAMP, "results": "[]"},
        "procedure": {"description": "Wound dressing", "performed_at": STAMP},
    }[table]
    values = {
        "patient_id": patient_id,
        "version": 1,
        "status": "active",
        "created_by": 1,
        "created_at": STAMP,
        "changed_by": 1,
        "changed_at": STAMP,
        "encounter_id": encounter_id,
        **content,
    }
    names = ", ".join(values)
    marks = ", ".join(f":{n}" for n in values)
    with c.insider() as insider, insider.begin() as conn:
        conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)
        return int(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())


def _signed_visit(c: Clinic, patient_id: PatientId | None = None) -> Visit:
    """A signed visit with vitals, a test and a procedure recorded in it, and an addendum."""
    provider = c.sessions[Role.PROVIDER]
    pid = patient_id if patient_id is not None else new_patient(c)
    visit = c.inst.encounters.add(provider, pid, SAMPLE_INPUTS["encounter"])
    vitals = replace(SAMPLE_INPUTS["vitals"], encounter_id=visit.id)
    assert isinstance(vitals, VitalsInput)
    entries = {
        "vitals": c.inst.vitals.add(provider, pid, vitals).id,
        "lab_test": _raw_entry(c, "lab_test", pid, visit.id),
        "procedure": _raw_entry(c, "procedure", pid, visit.id),
    }
    sign_with_addendum(c, visit.id, visit.version)
    return Visit(pid, visit.id, entries)


def _refused(c: Clinic, sql: str, **params: object) -> None:
    with pytest.raises(SADatabaseError, match=REFUSED):
        with c.insider() as insider, insider.begin() as conn:
            conn.execute(text(sql), params)


def _allowed(c: Clinic, sql: str, **params: object) -> None:
    with c.insider() as insider, insider.begin() as conn:
        conn.execute(text(sql), params)


def test_raw_sql_cannot_change_a_signed_note_or_what_was_recorded_in_it(clinic: Clinic) -> None:
    visit = _signed_visit(clinic)
    eid = visit.encounter_id
    for sql in (
        "UPDATE encounter SET plan = 'rewritten' WHERE id = :id",
        "UPDATE encounter SET signed_at = NULL, signed_by = NULL WHERE id = :id",
        "UPDATE encounter SET status = 'entered-in-error', version = version + 1 WHERE id = :id",
        "UPDATE encounter SET patient_id = patient_id, plan = 'x', reason = 'x' WHERE id = :id",
        "DELETE FROM encounter WHERE id = :id",
    ):
        _refused(clinic, sql, id=eid)
    for table, row_id in visit.entries.items():
        for sql in (
            f"UPDATE {table} SET status = 'entered-in-error' WHERE id = :id",
            f"UPDATE {table} SET encounter_id = NULL WHERE id = :id",
            f"DELETE FROM {table} WHERE id = :id",
        ):
            _refused(clinic, sql, id=row_id)
        # Nothing new is recorded in it, not even by moving a row into it.
        loose = (
            _raw_entry(clinic, table, visit.patient_id, None)
            if table != "vitals"
            else clinic.inst.vitals.add(
                clinic.sessions[Role.NURSE], visit.patient_id, SAMPLE_INPUTS["vitals"]
            ).id
        )
        _refused(clinic, f"UPDATE {table} SET encounter_id = :e WHERE id = :id", e=eid, id=loose)
        if table != "vitals":
            with pytest.raises(SADatabaseError, match=REFUSED):
                _raw_entry(clinic, table, visit.patient_id, eid)
    _refused(clinic, "UPDATE encounter_addendum SET text = 'rewritten'")
    _refused(clinic, "DELETE FROM encounter_addendum")
    if clinic.backend == "postgresql":
        for table in ("vitals", "lab_test", "procedure", "encounter_addendum"):
            _refused(clinic, f"TRUNCATE {table}")
    # Everything is as it was signed.
    detail = clinic.inst.encounters.detail(clinic.sessions[Role.PROVIDER], eid)
    assert (detail.locked, detail.item.version, len(detail.addenda)) == (True, 2, 1)
    assert [v.item_id for v in detail.vitals] == [visit.entries["vitals"]]
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


def test_unsigned_notes_and_entries_outside_signed_notes_stay_editable(clinic: Clinic) -> None:
    visit = _signed_visit(clinic)
    draft = clinic.inst.encounters.add(
        clinic.sessions[Role.PROVIDER], visit.patient_id, SAMPLE_INPUTS["encounter"]
    )
    _allowed(clinic, "UPDATE encounter SET plan = 'more' WHERE id = :id", id=draft.id)
    loose = _raw_entry(clinic, "lab_test", visit.patient_id, draft.id)
    _allowed(clinic, "UPDATE lab_test SET notes = 'hemolysed' WHERE id = :id", id=loose)
    _allowed(clinic, "UPDATE lab_test SET encounter_id = NULL WHERE id = :id", id=loose)
    # Setting the patient it already has moves nothing: allowed on the signed note too (a move
    # to another patient is a merge's alone: test_lock_hardening.py).
    _allowed(
        clinic,
        "UPDATE encounter SET patient_id = :p WHERE id = :id",
        p=visit.patient_id,
        id=visit.encounter_id,
    )


def test_a_merge_moves_a_signed_note_with_its_entries_and_addenda(clinic: Clinic) -> None:
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    keep, gone = new_patient(clinic), new_patient(clinic)
    visit = _signed_visit(clinic, gone)
    before = clinic.inst.encounters.detail(provider, visit.encounter_id)
    history = clinic.inst.encounters.history(provider, visit.encounter_id)
    clinic.inst.patients.merge(records, keep, gone, reason="registered twice")
    after = clinic.inst.encounters.detail(provider, visit.encounter_id)
    assert after.item.patient_id == keep
    assert replace(after, item=before.item) == before  # addenda, entries: all as they were
    assert clinic.inst.encounters.history(provider, visit.encounter_id) == history
    with clinic.insider() as insider, insider.connect() as conn:
        for table, row_id in [*visit.entries.items(), ("encounter_addendum", after.addenda[0].id)]:
            moved = conn.execute(
                text(f"SELECT patient_id FROM {table} WHERE id = :id"), {"id": row_id}
            ).scalar_one()
            assert moved == keep, table
    assert [r.id for r in clinic.inst.encounters.list_for_patient(provider, keep).rows] == [
        visit.encounter_id
    ]


def test_verify_names_a_removed_or_defanged_lock(clinic: Clinic) -> None:
    if clinic.backend == "postgresql":
        tampering = [
            "DROP TRIGGER lab_test_signed_lock ON lab_test",
            "ALTER TABLE encounter DISABLE TRIGGER encounter_signed_no_update",
            # Same name, same trigger, but the function no longer refuses anything.
            "CREATE OR REPLACE FUNCTION encounter_addendum_refuse() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        ]
        named = [
            "lab_test_signed_lock",
            "encounter_signed_no_update",
            "encounter_addendum_no_change",
            "encounter_addendum_no_truncate",
        ]
    else:
        tampering = [
            "DROP TRIGGER vitals_signed_no_delete",
            # Same name, but it never fires.
            "DROP TRIGGER encounter_signed_no_update",
            "CREATE TRIGGER encounter_signed_no_update BEFORE UPDATE OF plan ON encounter "
            "WHEN 0 BEGIN SELECT RAISE(ABORT, 'signed notes are locked'); END",
        ]
        named = ["vitals_signed_no_delete", "encounter_signed_no_update"]
    with clinic.insider() as insider, insider.begin() as conn:
        for sql in tampering:
            conn.exec_driver_sql(sql)
    report = clinic.inst.maintenance.verify_database(clinic.admin)
    assert not report.ok
    [problem] = [p for p in report.problems if "signed notes" in p]
    assert all(name in problem for name in named), problem
    assert "procedure_signed" not in problem  # the intact ones are not named
