"""DbOp: run a service call on the single database worker thread, answer on the GUI thread.

    DbOp(parent, fn).success(on_ok).failure(on_error).run()

``fn`` runs off the GUI thread and must not touch widgets; the callbacks run on the GUI
thread. One worker thread serialises database work, so the GUI never waits on a query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

_pool: QThreadPool | None = None


def db_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as err:  # delivered to the GUI thread, never lost
            self._relay.failed.emit(err)
        else:
            self._relay.done.emit(result)


class DbOp:
    def __init__(self, parent: QObject, fn: Callable[[], Any]) -> None:
        self._relay = _Relay(parent)
        self._fn = fn

    def success(self, cb: Callable[[Any], None]) -> DbOp:
        self._relay.done.connect(cb)
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> DbOp:
        self._relay.failed.connect(cb)
        return self

    def run(self) -> None:
        db_pool().start(_Job(self._fn, self._relay))
