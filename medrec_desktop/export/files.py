"""Writing an export file the user named: all of it or nothing, readable by its owner only.

The temporary file is made *before* the export is produced and recorded (``PrivateFile``):
a folder that cannot be written fails the export before anything is recorded as disclosed.
The bytes go into that file, are flushed to disk, and only then appear under the chosen name
(``os.replace`` when replacing was asked for, a hard link otherwise, which refuses a file that
appeared meanwhile instead of overwriting it). A failure leaves no partial file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from medrec_desktop.domain.errors import KnownError


def exists_message(out: Path) -> str:
    return f"{out} already exists; choose another file or add --force."


class PrivateFile:
    """``with PrivateFile(out, replace=False) as f: ...; f.commit(data)``."""

    def __init__(self, out: Path, *, replace: bool, exists: str | None = None) -> None:
        self.out = out
        self.replace = replace
        self._exists = exists or exists_message(out)
        self._fd: int | None = None
        self._tmp: Path | None = None
        self.written = False

    def __enter__(self) -> PrivateFile:
        if self.out.is_dir():
            raise KnownError(f"{self.out} is a folder; name the file to write.")
        if self.out.exists() and not self.replace:
            raise KnownError(self._exists)
        folder = self.out.parent
        try:
            # mkstemp makes the file 0600 (owner only) whatever the umask.
            fd, name = tempfile.mkstemp(prefix=f".{self.out.name}.", suffix=".part", dir=folder)
        except FileNotFoundError:
            raise KnownError(f"The folder {folder} does not exist.") from None
        except OSError as err:
            raise KnownError(cannot_write(self.out, err)) from None
        self._fd, self._tmp = fd, Path(name)
        return self

    def commit(self, data: bytes, *, disclosure: int | None = None) -> None:
        """Put ``data`` under the chosen name. ``disclosure``: the disclosure already recorded
        for these bytes, named in the error if the file then cannot be written (the record
        of the release stays: the bytes were made and may have been seen)."""
        assert self._fd is not None and self._tmp is not None, "use PrivateFile in a with block"
        fd, self._fd = self._fd, None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if self.replace:
                os.replace(self._tmp, self.out)
            else:
                self._link()
        except OSError as err:
            raise KnownError(cannot_write(self.out, err) + _recorded(disclosure)) from None
        except KnownError as err:
            raise KnownError(err.message + _recorded(disclosure)) from None
        self.written = True
        self._tmp = None

    def _link(self) -> None:
        assert self._tmp is not None
        try:
            os.link(self._tmp, self.out)
        except FileExistsError:
            raise KnownError(self._exists) from None
        except OSError:
            # A file system without hard links (some network shares): checked, then renamed.
            if self.out.exists():
                raise KnownError(self._exists) from None
            os.replace(self._tmp, self.out)
            return
        self._tmp.unlink()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None


class PrivateFolder:
    """A folder of export files (the bulk export), all or nothing, like :class:`PrivateFile`:
    ``with PrivateFolder(out) as target: write into target.path; ...; target.commit()``.

    The files are written into a private staging folder beside ``out`` (owner only, made
    before anything is exported or recorded); :meth:`commit` renames it to ``out``, which
    must not exist. Leaving the block without committing (a failure, a cancel) removes the
    staging folder and everything in it.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self._path: Path | None = None
        self.written = False

    @property
    def path(self) -> Path:
        assert self._path is not None, "use PrivateFolder in a with block"
        return self._path

    def __enter__(self) -> PrivateFolder:
        if self.out.exists():
            raise KnownError(f"{self.out} already exists; name a new folder for the export.")
        parent = self.out.parent
        if not parent.is_dir():
            raise KnownError(f"The folder {parent} does not exist.")
        try:
            # mkdtemp makes the folder 0700 (owner only) whatever the umask.
            made = tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".part", dir=parent)
        except OSError as err:
            raise KnownError(cannot_write(self.out, err)) from None
        self._path = Path(made)
        return self

    def commit(self, *, disclosure: int | None = None) -> None:
        # Checked, then renamed: a folder that appeared in between (empty, or rename fails)
        # is the one case a POSIX rename would take over.
        if self.out.exists():
            raise KnownError(
                f"{self.out} already exists; name a new folder for the export."
                + _recorded(disclosure)
            )
        try:
            os.rename(self.path, self.out)
        except OSError as err:
            raise KnownError(cannot_write(self.out, err) + _recorded(disclosure)) from None
        self.written = True
        self._path = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


def _recorded(disclosure: int | None) -> str:
    if disclosure is None:
        return ""
    return (
        f" Nothing was saved, but the release was already recorded as disclosure {disclosure} "
        "(it stays in the accounting). Save it again somewhere else: that is recorded as "
        "another disclosure."
    )


def cannot_write(out: Path, err: OSError) -> str:
    """What failed writing ``out``, in plain words (never the driver's text)."""
    if err.errno == errno.ENOSPC:
        return f"Cannot write {out}: the disk is full."
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {out}: you may not write in that folder."
    return f"Cannot write {out}: {err.strerror or 'write error'}."
