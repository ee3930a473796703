"""The locks on signed notes against the holes a review found (schema 0013), each attack
performed with raw SQL on SQLCipher and PostgreSQL, and on SQLCipher also from an insider's own
SQL shell on the file:

- SQLite's REPLACE (``INSERT OR REPLACE``, ``UPDATE OR REPLACE``) deletes the row it replaces
  without firing a DELETE trigger: it must not rewrite a signed note, an entry recorded in it,
  an addendum or a clinical item version under its id;
- a problem's label reaches a procedure in a signed note (the lock protects content);
- a signed note, a locked entry or an addendum moves to another patient only in a merge.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from medrec_desktop.db import migrate, row_identity, signed_locks
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.models import Base
from medrec_desktop.services.chart_kinds import LABELLED_LIKE_PROBLEM
from medrec_desktop.services.signed_lock_guards import model_columns
from tests.conftest import Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient, sign_with_addendum
from tests.integration.test_faults import raw_db
from tests.integration.test_signed_locks import Visit, _allowed, _raw_entry, _signed_visit

REFUSED = (
    "signed notes are locked|addenda are append-only|clinical item versions are append-only|"
    + row_identity.KEEPS_ID
)
VERSIONS = "clinical_item_version"
FORGED = "'forged'"


def _refused(c: Clinic, sql: str, **params: object) -> None:
    with pytest.raises(SADatabaseError, match=REFUSED):
        with c.insider() as insider, insider.begin() as conn:
            conn.execute(text(sql), params)


def _copy_of_row(verb: str, table: str, **changes: str) -> str:
    """``<verb> INTO table`` of row ``:id`` as it stands but for ``changes`` (column ->
    expression; ``None`` leaves the column out, so the row gets a new id)."""
    columns = [c.name for c in Base.metadata.tables[table].columns]
    kept = [c for c in columns if changes.get(c, c) != "None"]
    values = ", ".join(changes.get(c, c) for c in kept)
    return f"{verb} INTO {table} ({', '.join(kept)}) SELECT {values} FROM {table} WHERE id = :id"


def _targets(c: Clinic, visit: Visit) -> dict[str, tuple[int, dict[str, str]]]:
    """Each locked table -> (a locked row's id, a content column -> its forged value)."""
    with c.insider() as insider, insider.connect() as conn:
        addendum = conn.execute(
            text("SELECT id FROM encounter_addendum WHERE encounter_id = :e"),
            {"e": visit.encounter_id},
        ).scalar_one()
        version = conn.execute(
            text(
                f"SELECT id FROM {VERSIONS} WHERE item_type = 'encounter' AND item_id = :e "
                "AND version = 2"
            ),
            {"e": visit.encounter_id},
        ).scalar_one()
    return {
        "encounter": (visit.encounter_id, {"plan": FORGED}),
        "vitals": (visit.entries["vitals"], {"systolic": "190"}),
        "lab_test": (visit.entries["lab_test"], {"notes": FORGED}),
        "procedure": (visit.entries["procedure"], {"outcome": FORGED}),
        "encounter_addendum": (addendum, {"text": FORGED}),
        VERSIONS: (version, {"data_json": FORGED}),
    }


def _as_signed(c: Clinic, visit: Visit) -> object:
    """What the signed note shows, with its history and its entries."""
    provider = c.sessions[Role.PROVIDER]
    return (
        c.inst.encounters.detail(provider, visit.encounter_id),
        c.inst.encounters.history(provider, visit.encounter_id),
        c.inst.vitals.get(provider, visit.entries["vitals"]),
    )


# ---------------------------------------------------------------- 1. replaced or renumbered


def test_a_locked_row_is_never_replaced_under_its_id(clinic: Clinic) -> None:
    visit = _signed_visit(clinic)
    before = _as_signed(clinic, visit)
    targets = _targets(clinic, visit)
    for table, (row_id, forged) in targets.items():
        if clinic.backend == "sqlcipher":
            for verb in ("REPLACE", "INSERT OR REPLACE"):
                _refused(clinic, _copy_of_row(verb, table, **forged), id=row_id)
        # An upsert on the id: an UPDATE in disguise, on both databases.
        [column] = forged
        upsert = _copy_of_row("INSERT", table, **forged)
        _refused(
            clinic,
            f"{upsert} ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column}",
            id=row_id,
        )
    if clinic.backend == "sqlcipher":
        # The version table's other key: a new row (new id) with the same item and version.
        new_row = _copy_of_row("REPLACE", VERSIONS, id="None", data_json="'{}'")
        _refused(clinic, new_row, id=targets[VERSIONS][0])
    assert _as_signed(clinic, visit) == before
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


def test_a_row_never_takes_a_locked_rows_id_nor_changes_its_own(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    visit = _signed_visit(clinic)
    before = _as_signed(clinic, visit)
    targets = _targets(clinic, visit)
    # Unlocked rows of the same kinds, whose id could be changed to a locked row's.
    draft = clinic.inst.encounters.add(provider, visit.patient_id, SAMPLE_INPUTS["encounter"])
    loose = {
        "encounter": draft.id,
        "vitals": clinic.inst.vitals.add(provider, visit.patient_id, SAMPLE_INPUTS["vitals"]).id,
        "lab_test": _raw_entry(clinic, "lab_test", visit.patient_id, draft.id),
        "procedure": _raw_entry(clinic, "procedure", visit.patient_id, None),
    }
    for table, row_id in loose.items():
        locked_id = targets[table][0]
        if clinic.backend == "sqlcipher":
            # SQLite would delete the locked row in the way, firing no DELETE trigger.
            _refused(
                clinic,
                f"UPDATE OR REPLACE {table} SET id = :to WHERE id = :id",
                to=locked_id,
                id=row_id,
            )
        _refused(clinic, f"UPDATE {table} SET id = id + 1000 WHERE id = :id", id=row_id)
    for table in ("encounter_addendum", VERSIONS):
        verb = "UPDATE OR REPLACE" if clinic.backend == "sqlcipher" else "UPDATE"
        _refused(clinic, f"{verb} {table} SET id = id + 1000 WHERE id = :id", id=targets[table][0])
    assert _as_signed(clinic, visit) == before
    # The unlocked rows stay editable otherwise.
    _allowed(clinic, "UPDATE encounter SET plan = 'more' WHERE id = :id", id=draft.id)
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


def test_an_insiders_sql_shell_cannot_replace_a_signed_note(local_clinic: Clinic) -> None:
    visit = _signed_visit(local_clinic)
    provider = local_clinic.sessions[Role.PROVIDER]
    draft = local_clinic.inst.encounters.add(
        provider, visit.patient_id, SAMPLE_INPUTS["encounter"]
    ).id
    before = _as_signed(local_clinic, visit)
    targets = _targets(local_clinic, visit)
    with raw_db(local_clinic.paths) as conn:
        # The shell's defaults: REPLACE's own delete fires no DELETE trigger.
        assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
        for table, (row_id, forged) in targets.items():
            for verb in ("REPLACE", "INSERT OR REPLACE"):
                with pytest.raises(sqlcipher.Error, match=row_identity.KEEPS_ID):
                    conn.execute(_copy_of_row(verb, table, **forged).replace(":id", "?"), (row_id,))
        # An unsigned note given the signed one's id (the signed one would be deleted).
        with pytest.raises(sqlcipher.Error, match=row_identity.KEEPS_ID):
            conn.execute(
                "UPDATE OR REPLACE encounter SET id = ? WHERE id = ?", (visit.encounter_id, draft)
            )
    assert _as_signed(local_clinic, visit) == before
    assert local_clinic.inst.maintenance.verify_database(local_clinic.admin).ok
    # Without its guard the same statement rewrites the signed note (the hole was real), and
    # the check names the guard that is gone.
    with raw_db(local_clinic.paths) as conn:
        conn.execute("DROP TRIGGER encounter_no_replace")
        conn.execute(
            _copy_of_row("REPLACE", "encounter", plan=FORGED).replace(":id", "?"),
            (visit.encounter_id,),
        )
    assert local_clinic.inst.encounters.get(provider, visit.encounter_id).data.plan == "forged"
    report = local_clinic.inst.maintenance.verify_database(local_clinic.admin)
    [problem] = [p for p in report.problems if "replace" in p]
    assert "encounter_no_replace" in problem and "vitals" not in problem, problem


def test_verify_names_a_removed_or_defanged_identity_guard(clinic: Clinic) -> None:
    if clinic.backend == "postgresql":
        tampering = [
            "DROP TRIGGER encounter_keeps_id ON encounter",
            "ALTER TABLE vitals DISABLE TRIGGER vitals_keeps_id",
            # Same trigger, but its function no longer refuses anything.
            "CREATE OR REPLACE FUNCTION record_keeps_id_refuse() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        ]
        named = [f"{t}_keeps_id" for t in row_identity.TABLES]
    else:
        tampering = [
            "DROP TRIGGER encounter_no_replace",
            "DROP TRIGGER clinical_item_version_no_replace",
            # Same name, but it never fires.
            "DROP TRIGGER vitals_keeps_id",
            "CREATE TRIGGER vitals_keeps_id BEFORE UPDATE OF id ON vitals WHEN 0 "
            f"BEGIN SELECT RAISE(ABORT, '{row_identity.KEEPS_ID}'); END",
        ]
        named = ["encounter_no_replace", "clinical_item_version_no_replace", "vitals_keeps_id"]
    with clinic.insider() as insider, insider.begin() as conn:
        for sql in tampering:
            conn.exec_driver_sql(sql)
    report = clinic.inst.maintenance.verify_database(clinic.admin)
    assert not report.ok
    [problem] = [p for p in report.problems if "replace or renumber" in p]
    assert all(name in problem for name in named), problem
    if clinic.backend == "sqlcipher":
        assert "procedure_" not in problem  # the intact ones are not named


# ---------------------------------------------------------------- 2. labels pass, content stays


def test_a_problem_is_labelled_though_its_procedure_is_in_a_signed_note(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    problem = clinic.inst.problems.add(provider, pid, ProblemInput(description="Alcohol use"))
    visit = clinic.inst.encounters.add(provider, pid, SAMPLE_INPUTS["encounter"])
    typed = SAMPLE_INPUTS["procedure"]
    assert isinstance(typed, ProcedureInput)
    proc = clinic.inst.procedures.add(
        nurse, pid, replace(typed, problem_id=problem.id, encounter_id=visit.id)
    )
    med = clinic.inst.medications.add(
        provider, pid, MedicationInput(name="Naltrexone", indication_problem_id=problem.id)
    )
    sign_with_addendum(clinic, visit.id, visit.version)
    clinic.inst.problems.update(
        provider,
        problem.id,
        ProblemInput(description="Alcohol use", sensitivity=Sensitivity.SUBSTANCE_USE),
        expected_version=1,
    )
    stored = clinic.inst.procedures.get(provider, proc.id)
    assert (stored.sensitivity, stored.version, stored.reason) == (
        Sensitivity.SUBSTANCE_USE,
        2,
        LABELLED_LIKE_PROBLEM,
    )
    assert stored.data == proc.data  # the content as it was signed
    # Its new version changes the label alone.
    latest = clinic.inst.procedures.history(provider, proc.id)[-1]
    assert latest.version == 2
    assert [c.field for c in latest.changes] == ["sensitivity"]
    assert clinic.inst.medications.get(provider, med.id).sensitivity is Sensitivity.SUBSTANCE_USE
    # The content, and the status (entered in error), stay locked.
    for sql in (
        "UPDATE procedure SET outcome = 'forged' WHERE id = :id",
        "UPDATE procedure SET status = 'entered-in-error', version = version + 1 WHERE id = :id",
    ):
        _refused(clinic, sql, id=proc.id)
    # The same goes for the note itself: its label may change, not its text.
    _allowed(
        clinic,
        "UPDATE encounter SET sensitivity = 'substance-use', version = version + 1, "
        "reason = 'labelled' WHERE id = :id",
        id=visit.id,
    )
    _refused(
        clinic, "UPDATE encounter SET plan = 'forged', reason = 'x' WHERE id = :id", id=visit.id
    )
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


# ---------------------------------------------------------------- 3. moved only by a merge


def test_a_locked_row_moves_to_another_patient_only_in_a_merge(clinic: Clinic) -> None:
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    visit = _signed_visit(clinic)
    before = _as_signed(clinic, visit)
    stranger = new_patient(clinic)
    rows = {table: row_id for table, (row_id, _) in _targets(clinic, visit).items()}
    del rows[VERSIONS]  # names no patient
    for table, row_id in rows.items():
        _refused(
            clinic, f"UPDATE {table} SET patient_id = :p WHERE id = :id", p=stranger, id=row_id
        )
    assert _as_signed(clinic, visit) == before
    # Merged into the stranger's record (registered twice, say): they all move with it.
    clinic.inst.patients.merge(records, stranger, visit.patient_id, reason="registered twice")
    with clinic.insider() as insider, insider.connect() as conn:
        for table, row_id in rows.items():
            moved = conn.execute(
                text(f"SELECT patient_id FROM {table} WHERE id = :id"), {"id": row_id}
            ).scalar_one()
            assert moved == stranger, table
    assert clinic.inst.encounters.detail(provider, visit.encounter_id).item.patient_id == stranger
    # From the kept record they go nowhere else: it was merged into no one.
    elsewhere = new_patient(clinic)
    for table, row_id in rows.items():
        _refused(
            clinic, f"UPDATE {table} SET patient_id = :p WHERE id = :id", p=elsewhere, id=row_id
        )
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok


# ---------------------------------------------------------------- the upgrade


def _as_0012_left_it(c: Clinic) -> None:
    """Put back the triggers the first 0012 installed: every column but patient_id locked, no
    guard on moves, none against REPLACE or renumbering."""
    postgres = c.backend == "postgresql"
    columns = model_columns()
    if postgres:
        lock = {n: t.definition for n, t in signed_locks.pg_triggers(columns).items()}
        guards = {n: t.definition for n, t in row_identity.pg_triggers().items()}
    else:
        lock, guards = signed_locks.sqlite_triggers(columns), row_identity.sqlite_triggers()
    with c.insider() as insider, insider.begin() as conn:
        for name, definition in (lock | guards).items():
            table = _table_of(definition)
            conn.exec_driver_sql(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            for fn in (
                *row_identity.PG_FUNCTIONS,
                *(f for f in signed_locks.PG_FUNCTIONS if "move" in f),
            ):
                conn.exec_driver_sql(f"DROP FUNCTION {fn}()")
        for name, definition in lock.items():
            if name.endswith("_no_move"):
                continue
            table = _table_of(definition)
            now = signed_locks.locked_columns(columns[table], table)
            then = ", ".join(sorted(c for c in columns[table] if c != "patient_id"))
            conn.exec_driver_sql(definition.replace(f"OF {now} ON", f"OF {then} ON"))
        # Schemas 0014 (documents), 0015 (inbox), 0016-0018 (coding workflow, release), 0019
        # (the FHIR import log), 0020 (search text) and 0021 (workstations) came later: a
        # database at 0012 has none of them.
        if postgres:
            for fn in (
                "medrec_enrollment_salt(text)",
                "medrec_claim_enrollment(text, bytea, bytea)",
                "medrec_enrollment_payload(text, bytea, bytea)",
            ):
                conn.exec_driver_sql(f"DROP FUNCTION {fn}")
        for table in (
            "enrollment",
            "workstation",
            "patient_search_text",
            "fhir_import_log",
            "disclosure_patient",
            "disclosure",
            "coder_query",
            "encounter_coding",
        ):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        if postgres:
            conn.exec_driver_sql("DROP FUNCTION disclosure_append_only()")
            conn.exec_driver_sql("DROP FUNCTION fhir_import_log_append_only()")
        conn.exec_driver_sql("DROP INDEX ix_encounter_signed_starts")
        for index in ("ix_encounter_worklist", "ix_encounter_provider_worklist"):  # schema 0017
            conn.exec_driver_sql(f"DROP INDEX {index}")
        conn.exec_driver_sql("DROP TABLE inbox_item")
        conn.exec_driver_sql("DROP TABLE cover_sheet")
        if postgres:
            conn.exec_driver_sql("DROP FUNCTION inbox_item_kept()")
        conn.exec_driver_sql("DROP TABLE document")
        conn.exec_driver_sql("DROP TABLE document_blob")
        if postgres:
            conn.exec_driver_sql("DROP FUNCTION document_blob_locked()")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0012'")


def _table_of(definition: str) -> str:
    found = re.search(r" ON (\w+) ", definition)
    assert found is not None
    return found.group(1)


def test_the_upgrade_hardens_the_locks_of_a_database_at_0012(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    visit = _signed_visit(clinic)
    stranger = new_patient(clinic)
    _as_0012_left_it(clinic)
    before = clinic.inst.maintenance.verify_database(clinic.admin)
    assert not before.ok and any("encounter_signed_no_move" in p for p in before.problems)
    # The holes are open at 0012: a bookkeeping column is refused, a move is not.
    _refused(clinic, "UPDATE encounter SET reason = 'x' WHERE id = :id", id=visit.encounter_id)
    _allowed(
        clinic,
        "UPDATE vitals SET patient_id = :p WHERE id = :id",
        p=stranger,
        id=visit.entries["vitals"],
    )
    _allowed(
        clinic,
        "UPDATE vitals SET patient_id = :p WHERE id = :id",
        p=visit.patient_id,
        id=visit.entries["vitals"],
    )
    with clinic.insider() as insider:  # on a server, upgrades are the owner's
        migrate.upgrade(insider)
    assert migrate.current_revision(clinic.inst.store.engine) == migrate.head_revision()
    assert clinic.inst.maintenance.verify_database(clinic.admin).ok
    _allowed(clinic, "UPDATE encounter SET reason = 'x' WHERE id = :id", id=visit.encounter_id)
    _refused(
        clinic,
        "UPDATE vitals SET patient_id = :p WHERE id = :id",
        p=stranger,
        id=visit.entries["vitals"],
    )
    _refused(clinic, "UPDATE encounter SET id = id + 1000 WHERE id = :id", id=visit.encounter_id)
    assert clinic.inst.encounters.detail(provider, visit.encounter_id).locked
