"""UI fixtures: a real clinic with patients and a main window signed in as a given role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import db_pool
from tests.conftest import Clinic

PEOPLE = [
    PatientInput("Núñez Smith", "José Luis", dt.date(1980, 3, 14), "male", "503-555-0142"),
    PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "503-555-7000"),
    PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male"),
]


@pytest.fixture
def populated(local_clinic: Clinic) -> Clinic:
    for p in PEOPLE:
        local_clinic.inst.patients.register(local_clinic.sessions[Role.FRONT_DESK], p)
    return local_clinic


@pytest.fixture
def make_window(
    qtbot, populated: Clinic, tmp_path: Path  # type: ignore[no-untyped-def]
) -> Iterator[Callable[[Role], MainWindow]]:
    windows: list[MainWindow] = []

    def make(role: Role) -> MainWindow:
        settings = QSettings(str(tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(
            paths=populated.paths,
            inst=populated.inst,
            session=populated.sessions[role],
            settings=settings,
            idle_minutes=15,
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)  # keyboard focus needs the active window
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.session = None  # closing must not sign out through a dying worker
        w.close()
    db_pool().waitForDone()
