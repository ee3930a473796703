"""The one place screens get their services from, and the patient change notifications.

Screens keep the holder, never a service: they read ``holder.inst.patients`` (or
``holder.coding``) at the moment they call, so after a restore or a reconnect, when the holder
swaps the whole bundle at once, every screen (and every screen opened later) works on the new
database. Nobody sets another object's private attributes.

After a successful write the UI (never a service: services stay Qt-free) calls
``holder.notify_changed(patient_id, kinds)``; every view showing that patient refreshes.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.services.coding import CodeSets, CodingService
from medrec_desktop.services.installation import Installation


class ServicesHolder(QObject):
    #: the bundle was replaced (restore, reconnect): views drop what they show and reload
    swapped = Signal()
    #: (patient_id: int, kinds: frozenset[ChangeKind]) a write for this patient succeeded
    changed = Signal(int, object)

    def __init__(
        self, *, inst: Installation, code_sets: CodeSets, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._code_sets = code_sets
        self._inst = inst
        self._coding = CodingService(ctx=inst.ctx, codes=code_sets)

    @property
    def inst(self) -> Installation:
        return self._inst

    @property
    def coding(self) -> CodingService:
        return self._coding

    @property
    def code_sets(self) -> CodeSets:
        return self._code_sets

    def swap(self, inst: Installation) -> None:
        """Work on ``inst`` from now on (the caller has closed the old one)."""
        self._inst = inst
        # Imports are audited in the records database, so the coding service follows it; the
        # code sets themselves are the workstation's and stay open.
        self._coding = CodingService(ctx=inst.ctx, codes=self._code_sets)
        self.swapped.emit()

    def notify_changed(self, patient_id: int, kinds: Iterable[ChangeKind]) -> None:
        self.changed.emit(int(patient_id), frozenset(kinds))


# What the patient's own record (name, birth date, contacts, insurance, merge) shows; an
# empty set means "anything may have changed".
RECORD_KINDS = frozenset({ChangeKind.DEMOGRAPHICS, ChangeKind.MERGE})


def record_changed(kinds: frozenset[ChangeKind]) -> bool:
    """Whether a change notification concerns the patient's own record, not only chart items
    (a saved problem must not make every view re-read the demographics)."""
    return not kinds or bool(kinds & RECORD_KINDS)
