"""Faults users meet with the local database file, and what they are told.

Each unusable file is refused with a KnownError in plain words and left byte-for-byte as it
was; damage and audit tampering done behind the program's back are reported by the real
`medrec` command line, with exit code 1 and no traceback.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import event

from medrec_desktop.db.engine import PAGE_SIZE, sqlcipher_engine
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import (
    DatabaseFileError,
    DatabaseLockedError,
    DiskFullError,
    KnownError,
    ReadOnlyLocationError,
    SchemaTooNewError,
    WrongKeyError,
)
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.audit_chain import FIELDS, event_mac
from medrec_desktop.security.keyslots import load_keyfile, unlock_with_secret
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic, make_clinic
from tests.support.clock import FakeClock

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_key(paths: DataPaths) -> bytes:
    """The real database key, unwrapped from the key file as the program does."""
    return unlock_with_secret(load_keyfile(paths.keys), "passphrase", PASSPHRASE).material.db_key


@contextmanager
def raw_db(paths: DataPaths) -> Iterator[Any]:
    """The database file opened with the real key, behind the program's back."""
    conn = sqlcipher.connect(str(paths.database), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{db_key(paths).hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        yield conn
    finally:
        conn.close()


def open_local(paths: DataPaths, **kwargs: Any) -> Installation:
    return Installation.open(paths, Unlock(passphrase=PASSPHRASE), **kwargs)


def refused(paths: DataPaths, error: type[KnownError], *words: str, **kwargs: Any) -> str:
    """Opening fails with ``error`` naming ``words``, and the database file is unchanged."""
    before = sha256(paths.database) if paths.database.exists() else None
    with pytest.raises(error) as info:
        inst = open_local(paths, **kwargs)
        inst.close()  # only reached when the test is about to fail
    message = info.value.message
    for word in words:
        assert word.lower() in message.lower(), message
    assert "sqlcipher" not in message.lower() and "sqlite_master" not in message.lower()
    after = sha256(paths.database) if paths.database.exists() else None
    assert after == before, "the refused database file was modified"
    return message


@pytest.fixture
def closed(local_clinic: Clinic) -> Clinic:
    """A clinic with a patient, a note and a real audit trail, its database closed."""
    provider = local_clinic.sessions[Role.PROVIDER]
    patient = local_clinic.inst.patients.register(
        provider, PatientInput("Okafor", "Chidi", dt.date(1980, 3, 4), "male", "555 010 2000")
    )
    local_clinic.inst.patients.add_note(provider, patient.id, "Seen for a follow-up.")
    local_clinic.inst.close()
    assert not Path(f"{local_clinic.paths.database}-wal").exists()
    return local_clinic


CLI_ENV = {
    "MEDREC_PASSPHRASE": PASSPHRASE,
    "MEDREC_PASSWORD": ADMIN_PASSWORD,
    # No OS keyring, wherever the test runs: this installation unlocks with its passphrase.
    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
}


def run_cli(
    paths: DataPaths, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")}
    env.update(CLI_ENV)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "medrec_desktop.cli", "--data-dir", str(paths.root)]
        + ["--user", "admin", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- keys


def test_key_file_of_another_database_is_refused(closed: Clinic, tmp_path: Path) -> None:
    other = make_clinic(tmp_path / "other", "sqlcipher", FakeClock())
    other.inst.close()
    shutil.copyfile(other.paths.keys, closed.paths.keys)  # same passphrase, other key material
    refused(closed.paths, DatabaseFileError, "decrypted", "key file", "nothing was changed")


def test_wrong_raw_key_is_refused_when_the_engine_is_made(closed: Clinic) -> None:
    before = sha256(closed.paths.database)
    with pytest.raises(WrongKeyError, match="could not be decrypted"):
        sqlcipher_engine(closed.paths.database, os.urandom(32))
    assert sha256(closed.paths.database) == before


def test_wrong_passphrase_is_refused(closed: Clinic) -> None:
    before = sha256(closed.paths.database)
    with pytest.raises(WrongKeyError) as info:
        Installation.open(closed.paths, Unlock(passphrase="not the pass phrase"))
    assert "passphrase is not correct" in info.value.message
    assert sha256(closed.paths.database) == before


# ---------------------------------------------------------------- unusable files


def test_zero_byte_file_is_refused(closed: Clinic) -> None:
    closed.paths.database.write_bytes(b"")
    refused(closed.paths, DatabaseFileError, "empty", "medrec restore")


def test_file_cut_mid_page_is_refused(closed: Clinic) -> None:
    data = closed.paths.database.read_bytes()
    closed.paths.database.write_bytes(data[: len(data) // 2 + 1000])
    refused(closed.paths, DatabaseFileError, "incomplete", "cut short", "medrec restore")


@pytest.mark.parametrize("keep", ["first page", "half", "all but the last page"])
def test_file_cut_at_a_page_boundary_is_refused(closed: Clinic, keep: str) -> None:
    data = closed.paths.database.read_bytes()
    pages = len(data) // PAGE_SIZE
    assert pages > 4
    kept = {"first page": 1, "half": pages // 2, "all but the last page": pages - 1}[keep]
    closed.paths.database.write_bytes(data[: kept * PAGE_SIZE])
    refused(closed.paths, DatabaseFileError, "damaged", "medrec restore")


def test_random_bytes_are_refused(closed: Clinic) -> None:
    size = closed.paths.database.stat().st_size
    closed.paths.database.write_bytes(os.urandom(size))
    refused(closed.paths, DatabaseFileError, "cannot be decrypted", "damaged", "nothing")


def test_plain_sqlite_file_is_refused(closed: Clinic) -> None:
    closed.paths.database.unlink()
    plain = sqlite3.connect(closed.paths.database)
    plain.execute("CREATE TABLE patient (name TEXT)")
    plain.execute("INSERT INTO patient VALUES ('someone')")
    plain.commit()
    plain.close()
    refused(closed.paths, DatabaseFileError, "unencrypted", "not a medrec database", "left")


def test_database_from_a_newer_version_is_refused(closed: Clinic) -> None:
    with raw_db(closed.paths) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    refused(closed.paths, SchemaTooNewError, "newer version", "nothing was changed")


# ---------------------------------------------------------------- the environment


def _drop_file_permission_override() -> None:
    """Runs in the child before exec: without these capabilities root obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


OPEN_IN_CHILD = """
import json, sys
from pathlib import Path
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
try:
    inst = Installation.open(DataPaths(Path(sys.argv[1])), Unlock(passphrase=sys.argv[2]))
    inst.close()
    print(json.dumps({"opened": True}))
except KnownError as err:
    print(json.dumps({"error": type(err).__name__, "message": err.message}))
"""


@pytest.mark.parametrize("files_too", [False, True], ids=["folder", "folder-and-files"])
def test_read_only_data_folder_is_refused(closed: Clinic, files_too: bool) -> None:
    # Tests may run as root, and root ignores file modes (CAP_DAC_OVERRIDE): a chmod alone
    # would prove nothing. So the open runs in a child process that, when we are root, drops
    # the capabilities that override file modes from its bounding set before exec'ing Python;
    # after exec it is still uid 0, owns the files, and is refused writes exactly as the
    # owner of a read-only folder is. (A non-root runner needs no help: chmod binds it.)
    root = closed.paths.root
    before = sha256(closed.paths.database)
    listing = sorted(p.name for p in root.iterdir())
    if files_too:
        for p in root.iterdir():
            if p.is_file():
                p.chmod(0o444)
    root.chmod(0o555)
    try:
        result = subprocess.run(
            [sys.executable, "-c", OPEN_IN_CHILD, str(root), PASSPHRASE],
            preexec_fn=_drop_file_permission_override if os.geteuid() == 0 else None,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        root.chmod(0o700)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome.get("error") == ReadOnlyLocationError.__name__, outcome
    message = outcome["message"].lower()
    assert "read-only" in message and "permission" in message and "nothing was changed" in message
    assert sha256(closed.paths.database) == before
    assert sorted(p.name for p in root.iterdir()) == listing


def test_locked_database_is_refused_after_the_busy_timeout(closed: Clinic) -> None:
    before = sha256(closed.paths.database)
    with raw_db(closed.paths) as other:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(DatabaseLockedError) as info:
            inst = open_local(closed.paths, busy_timeout=0.2)
            inst.close()
        other.execute("ROLLBACK")
    message = info.value.message.lower()
    assert "in use by another program" in message and "try again" in message
    assert sha256(closed.paths.database) == before
    # Once the other program lets go, everything is there.
    inst = open_local(closed.paths)
    inst.close()


def test_disk_full_saves_nothing_and_damages_nothing(local_clinic: Clinic) -> None:
    inst = local_clinic.inst
    provider = local_clinic.sessions[Role.PROVIDER]
    patient = inst.patients.register(
        provider, PatientInput("Okafor", "Chidi", dt.date(1980, 3, 4), "male")
    )
    inst.patients.add_note(provider, patient.id, "First visit.")
    engine = inst.store.engine
    engine.dispose()

    # SQLite's own size limit gives SQLITE_FULL, the same result code a full disk gives
    # (ENOSPC), on every platform and without privileges: cap the file at its current size.
    @event.listens_for(engine, "connect")
    def _cap_size(dbapi_conn: Any, _record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()
    before = sha256(local_clinic.paths.database)

    letter = "Scanned referral letter, transcribed. " * 8000  # about 300 KB: needs new pages
    with pytest.raises(DiskFullError) as info:
        inst.patients.add_note(provider, patient.id, letter)
    message = info.value.message.lower()
    assert "full" in message and "nothing was saved" in message and "free some space" in message
    inst.close()
    assert sha256(local_clinic.paths.database) == before

    inst = local_clinic.reopen()
    notes = inst.patients.notes(inst.auth.login("provider", "role password 1234"), patient.id)
    assert [n.text for n in notes] == ["First visit."]
    assert inst.audit.verify(local_clinic.admin).ok


# ---------------------------------------------------------------- damage found by `medrec verify`


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ 0x5A]))


def test_intact_database_verifies(closed: Clinic) -> None:
    result = run_cli(closed.paths, "verify")
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout.lower()


@pytest.mark.parametrize("page", ["first", "second", "middle", "last"])
def test_one_flipped_byte_is_reported_by_verify(local_clinic: Clinic, page: str) -> None:
    # Enough notes that most pages hold clinical text that opening and signing in never read:
    # only verification's own checks can find damage there.
    provider = local_clinic.sessions[Role.PROVIDER]
    patient = local_clinic.inst.patients.register(
        provider, PatientInput("Okafor", "Chidi", dt.date(1980, 3, 4), "male")
    )
    path = local_clinic.paths.database
    before = pages_in_file(local_clinic)
    for number in range(40):
        local_clinic.inst.patients.add_note(provider, patient.id, f"Visit {number}. " * 250)
    local_clinic.inst.close()
    pages = path.stat().st_size // PAGE_SIZE
    assert pages - before > 25
    # "middle": the middle of the pages the notes were written to (grown at the file's end),
    # never a page of the schema or the accounts that opening reads.
    middle = (before + pages) // 2
    number = {"first": 1, "second": 2, "middle": middle, "last": pages}[page]
    _flip(path, (number - 1) * PAGE_SIZE + PAGE_SIZE // 2)
    result = run_cli(local_clinic.paths, "verify")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out
    assert "damaged" in out.lower() and "medrec restore" in out, out
    if page in ("middle", "last"):  # the file opens: verification names the damaged page
        assert f"HMAC verification failed for page {number}" in out, out


def pages_in_file(c: Clinic) -> int:
    """The file's pages with everything in the write-ahead log put into it (closing the
    installation checkpoints it); the clinic is open again afterwards."""
    c.inst.close()
    pages = c.paths.database.stat().st_size // PAGE_SIZE
    c.reopen()
    return pages


# ---------------------------------------------------------------- audit tampering


Tamper = Callable[[Any, int], int]


def _drop_guards(conn: Any) -> None:
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("DROP TRIGGER audit_event_no_delete")


def _row(conn: Any, seq: int) -> list[Any]:
    cols = ", ".join(FIELDS)
    row = conn.execute(f"SELECT {cols}, mac FROM audit_event WHERE seq = ?", (seq,)).fetchone()
    return list(row)


def edit_a_row(conn: Any, last: int) -> int:
    conn.execute("UPDATE audit_event SET username = 'somebody else' WHERE seq = 5")
    return 5


def delete_a_middle_row(conn: Any, last: int) -> int:
    conn.execute("DELETE FROM audit_event WHERE seq = 6")
    return 6


def insert_a_forged_row_in_the_middle(conn: Any, last: int) -> int:
    # Make room at #7 and chain a forged event onto #6; without the audit key its MAC cannot
    # be right (the forger has the database key only).
    conn.execute("UPDATE audit_event SET seq = -seq WHERE seq >= 7")
    conn.execute("UPDATE audit_event SET seq = 1 - seq WHERE seq < 0")
    values = _row(conn, 6)
    values[0] = 7
    values[10] = "forged"
    values[-1] = event_mac(os.urandom(32), values[-1], tuple(values[:-1]))
    marks = ", ".join("?" * len(values))
    conn.execute(f"INSERT INTO audit_event ({', '.join(FIELDS)}, mac) VALUES ({marks})", values)
    return 7


def append_a_forged_row(conn: Any, last: int) -> int:
    values = _row(conn, last)
    values[0] = last + 1
    values[10] = "forged"
    values[-1] = event_mac(os.urandom(32), values[-1], tuple(values[:-1]))
    marks = ", ".join("?" * len(values))
    conn.execute(f"INSERT INTO audit_event ({', '.join(FIELDS)}, mac) VALUES ({marks})", values)
    return last + 1


def swap_two_rows(conn: Any, last: int) -> int:
    a, b = _row(conn, 4), _row(conn, 8)
    names = [*FIELDS[1:], "mac"]
    assignments = ", ".join(f"{n} = ?" for n in names)
    conn.execute(f"UPDATE audit_event SET {assignments} WHERE seq = 4", b[1:])
    conn.execute(f"UPDATE audit_event SET {assignments} WHERE seq = 8", a[1:])
    return 4


def delete_the_newest_rows(conn: Any, last: int) -> int:
    conn.execute("DELETE FROM audit_event WHERE seq > ?", (last - 3,))
    return last - 2


@pytest.mark.parametrize(
    "tamper",
    [
        edit_a_row,
        delete_a_middle_row,
        insert_a_forged_row_in_the_middle,
        append_a_forged_row,
        swap_two_rows,
        delete_the_newest_rows,
    ],
)
def test_audit_tampering_is_named_by_audit_verify(closed: Clinic, tamper: Tamper) -> None:
    with raw_db(closed.paths) as conn:
        last = conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
        assert last >= 12
        _drop_guards(conn)
        conn.execute("BEGIN")
        first_bad = tamper(conn, last)
        conn.execute("COMMIT")
    result = run_cli(closed.paths, "audit", "verify")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    assert "TAMPERED" in result.stdout
    assert f"at event #{first_bad}:" in result.stdout, result.stdout


def test_untouched_audit_trail_verifies(closed: Clinic) -> None:
    result = run_cli(closed.paths, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout
