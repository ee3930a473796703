"""Picking scans up in the running application (issue 12): while someone who may pick scans
up (a nurse, provider or records specialist) is signed in and the clinic has a scanner
folder, a :class:`~medrec_desktop.services.inbox_intake.FolderWatcher` takes each scan into
the inbox. Locked, signed out or closed: it stops (its pick-up is crash-safe, so stopping
between two files loses nothing). The folder setting is read at sign-in and at unlock; a
folder changed meanwhile on another workstation is followed from the next of either.

The watcher reports from its own thread; each report is handed to the GUI thread through a
queued signal, and only there touches widgets. What it says goes to the main window's status
bar in plain words: scans taken (and the inbox is told, so its count and list refresh),
files left in the folder and why (their names are shown, never logged), and a folder that
cannot be reached, said once ("Scanner folder not reachable: …") and kept in a corner of
the status bar until it is back, while the watcher keeps trying quietly.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.inbox import InboxSettings
from medrec_desktop.security import permissions
from medrec_desktop.services.inbox_intake import (
    DEFAULT_RESCAN_SECONDS,
    DEFAULT_SETTLE_SECONDS,
    FolderWatcher,
    IntakeReport,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

log = logging.getLogger(__name__)
# watchdog's debug lines print each event with its file's path, and a scan's name may name a
# patient: whatever level the application logs at, nothing below a warning from it.
logging.getLogger("watchdog").setLevel(logging.WARNING)

#: how long a message about the scanner folder stays in the status bar, in ms
NOTICE_MS = 15_000


def may_pick_up(session: UserSession | None) -> bool:
    """Whether this user's workstation picks scans up while they are signed in."""
    return permissions.session_allows(session, Action.CREATE, DataCategory.INBOX)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_text(report: IntakeReport) -> str | None:
    """What a pass has to tell the user, in one status-bar line; None when nothing new."""
    parts: list[str] = []
    if report.taken:
        filed = sum(1 for t in report.taken if t.document_id is not None)
        taken = f"{plural(len(report.taken), 'scan')} picked up into the inbox"
        if filed:
            taken += f" ({filed} filed to {'its chart' if filed == 1 else 'their charts'}"
            taken += " by a cover sheet)"
        parts.append(taken + ".")
    new = [r for r in report.refused if r.new]
    if new:
        # The reason names the file and says what is wrong with it ("“x.docx” is a Word
        # document? save it as PDF first"): shown here, never logged.
        left = f"{plural(len(new), 'file')} left in the scanner folder, not taken: {new[0].reason}"
        if len(new) > 1:
            left += f" (and {len(new) - 1} more)"
        parts.append(left)
    parts += list(report.problems)
    return " ".join(parts) if parts else None


class InboxRunner(QObject):
    """Runs the folder watcher for the signed-in user (``start``/``stop``).

    ``status_bar`` shows the notices (``notice`` carries each too) and, while the folder
    cannot be reached, a permanent note (``unreachable_label``)."""

    #: (generation, IntakeReport, whether the folder was there) from the watcher's thread
    _reported = Signal(int, object, bool)
    #: a sentence for the user about picking scans up
    notice = Signal(str)
    #: the IntakeReport of each pass, on the GUI thread
    reported = Signal(object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        status_bar: QStatusBar | None = None,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        rescan_seconds: float = DEFAULT_RESCAN_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner = services, runner
        self._status_bar = status_bar
        self._settle, self._rescan = settle_seconds, rescan_seconds
        self._watcher: FolderWatcher | None = None
        # Bumped at every start and stop: a report or a settings read of an earlier run
        # that lands afterwards is dropped.
        self._generation = 0
        self.unreachable: Path | None = None
        self.unreachable_label = QLabel()
        self.unreachable_label.setAccessibleName("Scanner folder")
        self.unreachable_label.setStyleSheet("color: #9a3412;")
        self.unreachable_label.hide()
        if status_bar is not None:
            status_bar.addPermanentWidget(self.unreachable_label)
        self._reported.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def folder(self) -> Path | None:
        """The folder being watched, or None."""
        return self._watcher.folder if self._watcher is not None else None

    # ------------------------------------------------------------------ start and stop

    def start(self, session: UserSession | None) -> None:
        """Watch the clinic's scanner folder for ``session``'s user, if their role picks
        scans up and a folder is set (read now, on the database worker)."""
        self.stop()
        if session is None or not may_pick_up(session):
            return
        generation = self._generation
        inbox = self._services.inst.inbox
        Op(self, lambda: inbox.settings(session), runner=self._runner).success(
            lambda found: self._begin(generation, session, found)
        ).failure(lambda _err: None).run()  # no settings, no pick-up: the inbox still works

    def _begin(self, generation: int, session: UserSession, found: InboxSettings) -> None:
        if generation != self._generation or found.folder is None:
            return
        folder = Path(found.folder)
        services = self._services

        def on_report(report: IntakeReport) -> None:  # the watcher's thread
            # Whether the folder is there is asked here, off the screen's thread: a share
            # that does not answer can take long to say so.
            self._reported.emit(generation, report, os.path.isdir(report.folder))

        self._watcher = FolderWatcher(
            inbox=lambda: services.inst.inbox,
            session=session,
            folder=folder,
            on_report=on_report,
            settle_seconds=self._settle,
            rescan_seconds=self._rescan,
        )
        self._watcher.start()
        log.info("scanner folder: picking scans up")

    def stop(self, *, wait: bool = False) -> None:
        """Stop picking scans up (after the file in hand) and forget what was shown. Only
        closing waits for the file in hand (the database is closed next); locking and
        signing out never hold the window."""
        self._generation += 1
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop(wait=wait)
            log.info("scanner folder: stopped")
        self._set_unreachable(None)

    def check_now(self) -> None:
        """Look at the folder now (the settings were saved, the user asked)."""
        if self._watcher is not None:
            self._watcher.scan_now()

    # ------------------------------------------------------------------ reports

    def _deliver(self, generation: int, report: IntakeReport, reachable: bool) -> None:
        if generation != self._generation:
            return  # a report of a run stopped since: the user may have changed
        if report.taken or report.cleared:
            self._services.notify_inbox_changed()
        if not reachable:
            # Said once; the watcher tries again quietly at each rescan.
            if self.unreachable != report.folder:
                self._set_unreachable(report.folder)
                self._say(f"Scanner folder not reachable: {report.folder}")
            self.reported.emit(report)
            return
        if self.unreachable is not None:
            self._set_unreachable(None)
            self._say("Scanner folder reachable again: picking scans up.")
        text = report_text(report)
        if text is not None:
            self._say(text)
        self.reported.emit(report)

    def _set_unreachable(self, folder: Path | None) -> None:
        self.unreachable = folder
        self.unreachable_label.setText(
            f"Scanner folder not reachable: {folder}" if folder is not None else ""
        )
        self.unreachable_label.setVisible(folder is not None)

    def _say(self, text: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(text, NOTICE_MS)
        self.notice.emit(text)
