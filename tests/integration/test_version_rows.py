"""Version rows cannot be changed: the database refuses it (triggers, checked by `verify`),
no service path tries, and the ORM version counter refuses a stale save from another
session (SQLCipher and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.models import ClinicalItemVersion, Problem
from medrec_desktop.services.installation import Installation, Unlock
from tests.conftest import PASSPHRASE, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient, services

_CHANGES_VERSIONS = re.compile(
    r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE|DROP|ALTER)\b[^;]*?\bclinical_item_version\b",
    re.IGNORECASE,
)


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_database_refuses_to_change_or_delete_a_version_row(clinic: Clinic) -> None:
    """An insider with our own engine and raw SQL: UPDATE and DELETE are refused."""
    nurse = clinic.sessions[Role.NURSE]
    added = clinic.inst.problems.add(nurse, new_patient(clinic), ProblemInput(description="Gout"))
    attacks = [
        "UPDATE clinical_item_version SET data_json = '{}', reason = 'rewritten'",
        f"UPDATE clinical_item_version SET version = 7 WHERE item_id = {added.id}",
        f"DELETE FROM clinical_item_version WHERE item_id = {added.id}",
        "DELETE FROM clinical_item_version",
    ]
    if clinic.backend == "postgresql":
        attacks.append("TRUNCATE clinical_item_version")
    for sql in attacks:
        with pytest.raises(SADatabaseError, match="clinical item versions are append-only"):
            with clinic.insider() as insider, insider.begin() as conn:
                conn.exec_driver_sql(sql)
    [kept] = clinic.inst.problems.history(nurse, added.id)
    assert kept.item == added
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


def test_verify_names_a_removed_or_defanged_version_guard(clinic: Clinic) -> None:
    if clinic.backend == "postgresql":
        tampering = [
            "DROP TRIGGER clinical_item_version_no_change ON clinical_item_version",
            "ALTER TABLE clinical_item_version DISABLE TRIGGER clinical_item_version_no_truncate",
        ]
        named = ["clinical_item_version_no_change", "clinical_item_version_no_truncate"]
    else:
        tampering = [
            "DROP TRIGGER clinical_item_version_no_delete",
            # Same name, but it never fires.
            "DROP TRIGGER clinical_item_version_no_update",
            "CREATE TRIGGER clinical_item_version_no_update BEFORE UPDATE ON "
            "clinical_item_version WHEN 0 BEGIN SELECT RAISE(ABORT, 'clinical item versions "
            "are append-only'); END",
        ]
        named = ["clinical_item_version_no_delete", "clinical_item_version_no_update"]
    with clinic.insider() as insider, insider.begin() as conn:
        for sql in tampering:
            conn.exec_driver_sql(sql)
    report = clinic.inst.maintenance.verify_database(clinic.admin)
    assert not report.ok
    [problem] = [p for p in report.problems if "clinical item versions" in p]
    assert all(name in problem for name in named), problem


def test_a_stale_update_from_another_session_changes_no_row(clinic: Clinic) -> None:
    """The ORM version counter under the service: a session that read version 1 cannot
    write over version 2 saved meanwhile by another workstation."""
    nurse = clinic.sessions[Role.NURSE]
    added = clinic.inst.problems.add(nurse, new_patient(clinic), ProblemInput(description="Gout"))
    other = Installation.open(clinic.paths, Unlock(passphrase=PASSPHRASE), clock=clinic.clock)
    try:
        with Session(clinic.inst.store.engine, expire_on_commit=False) as here:
            with here.begin():
                mine = here.get(Problem, added.id)
                assert mine is not None and mine.version == 1
            with Session(other.store.engine) as there, there.begin():
                theirs = there.get(Problem, added.id)
                assert theirs is not None
                theirs.chronic = True  # flushed at commit: version 2
            with here.begin():
                mine.description = "stale text"
                with pytest.raises(StaleDataError):
                    here.flush()
    finally:
        other.close()
    stored = clinic.inst.problems.get(nurse, added.id)
    assert (stored.version, stored.data.description, stored.data.chronic) == (2, "Gout", True)


def test_no_service_path_updates_or_deletes_a_version_row(clinic: Clinic) -> None:
    """Every entry point of every kind, and a merge, with every statement watched."""
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    keep, gone = new_patient(clinic), new_patient(clinic)
    with statements(clinic.inst.store.engine) as seen:
        for item_type, svc in services(clinic).items():
            typed = SAMPLE_INPUTS[item_type]
            for pid in (keep, gone):
                item = svc.add(provider, pid, typed)
                svc.list(provider, pid, include_inactive=True, include_entered_in_error=True)
                svc.get(provider, item.id)
                inactive = svc.update(
                    provider,
                    item.id,
                    replace(typed, status=ItemStatus.INACTIVE),
                    expected_version=item.version,
                    reason="no longer current",
                )
                again = svc.update(provider, item.id, typed, expected_version=inactive.version)
                unchanged = svc.update(provider, item.id, typed, expected_version=again.version)
                assert unchanged.version == again.version == 3
                svc.history(provider, item.id)
                svc.mark_entered_in_error(
                    records, item.id, reason="wrong chart", expected_version=again.version
                )
        clinic.inst.patients.merge(records, keep, gone, reason="registered twice")
        clinic.inst.allergies.add(provider, keep, SAMPLE_INPUTS["allergy"])
    written = [s for s in seen if re.match(r"^\s*INSERT INTO clinical_item_version", s, re.I)]
    # Four versions per item (a save that changes nothing makes none), one last allergy.
    assert len(written) == 4 * len(SAMPLE_INPUTS) * 2 + 1  # the listener saw every save
    assert [s for s in seen if _CHANGES_VERSIONS.search(s)] == []
    # Sanity check of the pattern itself.
    assert _CHANGES_VERSIONS.search("update clinical_item_version set x = 1")
    assert _CHANGES_VERSIONS.search(f"DELETE FROM {ClinicalItemVersion.__tablename__} WHERE 1")
