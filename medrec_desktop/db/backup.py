"""Encrypted copies of the local database and checks that a file is sound (DESIGN §4)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine, inspect, text

Progress = Callable[[int, int], None]


def copy_database(engine: Engine, key: bytes, dest: Path, progress: Progress | None = None) -> None:
    """Copy the open database into ``dest`` with SQLite's online backup API.

    The copy is encrypted with the same key as the source and is created owner-only.
    """
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    target = sqlcipher.connect(str(dest), isolation_level=None)
    try:
        target.execute("PRAGMA cipher_log_level = NONE")
        target.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert source is not None

            def step(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            source.backup(target, pages=256, progress=step)
        finally:
            raw.close()
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        target.close()


def rekey_file(path: Path, old_key: bytes, new_key: bytes) -> None:
    """Re-encrypt a closed database file under ``new_key`` (PRAGMA rekey)."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def sqlite_integrity_problems(conn: Connection) -> list[str]:
    """Problems found by SQLCipher's page MAC check and SQLite's integrity and FK checks."""
    # Runs on the caller's connection: a second one would wait for its write lock.
    problems = [
        f"encrypted page check: {row[0]}"
        for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check")
    ]
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if rows != ["ok"]:
        problems.extend(f"integrity check: {r}" for r in rows[:20])
    fk = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
    if fk:
        problems.append(f"{len(fk)} rows point to records that do not exist")
    return problems


def row_counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    # Table names come from the schema itself, not from input.
    return {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in names}

