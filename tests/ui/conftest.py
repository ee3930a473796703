"""UI fixtures: a real clinic with patients and a main window signed in as a given role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic

PEOPLE = [
    PatientInput("Núñez Smith", "José Luis", dt.date(1980, 3, 14), "male", "503-555-0142"),
    PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "503-555-7000"),
    PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male"),
]


@pytest.fixture
def runner(qtbot) -> Iterator[OpRunner]:  # type: ignore[no-untyped-def]
    """The worker lanes, as app.py makes them. Request it after the clinic fixture, so it is
    torn down first: nothing may still run when the clinic's database closes."""
    r = OpRunner()
    yield r
    r.shutdown()


def holder(inst: Installation, code_sets: CodeSets | None = None) -> ServicesHolder:
    """The services holder as app.py makes it (code sets opened only if a test uses them)."""
    return ServicesHolder(inst=inst, code_sets=code_sets or CodeSets())


@pytest.fixture
def populated(local_clinic: Clinic) -> Clinic:
    for p in PEOPLE:
        local_clinic.inst.patients.register(local_clinic.sessions[Role.FRONT_DESK], p)
    return local_clinic


@pytest.fixture
def make_window(
    qtbot,
    populated: Clinic,
    tmp_path: Path,
    runner: OpRunner,  # type: ignore[no-untyped-def]
) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []
    services = holder(populated.inst)

    def make(role: Role, *, shared: ServicesHolder | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(
            paths=populated.paths,
            services=shared or services,
            runner=runner,
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
    runner.wait_for_done()
