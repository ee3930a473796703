"""The audit high-water mark: the chain's newest (seq, link), sealed, kept outside the database.

A copy of an older ``medrec.db`` put back in place (no key needed) is a consistent, older
trail; only something outside the file can tell. The mark lives in the key file (updated after
every committed audit event), in every backup's manifest and in the printed verification
report; ``verify`` and ``audit verify`` check that the trail still holds the event it names.

The seal (HMAC under a key derived from the audit key) stops a hand-edited mark from passing;
it does not stop someone who holds the workstation's keys (see the README: what is and is not
protected).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.paths import write_private_file

log = logging.getLogger(__name__)

MIN_PREFIX = 16  # hex characters of the link a typed mark must carry


@dataclass(frozen=True)
class Mark:
    seq: int
    link: str  # the chain MAC of event #seq
    seal: str = ""

    def text(self) -> str:
        """The mark as a user writes it down or passes to ``audit verify --against``."""
        return f"{self.seq}:{self.link}"

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "link": self.link, "seal": self.seal}


def _seal_key(audit_key: bytes) -> bytes:
    return hmac.new(audit_key, b"medrec-audit-mark", hashlib.sha256).digest()


def seal(audit_key: bytes, install_id: str, seq: int, link: str) -> Mark:
    text = f"mark\n{install_id}\n{seq}\n{link}".encode()
    return Mark(seq, link, hmac.new(_seal_key(audit_key), text, hashlib.sha256).hexdigest())


def is_sealed(mark: Mark, audit_key: bytes, install_id: str) -> bool:
    expected = seal(audit_key, install_id, mark.seq, mark.link).seal
    stored = mark.seal
    if not stored.isascii() or len(stored) != len(expected):
        return False
    return hmac.compare_digest(expected, stored)


def from_json(doc: Any) -> Mark | None:
    if not isinstance(doc, dict):
        return None
    try:
        seq = doc["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return None
        return Mark(seq, str(doc["link"]), str(doc.get("seal", "")))
    except (KeyError, TypeError, ValueError):
        return None


def parse_text(text: str) -> Mark:
    """``SEQ:LINK`` as printed by ``audit verify`` (the link may be shortened to a prefix)."""
    seq_text, _, link = text.strip().partition(":")
    link = link.strip().lower()
    if (
        not (seq_text.isascii() and seq_text.isdigit())
        or int(seq_text) < 1
        or len(link) < MIN_PREFIX
        or any(c not in "0123456789abcdef" for c in link)
    ):
        raise ValidationError(
            f"A high-water mark looks like 1234:{'0' * MIN_PREFIX}... (the event number, a "
            f"colon and at least {MIN_PREFIX} hexadecimal characters of its link), as printed "
            "by 'medrec audit verify'.",
            field="against",
        )
    return Mark(int(seq_text), link)


# ---------------------------------------------------------------- the key file's copy
#
# The key file is rewritten as a whole (atomic replace). The mark is merged in under an
# advisory lock and every writer keeps the higher mark, so a process saving slots never
# winds back a mark another process wrote.


class _Lock:
    def __init__(self, path: Path) -> None:
        self._path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> _Lock:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except ImportError:  # Windows: msvcrt locks a byte range instead
            import msvcrt

            msvcrt.locking(self._fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._fd is not None
        os.close(self._fd)  # closing releases the lock on every platform


def locked(path: Path) -> _Lock:
    return _Lock(path)


def read_from_keyfile(path: Path) -> Mark | None:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return from_json(doc.get("audit_mark")) if isinstance(doc, dict) else None


def write_into_keyfile(path: Path, mark: Mark, *, force: bool = False) -> None:
    """Put ``mark`` in the key file unless it already holds a higher one (or ``force``)."""
    with locked(path):
        try:
            doc = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return  # no readable key file: nothing to update (opening reports it)
        current = from_json(doc.get("audit_mark"))
        if not force and current is not None and current.seq >= mark.seq:
            return
        doc["audit_mark"] = mark.as_json()
        # Durable (fsynced before the rename): this file also holds the wrapped keys, and the
        # mark is written off the save path (MarkWriter), so the cost is nobody's wait.
        write_private_file(path, json.dumps(doc, indent=2).encode())


class MarkWriter:
    """Moves the key file's mark on a thread of its own, so a save never waits for the key
    file to be rewritten (an atomic replace costs milliseconds on some disks). Marks that
    arrive while one is being written are coalesced: only the newest is written next.
    ``flush`` (and ``close``) wait until the newest mark is on disk."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._cond = threading.Condition()
        self._pending: Mark | None = None
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="audit-mark", daemon=True)
        self._thread.start()

    def submit(self, mark: Mark) -> None:
        with self._cond:
            if self._closed:
                write_into_keyfile(self._path, mark)  # late events (e.g. at close) still count
                return
            if self._pending is None or mark.seq > self._pending.seq:
                self._pending = mark
            self._cond.notify_all()

    def flush(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._pending is None and not self._busy)

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._pending is None:
                    return  # closed and nothing left
                mark, self._pending, self._busy = self._pending, None, True
            try:
                write_into_keyfile(self._path, mark)
            except Exception:  # noqa: BLE001 - the thread must outlive any one bad write
                # The event is safe in the database; a lagging mark is an older, still genuine
                # point of the chain. Logged without data.
                log.warning("could not update the audit high-water mark", exc_info=True)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
