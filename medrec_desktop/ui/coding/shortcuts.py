"""Keys that belong to one widget of the coding panel (Enter in the results, Delete in the
claim), never to the whole window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def widget_shortcut(
    keys: QKeySequence | Qt.Key | str, widget: QWidget, slot: Callable[[], object]
) -> QShortcut:
    """A shortcut live only while ``widget`` has the focus.

    The context is set after construction on purpose: PySide6 (6.11) drops the ``context=``
    keyword of the constructor that takes a callable, which left these keys window-wide:
    Enter typed anywhere in the panel added the current result, and the panel's Ctrl+F
    clashed with the main window's.
    """
    shortcut = QShortcut(QKeySequence(keys), widget)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    shortcut.activated.connect(slot)
    return shortcut
