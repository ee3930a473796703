"""Unsaved changes are never lost silently: one mechanism for every form.

A form owns a :class:`ChangeTracker` that watches its input widgets and compares what they show
with what was last loaded or saved (typing a value and typing it back is not a change). A form
that can be left implements :class:`GuardedForm`; whoever is about to take the user away
(closing a chart, opening another patient, Ctrl+F, signing out, closing the window) calls
:func:`confirm_leave`, which asks Save / Discard / Cancel for each form holding changes and
goes on only when the user's answer allows it. The question is asked with a window-modal box
opened without a nested event loop, so saves running in the background keep answering.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, cast, runtime_checkable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

Value = str | bool | int | float


def _value(widget: QWidget) -> Value:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QTextEdit):
        return widget.toHtml()
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime().toString()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    raise TypeError(f"cannot track {type(widget).__name__}")


def _changed_signal(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return widget.currentTextChanged
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTimeChanged
    if isinstance(widget, QAbstractButton):
        return widget.toggled
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
        # QSpinBox and QDoubleSpinBox have textChanged; other spin boxes finish editing.
        return getattr(widget, "textChanged", None) or widget.editingFinished  # type: ignore[union-attr]
    raise TypeError(f"cannot track {type(widget).__name__}")


def _label(widget: QWidget) -> str:
    name = widget.accessibleName() or widget.objectName() or type(widget).__name__
    return name.replace(" (required)", "")


class ChangeTracker(QObject):
    """Whether a form's inputs differ from the values it last loaded or saved."""

    dirty_changed = Signal(bool)
    #: the user changed a watched input (not a load): what the draft autosave listens to
    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._widgets: list[QWidget] = []
        self._baseline: list[Value] = []
        self._dirty = False
        self._paused = 0

    def watch(self, widgets: Iterable[QWidget]) -> None:
        for widget in widgets:
            self._widgets.append(widget)
            self._baseline.append(_value(widget))
            _changed_signal(widget).connect(self._check)  # type: ignore[attr-defined]

    def mark_clean(self) -> None:
        """What the widgets show now is what is stored (just loaded or saved)."""
        self._baseline = [_value(w) for w in self._widgets]
        self._set(False)

    def loading(self) -> _Pause:
        """``with tracker.loading(): fill the form`` -> the filled values are the baseline."""
        return _Pause(self)

    def is_dirty(self) -> bool:
        return self._dirty

    def changed_widgets(self) -> list[QWidget]:
        """The watched inputs that differ from the baseline, in form order."""
        return [
            w
            for w, before in zip(self._widgets, self._baseline, strict=True)
            if _value(w) != before
        ]

    def changed(self) -> list[str]:
        """The accessible names of the inputs that differ, in form order."""
        return [_label(w) for w in self.changed_widgets()]

    def _check(self, *_args: object) -> None:
        if self._paused:
            return
        self._set(any(_value(w) != b for w, b in zip(self._widgets, self._baseline, strict=True)))
        self.edited.emit()

    def _set(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)


class _Pause:
    def __init__(self, tracker: ChangeTracker) -> None:
        self._tracker = tracker

    def __enter__(self) -> None:
        self._tracker._paused += 1

    def __exit__(self, *_exc: object) -> None:
        self._tracker._paused -= 1
        if not self._tracker._paused:
            self._tracker.mark_clean()


@runtime_checkable
class GuardedForm(Protocol):
    """A form that can hold changes the user has not saved."""

    def has_unsaved_changes(self) -> bool: ...

    def unsaved_summary(self) -> str:
        """What would be lost, in words: "Demographics of Smith, John: Mobile phone"."""
        ...

    def save_then(self, done: Callable[[], None]) -> None:
        """Save; call ``done`` only after the save succeeded (a failure shows its message in
        the form and leaves the user there)."""
        ...

    def discard_changes(self) -> None: ...

    def reveal(self) -> None:
        """Bring the form into view, so the user sees what they are asked about."""
        ...


# Every guarded form, registered by its constructor: finding the forms of a window is then a
# walk over a dozen objects, not over every widget (an open chart has thousands, and a
# Protocol isinstance check on each took about 40 ms per Ctrl+F or chart opening).
_TRACKED: weakref.WeakSet[QWidget] = weakref.WeakSet()


def track(form: QWidget) -> None:
    """Register ``form`` (a :class:`GuardedForm` widget) for :func:`guarded_under`."""
    _TRACKED.add(form)


def guarded_under(root: QWidget) -> list[GuardedForm]:
    """The registered forms inside ``root`` (those whose widget still exists)."""
    return [
        cast(GuardedForm, f)
        for f in list(_TRACKED)
        if shiboken6.isValid(f) and root.isAncestorOf(f)
    ]


def saved_stamp(now: dt.datetime | None = None) -> str:
    """ "✓ Saved 14:02", in local time: said where the user is looking after every save."""
    moment = (now or dt.datetime.now().astimezone()).astimezone()
    return f"✓ Saved {moment:%H:%M}"


class LeavePrompt(QMessageBox):
    """Save / Discard / Cancel for one form; ``parent.findChild(LeavePrompt)`` finds it."""

    def __init__(self, form: GuardedForm, parent: QWidget) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Unsaved changes")
        self.setText("You have changes that are not saved.")
        self.setInformativeText(f"{form.unsaved_summary()}\n\nSave them before you go on?")
        self.save_button = self.addButton(QMessageBox.StandardButton.Save)
        self.discard_button = self.addButton(QMessageBox.StandardButton.Discard)
        self.cancel_button = self.addButton(QMessageBox.StandardButton.Cancel)
        # Enter saves (keeps the work); Escape stays (keeps it too). Discard needs a click or
        # its own key, never a reflex.
        self.setDefaultButton(self.save_button)
        self.setEscapeButton(self.cancel_button)


def confirm_leave(
    parent: QWidget,
    forms: Sequence[GuardedForm],
    proceed: Callable[[], None],
    *,
    show: Callable[[GuardedForm], None] | None = None,
) -> None:
    """Go on (call ``proceed``) once no form in ``forms`` holds unsaved changes: each one with
    changes is shown (``show`` brings its area forward, then the form reveals itself) and asked
    about in turn. Cancel keeps the user where they are, looking at the form."""
    dirty = [f for f in forms if f.has_unsaved_changes()]
    if not dirty:
        proceed()
        return
    form, rest = dirty[0], dirty[1:]
    if getattr(form, "saving", False):
        # Already being saved (Save was pressed, or asked for a moment ago): go on once it
        # is stored instead of asking about the same changes again.
        form.save_then(lambda: confirm_leave(parent, rest, proceed, show=show))
        return
    if show is not None:
        show(form)
    form.reveal()
    box = LeavePrompt(form, parent)

    def answered(_result: int) -> None:
        clicked = box.clickedButton()
        box.deleteLater()
        if getattr(parent, "locked", False):
            return  # closed by the lock: nobody at the screen may answer for the user
        if clicked is box.save_button:
            form.save_then(lambda: confirm_leave(parent, rest, proceed, show=show))
        elif clicked is box.discard_button:
            form.discard_changes()
            confirm_leave(parent, rest, proceed, show=show)

    # Answered once the box has closed and handed focus back, so where the user goes next
    # (the search box, another chart) keeps the cursor.
    box.finished.connect(lambda result: QTimer.singleShot(0, lambda: answered(result)))
    box.open()


class DiscardGuardDialog(QDialog):
    """A dialog whose Escape / Cancel asks before throwing away what was typed.

    The text inputs it holds when first shown are watched (their values then are the
    baseline); an unchanged dialog closes at once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracker = ChangeTracker(self)
        self._asking = False
        self._watching = False
        self.discard_prompt: QMessageBox | None = None

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        if not self._watching:
            self._watching = True
            self.tracker.watch(
                w
                for w in self.findChildren(QWidget)
                if isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit)
                and not isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox)
            )
        super().showEvent(event)

    def reject(self) -> None:
        if not self.tracker.is_dirty() or self._asking:
            super().reject()
            return
        self._asking = True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Discard what you typed?")
        box.setText("Close this dialog and discard what you typed?")
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.discard_prompt = box

        def answered(_result: int) -> None:
            self._asking = False
            if box.clickedButton() is discard:
                QDialog.reject(self)
            box.deleteLater()

        box.finished.connect(answered)
        box.open()
