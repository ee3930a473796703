"""Shortcuts that belong to one part of a screen (a list, a form, the coding panel's results),
never to the whole window unless asked."""

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

    The context is set after construction on purpose: PySide6 (6.11) drops the ``context=``
    keyword of the constructor taking a callable, which left keys window-wide: Enter typed
    anywhere in the coding panel added the current result, its Ctrl+F clashed with the main
    window's, and a key held by two chart lists was ambiguous and did nothing.
    """
    made = QShortcut(QKeySequence(keys), widget)
    made.setContext(context)
    made.activated.connect(slot)
    return made
