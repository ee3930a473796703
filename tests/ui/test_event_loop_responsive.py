"""The GUI thread never waits on the database.

A real service call (patient search) goes through an Op on the database lane while another
connection holds the database's write lock, so the call is stuck inside SQLite's busy wait:
the slowness comes from the database, nothing sleeps. Meanwhile a QTimer on the GUI thread
keeps ticking; the result (or the failure) is delivered on the GUI thread, after the lock is
gone.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import DatabaseLockedError
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.tasks import Op, OpRunner
from tests.conftest import PASSPHRASE, Clinic

TICKS_WHILE_LOCKED = 25


class WriteLock:
    """A second connection to the same encrypted file holding its write lock (BEGIN IMMEDIATE),
    as another workstation process or a long transaction would."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        self.conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self.conn.close()


@dataclass
class Probe:
    """What the GUI thread saw while the database call was in flight."""

    ticks: int = 0
    ticks_at_start: int | None = None
    ticks_at_release: int | None = None
    ticks_at_answer: int | None = None
    answered_on_gui_thread: bool | None = None
    answered_on_main_ident: bool | None = None
    result: Any = None
    error: BaseException | None = None
    worker_started: threading.Event = field(default_factory=threading.Event)
    worker_thread: int | None = None

    def answer(self, value: Any = None, error: BaseException | None = None) -> None:
        app = QCoreApplication.instance()
        assert app is not None
        self.ticks_at_answer = self.ticks
        self.answered_on_gui_thread = QThread.currentThread() == app.thread()
        self.answered_on_main_ident = threading.get_ident() == threading.main_thread().ident
        self.result, self.error = value, error


@pytest.fixture
def clinic(local_clinic: Clinic) -> Clinic:
    desk = local_clinic.sessions[Role.FRONT_DESK]
    local_clinic.inst.patients.register(
        desk, PatientInput("Smith", "Joanna", dt.date(1980, 3, 14), "female")
    )
    return local_clinic


@pytest.fixture
def write_lock() -> Iterator[Callable[[Installation], WriteLock]]:
    locks: list[WriteLock] = []

    def take(inst: Installation) -> WriteLock:
        assert inst.store.path is not None and inst.store.key is not None
        locks.append(WriteLock(inst.store.path, inst.store.key))
        return locks[-1]

    yield take
    for lock in locks:
        lock.close()


def _start_search(
    parent: QObject, inst: Installation, clinic: Clinic, probe: Probe, runner: OpRunner
) -> None:
    desk = clinic.sessions[Role.FRONT_DESK]

    def work() -> list[PatientInfo]:
        probe.worker_thread = threading.get_ident()
        probe.worker_started.set()
        return inst.patients.search(desk, "smi jo")

    Op(parent, work, runner=runner).success(lambda v: probe.answer(v)).failure(
        lambda e: probe.answer(error=e)
    ).run()


def test_event_loop_turns_while_a_search_waits_for_the_write_lock(
    qtbot: Any,
    clinic: Clinic,
    write_lock: Callable[[Installation], WriteLock],
    runner: OpRunner,
) -> None:
    lock = write_lock(clinic.inst)
    parent = QObject()
    probe = Probe()

    def tick() -> None:
        probe.ticks += 1
        # Let the lock go only once the worker is inside the call and the loop has turned
        # many times since: the call cannot have finished before that.
        if probe.worker_started.is_set() and probe.ticks_at_start is None:
            probe.ticks_at_start = probe.ticks
        if probe.ticks_at_start is not None and probe.ticks_at_release is None:
            if probe.ticks - probe.ticks_at_start >= TICKS_WHILE_LOCKED:
                probe.ticks_at_release = probe.ticks
                lock.release()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    _start_search(parent, clinic.inst, clinic, probe, runner)
    qtbot.waitUntil(lambda: probe.ticks_at_answer is not None, timeout=20_000)
    timer.stop()

    assert probe.error is None
    assert [f"{p.given_names} {p.family_name}" for p in probe.result] == ["Joanna Smith"]
    assert probe.worker_thread != threading.main_thread().ident
    assert probe.ticks_at_start is not None
    assert probe.ticks_at_release is not None and probe.ticks_at_answer is not None
    # The answer came only after the lock was released, and the GUI thread kept handling
    # timer events all the while the call was blocked in the database.
    assert probe.ticks_at_answer >= probe.ticks_at_release
    assert probe.ticks_at_release - probe.ticks_at_start >= TICKS_WHILE_LOCKED
    assert probe.answered_on_gui_thread is True
    assert probe.answered_on_main_ident is True


def test_a_call_that_times_out_on_the_lock_fails_on_the_gui_thread(
    qtbot: Any,
    clinic: Clinic,
    write_lock: Callable[[Installation], WriteLock],
    runner: OpRunner,
) -> None:
    # The same database opened with a shorter busy timeout, then locked by another connection:
    # the call waits inside SQLite for the whole timeout, then gives up.
    inst = Installation.open(
        clinic.paths, Unlock(passphrase=PASSPHRASE), clock=clinic.clock, busy_timeout=2.0
    )
    lock = write_lock(inst)
    parent = QObject()
    probe = Probe()

    def tick() -> None:
        probe.ticks += 1

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    try:
        _start_search(parent, inst, clinic, probe, runner)
        qtbot.waitUntil(lambda: probe.ticks_at_answer is not None, timeout=20_000)
    finally:
        timer.stop()
        inst.close()

    assert lock.held
    assert isinstance(probe.error, DatabaseLockedError)
    assert probe.ticks_at_answer is not None and probe.ticks_at_answer >= TICKS_WHILE_LOCKED
    assert probe.answered_on_gui_thread is True
    assert probe.answered_on_main_ident is True
