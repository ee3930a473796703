"""A clinic with a signed office visit to code: the patient's problem list with codes (one
without), the note with its SOAP sections and an addendum, a real code-set store with the
HCPCS sample file imported, and the coding screen on it for a given role."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.coding.conftest import ui_store_file  # noqa: F401 - fixture
from tests.ui.conftest import holder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

WAIT = 15_000
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
