"""A clinic with a coder's week of signed visits: one not started, one coded, one returned
to its provider, one with an open query, one saved with an Excludes1 error, one of a second
provider, and an unsigned note (not on the worklist); main windows over it share one
services holder (two screens of one workstation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

WAIT = 15_000
SECOND = "Dr Second Provider"
RETURN_REASON = "Assessment and plan are missing from the note"


@dataclass
class Week:
    """The encounter ids by what happened to them."""

    not_started: int
    coded: int
    returned: int
    queried: int
    errors: int
    second: int
    unsigned: int
    second_provider_id: int


def patient_id(c: Clinic, given: str) -> int:
    """One of the three patients of ``populated`` by given name (José, John, Chidi)."""
    found = c.inst.patients.list_all(c.sessions[Role.RECORDS], limit=10)
    return int(next(p.id for p in found if p.given_names.startswith(given)))


def _visit(
    c: Clinic, session_role: Role, given: str, day: int, kind: EncounterType, sign: bool = True
) -> int:
    provider = c.sessions[session_role]
    pid = patient_id(c, given)
    made = c.inst.encounters.add(
        provider,
        pid,
        EncounterInput(
            starts_at=dt.datetime(2026, 11, day, 10, 0),
            encounter_type=kind,
            reason_for_visit="Follow-up",
            assessment="Anemia, cause unclear.",
        ),
    )
    if sign:
        c.inst.encounters.sign(
            provider, made.id, password=ROLE_PASSWORD, expected_version=made.version
        )
    return int(made.id)


def stage_week(c: Clinic, services: ServicesHolder) -> Week:
    admin, coder = c.admin, c.sessions[Role.CODER]
    second = c.inst.users.add_user(
        admin, "drsecond", SECOND, Role.PROVIDER, ROLE_PASSWORD, must_change_password=False
    )
    second_session = c.inst.auth.login("drsecond", ROLE_PASSWORD)
    p = Role.PROVIDER
    week = Week(
        not_started=_visit(c, p, "Chidi", 2, EncounterType.OFFICE),
        coded=_visit(c, p, "John", 5, EncounterType.TELEHEALTH),
        returned=_visit(c, p, "José", 9, EncounterType.OFFICE),
        queried=_visit(c, p, "Chidi", 12, EncounterType.OFFICE),
        errors=_visit(c, p, "John", 16, EncounterType.PROCEDURE),
        second=0,
        unsigned=_visit(c, p, "José", 18, EncounterType.OFFICE, sign=False),
        second_provider_id=int(second.id),
    )
    # The second provider's own phone call, signed by them.
    made = c.inst.encounters.add(
        second_session,
        patient_id(c, "Chidi"),
        EncounterInput(
            starts_at=dt.datetime(2026, 11, 20, 15, 0),
            encounter_type=EncounterType.PHONE,
            reason_for_visit="Results call",
        ),
    )
    c.inst.encounters.sign(
        second_session, made.id, password=ROLE_PASSWORD, expected_version=made.version
    )
    week.second = int(made.id)

    work = services.coding_work
    htn = CodingInput(diagnoses=(CodedDiagnosis("I10", ""),))
    work.save(coder, week.coded, htn, expected_version=None)
    work.mark_coded(coder, week.coded, expected_version=1)
    work.return_to_provider(coder, week.returned, expected_version=None, reason=RETURN_REASON)
    c.inst.coder_queries.ask(
        coder,
        week.queried,
        QueryInput("clarify", "Can the cause of the anemia be clarified?", ("Iron deficiency",)),
    )
    both = CodingInput(diagnoses=(CodedDiagnosis("E11.9", ""), CodedDiagnosis("E10.9", "")))
    work.save(coder, week.errors, both, expected_version=None)
    return week


@dataclass
class Desk:
    services: ServicesHolder
    week: Week
    clinic: Clinic
    runner: OpRunner
    windows: list[MainWindow]
    tmp_path: Path
    qtbot: QtBot

    def window(self, role: Role) -> MainWindow:
        w = MainWindow(
            paths=self.clinic.paths,
            services=self.services,
            runner=self.runner,
            session=self.clinic.sessions[role],
            settings=QSettings(
                str(self.tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat
            ),
            idle_minutes=15,
        )
        self.qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.activateWindow()
        self.qtbot.waitUntil(w.isActiveWindow)
        self.windows.append(w)
        return w

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.runner.in_flight == 0, timeout=WAIT)


@pytest.fixture
def desk(
    qtbot: QtBot,
    populated: Clinic,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    runner: OpRunner,
) -> Iterator[Desk]:
    services = holder(populated.inst, CodeSets(store=ui_store))
    made = Desk(services, stage_week(populated, services), populated, runner, [], tmp_path, qtbot)
    yield made
    for w in made.windows:
        w.session = None
        w.close()
    runner.wait_for_done()
