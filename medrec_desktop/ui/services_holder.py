"""The one place screens get their services from, and the patient change notifications.

Screens keep the holder, never a service: they read ``holder.inst.patients`` (or
``holder.coding``) at the moment they call, so after a restore or a reconnect, when the holder
swaps the whole bundle at once, every screen (and every screen opened later) works on the new
database. Nobody sets another object's private attributes.

After a successful write the UI (never a service: services stay Qt-free) calls
``holder.notify_changed(patient_id, kinds)``; every view showing that patient refreshes.
The scanner inbox has a notification of its own (``notify_inbox_changed``): a scan arrived,
or one was filed, split or marked not ours; the inbox and its count refresh.

On a clinic server the other workstations' saves arrive the same way (issue 15, live
refresh): once ``start_live_refresh`` is called (app.py does, for the open installation; a
swap keeps it going, and starts it when the file's installation is swapped for a server's,
as after a move to the server), their change notices become ``changed`` and
``inbox_changed`` on the GUI thread, followed by ``remote_changed(notice)`` for forms editing
one of the items named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt, Signal

from medrec_desktop.domain.change_notices import ChangeNotice, SharedList
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.services.coding import CodeSets, CodingService
from medrec_desktop.services.coding_reports import CodingReportService
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.live_refresh import LiveRefresh


class ServicesHolder(QObject):
    #: the bundle was replaced (restore, reconnect): views drop what they show and reload
    swapped = Signal()
    #: (patient_id: int, kinds: frozenset[ChangeKind]) a write for this patient succeeded
    changed = Signal(int, object)
    #: the scanner inbox changed (a scan arrived, was filed, split or marked not ours);
    #: always delivered on the GUI thread
    inbox_changed = Signal()
    #: (notice: ChangeNotice) another workstation committed this change (after ``changed``
    #: and ``inbox_changed`` were emitted for it); always on the GUI thread
    remote_changed = Signal(object)
    #: the connection for other workstations' notices came back after a loss: what changed
    #: meanwhile was not announced here (the views refresh what they show)
    remote_resumed = Signal()
    #: the work that was replacing the installation (a move to the server) has ended, its
    #: outcome landed (swapped, or not); see :meth:`begin_replacement`
    replacement_ended = Signal()
    # What notify_inbox_changed emits from any thread; queued to this object's thread (the
    # GUI's), which re-emits it as inbox_changed, so no receiver ever runs on a worker.
    _inbox_poked = Signal()

    def __init__(
        self, *, inst: Installation, code_sets: CodeSets, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._code_sets = code_sets
        self._inst = inst
        self._coding = CodingService(ctx=inst.ctx, codes=code_sets)
        self._coding_work = EncounterCodingService(ctx=inst.ctx, codes=code_sets)
        self._coding_reports = CodingReportService(ctx=inst.ctx, codes=code_sets)
        self._inbox_poked.connect(self.inbox_changed, Qt.ConnectionType.QueuedConnection)
        self._live: LiveRefresh | None = None
        # Whether live refresh was asked for (app.py asks for it whatever the installation):
        # kept on the file, where nothing listens, so a swap to a server starts it.
        self._live_wanted = False
        self._remote_depth = 0
        self._stop_replacement: Callable[[], None] | None = None

    @property
    def inst(self) -> Installation:
        return self._inst

    @property
    def coding(self) -> CodingService:
        return self._coding

    @property
    def coding_work(self) -> EncounterCodingService:
        """An encounter's codes, the worklist (issue 13): records database + code sets."""
        return self._coding_work

    @property
    def coding_reports(self) -> CodingReportService:
        """Coding productivity and diagnosis statistics (issue 13)."""
        return self._coding_reports

    @property
    def code_sets(self) -> CodeSets:
        return self._code_sets

    def swap(self, inst: Installation) -> None:
        """Work on ``inst`` from now on (the caller has closed the old one)."""
        self._stop_listening()
        self._inst = inst
        # Imports are audited in the records database, so the coding service follows it; the
        # code sets themselves are the workstation's and stay open.
        self._coding = CodingService(ctx=inst.ctx, codes=self._code_sets)
        self._coding_work = EncounterCodingService(ctx=inst.ctx, codes=self._code_sets)
        self._coding_reports = CodingReportService(ctx=inst.ctx, codes=self._code_sets)
        if self._live_wanted:
            # Also when the old one was the file, where nothing listened: a clinic just moved
            # to its server hears the other workstations from now on, not after a restart.
            self._start_listening()
        self.swapped.emit()

    # ------------------------------------------------------------------ replacement

    def begin_replacement(self, owner: QObject, stop: Callable[[], None]) -> None:
        """Work that will end by swapping the installation (a move to the server) runs on a
        worker for ``owner``: sign-out and lock wait for it (the main window), so its
        outcome lands before anything else is done with the installation (the worker closes
        the old one). ``stop`` asks it to stop where it still can. Ended by
        :meth:`end_replacement`, or by ``owner``'s destruction."""
        self._stop_replacement = stop
        owner.destroyed.connect(self.end_replacement)

    def end_replacement(self) -> None:
        if self._stop_replacement is not None:
            self._stop_replacement = None
            self.replacement_ended.emit()

    @property
    def replacing(self) -> bool:
        return self._stop_replacement is not None

    def stop_replacement(self) -> None:
        """Ask the replacing work to stop: a move still copying stops and leaves nothing on
        the server; past that point it finishes (and the swap lands)."""
        if self._stop_replacement is not None:
            self._stop_replacement()

    # ------------------------------------------------------------------ live refresh

    def start_live_refresh(self) -> None:
        """Hear the other workstations' saves (on a clinic server; nothing on the SQLCipher
        file, but the wish is kept: :meth:`swap` to a server starts it). Stopped by
        :meth:`stop_live_refresh`, and moved along by :meth:`swap`."""
        self._live_wanted = True
        self._start_listening()

    def stop_live_refresh(self) -> None:
        """Stop hearing them (before the installation closes); a later swap does not start
        it again."""
        self._live_wanted = False
        self._stop_listening()

    def _start_listening(self) -> None:
        if self._live is None and self._inst.store.is_server:
            self._live = LiveRefresh(
                self._inst.ctx, self._remote, reconnected=self.remote_resumed.emit, parent=self
            )

    def _stop_listening(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()
            live.deleteLater()

    @property
    def live_refresh(self) -> LiveRefresh | None:
        return self._live

    @property
    def remote(self) -> bool:
        """Whether the change being told now was saved on another workstation (a view may
        skip what only its own workstation's saves can change)."""
        return self._remote_depth > 0

    def _remote(self, notice: ChangeNotice) -> None:
        self._remote_depth += 1
        try:
            for patient_id, kinds in notice.patients.items():
                self.notify_changed(patient_id, kinds)
            if SharedList.INBOX in notice.lists:
                self.inbox_changed.emit()
            self.remote_changed.emit(notice)
        finally:
            self._remote_depth -= 1

    def notify_changed(self, patient_id: int, kinds: Iterable[ChangeKind]) -> None:
        self.changed.emit(int(patient_id), frozenset(kinds))

    def notify_inbox_changed(self) -> None:
        """The scanner inbox changed. Safe to call from any thread (the scanner folder's
        watcher calls it from its own): ``inbox_changed`` follows on the GUI thread."""
        self._inbox_poked.emit()


# What the patient's own record (name, birth date, contacts, insurance, merge) shows; an
# empty set means "anything may have changed".
RECORD_KINDS = frozenset({ChangeKind.DEMOGRAPHICS, ChangeKind.MERGE})


def record_changed(kinds: frozenset[ChangeKind]) -> bool:
    """Whether a change notification concerns the patient's own record, not only chart items
    (a saved problem must not make every view re-read the demographics)."""
    return not kinds or bool(kinds & RECORD_KINDS)
