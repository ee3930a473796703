"""Op: the one way UI code runs work off the GUI thread (DESIGN §3).

    Op(widget, fn, runner=runner).success(on_ok).failure(on_error).run()
    Op(widget, fn, runner=runner, lane=Lane.CODES, key="search").success(show).run()
    Op.with_job(widget, fn, runner=runner, lane=Lane.LONG).progress(cb).success(cb).run()

``fn`` runs on a worker thread of its lane and never touches a widget; ``with_job`` hands it a
:class:`Job` to report progress and to see whether it was cancelled. The callbacks run on the
GUI thread, and only while the op's widget still exists and the op was not cancelled or
superseded: a result whose widget has gone (sign-out, restore, a closed screen) is dropped.

The thread pools belong to an :class:`OpRunner`, made once by the composition root (app.py) and
handed to the screens; nothing here is module-level state.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from medrec_desktop.ui.gui_gc import GuiThreadCollector

T = TypeVar("T")


class Lane(StrEnum):
    """A kind of work with threads of its own, so one kind never queues behind another."""

    #: database reads and writes: one thread, so a user's actions reach the database in order
    DB = "db"
    #: code-set lookups: a search never waits behind a save
    CODES = "codes"
    #: imports and backups: minutes of work that must not hold up the other two
    LONG = "long"


DEFAULT_THREADS: Mapping[Lane, int] = {Lane.DB: 1, Lane.CODES: 1, Lane.LONG: 2}


class Cancelled(Exception):
    """Raised by :meth:`Job.check` inside ``fn`` to stop early; never reaches a callback."""


class Job:
    """What ``fn`` sees on the worker thread: progress reporting and the cancel flag."""

    def __init__(self, runner: OpRunner, op_id: int) -> None:
        self._runner = runner
        self._op_id = op_id
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int) -> None:
        """Relayed to the op's progress callbacks on the GUI thread (dropped if cancelled)."""
        if not self._cancel.is_set():
            self._runner._progressed.emit(_Progress(self._op_id, done, total))


class _Outcome:
    """What crosses threads: always an object of ours, never a bare None.

    PySide6 on Python 3.11 mis-counts references when ``Signal(object)`` carries ``None``
    across threads, which eventually crashes the interpreter ("none_dealloc").
    """

    __slots__ = ("op_id", "ok", "value")

    def __init__(self, op_id: int, ok: bool, value: Any) -> None:
        self.op_id, self.ok, self.value = op_id, ok, value


class _Progress:
    __slots__ = ("op_id", "done", "total")

    def __init__(self, op_id: int, done: int, total: int) -> None:
        self.op_id, self.done, self.total = op_id, done, total


class Op(Generic[T]):
    """One piece of work for a widget; see the module docstring."""

    def __init__(
        self,
        parent: QObject,
        fn: Callable[[], T],
        *,
        runner: OpRunner,
        lane: Lane = Lane.DB,
        key: Hashable | None = None,
    ) -> None:
        self._init(parent, lambda _job: fn(), runner, lane, key)

    @classmethod
    def with_job(
        cls,
        parent: QObject,
        fn: Callable[[Job], T],
        *,
        runner: OpRunner,
        lane: Lane = Lane.DB,
        key: Hashable | None = None,
    ) -> Op[T]:
        """An op whose ``fn`` reports progress or checks for cancellation through a Job."""
        op: Op[T] = cls.__new__(cls)
        op._init(parent, fn, runner, lane, key)
        return op

    def _init(
        self,
        parent: QObject,
        fn: Callable[[Job], T],
        runner: OpRunner,
        lane: Lane,
        key: Hashable | None,
    ) -> None:
        self.id = runner._new_id()
        # A weak reference: an op in flight must not keep a closed screen alive.
        self._parent = weakref.ref(parent)
        self._fn = fn
        self._runner = runner
        self.lane = lane
        # Latest-only is per widget: two coding panels each keep their own latest search.
        self.key = (id(parent), key) if key is not None else None
        self.job = Job(runner, self.id)
        self._on_success: list[Callable[[T], None]] = []
        self._on_failure: list[Callable[[BaseException], None]] = []
        self._on_progress: list[Callable[[int, int], None]] = []
        self._on_finished: list[Callable[[], None]] = []

    def success(self, cb: Callable[[T], None]) -> Op[T]:
        self._on_success.append(cb)
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure.append(cb)
        return self

    def progress(self, cb: Callable[[int, int], None]) -> Op[T]:
        self._on_progress.append(cb)
        return self

    def finished(self, cb: Callable[[], None]) -> Op[T]:
        """Called after success/failure, and also when the op was cancelled (not superseded
        by a dead widget): e.g. to close a progress dialog once the worker has stopped."""
        self._on_finished.append(cb)
        return self

    @property
    def cancelled(self) -> bool:
        return self.job.cancelled

    def cancel(self) -> None:
        """Drop the result; ``fn`` sees ``job.cancelled`` and may stop early."""
        self.job._cancel.set()

    def run(self) -> Op[T]:
        self._runner._start(self)
        return self

    # -- GUI thread only -----------------------------------------------------------------
    def _widget_alive(self) -> bool:
        parent = self._parent()
        return parent is not None and shiboken6.isValid(parent)

    def _work(self) -> _Outcome:  # worker thread
        if self.job.cancelled:  # superseded or cancelled while queued: skip the work
            return _Outcome(self.id, False, Cancelled())
        try:
            return _Outcome(self.id, True, self._fn(self.job))
        except BaseException as err:  # delivered to the GUI thread, never lost
            return _Outcome(self.id, False, err)

    def _deliver(self, outcome: _Outcome) -> None:
        if not self.job.cancelled:
            if outcome.ok:
                for cb in self._on_success:
                    cb(outcome.value)
            elif not self._on_failure:
                raise outcome.value  # unhandled: the crash handler reports it
            else:
                for fail in self._on_failure:
                    fail(outcome.value)
        for done in self._on_finished:
            done()


