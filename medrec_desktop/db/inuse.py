"""Who has a local database open: a shared advisory lock per open installation, so a restore
or a key rotation (which replace or re-encrypt the file) can refuse while another window or
process still works on it. POSIX only (fcntl.flock); on Windows the file itself is locked by
SQLite while in use and these checks are skipped."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from medrec_desktop.domain.errors import KnownError

IN_USE = (
    "medrec-desktop still has this database open in another window or program on this "
    "computer. Close it there first; nothing was changed."
)


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".inuse")


class InUse:
    """Held (shared) for as long as an installation has the local file open."""

    def __init__(self, database: Path) -> None:
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # Windows
            return
        try:
            fd = os.open(_lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return  # a read-only folder: opening reports it in plain words
        fcntl.flock(fd, fcntl.LOCK_SH)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Exclusive:
    """``with Exclusive(db):`` nobody else has the file open, or :data:`IN_USE` is raised."""

    def __init__(self, database: Path) -> None:
        self._path = _lock_path(database)
        self._fd: int | None = None

    def __enter__(self) -> Exclusive:
        try:
            import fcntl
        except ImportError:  # Windows
            return self
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise KnownError(IN_USE) from None
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
