"""Map driver errors to KnownErrors with plain-language messages (never with data in them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc

from medrec_desktop.domain.errors import (
    ConflictError,
    DatabaseFileError,
    DatabaseLockedError,
    DiskFullError,
    KnownError,
    ReadOnlyLocationError,
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
    elif isinstance(err, OSError):
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
    if "connection refused" in text or "could not connect" in text or "timeout expired" in text:
        return KnownError(UNREACHABLE)
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise driver errors users can act on as KnownErrors (the original stays as cause)."""
    try:
        yield
    except KnownError:
        raise
    except (sa_exc.SQLAlchemyError, OSError) as err:
        known = known_error_for(err)
        if known is None:
            raise
        raise known from err
