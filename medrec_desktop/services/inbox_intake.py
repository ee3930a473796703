"""Picking scans up from the clinic's scanner folder (issue 12): the folder side of the inbox.
No Qt: the GUI runs a :class:`FolderWatcher`, ``medrec inbox scan`` calls
:func:`pick_up_folder` once.

A file is taken only when it is complete: its size and modification time have not changed
for a settle period (scanner and fax software write a file in pieces, and a share may show
it long before the last byte). Names scanner software and browsers use while writing
(``.part``, ``.tmp``, ``.crdownload``, ``~$…``) and hidden files are never taken, nor is
anything in a subfolder.

Each file goes through one protocol, so that a crash (or a power cut) anywhere never loses a
scan and never stores it twice:

1. read the bytes and the modification time (nothing written yet: a kill leaves the file);
2. ``InboxService.receive`` stores the bytes and the inbox row in one transaction and
   commits (a kill after this leaves the row *and* the file: the next pick-up calls
   ``receive`` again, which finds the row by (name, SHA-256, modification time) and answers
   ``already`` without storing anything);
3. ``InboxService.confirm_stored`` reads the stored bytes back in a new transaction and
   compares their SHA-256 with the file's (a kill leaves the same as after 2);
4. only then is the file deleted, and only if it is still the file that was read (same size
   and time: a scanner reusing the name meanwhile made a new arrival, which stays).

A file the clinic cannot keep (a Word document, a damaged or password-protected PDF, one over
the size limit) stays in the folder and is listed as refused with the reason, in every report
while it is there; it is read and refused once (``Refused.new`` on that pass), not again on
every pass, unless it changes. File names may name a patient: they appear in reports (shown
to the user), never in log lines.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from medrec_desktop.domain.documents import size_text
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import ConflictError, KnownError, ValidationError
from medrec_desktop.domain.inbox import Received
from medrec_desktop.domain.inbox_pickup import (
    DEFAULT_RESCAN_SECONDS,
    DEFAULT_SETTLE_SECONDS,
    FolderMemory,
    IntakeReport,
    Refused,
    Signature,
    Step,
    Taken,
    is_candidate,
)
from medrec_desktop.services.documents import MAX_MB_CEILING
from medrec_desktop.services.inbox import InboxService

# The report and memory types live in the domain; they are used through this module too.
__all__ = [
    "DEFAULT_RESCAN_SECONDS",
    "DEFAULT_SETTLE_SECONDS",
    "FolderMemory",
    "FolderWatcher",
    "IntakeReport",
    "Refused",
    "Step",
    "Taken",
    "is_candidate",
    "pick_up_folder",
]

log = logging.getLogger(__name__)

_CEILING_BYTES = MAX_MB_CEILING * 1024 * 1024
_COALESCE_SECONDS = 0.25
_WAKING_EVENTS = {"created", "moved", "modified", "closed"}


@dataclass
class _Pass:
    taken: list[Taken] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    waiting: int = 0
    problems: list[str] = field(default_factory=list)

    def report(self, folder: Path) -> IntakeReport:
        return IntakeReport(
            folder,
            tuple(self.taken),
            tuple(self.cleared),
            tuple(sorted(self.refused, key=lambda r: r.name)),
            self.waiting,
            tuple(dict.fromkeys(self.problems)),
        )


def pick_up_folder(
    inbox: InboxService,
    session: UserSession,
    folder: Path,
    *,
    memory: FolderMemory | None = None,
    on_step: Callable[[Step], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> IntakeReport:
    """Take every complete scan in ``folder`` into the inbox, once (see the module's
    protocol). Without ``memory`` every file present counts as complete: the caller vouches
    nothing is still being written. ``session`` needs the right to pick scans up (nurse,
    provider or records specialist). ``cancelled`` is asked between files."""
    memory = memory if memory is not None else FolderMemory()
    done = _Pass()
    try:
        listing = _listing(folder)
    except OSError as err:
        done.problems.append(_unreachable(err))
        return done.report(folder)
    memory.keep_only({name for name, _ in listing})
    for name, signature in listing:
        if cancelled is not None and cancelled():
            break
        known = memory.refusal(name, signature)
        if known is not None:
            done.refused.append(Refused(name, known, new=False))
            continue
        if not memory.settled(name, signature):
            done.waiting += 1
            continue
        try:
            _take(inbox, session, folder / name, signature, memory, done, on_step)
        except KnownError as err:
            # The database refused (signed out, disk full, locked, no right): this file and
            # the rest stay in the folder for the next pass.
            memory.hold(name, signature)
            done.problems.append(f"Picking scans up stopped: {err.message}")
            break
    if done.taken or done.cleared or done.problems:
        log.info(
            "scanner folder pass: %d taken, %d cleared, %d refused, %d waiting, %d problem(s)",
            len(done.taken),
            len(done.cleared),
            len(done.refused),
            done.waiting,
            len(done.problems),
        )
    return done.report(folder)


def _listing(folder: Path) -> list[tuple[str, Signature]]:
    """The folder's candidate files, oldest first (the order they arrived)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not is_candidate(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # gone between listing and looking: another workstation took it
            if stat.S_ISREG(info.st_mode):  # no subfolders, links or devices
                found.append((info.st_mtime_ns, entry.name, (info.st_size, info.st_mtime_ns)))
    return [(name, signature) for _, name, signature in sorted(found)]


