"""Shortcuts that belong to one part of the chart, never to the whole window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def shortcut(
    keys: QKeySequence | Qt.Key | str,
    widget: QWidget,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetShortcut,
) -> QShortcut:
    """``keys`` on ``widget`` (by default only while it has the cursor).

    The context is set after construction: PySide6 drops the ``context=`` keyword of the
    constructor taking a callable (see ``ui/coding/shortcuts.py``), which would leave the
    key window-wide and, with two lists holding it, ambiguous: it would do nothing.
    """
    made = QShortcut(QKeySequence(keys), widget)
    made.setContext(context)
    made.activated.connect(slot)
    return made
