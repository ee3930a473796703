"""Encrypted copies of the local database and checks that a file is sound (DESIGN §4)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine, inspect, text

from medrec_desktop.db.errors import BACKUP_FULL, backup_target_error, backup_target_errors
from medrec_desktop.domain.errors import BackupError

Progress = Callable[[int, int], None]

DAMAGED_ADVICE = (
    "The database file is damaged. Nothing was changed. "
    "Restore the latest backup with 'medrec restore' or contact support."
)


# Beyond the copy itself, SQLite needs room for a journal and shared-memory file while it
# finishes the copy; a folder with less free space than this over the copy's size is full.
ROOM_MARGIN = 1 << 20


def copy_database(engine: Engine, key: bytes, dest: Path, progress: Progress | None = None) -> None:
    """Copy the open database into ``dest`` with SQLite's online backup API.

    The copy is encrypted with the same key as the source and is created owner-only. A copy
    that cannot be finished is removed; a full or unwritable destination is a BackupError.
    """
    size = database_bytes(engine)
    with backup_target_errors():
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    try:
        _copy_into(engine, key, dest, progress)
    except BaseException as err:
        for leftover in (dest, *(Path(f"{dest}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)  # half a copy is no backup
        if isinstance(err, (OSError, sqlcipher.Error)):
            known = backup_target_error(err)
            # A full disk does not always come back as "full": when it strikes while SQLite
            # switches the copy's journal it reports a bare "disk I/O error". A folder that
            # cannot hold the copy explains the failure; a damaged source would not.
            if known is None and not has_room(dest.parent, size):
                known = BackupError(BACKUP_FULL)
            if known is not None:
                raise known from err
        raise


def database_bytes(engine: Engine) -> int:
    """The open local database's size (pages in use times page size)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        raw.close()
    return pages * page_size


def has_room(folder: Path, size: int) -> bool:
    """Whether ``folder``'s disk has room for a file of ``size`` bytes while SQLite writes it."""
    try:
        return shutil.disk_usage(folder).free >= size + ROOM_MARGIN
    except OSError:
        return True  # cannot tell: let the original error speak


def _copy_into(engine: Engine, key: bytes, dest: Path, progress: Progress | None) -> None:
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


@contextmanager
def checking_connection(engine: Engine) -> Iterator[Any]:
    """A driver connection of its own for read-only checks of a local file, then discarded.

    Once an SQLCipher connection has read a page that fails its MAC, every later read on it
    fails too ("database disk image is malformed"), even of sound pages and even after a
    rollback. So checks that may meet damage never run on the caller's connection (its
    transaction must still write the audit event) and their connection never goes back to the
    pool. The statements run without BEGIN (one read transaction each), so they take no write
    lock and do not wait for the caller's; the caller holds that lock (BEGIN IMMEDIATE), so
    nothing changes while they run and they see exactly what the caller sees.
    """
    raw = engine.raw_connection()
    try:
        yield raw.driver_connection
    finally:
        raw.invalidate()  # closes the driver connection; the pool opens a fresh one later
        raw.close()


def _check(engine: Engine, pragma: str) -> tuple[list[tuple[Any, ...]], str | None]:
    """Run one check on a connection of its own: the rows it gave, and the driver error that
    stopped it (None if it ran to the end). Rows given before an error are kept."""
    rows: list[tuple[Any, ...]] = []
    with checking_connection(engine) as conn:
        try:
            for row in conn.execute(pragma):
                rows.append(tuple(row))
        except sqlcipher.Error as err:
            return rows, str(err)
    return rows, None


def sqlite_integrity_problems(conn: Connection) -> list[str]:
    """Problems found by SQLCipher's page MAC check and SQLite's integrity and FK checks.

    Each check runs on a connection of its own (see :func:`checking_connection`) and reports
    what it found even if a later one cannot run, so damage is named page by page. ``conn`` is
    the caller's connection, inside the transaction that holds the write lock.
    """
    engine = conn.engine
    problems: list[str] = []
    pages, stopped = _check(engine, "PRAGMA cipher_integrity_check")
    problems.extend(f"encrypted page check: {row[0]}" for row in pages)
    if stopped is not None:
        problems.append(f"encrypted page check could not finish: {stopped}")
    if pages:
        # SQLite reads nothing past a page that fails its MAC (see checking_connection), so
        # its own checks would only repeat the damage as errors on every other page.
        problems.append(
            "integrity and foreign-key checks not run: they cannot read past a damaged page"
        )
    else:
        rows, stopped = _check(engine, "PRAGMA integrity_check")
        lines = [line for row in rows for line in str(row[0]).splitlines()]
        if lines != ["ok"]:
            problems.extend(f"integrity check: {line}" for line in lines[:20] if line != "ok")
        if stopped is not None:
            problems.append(f"integrity check could not finish: {stopped}")
        fk, stopped = _check(engine, "PRAGMA foreign_key_check")
        if fk:
            problems.append(f"{len(fk)} rows point to records that do not exist")
        if stopped is not None:
            problems.append(f"foreign-key check could not finish: {stopped}")
    if problems:
        problems.append(DAMAGED_ADVICE)
    return problems


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table. On a local file the counting uses a connection of its own (it may meet
    damage, see :func:`checking_connection`); a table that cannot be read is left out (the
    integrity checks name the damage)."""
    names = sorted(inspect(conn).get_table_names())
    # Table names come from the schema itself, not from input.
    if conn.dialect.name != "sqlite":
        return {
            n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in names
        }
    counts: dict[str, int] = {}
    pending = list(names)
    while pending:
        with checking_connection(conn.engine) as own:
            try:
                while pending:
                    counts[pending[0]] = int(
                        own.execute(f'SELECT count(*) FROM "{pending[0]}"').fetchone()[0]
                    )
                    pending.pop(0)
            except sqlcipher.Error:
                pending.pop(0)  # unreadable; the rest are counted on a fresh connection
    return counts