def _take(
    inbox: InboxService,
    session: UserSession,
    path: Path,
    signature: Signature,
    memory: FolderMemory,
    done: _Pass,
    on_step: Callable[[Step], None] | None,
) -> None:
    name = path.name
    size, mtime_ns = signature
    if size > _CEILING_BYTES:
        # Not read at all: no clinic setting allows it, and reading would hold it in memory.
        why = (
            f"“{name}” is {size_text(size)}; no file over {MAX_MB_CEILING} MB can be kept. "
            "Split it into smaller files."
        )
        memory.refuse(name, signature, why)
        done.refused.append(Refused(name, why, new=True))
        return
    content = _read(path, signature)
    if content is None:
        memory.unsettle(name)  # changed while read, or in use: look again later
        done.waiting += 1
        return
    _step(on_step, Step.READ)
    try:
        got = _receive(inbox, session, name, content, mtime_ns)
    except ValidationError as err:
        memory.refuse(name, signature, err.message)
        done.refused.append(Refused(name, err.message, new=True))
        return
    if got is None:
        memory.unsettle(name)  # another workstation is taking it this moment
        done.waiting += 1
        return
    _step(on_step, Step.COMMITTED)
    digest = hashlib.sha256(content).hexdigest()
    del content  # one file in memory at a time
    if not inbox.confirm_stored(session, got.inbox_id, digest):
        memory.hold(name, signature)
        done.problems.append(
            "A scan's stored copy did not read back the same as the file, so the file was "
            "left in the scanner folder. Tell the administrator (the database needs checking)."
        )
        return
    _step(on_step, Step.VERIFIED)
    if _delete_if_same(path, signature, done):
        memory.forget(name)
        _step(on_step, Step.DELETED)
    else:
        memory.hold(name, signature)
    if got.already:
        done.cleared.append(name)
    else:
        done.taken.append(Taken(name, got.inbox_id, got.document_id))


def _read(path: Path, signature: Signature) -> bytes | None:
    """The file's bytes, or None if it changed since it was seen (or while it was read), has
    gone, or is held open by the program writing it."""
    try:
        with open(path, "rb") as fh:
            if _signature(os.fstat(fh.fileno())) != signature:
                return None
            content = fh.read(signature[0] + 1)
            if len(content) != signature[0] or _signature(os.fstat(fh.fileno())) != signature:
                return None
            return content
    except OSError:
        return None


def _receive(
    inbox: InboxService, session: UserSession, name: str, content: bytes, mtime_ns: int
) -> Received | None:
    try:
        return inbox.receive(session, name, content, mtime_ns)
    except ConflictError:
        pass
    # Another workstation watching the same share stored this arrival a moment ago: once its
    # row is committed, asking again finds it (already) and this pick-up only deletes.
    try:
        return inbox.receive(session, name, content, mtime_ns)
    except ConflictError:
        return None


def _delete_if_same(path: Path, signature: Signature, done: _Pass) -> bool:
    try:
        # The scanner may have written a new file under the same name since it was read: that
        # is a new arrival and stays. (A write in the instant between this look and the unlink
        # cannot be told apart; scanner software numbers its files, so names are not reused
        # that quickly.)
        if _signature(os.stat(path, follow_symlinks=False)) != signature:
            return False
        path.unlink()
        return True
    except FileNotFoundError:
        return True  # another workstation deleted it after storing the same arrival
    except OSError as err:
        done.problems.append(
            "A scan was stored in the inbox but could not be removed from the scanner folder "
            f"({err.strerror or 'cannot delete'}); it will be tried again."
        )
        return False


def _signature(info: os.stat_result) -> Signature:
    return (info.st_size, info.st_mtime_ns)


def _step(on_step: Callable[[Step], None] | None, step: Step) -> None:
    if on_step is not None:
        on_step(step)


def _unreachable(err: OSError) -> str:
    # The folder is the clinic's setting, not PHI; strerror never names a file.
    why = err.strerror or type(err).__name__
    return (
        f"The scanner folder cannot be reached ({why}). Check that the share is connected "
        "and the folder exists; scans wait there until it can be read."
    )


