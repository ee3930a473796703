"""Pane widths the user chose, kept in the workstation's QSettings from one session to the next.

Only a drag of a handle is saved (``splitterMoved`` is emitted for nothing else), so a window
that opens smaller, or content that changes, never overwrites what the user set.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter, QWidget


def workstation_settings(widget: QWidget) -> QSettings:
    """The preferences of the window ``widget`` is in, when it keeps them (the main window:
    each test window has its own file), else the application's."""
    owner = getattr(widget.window(), "settings", None)
    return owner if isinstance(owner, QSettings) else QSettings("medrec-desktop", "medrec-desktop")


def fixed_width_pane(pane: QWidget, *, min_width: int = 0, min_height: int = 0) -> QWidget:
    """Let a splitter, not the pane's content, decide the pane's size.

    A splitter never makes a pane smaller than its content's minimum, so a long line in one
    pane (a note, a 7th-character meaning) would take width from its neighbours each time
    another code is selected. With an ignored size policy only the explicit minimum counts;
    the content wraps inside whatever width the user gave the pane.
    """
    policy = pane.sizePolicy()
    if min_width:
        policy.setHorizontalPolicy(policy.Policy.Ignored)
        pane.setMinimumWidth(min_width)
    if min_height:
        policy.setVerticalPolicy(policy.Policy.Ignored)
        pane.setMinimumHeight(min_height)
    pane.setSizePolicy(policy)
    return pane


class SplitterMemory:
    """Restores and saves the state of named splitters under ``group/name`` in ``settings``."""

    def __init__(self, settings: QSettings, group: str, splitters: dict[str, QSplitter]) -> None:
        self._settings = settings
        self._group = group
        self._splitters = splitters
        for name, splitter in splitters.items():
            splitter.splitterMoved.connect(lambda _pos, _i, name=name: self.save(name))

    def _key(self, name: str) -> str:
        return f"{self._group}/{name}"

    def restore(self) -> None:
        for name, splitter in self._splitters.items():
            state = self._settings.value(self._key(name))
            # A missing or damaged entry leaves the default sizes: preferences are not data.
            if isinstance(state, QByteArray | bytes) and not splitter.restoreState(
                QByteArray(state)
            ):
                self._settings.remove(self._key(name))

    def save(self, name: str) -> None:
        self._settings.setValue(self._key(name), self._splitters[name].saveState())