class OpRunner(QObject):
    """Owns one thread pool per lane and brings every result back to the GUI thread.

    Make it on the GUI thread. Results travel through a queued signal of this object (which
    outlives every screen), never through an object a screen owns, so a screen deleted while
    its work runs cannot be emitted to.
    """

    _finished = Signal(object)  # _Outcome
    _progressed = Signal(object)  # _Progress

    def __init__(
        self, *, threads: Mapping[Lane, int] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        counts = {**DEFAULT_THREADS, **(threads or {})}
        self._pools: dict[Lane, QThreadPool] = {}
        for lane in Lane:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(counts[lane])
            self._pools[lane] = pool
        self._ids = itertools.count(1)
        # Ops in flight by id: what keeps an op (and its callbacks) alive until it lands.
        self._ops: dict[int, Op[Any]] = {}
        self._latest: dict[Hashable, int] = {}
        #: results not delivered because the op was cancelled or superseded, or its widget
        #: had gone (counted for tests and diagnostics)
        self.dropped = 0
        self.delivered = 0
        # Queued: the slot always runs on this object's (the GUI) thread, whichever thread
        # emits.
        self._finished.connect(self._land, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._report, Qt.ConnectionType.QueuedConnection)
        # Worker threads must never run the garbage collector (it would destroy Qt objects
        # off the GUI thread): while lanes exist, collection happens on this thread.
        self._collector = GuiThreadCollector(self)

    def _new_id(self) -> int:
        return next(self._ids)

    def pool(self, lane: Lane) -> QThreadPool:
        return self._pools[lane]

    @property
    def in_flight(self) -> int:
        return len(self._ops)

    def _start(self, op: Op[Any]) -> None:
        if op.key is not None:
            previous = self._ops.get(self._latest.get(op.key, -1))
            if previous is not None:
                previous.cancel()  # its result is dropped; if still queued it never runs
            self._latest[op.key] = op.id
        self._ops[op.id] = op
        emit = self._finished.emit

        # A plain callable: PySide6 wraps it; a QRunnable subclass with autoDelete is not
        # safe to hand over from Python here.
        def job() -> None:
            emit(op._work())

        self._pools[op.lane].start(job)

    def cancel_all(self) -> None:
        """Sign-out, restore, shutdown: nothing in flight may answer any more."""
        for op in list(self._ops.values()):
            op.cancel()

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until every lane is idle (shutdown and tests only: the GUI never waits)."""
        return all(pool.waitForDone(msecs) for pool in self._pools.values())

    def shutdown(self) -> None:
        self.cancel_all()
        self.wait_for_done()
        self._collector.stop()

    @Slot(object)
    def _land(self, outcome: _Outcome) -> None:
        op = self._ops.pop(outcome.op_id, None)
        if op is None:
            return
        if op.key is not None and self._latest.get(op.key) == op.id:
            del self._latest[op.key]
        if not op._widget_alive():
            self.dropped += 1
            return
        if op.cancelled:
            self.dropped += 1
        else:
            self.delivered += 1
        op._deliver(outcome)

    @Slot(object)
    def _report(self, progress: _Progress) -> None:
        op = self._ops.get(progress.op_id)
        if op is None or op.cancelled or not op._widget_alive():
            return
        for cb in op._on_progress:
            cb(progress.done, progress.total)
