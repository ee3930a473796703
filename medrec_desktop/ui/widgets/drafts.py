"""Draft autosave: what is typed into a form is kept for its author (issue 9, DESIGN §6).

A form that can keep a draft is a guarded form (``unsaved.py``) that also says which record
it edits (:meth:`Drafted.draft_target`), hands its fields as text (``draft_fields``) and
puts them back (``restore_fields``). A :class:`DraftKeeper` attached to it writes the draft
through ``inst.drafts`` one second after the last keystroke (so it is stored within two
seconds), on the database lane, never holding up typing; :func:`flush_drafts` writes every
unsaved form's draft at once when the screen locks. When the form is saved or its changes
discarded (it is clean again) the draft is deleted.

The draft lives in the clinic database (encrypted with it); nothing here logs what was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.drafts import item_form_key, new_form_key
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.chart_kinds import KINDS
from medrec_desktop.services.drafts import (
    DEMOGRAPHICS,
    REGISTRATION,
    REGISTRATION_KEY,
    keeps_drafts,
    may_keep,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, GuardedForm

log = logging.getLogger(__name__)

__all__ = [
    "DEMOGRAPHICS",
    "REGISTRATION",
    "DraftKeeper",
    "DraftTarget",
    "Drafted",
    "flush_drafts",
]

# Quiet time before the draft is written: one write per pause in typing, stored well within
# the two seconds the issue allows even behind a save on the database lane.
QUIET_MS = 1000


@dataclass(frozen=True)
class DraftTarget:
    """What a form's draft is about: its key, the patient (None for a new registration),
    the kind of item and the saved version the form was filled from (None for a new item)."""

    key: str
    patient_id: PatientId | None
    item_type: str
    base_version: int | None

    @classmethod
    def registration(cls) -> DraftTarget:
        """The New patient form: one draft per user, about a patient with no record yet."""
        return cls(REGISTRATION_KEY, None, REGISTRATION, None)

    @property
    def new(self) -> bool:
        """A form for something not saved yet (a new item, a new registration)."""
        return self.base_version is None

    @classmethod
    def of(
        cls, item_type: str, patient_id: PatientId, item_id: int | None, base: int | None
    ) -> DraftTarget:
        key = (
            item_form_key(item_type, item_id)
            if item_id is not None
            else new_form_key(item_type, patient_id)
        )
        return cls(key, patient_id, item_type, base if item_id is not None else None)


@runtime_checkable
class Drafted(GuardedForm, Protocol):
    """A guarded form whose typing is kept as a draft."""

    def draft_target(self) -> DraftTarget | None:
        """The record the form edits now, or None when there is nothing to keep (no patient,
        read only)."""
        ...

    def draft_fields(self) -> dict[str, str]:
        """The fields as typed, by name (a tick is "true" or "")."""
        ...

    def restore_fields(self, fields: Mapping[str, str]) -> None:
        """Put a draft's fields back into the form (left unsaved, for review)."""
        ...


def item_type_of(change: ChangeKind) -> str:
    """The item type saved by the chart form whose kind announces ``change``: the first kind
    declared with it (the allergy form, not the "no known allergies" statement)."""
    for kind in KINDS:
        if kind.change is change:
            return kind.item_type
    raise LookupError(f"no chart item kind announces {change}")


def may_keep_drafts(session: UserSession | None, target: DraftTarget | None = None) -> bool:
    """Whether the draft service keeps ``target``'s draft for this user (what saving that form
    takes), or, without a target, any draft at all (the offer at sign-in)."""
    if session is None:
        return False
    if target is None:
        return keeps_drafts(session.role)
    return may_keep(session.role, target.item_type, new=target.new)


class DraftKeeper(QObject):
    """Keeps ``form``'s draft while it holds unsaved changes (see the module docstring)."""

    def __init__(
        self,
        form: Drafted,
        tracker: ChangeTracker,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._form = form
        self._services, self._runner, self._session = services, runner, session
        self._kept: str | None = None  # the key of the draft written, to delete it later
        self.writes = 0  # drafts stored (tests and diagnostics)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(QUIET_MS)
        self.timer.timeout.connect(lambda: self.flush())
        tracker.edited.connect(self._typed)
        tracker.dirty_changed.connect(self._dirty_changed)

    def _typed(self) -> None:
        if self._form.has_unsaved_changes():
            self.timer.start()  # restarted by each keystroke: written once typing pauses

    def _dirty_changed(self, dirty: bool) -> None:
        if not dirty and not self._form.has_unsaved_changes():
            self.forget()  # saved, discarded, or typed back to what is stored

    def flush(self, session: UserSession | None = None) -> None:
        """Write the draft now if the form holds unsaved changes (``session``: the user's,
        when the screen is locking and the form's own getter no longer answers)."""
        self.timer.stop()
        who = session or self._session()
        target = self._form.draft_target()
        if (
            target is None
            or not may_keep_drafts(who, target)
            or not self._form.has_unsaved_changes()
        ):
            return
        assert who is not None
        fields = self._form.draft_fields()
        drafts = self._services.inst.drafts
        if self._kept is not None and self._kept != target.key:
            self._discard(who, self._kept)  # the form moved on to another record
        self._kept = target.key

        def work() -> None:
            drafts.save_draft(
                who, target.key, target.patient_id, target.item_type, target.base_version, fields
            )

        Op(self, work, runner=self._runner, key="draft").success(self._stored).failure(
            self._failed
        ).run()

    def forget(self, session: UserSession | None = None) -> None:
        """Delete the draft written for this form, if any (it was saved or discarded)."""
        self.timer.stop()
        key, self._kept = self._kept, None
        who = session or self._session()
        if key is not None and who is not None:
            self._discard(who, key)

    def _discard(self, who: UserSession, key: str) -> None:
        drafts = self._services.inst.drafts
        # Not latest-only: the one database lane runs it after any write queued before it.
        Op(self, lambda: drafts.discard_draft(who, key), runner=self._runner).failure(
            self._failed
        ).run()

    def adopt(self, key: str) -> None:
        """A draft restored into the form is this keeper's to replace or delete from now."""
        self._kept = key

    def _stored(self, _none: None) -> None:
        self.writes += 1

    @staticmethod
    def _failed(err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        # The form still holds the typing; a draft refused (signed out, too long) is not worth
        # interrupting the user for. The message names no patient and quotes no text.
        log.warning("A form draft was not kept: %s", type(err).__name__)


def keepers(root: QWidget) -> list[DraftKeeper]:
    return root.findChildren(DraftKeeper)


def flush_drafts(root: QWidget, session: UserSession) -> None:
    """Write the draft of every form under ``root`` holding unsaved changes (the screen is
    about to lock)."""
    for keeper in keepers(root):
        keeper.flush(session)


def discard_drafts(root: QWidget, session: UserSession) -> None:
    """Delete the drafts of every form under ``root`` (the user chose to discard them)."""
    for keeper in keepers(root):
        keeper.forget(session)
