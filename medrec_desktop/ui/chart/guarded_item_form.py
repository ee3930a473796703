"""What every versioned item's form does as a guarded form (ui/widgets/unsaved.py): says
whether it holds unsaved changes, saves or discards them when the user leaves, goes back to
its list on Escape, and marks "Unsaved changes" beside its Save button. Shared by the chart's
item form and the encounter note's form, which differ in their fields, not in this."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QWidget

from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.services.versioning import VersionConflictError
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
    _describe: Callable[[], str]

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

    def _dirty_changed(self, dirty: bool) -> None:
        if dirty:
            self.save_state.setText(UNSAVED)
        elif self.save_state.text() == UNSAVED:
            self.save_state.clear()
