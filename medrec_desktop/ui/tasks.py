"""DbOp: run a service call on the single database worker thread, answer on the GUI thread.

    DbOp(parent, fn).success(on_ok).failure(on_error).run()

``fn`` runs off the GUI thread and must not touch widgets; the callbacks run on the GUI
thread. One worker thread serialises database work, so the GUI never waits on a query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

_pool: QThreadPool | None = None
# Operations in flight. Nothing else refers to a DbOp once run() returns; without this its
# callbacks would be garbage-collected before the answer arrives.
_pending: set[DbOp] = set()


def db_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


class _Outcome:
    """What crosses threads: always an object of ours, never a bare None.

    PySide6 on Python 3.11 mis-counts references when ``Signal(object)`` carries ``None``
    across threads, which eventually crashes the interpreter ("none_dealloc").
    """

    __slots__ = ("ok", "value")

    def __init__(self, ok: bool, value: Any) -> None:
        self.ok = ok
        self.value = value


class _Relay(QObject):
    finished = Signal(object)  # _Outcome


def _job(fn: Callable[[], Any], relay: _Relay) -> Callable[[], None]:
    def run() -> None:
        try:
            outcome = _Outcome(True, fn())
        except BaseException as err:  # delivered to the GUI thread, never lost
            outcome = _Outcome(False, err)
        relay.finished.emit(outcome)

    return run


class DbOp:
    def __init__(self, parent: QObject, fn: Callable[[], Any]) -> None:
        self._relay = _Relay(parent)
        self._relay.finished.connect(self._deliver)
        self._fn = fn
        self._on_success: list[Callable[[Any], None]] = []
        self._on_failure: list[Callable[[BaseException], None]] = []

    def success(self, cb: Callable[[Any], None]) -> DbOp:
        self._on_success.append(cb)
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> DbOp:
        self._on_failure.append(cb)
        return self

    def _deliver(self, outcome: _Outcome) -> None:
        _pending.discard(self)
        self._relay.deleteLater()
        if outcome.ok:
            for cb in self._on_success:
                cb(outcome.value)
        else:
            if not self._on_failure:
                raise outcome.value  # unhandled: the crash handler reports it
            for fail in self._on_failure:
                fail(outcome.value)

    def run(self) -> None:
        # A plain callable: PySide6 wraps it; a QRunnable subclass with autoDelete is not safe
        # to hand over from Python here.
        _pending.add(self)
        db_pool().start(_job(self._fn, self._relay))
