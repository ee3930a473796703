"""The two kinds of error (DESIGN §3).

A :class:`KnownError` is something the user can understand and act on; its message is
shown as it is, so it must be plain words and must never contain patient data.
Anything else that escapes is a bug.
"""

from __future__ import annotations


class KnownError(Exception):
    """A problem the user can act on. ``str(err)`` is the message shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NoDatabaseError(KnownError):
    """No database exists where one was expected."""


class DatabaseFileError(KnownError):
    """The file is not a readable medrec database (empty, damaged, foreign, plain SQLite...)."""


class WrongKeyError(KnownError):
    """The key, passphrase or recovery key does not open this database."""


class DatabaseLockedError(KnownError):
    """Another program holds the database."""


class DiskFullError(KnownError):
    """The disk (or the database's size limit) is full."""


class ReadOnlyLocationError(KnownError):
    """The data folder cannot be written."""


class SchemaTooNewError(KnownError):
    """The database was made by a newer version of the program."""


class SchemaTooOldError(KnownError):
    """A clinic server's schema is older than this program and only its owner may upgrade it."""


class KeyStoreError(KnownError):
    """The OS keyring or key-slot file cannot be used."""


class AuthenticationError(KnownError):
    """Login failed. The message never reveals whether the user exists."""


class AccountLockedError(AuthenticationError):
    """Too many failed attempts; wait or ask an administrator."""


class ServerConnectionError(KnownError):
    """The clinic's PostgreSQL server cannot be used as addressed: a bad address, a connection
    that would not be verified TLS, a certificate that does not check out, or no answer."""


class ServerRoleError(KnownError):
    """The server account cannot be used as asked (too powerful for day to day, or not the
    owner where the owner is needed)."""


class PermissionDeniedError(KnownError):
    """The user's role does not allow the action."""


class ValidationError(KnownError):
    """Input is invalid. ``field`` names where, so forms can keep and mark what was typed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(KnownError):
    """Someone else changed the record since it was read (optimistic locking)."""


class NotFoundError(KnownError):
    """The requested record does not exist (or is not visible to this user)."""


class BackupError(KnownError):
    """A backup could not be written or does not verify."""


class AuditTamperedError(KnownError):
    """The audit trail does not match its sealed head or high-water mark: nothing was written."""


class ClinicMovedError(KnownError):
    """The clinic moved to its server while this installation still had the file open: nothing
    more is read or written through it (services/server_move.py)."""


class PasswordChangeRequiredError(PermissionDeniedError):
    """The account holds a temporary password: nothing but changing it is allowed."""


class ReleaseLooksIncompleteError(KnownError):
    """A code-set release is much smaller than the one before it, or lacks codes every release
    has. Imported only when the user confirms (``force``)."""

    def __init__(
        self,
        message: str,
        *,
        new_count: int,
        previous_count: int,
        missing: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.new_count = new_count
        self.previous_count = previous_count
        self.missing = missing
