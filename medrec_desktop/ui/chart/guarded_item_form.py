"""What every versioned item's form does as a guarded form (ui/widgets/unsaved.py): says
whether it holds unsaved changes, saves or discards them when the user leaves, goes back to
its list on Escape, and marks "Unsaved changes" beside its Save button. Shared by the chart's
item form and the encounter note's form, which differ in their fields, not in this.

On a clinic server it also says, before its user saves, that another workstation saved the
item it edits (``remote_changed``, fed by the services holder's change notices): with nothing
typed it shows their version at once; with changes it asks Reload / Keep editing
(ui/widgets/changed_elsewhere.py), and a save kept on the old version goes to the conflict
view as any refused save does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QWidget

from medrec_desktop.domain.change_notices import ChangeNotice
from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.changed_elsewhere import ChangedElsewhereBar
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, confirm_leave

UNSAVED = "Unsaved changes"


class GuardedItemForm(QWidget):
    """A base for forms that fill from a saved item (``_fill``) and save it at the version
    they were filled from (``_save``); ``closed`` is their signal back to the list."""

    # Set by the subclass's constructor.
    closed: Any  # the subclass's Signal()
    item: Any
    base_version: int | None
    pending: VersionConflictError | None
    on_reveal: Callable[[], None] | None
    conflict: Any  # the subclass's Signal(object): a save refused by a newer version
    tracker: ChangeTracker
    save_state: QLabel
    message: StatusLabel
    elsewhere: ChangedElsewhereBar  # said before a save: another workstation saved the item
    _describe: Callable[[], str]
    _runner: OpRunner
    # Their version as read when the bar asked (what Reload shows), if it could be read.
    _theirs: Any = None

    def _fill(self, item: Any) -> None:
        raise NotImplementedError  # abstract: each form fills its own fields

    def _save(self, expected: int | None, then: Callable[[], None] | None) -> None:
        raise NotImplementedError  # abstract: each form builds its own input

    def show_error(self, err: ValidationError) -> None:
        """Under the field it names (the typed text stays), or at the top."""
        raise NotImplementedError  # abstract: each form knows its fields

    def _noun(self) -> str:
        """What the form edits, for the leave question ("Problem", "Encounter")."""
        raise NotImplementedError  # abstract

    def _read_stored(self, item_id: int) -> Callable[[], Any] | None:
        """The work that reads the item as stored now (None when nobody is signed in)."""
        raise NotImplementedError  # abstract: each form reads through its own service

    def _stored_item(self, read: Any) -> ItemInfo[Any]:
        """The item in what :meth:`_read_stored` returned."""
        raise NotImplementedError  # abstract

    def _show_stored(self, read: Any) -> None:
        """Fill the form with what :meth:`_read_stored` returned (their version)."""
        raise NotImplementedError  # abstract

    def has_unsaved_changes(self) -> bool:
        return self.pending is not None or self.tracker.is_dirty()

    def unsaved_summary(self) -> str:
        changed = ", ".join(dict.fromkeys(self.tracker.changed())) or "your edits"
        return f"{self._noun()} in the chart of {self._describe()}: {changed}"

    def save_then(self, done: Callable[[], None]) -> None:
        self._save(self.base_version, done)

    def discard_changes(self) -> None:
        self.pending = None
        self._fill(self.item)
        self.closed.emit()

    def reveal(self) -> None:
        if self.on_reveal is not None:
            self.on_reveal()

    def cancel(self) -> None:
        """Back to the list; with changes, asks Save / Discard / Cancel first."""
        confirm_leave(self, [self], self.closed.emit)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)

    def _failed(self, err: BaseException) -> None:
        """A save refused: a newer version to compare with, a field to fix, or a plain
        reason; anything else is a bug (the crash dialog)."""
        self.save_state.setText("✖ Not saved")
        if isinstance(err, VersionConflictError):
            self.pending = err
            self.conflict.emit(err)
            return
        if isinstance(err, ValidationError):
            self.show_error(err)
            return
        if isinstance(err, KnownError):
            self.message.error(err.message)
            return
        raise err

    # ------------------------------------------------------------------ saved elsewhere

    def remote_changed(self, notice: ChangeNotice) -> None:
        """Another workstation committed ``notice``: if it saved a newer version of the item
        this form edits, read it (who, when) and say so before any save here."""
        item = self.item
        if item is None or self.base_version is None or self.pending is not None:
            return  # a new item, or the conflict view already shows both versions
        if not self.isVisible() and not self.has_unsaved_changes():
            return  # closed (back to its list): opened again, it reads the item afresh
        changed = notice.item(item.item_type, item.id)
        if changed is None or changed.version <= self.base_version:
            return  # not this item, or a version this form already has
        work = self._read_stored(item.id)
        if work is None:
            return
        Op(self, work, runner=self._runner, key="elsewhere").success(
            self._changed_elsewhere
        ).failure(lambda err: self._elsewhere_unread(err, notice)).run()

    def _changed_elsewhere(self, read: Any) -> None:
        stored = self._stored_item(read)
        item = self.item
        if item is None or stored.id != item.id or stored.version <= (self.base_version or 0):
            return  # the form moved on (another item, or saved) while this was read
        if self.pending is not None:
            return
        if self.has_unsaved_changes():
            self._theirs = read
            self.elsewhere.show_change(stored.changed_at, stored.changed_by)
        else:
            self._show_stored(read)
            self.elsewhere.show_reloaded(stored.changed_at, stored.changed_by)

    def _elsewhere_unread(self, err: BaseException, notice: ChangeNotice) -> None:
        """Their version could not be read (e.g. it now carries a label this role may not
        see): the change is still said, without a name; Reload then explains."""
        if not isinstance(err, KnownError):
            raise err
        if self.item is not None and self.pending is None:
            self._theirs = None
            self.elsewhere.show_change(notice.at, None)

    def reload_theirs(self) -> None:
        """The user chose their version: the form shows it; what was typed is dropped."""
        self.elsewhere.hide()
        read, self._theirs = self._theirs, None
        if read is not None:
            self.pending = None
            self._show_stored(read)
            return
        if self.item is None or (work := self._read_stored(self.item.id)) is None:
            return
        Op(self, work, runner=self._runner, key="elsewhere").success(self._show_stored).failure(
            self._reload_failed
        ).run()

    def _reload_failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def keep_editing(self) -> None:
        """The user goes on with their changes; the save will show both versions."""
        self.elsewhere.hide()
        self.focus_first()

    def focus_first(self) -> None:
        raise NotImplementedError  # abstract: each form knows its first field

    def _dirty_changed(self, dirty: bool) -> None:
        if dirty:
            self.save_state.setText(UNSAVED)
        elif self.save_state.text() == UNSAVED:
            self.save_state.clear()
