"""Signing out while work is in flight, 50 times each: a code search, a code-set import and a
patient search. Switching users once crashed the app (a worker emitting on a relay deleted at
sign-out); now every answer for the old user is dropped, never delivered to a deleted widget.

No sleeps: start the work, sign out, wait for the lanes to finish, handle the queued answers.
A callback on a deleted widget raises in a Qt slot, which pytest-qt turns into a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.conftest import PEOPLE, holder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

ROUNDS = 50
WAIT = 20_000


def settle(runner: OpRunner) -> None:
    """The lanes finish, deleted widgets really go, then the queued answers are handled."""
    assert runner.wait_for_done(WAIT)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def window(
    qtbot: QtBot,
    local_clinic: Clinic,
    scratch_ui_store: CodeSetStore,
    tmp_path: Path,
    runner: OpRunner,
) -> Callable[[Role], MainWindow]:
    for p in PEOPLE:
        local_clinic.inst.patients.register(local_clinic.sessions[Role.FRONT_DESK], p)

    def make(role: Role) -> MainWindow:
        w = MainWindow(
            paths=local_clinic.paths,
            services=holder(local_clinic.inst, CodeSets(store=scratch_ui_store)),
            runner=runner,
            session=local_clinic.sessions[role],
            settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
            idle_minutes=15,
        )
        qtbot.addWidget(w, before_close_func=lambda win: setattr(win, "session", None))
        w.show()
        settle(runner)
        return w

    return make


def open_coding(w: MainWindow) -> CodingPanel:
    w.show_area("Coding")
    panel = w.coding_panel
    assert isinstance(panel, CodingPanel) and panel.ready
    return panel


def test_sign_out_during_a_code_search(
    window: Callable[[Role], MainWindow], local_clinic: Clinic, runner: OpRunner
) -> None:
    w = window(Role.CODER)
    session = local_clinic.sessions[Role.CODER]
    for _ in range(ROUNDS):
        panel = open_coding(w)
        panel.search_edit.setText("diab hyperglyc")
        panel.search_now()
        assert panel.busy
        dropped = runner.dropped
        w.sign_out()
        settle(runner)
        # The old user's panel is gone and its search answered nobody.
        assert not shiboken6.isValid(panel)
        assert runner.dropped > dropped and runner.in_flight == 0
        w.start_session(session)
        settle(runner)
    # The next user's panel works as new.
    panel = open_coding(w)
    panel.search_edit.setText("e1165")
    panel.search_now()
    settle(runner)
    assert panel.results_model.rowCount() > 0


def test_sign_out_during_a_code_set_import(
    window: Callable[[Role], MainWindow],
    local_clinic: Clinic,
    runner: OpRunner,
    scratch_ui_store: CodeSetStore,
    tmp_path: Path,
) -> None:
    path = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    path.write_text(sample_file())
    w = window(Role.RECORDS)
    session = local_clinic.sessions[Role.RECORDS]
    for _ in range(ROUNDS):
        panel = open_coding(w)
        panel.import_file(path)
        assert panel.imports.dialog is not None
        dropped = runner.dropped
        w.sign_out()
        settle(runner)
        assert not shiboken6.isValid(panel)  # its progress dialog went with it
        assert runner.dropped > dropped and runner.in_flight == 0
        w.start_session(session)
        settle(runner)
    # The store is whole: each import was either stopped (keeping nothing) or stored whole.
    for release in scratch_ui_store.releases():
        assert release.code_count > 0


def test_sign_out_during_a_patient_search(
    window: Callable[[Role], MainWindow], local_clinic: Clinic, runner: OpRunner
) -> None:
    w = window(Role.NURSE)
    session = local_clinic.sessions[Role.NURSE]
    page = w.search_page
    for _ in range(ROUNDS):
        page.search_box.setText("smi")
        page.refresh()
        dropped = runner.dropped
        w.sign_out()
        settle(runner)
        # Nothing of the search reached the screen after sign-out.
        assert page.model.rowCount() == 0 and page.status.text() == ""
        assert runner.dropped > dropped and runner.in_flight == 0
        w.start_session(session)
        settle(runner)
    page.search_box.setText("smi")
    page.refresh()
    settle(runner)
    assert page.model.rowCount() == 2


def test_a_patient_registered_after_the_rounds_is_found(
    window: Callable[[Role], MainWindow], local_clinic: Clinic, runner: OpRunner
) -> None:
    """The lanes are not left jammed by cancelled work: ordinary work goes on."""
    w = window(Role.FRONT_DESK)
    for _ in range(5):
        w.search_page.refresh()
        w.sign_out()
        w.start_session(local_clinic.sessions[Role.FRONT_DESK])
    local_clinic.inst.patients.register(
        local_clinic.sessions[Role.FRONT_DESK],
        PatientInput("Zyx", "Quentin", PEOPLE[0].birth_date, "male"),
    )
    w.search_page.search_box.setText("zyx")
    w.search_page.refresh()
    settle(runner)
    assert w.search_page.model.rowCount() == 1