class _Wake(FileSystemEventHandler):
    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        # A file made, renamed into the folder, written or closed after writing. Not
        # deletions, nor a file opened or closed without writing (the pick-up's own reads),
        # nor the folder itself changing (every delete does that): those would wake the
        # watcher again after each of its own passes.
        if event.event_type in _WAKING_EVENTS and not event.is_directory:
            self._wake()


class FolderWatcher:
    """Picks scans up while it runs: at start, on every change the folder reports (watchdog)
    and by a full rescan every ``rescan_seconds`` (a share may report nothing). Runs on its
    own thread and calls ``on_report`` from there after every pass (``report.news`` says
    whether it holds anything to tell); nothing here touches Qt.

    ``inbox`` is asked for the service at each pass, so a restored or reconnected
    installation is followed. A folder that vanishes (a share unmounted) is reported as a
    problem and watched again when it is back."""

    def __init__(
        self,
        *,
        inbox: Callable[[], InboxService],
        session: UserSession,
        folder: Path,
        on_report: Callable[[IntakeReport], None],
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        rescan_seconds: float = DEFAULT_RESCAN_SECONDS,
    ) -> None:
        self._inbox = inbox
        self._session = session
        self._folder = folder
        self._on_report = on_report
        self._rescan = rescan_seconds
        self._memory = FolderMemory(settle_seconds=settle_seconds, retry_seconds=rescan_seconds)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None
        self._observed: tuple[int, int] | None = None  # the folder's (device, inode)

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._wake.set()  # the scan at start
        self._thread = threading.Thread(target=self._run, name="scanner-folder", daemon=True)
        self._thread.start()

    def scan_now(self) -> None:
        """Look at the folder now (a "check now" button, a settings change)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0, *, wait: bool = True) -> None:
        """Stop after the file in hand (its pick-up is crash-safe either way); with ``wait``,
        wait for it. Locking the screen does not wait: a large file on a slow share must not
        hold the window (with a patient on it) for seconds; the thread ends by itself."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and wait:
            thread.join(timeout)
        if wait:
            self._unwatch()

    # ---------------------------------------------------------------- the worker thread

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._unwatch()  # also when stopped without waiting

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._next_timeout())
            if self._stop.is_set():
                break
            self._wake.clear()
            # A file being written sends an event per write: let a burst pass first.
            if self._stop.wait(_COALESCE_SECONDS):
                break
            self._wake.clear()
            self._watch()
            report = self._one_pass()
            if self._stop.is_set():
                break
            try:
                self._on_report(report)
            except Exception as err:
                log.error("scanner folder report handler failed: %s", _bug(err))

    def _next_timeout(self) -> float:
        settle = self._memory.seconds_to_next_settle()
        # A little past the settle time, so the waiting file has surely settled then.
        return self._rescan if settle is None else min(self._rescan, settle + 0.05)

    def _one_pass(self) -> IntakeReport:
        try:
            return pick_up_folder(
                self._inbox(),
                self._session,
                self._folder,
                memory=self._memory,
                cancelled=self._stop.is_set,
            )
        except Exception as err:
            # A bug, not a refusal: reported without the message (an OSError's names a file).
            log.error("scanner folder pass failed: %s", _bug(err))
            return IntakeReport(
                self._folder,
                problems=(
                    "Picking scans up failed unexpectedly (a bug; the details are in the log"
                    " file). Scans stay in the folder and are tried again.",
                ),
            )

    def _watch(self) -> None:
        """(Re)start the observer on the folder when it is there and not yet watched (at
        start, after the share came back, after the folder was made anew)."""
        try:
            info = os.stat(self._folder)
        except OSError:
            self._unwatch()
            return
        here = (info.st_dev, info.st_ino)
        if self._observer is not None and self._observer.is_alive() and self._observed == here:
            return
        self._unwatch()
        observer = Observer()
        try:
            observer.schedule(_Wake(self._wake.set), str(self._folder), recursive=False)
            observer.start()
        except Exception as err:
            # No events from this folder (some shares): the rescans still pick scans up.
            log.warning("scanner folder cannot be watched for changes: %s", type(err).__name__)
            return
        self._observer, self._observed = observer, here

    def _unwatch(self) -> None:
        observer, self._observer, self._observed = self._observer, None, None
        if observer is not None:
            try:
                observer.stop()
                observer.join(5)
            except Exception as err:
                log.warning("scanner folder watch did not stop cleanly: %s", type(err).__name__)


def _bug(err: BaseException) -> str:
    """An exception for the log: its type and where it happened, never its message (which
    may hold a file's name)."""
    frames = "".join(traceback.format_tb(err.__traceback__))
    return f"{type(err).__name__}\n{frames}"
