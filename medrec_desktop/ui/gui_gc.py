"""Python's cyclic garbage collection, run on the GUI thread only.

The collector runs on whichever thread happens to allocate when a generation's threshold is
crossed. With the Op lanes (``ui.tasks``) that is often a worker thread, which then destroys
whatever cyclic garbage is waiting, Qt widgets of a closed screen included, off the GUI thread:
Qt crashes (a segmentation fault "Garbage-collecting" inside a database read, seen in the test
suite). So while an :class:`OpRunner` exists, automatic collection is off and a timer on the
GUI thread collects by the same thresholds (the approach Anki takes for the same reason).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QTimer

#: how often the GUI thread looks at the collector's counts
INTERVAL_MS = 500


@dataclass
class _Hold:
    """One collector's hold on automatic collection, released once (by ``stop`` or when the
    collector is destroyed without it: a runner dropped without ``shutdown`` must not leave
    the process without any collection)."""

    released: bool = False


def _release(hold: _Hold, *_destroyed: object) -> None:
    if hold.released:
        return
    hold.released = True
    GuiThreadCollector._running -= 1
    if GuiThreadCollector._running == 0:
        gc.enable()


class GuiThreadCollector(QObject):
    """Made on the GUI thread (by the OpRunner); ``stop`` when the runner shuts down."""

    _running = 0  # collectors alive in this process: automatic collection is back at zero

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()
        self._hold = _Hold()
        GuiThreadCollector._running += 1
        gc.disable()
        self.destroyed.connect(partial(_release, self._hold))

    def collect_due(self) -> None:
        """Collect the generations whose counts passed their thresholds, youngest first."""
        first, second, third = self._thresholds
        young, middle, old = gc.get_count()
        if young <= first:
            return
        generation = 0
        if middle > second:
            generation = 2 if old > third else 1
        gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        _release(self._hold)
