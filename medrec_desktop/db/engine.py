"""Engines: SQLCipher 4 for the local file, PostgreSQL for a clinic server (DESIGN §4)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool

from medrec_desktop.db.errors import DAMAGED, NOT_A_DB, READ_ONLY, known_error_for
from medrec_desktop.db.server_tls import BAD_ADDRESS, server_target, tls_error
from medrec_desktop.domain.errors import (
    DatabaseFileError,
    KnownError,
    NoDatabaseError,
    ReadOnlyLocationError,
    ServerConnectionError,
    WrongKeyError,
)

PAGE_SIZE = 4096  # SQLCipher 4 default
SQLITE_MAGIC = b"SQLite format 3\x00"
KEY_BYTES = 32

# Applied after the key has been proven right, so a wrong-key or foreign file is never written.
#: the execution option that marks a connection's transaction as a read snapshot
READ_SNAPSHOT = "medrec_read_snapshot"

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA secure_delete = ON",
    "PRAGMA cipher_memory_security = ON",
    # 32 MiB of decrypted pages per connection (default 2 MiB): every cache miss is an AES
    # decryption and MAC check, and patient search reads the same index pages over and over.
    "PRAGMA cache_size = -32768",
)


def check_database_file(path: Path) -> None:
    """Refuse, without writing anything, files that cannot be a medrec database."""
    if not path.exists():
        raise NoDatabaseError(
            f"There is no medrec database in {path.parent}. "
            "Use 'medrec init' (or the setup wizard) to create one, "
            "or choose the right data folder."
        )
    if not path.is_file():
        raise DatabaseFileError(f"{path} is not a file.")
    size = path.stat().st_size
    if size == 0:
        raise DatabaseFileError(
            "The database file is empty (0 bytes), so it holds no records. It was left as it is. "
            "Restore the latest backup with 'medrec restore'."
        )
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        raise DatabaseFileError(
            "This is an unencrypted SQLite file, not a medrec database. It was left as it is."
        )
    if size % PAGE_SIZE:
        raise DatabaseFileError(
            "The database file is incomplete (its size is not a whole number of pages; "
            "it was probably cut short by a failed copy). It was left as it is. "
            "Restore the latest backup with 'medrec restore'."
        )


def sqlcipher_engine(
    path: Path, key: bytes, *, create: bool = False, busy_timeout: float = 5.0
) -> Engine:
    """An engine for the encrypted file at ``path``, keyed with the raw 256-bit ``key``.

    With ``create=False`` (the default) a missing or unusable file is a KnownError and is never
    created or modified.
    """
    if len(key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    if create:
        if path.exists() and path.stat().st_size > 0:
            raise KnownError(f"A database already exists at {path}; it was not touched.")
        _create_private_file(path)
    else:
        check_database_file(path)
    key_pragma = f"PRAGMA key = \"x'{key.hex()}'\""

    def connect() -> Any:
        try:
            conn = sqlcipher.connect(
                str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlcipher.OperationalError as err:
            raise ReadOnlyLocationError(READ_ONLY) from err
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(key_pragma)
            # A wrong key is only noticed on the first read (FACTS.md): probe right away.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError as err:
            conn.close()
            if "not a database" in str(err).lower():
                raise WrongKeyError(NOT_A_DB) from err
            # e.g. a read-only folder fails here (the WAL cannot be created): say so.
            raise _known_from_driver(err) from err
        try:
            for pragma in _PRAGMAS:
                conn.execute(pragma).fetchall()
        except sqlcipher.DatabaseError as err:
            conn.close()
            known = _known_from_driver(err)
            raise known from err
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        module=sqlcipher,
        poolclass=QueuePool,
        hide_parameters=True,  # statement parameters are PHI: keep them out of errors and logs
        pool_size=2,
        max_overflow=2,
    )
    _use_immediate_transactions(engine)
    # Open one connection now so a wrong key or a bad file is reported here, not later.
    try:
        engine.connect().close()
    except BaseException:
        engine.dispose()
        raise
    return engine


def _known_from_driver(err: Exception) -> KnownError:
    text = str(err).lower()
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return ReadOnlyLocationError(READ_ONLY)
    if "locked" in text or "busy" in text:
        from medrec_desktop.db.errors import LOCKED
        from medrec_desktop.domain.errors import DatabaseLockedError

        return DatabaseLockedError(LOCKED)
    return DatabaseFileError(DAMAGED)


def _use_immediate_transactions(engine: Engine) -> None:
    """Every unit of work writes an audit event, so take the write lock at BEGIN.

    A deferred transaction that reads first and writes later can fail to upgrade its lock
    without waiting; BEGIN IMMEDIATE waits up to the busy timeout instead. The one exception
    is a read snapshot (``Store.read_snapshot``, marked with :data:`READ_SNAPSHOT`): it never
    writes, so a plain BEGIN lets it read one moment of the file (WAL) for minutes while
    other connections keep saving.
    """

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_SNAPSHOT):
            # Read only, as PostgreSQL's READ ONLY is: a write slipped into a snapshot would
            # otherwise commit outside the transaction that holds its audit event.
            conn.exec_driver_sql("PRAGMA query_only = ON")
            conn.info[READ_SNAPSHOT] = True
            conn.exec_driver_sql("BEGIN DEFERRED")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _writable_again(dbapi_conn: Any, record: Any) -> None:
        if record.info.pop(READ_SNAPSHOT, False):
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("PRAGMA query_only = OFF")
            finally:
                cursor.close()


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def postgres_engine(
    url: str, *, ca_cert: Path | None = None, shown_ca: Path | None = None, **kwargs: Any
) -> Engine:
    """An engine for a clinic PostgreSQL server, connected once so that a bad address or a
    certificate that does not check out is reported here, in plain words.

    A server on another computer is reached only with verified TLS against the clinic's CA
    certificate ``ca_cert`` (db.server_tls decides; it refuses anything weaker). ``shown_ca``
    names the certificate file in messages, when that is not ``ca_cert`` itself.
    """
    target = server_target(url, ca_cert)
    try:
        # READ COMMITTED whatever the server's default: the audit writer locks the chain head
        # and then reads the newest event in a statement of its own, which must see the
        # previous writer's commit (services/audit_writer.py).
        engine = create_engine(
            target.url,
            pool_pre_ping=True,
            hide_parameters=True,
            isolation_level="READ COMMITTED",
            **kwargs,
        )
    except Exception as err:  # unknown driver options...
        raise ServerConnectionError(BAD_ADDRESS) from err
    try:
        engine.connect().close()
    except sa_exc.DBAPIError as err:
        engine.dispose()
        driver_text = str(err.orig if err.orig is not None else err)
        known = tls_error(driver_text, target, shown_ca=shown_ca) or known_error_for(err)
        if known is None:
            raise
        raise known from err
    except BaseException:
        engine.dispose()
        raise
    return engine


__all__ = [
    "READ_SNAPSHOT",
    "check_database_file",
    "known_error_for",
    "postgres_engine",
    "sqlcipher_engine",
]
