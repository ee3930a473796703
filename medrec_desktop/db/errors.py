"""Map driver errors to KnownErrors with plain-language messages (never with data in them)."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc

from medrec_desktop.db import signed_locks
from medrec_desktop.db.server_tls import tls_error
from medrec_desktop.domain.errors import (
    BackupError,
    ConflictError,
    DatabaseFileError,
    DatabaseLockedError,
    DiskFullError,
    KnownError,
    ReadOnlyLocationError,
    ServerConnectionError,
    WrongKeyError,
)

LOCKED = (
    "The database is in use by another program or workstation and did not become free in time. "
    "Close other copies of medrec and try again."
)
FULL = (
    "The disk holding the database is full, so nothing was saved. "
    "Free some space (or ask IT to) and try again."
)
READ_ONLY = (
    "The database folder cannot be written (it is read-only or you lack permission). "
    "Nothing was changed. Check the folder's permissions or choose another data folder."
)
NOT_A_DB = (
    "The database could not be decrypted: either the key is wrong or the file is not a "
    "medrec database. The file was not changed."
)
DAMAGED = (
    "The database file is damaged (a part of it could not be read). Nothing was changed. "
    "Restore the latest backup with 'medrec restore' or contact support."
)
BACKUP_FULL = (
    "The disk that should hold the backup is full, so no backup was written. Free some space "
    "there (or choose another place) and try again."
)
BACKUP_NOT_WRITABLE = (
    "The backup cannot be written there (the folder is read-only or you lack permission). "
    "No backup was written. Choose another place."
)
# The database's own lock on signed notes (db.signed_locks), should a save get past the
# services' checks: said in plain words, not shown as a crash.
SIGNED_LOCKED = (
    "This belongs to a signed note, which is locked: nothing was changed. Add an addendum to "
    "the note instead."
)
ADDENDA_LOCKED = "Addenda cannot be changed or removed: nothing was changed."
UNREACHABLE = (
    "The database server could not be reached. Check the network and that the server is running."
)


def known_error_for(err: BaseException) -> KnownError | None:
    """The KnownError for a driver error, or None if it is not one users can act on."""
    if isinstance(err, orm_exc.StaleDataError):
        return ConflictError(
            "Someone else changed this record since you opened it. "
            "Your changes were not saved; reopen the record and apply them again."
        )
    if isinstance(err, sa_exc.DBAPIError):
        text = str(err.orig).lower() if err.orig is not None else str(err).lower()
    elif isinstance(err, (OSError, sqlcipher.Error)):
        # Raw driver errors too: backups and checks use driver connections of their own, whose
        # errors never pass through SQLAlchemy.
        text = str(err).lower()
    else:
        return None
    if "database is locked" in text or "database table is locked" in text or "busy" in text:
        return DatabaseLockedError(LOCKED)
    if "disk is full" in text or "no space left" in text or "file too large" in text:
        return DiskFullError(FULL)
    if "readonly database" in text or "read-only" in text or "unable to open database" in text:
        return ReadOnlyLocationError(READ_ONLY)
    if "file is not a database" in text:
        return WrongKeyError(NOT_A_DB)
    if "malformed" in text or "disk i/o error" in text or "corrupt" in text:
        return DatabaseFileError(DAMAGED)
    if signed_locks.LOCKED in text:
        return ConflictError(SIGNED_LOCKED)
    if signed_locks.APPEND_ONLY in text:
        return ConflictError(ADDENDA_LOCKED)
    tls = tls_error(text)  # before "could not connect", which libpq may say as well
    if tls is not None:
        return tls
    if "connection refused" in text or "could not connect" in text or "timeout expired" in text:
        return ServerConnectionError(UNREACHABLE)
    if re.search(r'fatal:\s+role ".*" does not exist', text):
        return ServerConnectionError(
            "The server has no account of the name in the address. Check the account name "
            "(medrec server setup printed both accounts' addresses)."
        )
    if re.search(r'fatal:\s+database ".*" does not exist', text):
        return ServerConnectionError(
            "The server has no database of the name in the address. Check the database name "
            "(medrec server setup printed the addresses)."
        )
    refused = next((said for sign, said in _ACCOUNT_REFUSALS if sign in text), None)
    if refused is not None:
        return ServerConnectionError(refused)
    return None


# The server's refusals of an account at connection time (libpq's words), said without the
# password and without the names (they are in the address the user typed).
_ACCOUNT_REFUSALS = (
    (
        "password authentication failed",
        "The server refused the account's password. Check the account name and its password "
        "(medrec server setup set them).",
    ),
    (
        "does not have connect privilege",
        "The server does not let this account connect to that database (it has no CONNECT "
        "right there). Check the database name in the address, or have the server's "
        "administrator run medrec server setup's SQL.",
    ),
    (
        "no pg_hba.conf entry",
        "The server does not accept connections from this computer for that account and "
        "database (its pg_hba.conf): ask the server's administrator.",
    ),
)


def backup_target_error(err: BaseException) -> KnownError | None:
    """The KnownError for a failure to write a backup's own files, or None.

    The database itself is fine when the backup's disk is full, so the message names the
    backup's place, not the database's, and it is a BackupError: the failed attempt is still
    recorded in the audit trail (a store failure would not be).
    """
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return BackupError(BACKUP_FULL)
    if isinstance(err, OSError) and err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupError(BACKUP_NOT_WRITABLE)
    known = known_error_for(err)
    if isinstance(known, DiskFullError):
        return BackupError(BACKUP_FULL)
    if isinstance(known, ReadOnlyLocationError):
        return BackupError(BACKUP_NOT_WRITABLE)
    return None


@contextmanager
def backup_target_errors() -> Iterator[None]:
    """Re-raise failures to write a backup's files as a BackupError (original as cause)."""
    try:
        yield
    except KnownError:
        raise
    except (OSError, sqlcipher.Error) as err:
        known = backup_target_error(err)
        if known is None:
            raise
        raise known from err


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise driver errors users can act on as KnownErrors (the original stays as cause)."""
    try:
        yield
    except KnownError:
        raise
    except (sa_exc.SQLAlchemyError, OSError, sqlcipher.Error) as err:
        known = known_error_for(err)
        if known is None:
            raise
        raise known from err
