"""The code-set store's own worker thread: searches never queue behind record saves.

The store holds no PHI and opens one SQLite connection per thread, so it gets a private
one-thread pool instead of the database worker behind ``DbOp``. Same shape as ``DbOp``:

    CodesOp(parent, pool, fn).success(cb).failure(cb).run()
    CodesOp(parent, pool, fn, with_progress=True).progress(cb).success(cb).run()

``fn`` runs off the GUI thread and never touches a widget; the callbacks run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal


def codes_pool() -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool


class _Outcome:
    # Always an object of ours across threads: PySide6 on Python 3.11 mis-counts references
    # when a Signal(object) carries a bare None between threads.
    __slots__ = ("ok", "value")

    def __init__(self, ok: bool, value: Any) -> None:
        self.ok = ok
        self.value = value


class _Relay(QObject):
    finished = Signal(object)
    progressed = Signal(int, int)


class CodesOp:
    def __init__(
        self,
        parent: QObject,
        pool: QThreadPool,
        fn: Callable[..., Any],
        *,
        with_progress: bool = False,
    ) -> None:
        self._relay = _Relay(parent)
        # a lambda, not the bound method: Qt keeps the lambda (and so this op) alive until
        # the answer lands, where a bound method would let the op be collected first
        self._relay.finished.connect(lambda outcome: self._deliver(outcome))
        self._pool = pool
        self._fn = fn
        self._with_progress = with_progress
        self._on_success: list[Callable[[Any], None]] = []
        self._on_failure: list[Callable[[BaseException], None]] = []

    def success(self, cb: Callable[[Any], None]) -> CodesOp:
        self._on_success.append(cb)
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> CodesOp:
        self._on_failure.append(cb)
        return self

    def progress(self, cb: Callable[[int, int], None]) -> CodesOp:
        """``fn`` is then called with ``progress(done, total)``, relayed to ``cb``."""
        self._relay.progressed.connect(cb)
        return self

    def _deliver(self, outcome: _Outcome) -> None:
        self._relay.deleteLater()
        if outcome.ok:
            for cb in self._on_success:
                cb(outcome.value)
        elif not self._on_failure:
            raise outcome.value  # unhandled: the crash handler reports it
        else:
            for fail in self._on_failure:
                fail(outcome.value)

    def run(self) -> None:
        relay, fn, with_progress = self._relay, self._fn, self._with_progress

        def job() -> None:
            try:
                value = fn(relay.progressed.emit) if with_progress else fn()
                outcome = _Outcome(True, value)
            except BaseException as err:  # delivered to the GUI thread, never lost
                outcome = _Outcome(False, err)
            relay.finished.emit(outcome)

        self._pool.start(job)


class LatestCall(QObject):
    """At most one call in flight; a newer request replaces any waiting one, and a result is
    delivered only if no newer request came in meanwhile: the latest request wins and work
    never piles up behind fast typing."""

    def __init__(
        self, parent: QObject, pool: QThreadPool, on_error: Callable[[BaseException], None]
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._on_error = on_error
        self._busy = False
        self._stale = False
        self._waiting: tuple[Callable[[], Any], Callable[[Any], None]] | None = None

    @property
    def busy(self) -> bool:
        return self._busy or self._waiting is not None

    def call(self, fn: Callable[[], Any], cb: Callable[[Any], None]) -> None:
        if self._busy:
            self._waiting = (fn, cb)
            return
        self._busy = True
        CodesOp(self, self._pool, fn).success(lambda v: self._done(cb, v, None)).failure(
            lambda e: self._done(cb, None, e)
        ).run()

    def cancel(self) -> None:
        """Forget the waiting request (the one in flight is dropped when it lands)."""
        self._waiting = None
        self._stale = self._busy

    def _done(self, cb: Callable[[Any], None], value: Any, err: BaseException | None) -> None:
        self._busy = False
        stale, self._stale = self._stale, False
        if self._waiting is not None:
            fn, newer = self._waiting
            self._waiting = None
            self.call(fn, newer)
            return
        if stale:
            return
        if err is not None:
            self._on_error(err)
        else:
            cb(value)
