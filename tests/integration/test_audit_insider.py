"""The audit trail against an insider, with the tools an insider has (issue: foundation hardening).

Each test performs the attack: the database key (or the workstation passphrase) and an SQL
shell on the file, a copy of an older file put back, the whole chain recomputed with today's
workstation secrets. Each shows the attack detected or refused, by the real program.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import (
    AccountLockedError,
    AuditTamperedError,
    AuthenticationError,
    KnownError,
    WrongKeyError,
)
from medrec_desktop.security import audit_mark
from medrec_desktop.security.audit_chain import FIELDS, event_mac, fs_event_mac, head_mac
from medrec_desktop.security.audit_root import unwrap_root
from medrec_desktop.security.keyslots import load_keyfile, unlock_with_secret
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import RECOVERY_HOLDER, Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic
from tests.integration.test_faults import open_local, raw_db, run_cli

PATIENT = PatientInput("Okafor", "Chidi", dt.date(1980, 3, 4), "male", "555 010 2000")


def _drop_guards(conn: Any) -> None:
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("DROP TRIGGER audit_event_no_delete")


def _restore_guards(conn: Any) -> None:
    """A careful insider puts the guards back so only the chain can tell."""
    conn.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    )
    conn.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    )


def _work(c: Clinic, notes: int = 3) -> None:
    provider = c.sessions[Role.PROVIDER]
    patient = c.inst.patients.register(provider, PATIENT)
    for n in range(notes):
        c.inst.patients.add_note(provider, patient.id, f"Follow-up {n}.")


def _last(conn: Any) -> int:
    return int(conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0])


# ---------------------------------------------------------------- 1. the head moved back


def test_head_moved_back_stops_recording_and_is_named(local_clinic: Clinic) -> None:
    _work(local_clinic)
    inst = local_clinic.inst
    inst.current_mark()  # the mark has caught up with the trail
    # While the app runs, with the database key only: cut the newest events and move the head
    # back onto the new last event (its seal cannot be recomputed without the audit key).
    with raw_db(local_clinic.paths) as conn:
        last = _last(conn)
        _drop_guards(conn)
        conn.execute("DELETE FROM audit_event WHERE seq > ?", (last - 3,))
        seq, mac = conn.execute(
            "SELECT seq, mac FROM audit_event WHERE seq = ?", (last - 3,)
        ).fetchone()
        conn.execute("UPDATE audit_head SET seq = ?, mac = ? WHERE id = 1", (seq, mac))
        _restore_guards(conn)
    with inst.store.engine.connect() as c:
        before = c.exec_driver_sql("SELECT count(*) FROM audit_event").scalar()
    # The next event would have re-sealed the forged head; nothing is written instead, and the
    # change it would have recorded is not saved either.
    with pytest.raises(AuditTamperedError, match="head record was altered"):
        inst.patients.register(
            local_clinic.sessions[Role.RECORDS],
            PatientInput("Nakamura", "Aiko", dt.date(1991, 7, 2), "female", "555 010 3000"),
        )
    with inst.store.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM audit_event").scalar() == before
        assert c.exec_driver_sql("SELECT count(*) FROM patient").scalar() == 1
    inst.close()
    # Opened again, the trail is also short of the mark kept outside the database.
    inst = open_local(local_clinic.paths)
    try:
        with pytest.raises(AuditTamperedError, match="rolled back or cut"):
            inst.auth.login("admin", ADMIN_PASSWORD)
    finally:
        inst.close()
    result = run_cli(local_clinic.paths, "audit", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TAMPERED" in result.stdout and "Traceback" not in result.stderr
    assert "tampered" in result.stderr  # why nothing could be recorded


# ---------------------------------------------------------------- 2. an emptied trail


def test_wiped_trail_fails_both_checks(local_clinic: Clinic) -> None:
    local_clinic.inst.close()
    with raw_db(local_clinic.paths) as conn:
        _drop_guards(conn)
        conn.execute("DELETE FROM audit_event")
        conn.execute("DELETE FROM audit_head")
        _restore_guards(conn)
    for command in (("audit", "verify"), ("verify",)):
        result = run_cli(local_clinic.paths, *command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "TAMPERED" in result.stdout, result.stdout
        assert "Traceback" not in result.stderr


def test_trail_restarted_without_this_installations_genesis_fails(local_clinic: Clinic) -> None:
    inst = local_clinic.inst
    key = inst.keyring.material.audit_key
    inst.close()
    with raw_db(local_clinic.paths) as conn:
        # Someone with both keys replaces the trail with a fresh, self-consistent one.
        _drop_guards(conn)
        conn.execute("DELETE FROM audit_event")
        values = [
            1,
            "2026-11-01T08:00:00.000000Z",
            None,
            "",
            "ws",
            None,
            "audit",
            "admin",
            "success",
            "nothing.here",
            None,
            False,
            None,
        ]
        mac = event_mac(key, "0" * 64, tuple(values))
        marks = ", ".join("?" * (len(FIELDS) + 1))
        conn.execute(
            f"INSERT INTO audit_event ({', '.join(FIELDS)}, mac) VALUES ({marks})", [*values, mac]
        )
        conn.execute(
            "UPDATE audit_head SET seq = 1, mac = ?, head_mac = ?, fs_key = NULL",
            (mac, head_mac(key, 1, mac)),
        )
        _restore_guards(conn)
    result = run_cli(local_clinic.paths, "audit", "verify")
    assert result.returncode == 1
    assert "genesis" in result.stdout, result.stdout


@pytest.mark.parametrize("how", ["removed", "defanged"])
def test_removed_or_defanged_guards_fail_verification(clinic: Clinic, how: str) -> None:
    with clinic.insider() as insider, insider.begin() as conn:
        if clinic.backend == "postgresql" and how == "removed":
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
        elif clinic.backend == "postgresql":
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            )
        elif how == "removed":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:  # same name, refuses nothing
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN 0 "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )
    report = clinic.inst.audit.verify(clinic.admin)
    assert not report.ok
    assert "no longer refuses changes" in report.summary


# ---------------------------------------------------------------- 3. rollback


def test_older_copy_of_the_file_put_back_is_detected(local_clinic: Clinic, tmp_path: Path) -> None:
    paths = local_clinic.paths
    local_clinic.inst.close()
    old = tmp_path / "old.db"
    shutil.copyfile(paths.database, old)  # no key needed to copy a file
    inst = local_clinic.reopen()
    _work(local_clinic)
    inst.close()
    shutil.copyfile(old, paths.database)
    for command in (("audit", "verify"), ("verify",)):
        result = run_cli(paths, *command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "rolled back" in result.stdout, result.stdout


def test_rollback_of_file_and_key_file_is_caught_against_a_backup_kept_elsewhere(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    paths = local_clinic.paths
    local_clinic.inst.close()
    old_db, old_keys = tmp_path / "old.db", tmp_path / "old.keys"
    shutil.copyfile(paths.database, old_db)
    shutil.copyfile(paths.keys, old_keys)
    inst = local_clinic.reopen()
    _work(local_clinic)
    backup = inst.backup(local_clinic.admin, tmp_path / "offsite.medrec-backup")
    inst.close()
    # Both files in the data folder rolled back together: consistent with each other.
    shutil.copyfile(old_db, paths.database)
    shutil.copyfile(old_keys, paths.keys)
    assert run_cli(paths, "audit", "verify").returncode == 0  # what the folder alone says
    result = run_cli(paths, "audit", "verify", "--against", str(backup))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rolled back" in result.stdout


def test_printed_mark_catches_a_rollback(local_clinic: Clinic, tmp_path: Path) -> None:
    paths = local_clinic.paths
    local_clinic.inst.close()
    old_db, old_keys = tmp_path / "old.db", tmp_path / "old.keys"
    shutil.copyfile(paths.database, old_db)
    shutil.copyfile(paths.keys, old_keys)
    local_clinic.reopen()
    _work(local_clinic)
    local_clinic.inst.close()
    printed = run_cli(paths, "audit", "verify")
    assert printed.returncode == 0
    mark_line = next(x for x in printed.stdout.splitlines() if x.startswith("High-water mark:"))
    seq, link = mark_line.split(": ", 1)[1].split(":")
    shutil.copyfile(old_db, paths.database)
    shutil.copyfile(old_keys, paths.keys)
    result = run_cli(paths, "audit", "verify", "--against", f"{seq}:{link[:20]}")
    assert result.returncode == 1
    assert "rolled back" in result.stdout


def test_legitimate_restore_records_the_trail_it_replaced(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    inst = local_clinic.inst
    older = inst.backup(local_clinic.admin, tmp_path / "older.medrec-backup")
    _work(local_clinic)
    newer = inst.backup(local_clinic.admin, tmp_path / "newer.medrec-backup")
    replaced = inst.current_mark()
    assert replaced is not None
    inst.close()
    restored = Installation.restore(
        local_clinic.paths,
        older,
        Unlock(passphrase=PASSPHRASE),
        username="admin",
        password=ADMIN_PASSWORD,
    )
    try:
        admin = restored.auth.login("admin", ADMIN_PASSWORD)
        report = restored.audit.verify(admin)
        assert report.ok, report.summary  # the mark moved to the restored trail, legitimately
        events = restored.audit.events(admin, AuditFilter(action="admin"))
        done = [e for e in events if e.detail and e.detail.startswith("restore: done")]
        # The trail it replaced had reached at least as far as before the restore began.
        recorded = re.search(r"replaced trail at #(\d+) link ([0-9a-f]{64})", done[-1].detail or "")
        assert recorded and int(recorded.group(1)) >= replaced.seq
        # A backup of the replaced trail is accounted for by that record, not "rolled back".
        against_newer = restored.verify_audit(admin, against=[newer])
        assert against_newer.ok, against_newer.summary
        assert "replaced" in against_newer.summary
    finally:
        restored.close()


# ---------------------------------------------------------------- 4. custody


def _rewrite_history(c: Clinic, seq_to_edit: int) -> None:
    """With the workstation passphrase: edit an old event, recompute every later chain MAC,
    re-seal the head and the key file's mark. Forward-secure MACs are recomputed with the only
    forward-secure key the workstation holds (the head's)."""
    kr = unlock_with_secret(load_keyfile(c.paths.keys), "passphrase", PASSPHRASE)
    key = kr.material.audit_key
    install_id = kr.keyfile.install_id
    with raw_db(c.paths) as conn:
        _drop_guards(conn)
        cols = ", ".join(FIELDS)
        rows = [list(r) for r in conn.execute(f"SELECT {cols}, mac FROM audit_event ORDER BY seq")]
        fs_key_hex = conn.execute("SELECT fs_key FROM audit_head").fetchone()[0]
        fs_key = bytes.fromhex(fs_key_hex)
        rows[seq_to_edit - 1][3] = "somebody else"
        prev = rows[seq_to_edit - 2][-1]
        for row in rows[seq_to_edit - 1 :]:
            values = [*row[:11], bool(row[11]), row[12]]
            mac = event_mac(key, prev, tuple(values))
            conn.execute(
                "UPDATE audit_event SET username = ?, mac = ?, fs_mac = ? WHERE seq = ?",
                (row[3], mac, fs_event_mac(fs_key, mac), row[0]),
            )
            prev = mac
        last = rows[-1][0]
        conn.execute(
            "UPDATE audit_head SET mac = ?, head_mac = ? WHERE id = 1",
            (prev, head_mac(key, last, prev, fs_key_hex)),
        )
        _restore_guards(conn)
    audit_mark.write_into_keyfile(
        c.paths.keys, audit_mark.seal(key, install_id, last, prev), force=True
    )


def test_history_rewritten_with_workstation_secrets_is_caught_by_the_administrator(
    local_clinic: Clinic,
) -> None:
    _work(local_clinic)
    local_clinic.inst.close()
    _rewrite_history(local_clinic, 5)
    # What the workstation can check alone does not see it (the README says so) ...
    plain = run_cli(local_clinic.paths, "audit", "verify")
    assert plain.returncode == 0, plain.stdout
    # ... the administrator's verification, from the audit root key, does.
    recovery = {"MEDREC_RECOVERY_KEY": local_clinic.recovery_key}
    for extra, env in ((["--full"], {}), (["--recovery"], recovery)):
        result = run_cli_env(local_clinic.paths, env, "audit", "verify", *extra)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "at event #5" in result.stdout and "forward-secure" in result.stdout


def test_untouched_trail_passes_the_full_verification(clinic: Clinic) -> None:
    _work(clinic)
    report = clinic.inst.verify_audit(clinic.admin, password=ADMIN_PASSWORD)
    assert report.ok and report.full, report.summary
    report = clinic.inst.verify_audit(clinic.admin, recovery_key=clinic.recovery_key)
    assert report.ok and report.full, report.summary


def test_workstation_secrets_do_not_open_the_audit_root(local_clinic: Clinic) -> None:
    keyfile = load_keyfile(local_clinic.paths.keys)
    assert keyfile.audit_root is not None
    with pytest.raises(WrongKeyError):
        unwrap_root(keyfile.audit_root, PASSPHRASE)
    doc = json.loads(local_clinic.paths.keys.read_text())
    assert "audit_mark" in doc and doc["audit_mark"]["seq"] >= 1


def test_root_key_follows_the_administrators_password(clinic: Clinic) -> None:
    new = "another long password 42"
    clinic.inst.auth.change_password(clinic.admin, ADMIN_PASSWORD, new)
    report = clinic.inst.verify_audit(clinic.admin, password=new)
    assert report.ok and report.full, report.summary


# ---------------------------------------------------------------- 9. key operations recorded


def test_key_operations_are_recorded_with_who_and_what(local_clinic: Clinic) -> None:
    inst = local_clinic.inst
    admin = local_clinic.admin
    inst.set_passphrase(admin, "a brand new workstation phrase")
    new_key = inst.new_recovery_key(admin, ADMIN_PASSWORD)
    inst.rekey(admin)
    inst = local_clinic.reopen(Unlock(recovery_key=new_key))
    inst.recover_here(None, PASSPHRASE)
    admin = inst.auth.login("admin", ADMIN_PASSWORD)
    details = [
        (e.username, e.detail or "") for e in inst.audit.events(admin, AuditFilter(action="admin"))
    ]
    assert ("admin", "keys: workstation passphrase slot replaced") in details
    assert any(
        u == "admin" and d.startswith("keys: recovery key replaced") and "holds the audit root" in d
        for u, d in details
    )
    assert ("admin", "rekey: done; database key replaced, every key slot kept") in details
    assert (
        RECOVERY_HOLDER,
        "keys recover: unlocked with the recovery key; workstation passphrase slot set",
    ) in details
    # The new recovery key holds the audit root: a full verification works with it.
    assert inst.verify_audit(admin, recovery_key=new_key).full


def run_cli_env(paths: Any, env: dict[str, str], *args: str) -> Any:
    """``run_cli`` with extra environment (e.g. the recovery key)."""
    return run_cli(paths, *args, env_extra=env)


def test_unrecorded_administrator_checks_are_throttled(local_clinic: Clinic) -> None:
    """Breaking the trail on purpose must not open unlimited, unrecorded password guessing."""
    inst = local_clinic.inst
    with raw_db(local_clinic.paths) as conn:
        conn.execute("UPDATE audit_head SET head_mac = 'x' WHERE id = 1")
    with pytest.raises(AuditTamperedError):
        inst.auth.login("admin", ADMIN_PASSWORD)
    refusals: list[type[Exception]] = []
    for _ in range(4):
        with pytest.raises((AuthenticationError, AccountLockedError)) as info:
            inst.verify_audit_unrecorded("admin", "a wrong guess entirely")
        refusals.append(type(info.value))
    assert AccountLockedError in refusals  # paused like a sign-in
    with pytest.raises(AccountLockedError):  # even the right password waits now
        inst.verify_audit_unrecorded("admin", ADMIN_PASSWORD)
    local_clinic.clock.advance(hours=1)
    report = inst.verify_audit_unrecorded("admin", ADMIN_PASSWORD)
    assert not report.ok and "head record was altered" in report.summary


def test_restore_refuses_while_another_window_has_the_file_open(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    """Work done in a window still open on the replaced file would land in the old trail."""
    out = local_clinic.inst.backup(local_clinic.admin, tmp_path / "b.medrec-backup")
    other = open_local(local_clinic.paths)  # another window on the same database
    before = local_clinic.paths.database.read_bytes()
    local_clinic.inst.close()
    try:
        with pytest.raises(KnownError, match="open in another window"):
            Installation.restore(
                local_clinic.paths,
                out,
                Unlock(passphrase=PASSPHRASE),
                username="admin",
                password=ADMIN_PASSWORD,
            )
        assert local_clinic.paths.database.read_bytes() == before
    finally:
        other.close()
    local_clinic.inst = Installation.restore(
        local_clinic.paths,
        out,
        Unlock(passphrase=PASSPHRASE),
        username="admin",
        password=ADMIN_PASSWORD,
    )
