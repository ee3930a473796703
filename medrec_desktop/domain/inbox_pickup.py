"""Picking scans up from a scanner folder (issue 12): what one pass over the folder found and
what a watcher remembers between passes. No Qt, no database, nothing read or written here:
``services.inbox_intake`` does the folder and the database.

File names may name a patient (scanner software often puts one in them): they are shown to
the user in reports, never written to a log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

#: how long a file must stay unchanged before the watcher takes it, in seconds
DEFAULT_SETTLE_SECONDS = 3.0
#: full rescans besides the folder's events: shares often miss events, or send none
DEFAULT_RESCAN_SECONDS = 60.0
_PARTIAL_ENDINGS = (".tmp", ".part", ".crdownload", ".partial", ".download")
# Files Windows and macOS put in any folder: neither scans nor worth a refusal.
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}

#: (size, modification time in ns) as a file was seen
Signature = tuple[int, int]


class Step(StrEnum):
    """Where one file's pick-up has got to; ``pick_up_folder(on_step=...)`` is told after
    each (the kill tests stop a child process there)."""

    READ = "read"
    COMMITTED = "committed"
    VERIFIED = "verified"
    DELETED = "deleted"


@dataclass(frozen=True)
class Taken:
    """A file stored as inbox item ``inbox_id`` and deleted from the folder;
    ``document_id`` when its cover sheet filed it at once."""

    name: str
    inbox_id: int
    document_id: int | None = None


@dataclass(frozen=True)
class Refused:
    """A file left in the folder because the clinic cannot keep it; ``new`` on the pass that
    first read it (later passes list it again, not new, while it stays)."""

    name: str
    reason: str
    new: bool


@dataclass(frozen=True)
class IntakeReport:
    """One pass over the folder. ``cleared``: files an earlier, interrupted pick-up (or
    another workstation) had already stored, now deleted. ``waiting``: files still being
    written (or in use) to look at again. ``problems``: plain sentences without file names
    (the folder cannot be reached, the database refused, a file could not be deleted)."""

    folder: Path
    taken: tuple[Taken, ...] = ()
    cleared: tuple[str, ...] = ()
    refused: tuple[Refused, ...] = ()
    waiting: int = 0
    problems: tuple[str, ...] = ()

    @property
    def inbox_ids(self) -> tuple[int, ...]:
        return tuple(t.inbox_id for t in self.taken)

    @property
    def news(self) -> bool:
        """Something to tell the user: taken, cleared, newly refused, or a problem."""
        return bool(self.taken or self.cleared or self.problems or any(r.new for r in self.refused))


@dataclass
class FolderMemory:
    """What one watcher remembers between passes: when each file was first seen as it is now
    (to know it has settled) and which files were refused (not read again unless they
    change). ``settle_seconds`` 0: every file counts as complete when seen; ``clock`` is
    monotonic seconds (a test passes its own to say time has gone by)."""

    settle_seconds: float = 0.0
    clock: Callable[[], float] = time.monotonic
    #: after a failure that will not mend in seconds (a file that cannot be deleted, the
    #: database refusing), how long before the file is tried again
    retry_seconds: float = DEFAULT_RESCAN_SECONDS
    _seen: dict[str, tuple[Signature, float]] = field(default_factory=dict)
    _refused: dict[str, tuple[Signature, str]] = field(default_factory=dict)

    def settled(self, name: str, signature: Signature) -> bool:
        now = self.clock()
        seen = self._seen.get(name)
        if seen is None or seen[0] != signature:
            self._seen[name] = (signature, now)
            return self.settle_seconds <= 0
        return now - seen[1] >= self.settle_seconds

    def seconds_to_next_settle(self) -> float | None:
        """How long until the earliest waiting file may have settled (None: none waits)."""
        if not self._seen:
            return None
        first = min(since for _, since in self._seen.values())
        return max(0.0, first + self.settle_seconds - self.clock())

    def refusal(self, name: str, signature: Signature) -> str | None:
        found = self._refused.get(name)
        return found[1] if found is not None and found[0] == signature else None

    def refuse(self, name: str, signature: Signature, reason: str) -> None:
        self._refused[name] = (signature, reason)
        self._seen.pop(name, None)

    def unsettle(self, name: str) -> None:
        """Look again after the settle period (the file changed, or was in use)."""
        self._seen.pop(name, None)

    def hold(self, name: str, signature: Signature) -> None:
        """Try again only after ``retry_seconds``: retrying at once would fail the same way
        (and write an audit event each time)."""
        self._seen[name] = (signature, self.clock() + self.retry_seconds)

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)
        self._refused.pop(name, None)

    def keep_only(self, names: set[str]) -> None:
        """Forget files no longer in the folder."""
        for gone in set(self._seen) - names:
            del self._seen[gone]
        for gone in set(self._refused) - names:
            del self._refused[gone]


def is_candidate(name: str) -> bool:
    """Whether a file name may be a finished scan (not hidden, not a file being written)."""
    lower = name.lower()
    return not (
        name.startswith((".", "~$")) or lower.endswith(_PARTIAL_ENDINGS) or lower in _SYSTEM_FILES
    )
