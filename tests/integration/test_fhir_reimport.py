"""Importing the same FHIR Bundle twice (issue 14): every import kept is logged with the
SHA-256 of the file (schema 0019, append-only); the preview lists earlier imports of the same
file; a second import into the same record (or one merged with it), or a second new patient
from it, is refused with nothing written unless the user says ``again``; a dry run logs
nothing. On both backends, read back through the services."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import psycopg
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import select
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.fhir_import import RepeatImportError
from medrec_desktop.models import FhirImportLog, User
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.integration.test_faults import raw_db
from tests.integration.test_fhir_import import (
    RECORD_COUNTS,
    SOURCE,
    TODAY,
    _last,
    register,
    rows,
)
from tests.support import pg
from tests.support.fhir_bundles import record_bundle, to_bytes

DATA = to_bytes(record_bundle())
ITEMS = sum(RECORD_COUNTS.values())
BY = "Test Records specialist"


def chart(c: Clinic, pid: PatientId) -> tuple[int, ...]:
    """How many items of each kind the chart holds, as its own services list them."""
    s = c.sessions[Role.RECORDS]
    inst = c.inst
    return (
        len(inst.problems.list(s, pid, include_inactive=True).items),
        len(inst.allergies.list(s, pid).items),
        len(inst.medications.list(s, pid).items),
        len(inst.immunizations.list(s, pid, include_inactive=True).items),
        len(inst.vitals.list(s, pid).items),
        len(inst.lab_tests.list(s, pid).items),
        len(inst.procedures.list(s, pid).items),
        len(inst.patients.notes(s, pid)),
    )


ONCE = (3, 1, 4, 1, 1, 2, 2, 1)
TWICE = tuple(2 * n for n in ONCE)


def logs(c: Clinic) -> list[FhirImportLog]:
    with c.inst.store.unit_of_work() as db:
        found = list(db.execute(select(FhirImportLog).order_by(FhirImportLog.id)).scalars())
        db.expunge_all()
        return found


def mrn(c: Clinic, pid: PatientId) -> str:
    return c.inst.patients.get(c.sessions[Role.RECORDS], pid).mrn


def test_a_second_import_into_the_same_record_is_refused_with_nothing_written(
    clinic: Clinic,
) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    assert clinic.inst.fhir_import.preview(records, DATA).earlier == ()
    clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, source=SOURCE)
    assert chart(clinic, pid) == ONCE

    # The log: the record, the file's SHA-256, the sender, who, when, how many items.
    [log] = logs(clinic)
    assert log.patient_id == pid and log.bundle_sha256 == hashlib.sha256(DATA).hexdigest()
    assert (log.source, log.item_count) == (SOURCE, ITEMS)
    assert log.imported_at == clinic.clock.now
    with clinic.inst.store.unit_of_work() as db:
        assert db.get(User, log.imported_by).display_name == BY  # type: ignore[union-attr]

    before = rows(clinic)
    with pytest.raises(RepeatImportError) as caught:
        clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, source="Another name")
    assert caught.value.field == "bundle"
    assert caught.value.message == (
        f"This same Bundle was imported into MRN {mrn(clinic, pid)} on {TODAY} by {BY}: "
        "importing it again would record every item twice. Nothing was imported."
    )
    assert "Baxter" not in caught.value.message  # no patient's name in an error
    assert rows(clinic) == before and chart(clinic, pid) == ONCE
    assert _last(clinic, "FhirImportService.commit").outcome != "success"
    # A dry run of it says the same (it checks everything an import would).
    with pytest.raises(RepeatImportError):
        clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, dry_run=True)
    assert rows(clinic) == before


def test_the_preview_lists_earlier_imports_of_the_same_file(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, source=SOURCE)
    p = clinic.inst.fhir_import.preview(records, DATA)
    [earlier] = p.earlier
    assert (earlier.patient_id, earlier.mrn, earlier.patient_name) == (
        pid, mrn(clinic, pid), "Baxter, Amy V.",
    )  # fmt: skip
    assert (earlier.imported_by, earlier.source, earlier.item_count) == (BY, SOURCE, ITEMS)
    assert earlier.day == TODAY and earlier.kept_mrn is None
    assert p.earlier_text == (
        f"This same Bundle was imported once already: into MRN {mrn(clinic, pid)} "
        f"(Baxter, Amy V.) on {TODAY} by {BY} ({ITEMS} items from {SOURCE}). Importing it "
        "again would record every item twice."
    )
    # The preview's event names the record it showed, and no name.
    detail = _last(clinic, "FhirImportService.preview").detail or ""
    assert f"1 patient: {pid}" in detail and "Baxter" not in detail
    # The same content written out differently is another file: not recognized.
    other = json.dumps(record_bundle()).encode()
    assert other != DATA
    assert clinic.inst.fhir_import.preview(records, other).earlier == ()


def test_again_imports_it_once_more(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    clinic.inst.fhir_import.commit(records, DATA, patient_id=pid)
    result = clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, again=True)
    assert result.patient.id == pid and dict(result.counts) == RECORD_COUNTS
    assert chart(clinic, pid) == TWICE
    assert [log.patient_id for log in logs(clinic)] == [pid, pid]
    p = clinic.inst.fhir_import.preview(records, DATA)
    assert len(p.earlier) == 2
    assert (p.earlier_text or "").startswith("This same Bundle was imported 2 times already")
    assert (_last(clinic, "FhirImportService.commit").detail or "").startswith(
        "FHIR import of a file imported before into an existing patient: "
    )


def test_again_on_a_file_never_imported_is_an_ordinary_import(clinic: Clinic) -> None:
    pid = register(clinic)
    clinic.inst.fhir_import.commit(clinic.sessions[Role.RECORDS], DATA, patient_id=pid, again=True)
    assert chart(clinic, pid) == ONCE and len(logs(clinic)) == 1
    assert (_last(clinic, "FhirImportService.commit").detail or "").startswith(
        "FHIR import into an existing patient: "
    )


def test_a_dry_run_logs_nothing(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    before = rows(clinic)
    result = clinic.inst.fhir_import.commit(records, DATA, patient_id=pid, dry_run=True)
    assert result.dry_run
    assert rows(clinic) == before and logs(clinic) == []
    assert clinic.inst.fhir_import.preview(records, DATA).earlier == ()
    # So the real import after it is no repeat.
    clinic.inst.fhir_import.commit(records, DATA, patient_id=pid)
    assert chart(clinic, pid) == ONCE and len(logs(clinic)) == 1


def test_a_record_merged_into_the_one_chosen_already_holds_it(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    keep = register(clinic)
    gone = clinic.inst.patients.register(
        records,
        PatientInput("Baxter", "Amy", dt.date(1987, 2, 20), "female", "555-555-5555"),
        duplicates_reviewed=True,
        reason="registered twice at the front desk",
    ).id
    clinic.inst.fhir_import.commit(records, DATA, patient_id=gone)
    clinic.inst.patients.merge(records, keep, gone, reason="registered twice at the front desk")
    assert chart(clinic, keep) == ONCE  # the imported items moved with the merge

    before = rows(clinic)
    with pytest.raises(RepeatImportError) as caught:
        clinic.inst.fhir_import.commit(records, DATA, patient_id=keep)
    assert caught.value.message.startswith(
        f"This same Bundle was imported into MRN {mrn(clinic, gone)} (since merged into MRN "
        f"{mrn(clinic, keep)}) on {TODAY} by {BY}: importing it again"
    )
    assert rows(clinic) == before and chart(clinic, keep) == ONCE
    # The preview says where it went and where that record is now.
    [earlier] = clinic.inst.fhir_import.preview(records, DATA).earlier
    assert (earlier.patient_id, earlier.kept_mrn) == (gone, mrn(clinic, keep))
    assert "since merged into MRN" in earlier.where
    # The log still names the record it went into (append-only).
    assert [log.patient_id for log in logs(clinic)] == [gone]
    clinic.inst.fhir_import.commit(records, DATA, patient_id=keep, again=True)
    assert chart(clinic, keep) == TWICE


def test_an_import_into_another_record_is_no_repeat(clinic: Clinic) -> None:
    """Another record with the same date of birth (two patients' files mixed up is the
    user's call: the preview says where the file went before)."""
    records = clinic.sessions[Role.RECORDS]
    first = register(clinic)
    second = clinic.inst.patients.register(
        records,
        PatientInput("Baxter", "Amy", dt.date(1987, 2, 20), "female"),
        duplicates_reviewed=True,
        reason="a different person: checked her ID",
    ).id
    clinic.inst.fhir_import.commit(records, DATA, patient_id=first)
    clinic.inst.fhir_import.commit(records, DATA, patient_id=second)
    assert chart(clinic, first) == chart(clinic, second) == ONCE
    assert [e.patient_id for e in clinic.inst.fhir_import.preview(records, DATA).earlier] == [
        second,
        first,
    ]


def test_a_new_patient_from_a_file_already_imported_is_refused(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    first = clinic.inst.fhir_import.commit(records, DATA, patient_id=None, source=SOURCE)
    p = clinic.inst.fhir_import.preview(records, DATA)
    assert [e.patient_id for e in p.earlier] == [first.patient.id]
    before = rows(clinic)
    with pytest.raises(RepeatImportError) as caught:
        clinic.inst.fhir_import.commit(records, DATA, patient_id=None, reason="a different person")
    assert caught.value.field == "bundle"
    assert caught.value.message == (
        f"This same Bundle was imported into MRN {first.patient.mrn} on {TODAY} by {BY}: "
        "registering a new patient from it would record the same person twice (import it "
        "into that record instead). Nothing was imported."
    )
    assert rows(clinic) == before
    # Again: a second patient (the likely duplicate still needs its reason).
    second = clinic.inst.fhir_import.commit(
        records, DATA, patient_id=None, reason="a different person: checked", again=True
    )
    assert second.new_patient and second.patient.id != first.patient.id
    assert rows(clinic)["patient"] == before["patient"] + 1


# ---------------------------------------------------------------- the insider

ATTACKS = (
    "UPDATE fhir_import_log SET bundle_sha256 = 'x'",
    "UPDATE fhir_import_log SET patient_id = patient_id + 1",
    "DELETE FROM fhir_import_log",
)


def test_an_insider_cannot_rewrite_or_remove_the_import_log(
    clinic: Clinic, request: pytest.FixtureRequest
) -> None:
    pid = register(clinic)
    clinic.inst.fhir_import.commit(clinic.sessions[Role.RECORDS], DATA, patient_id=pid)
    before = [(log.id, log.patient_id, log.bundle_sha256) for log in logs(clinic)]
    if clinic.backend == "postgresql":
        # The clinic's own database, as an insider with the owner's account would reach it
        # (the workstations' account may not even try: tests/integration/test_server_roles.py).
        url = make_url(pg.owner_of(clinic.server_url))
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for sql in (*ATTACKS, "TRUNCATE fhir_import_log"):
                with pytest.raises(psycopg.errors.RaiseException, match="never changed"):
                    conn.execute(sql)
    else:
        with raw_db(clinic.paths) as conn:
            for sql in (
                *ATTACKS,
                "INSERT OR REPLACE INTO fhir_import_log (id, patient_id, bundle_sha256, source,"
                " imported_at, imported_by, item_count) SELECT id, patient_id, 'x', source,"
                " imported_at, imported_by, item_count FROM fhir_import_log",
            ):
                with pytest.raises(sqlcipher.IntegrityError, match="never"):
                    conn.execute(sql)
    assert [(log.id, log.patient_id, log.bundle_sha256) for log in logs(clinic)] == before
    with pytest.raises(RepeatImportError):
        clinic.inst.fhir_import.commit(clinic.sessions[Role.RECORDS], DATA, patient_id=pid)
