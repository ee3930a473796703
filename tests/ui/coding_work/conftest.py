"""Two clinics for the coding-work screens: ``desk``, a coder's week of signed visits (one not
started, one coded, one returned to its provider, one with an open query, one saved with an
Excludes1 error, one of a second provider, and an unsigned note not on the worklist) under main
windows sharing one services holder; ``visit``/``make_page``, a signed office visit with the
patient's problem list (one problem without a code), the note with an addendum, a code-set
store with the HCPCS sample file imported, and the coding screen on it for a given role."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

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


VISIT = EncounterInput(
    starts_at=dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC),
    encounter_type=EncounterType.OFFICE,
    provider_id=0,  # the clinic's provider, set when the visit is added
    location="Room 2",
    reason_for_visit="Diabetes and blood pressure follow-up; flu shot",
    subjective="Checks sugars at home, fasting 130-150. No lows.",
    objective="BP 138/84. Feet: sensation intact.",
    assessment="1. Type 2 diabetes mellitus without complications.\n2. Essential hypertension.",
    plan="Continue metformin. Influenza vaccine given today, left deltoid.",
)


@dataclass
class Visit:
    clinic: Clinic
    patient_id: int
    encounter_id: int
    diabetes: int  # problem ids
    hypertension: int
    lipids: int  # a problem without a code


@pytest.fixture(scope="session")
def hcpcs_store(
    ui_store_file: Path,  # noqa: F811 - the fixture imported above
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CodeSetStore]:
    """The run's store with the HCPCS sample release imported (read only in these tests)."""
    folder = tmp_path_factory.mktemp("coding-work-store")
    shutil.copy(ui_store_file, folder / STORE_FILE)
    store = CodeSetStore(folder / STORE_FILE)
    source = folder / "HCPC2024_JAN_ANWEB.txt"
    source.write_text(sample_file())
    store.import_file(source)
    yield store
    store.close()


@pytest.fixture
def visit(local_clinic: Clinic) -> Visit:
    c = local_clinic
    records, provider = c.sessions[Role.RECORDS], c.sessions[Role.PROVIDER]
    patient = c.inst.patients.register(
        records,
        PatientInput("Rivera", "Ana", dt.date(1961, 5, 2), "female", "503-555-0190"),
    )
    problems = [
        c.inst.problems.add(
            provider, patient.id, ProblemInput(description=d, icd10cm=code, chronic=True)
        ).id
        for d, code in (
            ("Type 2 diabetes", "E11.9"),
            ("Essential hypertension", "I10"),
            ("Mixed hyperlipidemia", ""),
        )
    ]
    added = c.inst.encounters.add(
        provider, patient.id, replace(VISIT, provider_id=provider.user_id)
    )
    c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
    c.inst.encounters.add_addendum(
        provider, ItemId(added.id), reason="Late entry", text="Vaccine lot 4471A."
    )
    return Visit(c, patient.id, added.id, *problems)


MakePage = Callable[[Role], EncounterCodingPage]


@pytest.fixture
def make_page(
    qtbot: QtBot, visit: Visit, hcpcs_store: CodeSetStore, runner: OpRunner
) -> Iterator[MakePage]:
    """``make_page(role)``: the coding screen, shown and active, with the visit open."""
    services = holder(visit.clinic.inst, CodeSets(store=hcpcs_store))
    made: list[EncounterCodingPage] = []

    def make(role: Role) -> EncounterCodingPage:
        page = EncounterCodingPage(
            services=services, runner=runner, session=lambda: visit.clinic.sessions[role]
        )
        qtbot.addWidget(page)
        page.resize(1366, 768)
        page.show()
        page.activateWindow()
        qtbot.waitUntil(page.isActiveWindow)
        page.open_encounter(visit.encounter_id)
        qtbot.waitUntil(lambda: page.view is not None and page.checks > 0, timeout=WAIT)
        settle(qtbot, page)
        made.append(page)
        return page

    yield make
    runner.wait_for_done()


def settle(qtbot: QtBot, page: EncounterCodingPage) -> None:
    qtbot.waitUntil(lambda: page._runner.in_flight == 0, timeout=WAIT)


def closed(dialog: QWidget) -> bool:
    """The dialog is gone (closed dialogs of the screen delete themselves)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def key(qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), k, mod)


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)
