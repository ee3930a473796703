"""The one operation API: lanes, latest-only, cancel, progress, and a widget that dies first.

Work is held on its worker thread by a gate (a threading.Event the test opens), so every
ordering below is forced, not timed; nothing sleeps.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner

WAIT = 10_000


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    g = threading.Event()
    yield g
    g.set()  # never leave a worker waiting


def settle(runner: OpRunner) -> None:
    """Every lane idle, then every queued answer handled on the GUI thread."""
    assert runner.wait_for_done(WAIT)
    QCoreApplication.processEvents()


def test_the_answer_comes_back_on_the_gui_thread(qtbot: QtBot, runner: OpRunner) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: list[tuple[int, bool]] = []
    worker: list[bool] = []

    def work() -> int:
        worker.append(QThread.currentThread() == QCoreApplication.instance().thread())
        return 41 + 1

    Op(widget, work, runner=runner).success(
        lambda v: seen.append((v, QThread.currentThread() == widget.thread()))
    ).run()
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT)
    assert seen == [(42, True)] and worker == [False]


def test_a_widget_deleted_while_its_work_runs_hears_nothing(
    qtbot: QtBot, runner: OpRunner, gate: threading.Event
) -> None:
    widget = QWidget()
    called: list[object] = []
    started = threading.Event()

    def work() -> str:
        started.set()
        gate.wait()
        return "late answer"

    op = Op(widget, work, runner=runner).success(called.append).failure(called.append)
    op.finished(lambda: called.append("finished")).run()
    assert started.wait(WAIT / 1000)
    # The screen goes away (sign-out, restore, closed tab) while the worker still runs.
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(widget)
    gate.set()
    settle(runner)
    assert called == [] and runner.dropped == 1 and runner.in_flight == 0


def test_latest_only_drops_superseded_answers_and_skips_queued_work(
    qtbot: QtBot, runner: OpRunner, gate: threading.Event
) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    ran: list[str] = []
    shown: list[str] = []
    # Hold the one code-set thread so the three searches queue, as under fast typing.
    runner.pool(Lane.CODES).start(gate.wait)
    for text in ("a", "as", "ast"):

        def search(t: str = text) -> str:
            ran.append(t)
            return t

        Op(widget, search, runner=runner, lane=Lane.CODES, key="q").success(shown.append).run()
    gate.set()
    settle(runner)
    assert shown == ["ast"]
    assert ran == ["ast"]  # superseded work still waiting never ran at all
    assert runner.dropped == 2


def test_latest_only_is_per_widget(qtbot: QtBot, runner: OpRunner) -> None:
    one, two = QWidget(), QWidget()
    qtbot.addWidget(one)
    qtbot.addWidget(two)
    shown: list[str] = []
    Op(one, lambda: "one", runner=runner, key="search").success(shown.append).run()
    Op(two, lambda: "two", runner=runner, key="search").success(shown.append).run()
    settle(runner)
    assert sorted(shown) == ["one", "two"]


def test_cancel_drops_the_result_and_the_work_sees_it(
    qtbot: QtBot, runner: OpRunner, gate: threading.Event
) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    started = threading.Event()
    saw_cancel: list[bool] = []
    called: list[str] = []

    def work(job: Job) -> str:
        started.set()
        gate.wait()
        saw_cancel.append(job.cancelled)
        return "result"

    op = Op.with_job(widget, work, runner=runner, lane=Lane.LONG)
    op.success(lambda _v: called.append("success")).finished(lambda: called.append("finished"))
    op.run()
    assert started.wait(WAIT / 1000)
    op.cancel()
    gate.set()
    settle(runner)
    assert saw_cancel == [True]
    assert called == ["finished"]  # e.g. a progress dialog closes; no result is shown


def test_progress_reaches_the_gui_thread_in_order(qtbot: QtBot, runner: OpRunner) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: list[tuple[int, int]] = []

    def work(job: Job) -> None:
        for done in range(1, 6):
            job.progress(done, 5)

    done: list[bool] = []
    Op.with_job(widget, work, runner=runner, lane=Lane.LONG).progress(
        lambda d, t: seen.append((d, t))
    ).success(lambda _none: done.append(True)).run()
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    assert seen == [(d, 5) for d in range(1, 6)]


def test_code_searches_never_queue_behind_database_work(
    qtbot: QtBot, runner: OpRunner, gate: threading.Event
) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    saved: list[str] = []
    found: list[str] = []
    Op(widget, lambda: gate.wait() and "saved", runner=runner).success(saved.append).run()
    Op(widget, lambda: "E11.65", runner=runner, lane=Lane.CODES).success(found.append).run()
    qtbot.waitUntil(lambda: found == ["E11.65"], timeout=WAIT)
    assert saved == []  # the save is still held, the search answered anyway
    gate.set()
    qtbot.waitUntil(lambda: saved == ["saved"], timeout=WAIT)


def test_cancel_all_answers_nobody(qtbot: QtBot, runner: OpRunner, gate: threading.Event) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    called: list[object] = []
    for lane in Lane:
        Op(widget, gate.wait, runner=runner, lane=lane).success(called.append).run()
    runner.cancel_all()
    gate.set()
    settle(runner)
    assert called == [] and runner.in_flight == 0


class _Cycle:
    """Cyclic garbage that notes the thread that destroyed it (as a closed screen's widgets
    caught in a cycle would be destroyed)."""

    def __init__(self, seen: list[bool]) -> None:
        self.me = self
        self._seen = seen

    def __del__(self) -> None:
        self._seen.append(threading.current_thread() is threading.main_thread())


def test_garbage_is_collected_on_the_gui_thread_never_on_a_worker(
    qtbot: QtBot, runner: OpRunner
) -> None:
    """Work on a lane leaves plenty of cyclic garbage (enough to cross the collector's
    threshold many times over); the cycle made before it is still destroyed on the GUI
    thread."""
    widget = QWidget()
    qtbot.addWidget(widget)
    destroyed_on_gui: list[bool] = []
    _Cycle(destroyed_on_gui)
    done: list[int] = []

    def allocate() -> int:
        # Cyclic garbage: only the collector frees it, and it counts towards its threshold.
        for _ in range(20_000):
            junk: list[object] = []
            junk.append(junk)
        return 1

    Op(widget, allocate, runner=runner).success(done.append).run()
    qtbot.waitUntil(lambda: bool(done) and bool(destroyed_on_gui), timeout=WAIT)
    assert destroyed_on_gui == [True]


def test_automatic_collection_comes_back_when_the_last_runner_goes() -> None:
    """Collection is handed to the GUI thread while a runner lives; once the last one is
    shut down, or deleted without being shut down, Python collects on its own again."""
    enabled_before = gc.isenabled()
    first, second = OpRunner(), OpRunner()
    assert not gc.isenabled()
    first.shutdown()
    assert not gc.isenabled()  # the second still runs lanes
    second.shutdown()
    assert gc.isenabled() is enabled_before
    dropped = OpRunner()
    assert not gc.isenabled()
    shiboken6.delete(dropped)  # gone without shutdown (its lanes never got work)
    assert gc.isenabled() is enabled_before
