"""Live refresh between two workstations on the real PostgreSQL server (issue 15 item 5).

Workstation A is a main window on one installation with live refresh started, as app.py
starts it; workstation B is a second installation opened on the same folder and server, saving
through its services as another workstation's screens would. What B saves shows on A's open
screens without anyone touching A (how soon is the bench's figure, not these tests'); a form
on A whose item B saved says so before A saves, and A's save then shows the conflict view:
nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.change_notices import ChangeNotice
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD
from tests.integration.test_documents import pdf_bytes
from tests.support.clock import FakeClock
from tests.support.live import Workstations, conninfo, two_workstations
from tests.ui.chart.conftest import focused, key, open_chart, rows, settle, type_text
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import PEOPLE, holder

#: a hang guard, not a figure: the tests check that the refresh comes without any action on
#: A; how fast it comes (within 2 s of the commit) is measured by bench/workstations_server.py
#: (bench/results/workstations_server.json, "notice_delay"), never timed here
WAIT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def workstations(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Workstations]:
    with two_workstations(request, tmp_path, clock) as ws:
        records = ws.clinic.sessions[Role.RECORDS]
        for person in PEOPLE:
            ws.a.patients.register(records, person)
        yield ws


@pytest.fixture
def live_holder(
    workstations: Workstations,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
) -> Iterator[ServicesHolder]:
    services = holder(workstations.a, CodeSets(store=ui_store))
    services.start_live_refresh()
    live = services.live_refresh
    assert live is not None and live.listener is not None
    assert live.listener.wait_listening(WAIT / 1000)
    yield services
    services.stop_live_refresh()


@pytest.fixture
def window_a(
    qtbot: QtBot,
    workstations: Workstations,
    live_holder: ServicesHolder,
    tmp_path: Path,
    runner: OpRunner,
) -> Iterator[Callable[[Role], MainWindow]]:
    made: list[MainWindow] = []

    def make(role: Role) -> MainWindow:
        w = MainWindow(
            paths=workstations.clinic.paths,
            services=live_holder,
            runner=runner,
            session=workstations.clinic.sessions[role],
            settings=QSettings(str(tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat),
            idle_minutes=15,
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
        made.append(w)
        return w

    yield make
    for w in made:
        w.session = None
        w.close()
    runner.wait_for_done()


def problems_page(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    key(qtbot, Qt.Key.Key_2, CTRL)
    page = w.chart.lists["problems"]
    settle(qtbot, w)
    return page


def okafor_id(ws: Workstations) -> int:
    return ws.b.patients.search(ws.other_sessions[Role.RECORDS], "okafor")[0].id


def test_a_problem_added_on_another_workstation_shows_in_the_open_list(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    w = window_a(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems_page(qtbot, w)
    assert rows(page) == []
    ws.b.problems.add(
        ws.other_sessions[Role.PROVIDER], okafor_id(ws), ProblemInput(description="Gout")
    )
    qtbot.waitUntil(lambda: rows(page) == ["Gout"], timeout=WAIT)


def test_a_patient_renamed_on_another_workstation_changes_the_open_chart_and_the_search(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    desk = window_a(Role.FRONT_DESK)  # search results showing the patient
    desk.search_page.search_box.setText("okafor")
    qtbot.waitUntil(lambda: desk.search_page.model.rowCount() == 1, timeout=WAIT)
    w = window_a(Role.RECORDS)  # the patient's chart open
    open_chart(qtbot, w, "okafor")
    records = ws.other_sessions[Role.RECORDS]
    okafor = ws.b.patients.search(records, "okafor")[0]
    renamed = PatientInput("Okafor-Obi", okafor.given_names, okafor.birth_date, okafor.sex)
    ws.b.patients.update(records, okafor.id, renamed, expected_version=okafor.version)
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") == "Okafor-Obi", timeout=WAIT)
    qtbot.waitUntil(lambda: "Okafor-Obi" in w.banner.name.text(), timeout=WAIT)
    qtbot.waitUntil(
        lambda: desk.search_page.model.patient(0).family_name == "Okafor-Obi", timeout=WAIT
    )


def edit_problem(
    qtbot: QtBot, ws: Workstations, w: MainWindow, *, typed: str | None
) -> tuple[ItemListPage, ItemId]:
    """A's records specialist opens Okafor's problem in the form (typing ``typed`` into it,
    unsaved, when given)."""
    item = ws.a.problems.add(
        ws.clinic.sessions[Role.RECORDS], okafor_id(ws), ProblemInput(description="Hypertension")
    )
    open_chart(qtbot, w, "okafor")
    page = problems_page(qtbot, w)
    qtbot.waitUntil(lambda: rows(page) == ["Hypertension"], timeout=WAIT)
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.form
    if typed is not None:
        focused().selectAll()  # type: ignore[attr-defined]
        type_text(qtbot, typed)
        assert page.form.has_unsaved_changes()
    return page, item.id


def test_a_form_whose_item_was_saved_elsewhere_says_so_before_the_save_and_loses_nothing(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    w = window_a(Role.RECORDS)
    page, item_id = edit_problem(qtbot, ws, w, typed="Essential hypertension")
    form = page.form
    assert form.elsewhere.isHidden()

    theirs = ws.b.problems.update(
        ws.other_sessions[Role.PROVIDER],
        item_id,
        ProblemInput(description="Hypertension, stage 2"),
        expected_version=1,
    )

    # Before anything is saved here: who changed it, when, and the two ways on.
    qtbot.waitUntil(form.elsewhere.isVisible, timeout=WAIT)
    said = form.elsewhere.text.text()
    assert "changed on another workstation at" in said and "by Test Provider" in said
    assert f"{theirs.changed_at.astimezone():%H:%M}" in said
    assert form.elsewhere.asks
    assert form.inputs["description"].value() == "Essential hypertension"  # typing kept

    key(qtbot, Qt.Key.Key_K, CTRL | Qt.KeyboardModifier.ShiftModifier)  # Keep editing
    qtbot.waitUntil(form.elsewhere.isHidden, timeout=WAIT)  # (a button's key clicks it visibly)
    assert form.inputs["description"].value() == "Essential hypertension"

    key(qtbot, Qt.Key.Key_S, CTRL)  # the save on the old version: both versions shown
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.conflict, timeout=WAIT)
    assert page.conflict.heading.text() == (
        "Test Provider saved this problem while you were editing it"
    )
    key(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Keep &mine
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)

    # Nothing lost: theirs and mine are both versions of the item, mine the newest.
    history = ws.b.problems.history(ws.other_sessions[Role.RECORDS], item_id)
    assert [(v.version, v.item.data.description, v.changed_by) for v in history] == [
        (1, "Hypertension", "Test Records specialist"),
        (2, "Hypertension, stage 2", "Test Provider"),
        (3, "Essential hypertension", "Test Records specialist"),
    ]


def test_reload_shows_their_version_and_drops_what_was_typed(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    w = window_a(Role.RECORDS)
    page, item_id = edit_problem(qtbot, ws, w, typed="Essential hypertension")
    ws.b.problems.update(
        ws.other_sessions[Role.PROVIDER],
        item_id,
        ProblemInput(description="Hypertension, stage 2"),
        expected_version=1,
    )
    form = page.form
    qtbot.waitUntil(form.elsewhere.isVisible, timeout=WAIT)
    key(qtbot, Qt.Key.Key_F5)  # Reload their version
    qtbot.waitUntil(
        lambda: form.inputs["description"].value() == "Hypertension, stage 2", timeout=WAIT
    )
    assert form.base_version == 2 and not form.has_unsaved_changes()
    assert form.elsewhere.isHidden()


def test_a_form_with_nothing_typed_shows_their_version_at_once(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    w = window_a(Role.RECORDS)
    page, item_id = edit_problem(qtbot, ws, w, typed=None)
    ws.b.problems.update(
        ws.other_sessions[Role.PROVIDER],
        item_id,
        ProblemInput(description="Hypertension, stage 2"),
        expected_version=1,
    )
    form = page.form
    qtbot.waitUntil(
        lambda: form.inputs["description"].value() == "Hypertension, stage 2", timeout=WAIT
    )
    assert form.elsewhere.isVisible() and not form.elsewhere.asks
    assert "the form now shows that version" in form.elsewhere.text.text()
    assert form.base_version == 2 and not form.has_unsaved_changes()


def test_this_workstations_own_saves_are_not_announced_to_it_again(
    qtbot: QtBot,
    workstations: Workstations,
    live_holder: ServicesHolder,
    window_a: Callable[[Role], MainWindow],
) -> None:
    """A's own save comes back from the server as a notice too: A skips it (its screens were
    told when it saved, so they do not refresh twice nor ask about A's own save)."""
    ws = workstations
    heard: list[ChangeNotice] = []
    live_holder.remote_changed.connect(heard.append)
    w = window_a(Role.RECORDS)
    page, item_id = edit_problem(qtbot, ws, w, typed="Essential hypertension")
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    ws.b.problems.update(
        ws.other_sessions[Role.PROVIDER],
        item_id,
        ProblemInput(description="Hypertension, stage 2"),
        expected_version=2,
    )
    qtbot.waitUntil(lambda: rows(page) == ["Hypertension, stage 2"], timeout=WAIT)
    # Only B's: A's problem added and saved above were never handed to A's screens again.
    assert [n.sender for n in heard] == [ws.b.ctx.sender]
    assert heard[0].item("problem", item_id) is not None
    assert page.form.elsewhere.isHidden()


def test_a_note_signed_on_another_workstation_is_said_on_the_open_note_before_the_save(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    provider_b = ws.other_sessions[Role.PROVIDER]
    made = ws.b.encounters.add(
        provider_b,
        okafor_id(ws),
        EncounterInput(starts_at=dt.datetime(2026, 11, 19, 10, 30), reason_for_visit="Follow-up"),
    )
    w = window_a(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    key(qtbot, Qt.Key.Key_7, CTRL)  # the Encounters tab
    page = w.chart.encounters
    qtbot.waitUntil(lambda: page.model.find(made.id) >= 0, timeout=WAIT)
    page._select(page.model.find(made.id))
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    form = page.form
    qtbot.waitUntil(lambda: form.detail is not None and form.isVisible(), timeout=WAIT)
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Pla&n
    type_text(qtbot, "Recheck in two weeks.")
    assert form.has_unsaved_changes()

    ws.b.encounters.sign(provider_b, made.id, password=ROLE_PASSWORD, expected_version=made.version)
    qtbot.waitUntil(form.elsewhere.isVisible, timeout=WAIT)
    said = form.elsewhere.text.text()
    assert "This encounter was changed on another workstation" in said
    assert "by Test Provider" in said
    assert form.has_unsaved_changes()  # the typing is there until the user chooses


def test_a_scan_received_on_another_workstation_counts_in_the_inbox_here(
    qtbot: QtBot, workstations: Workstations, window_a: Callable[[Role], MainWindow]
) -> None:
    ws = workstations
    w = window_a(Role.RECORDS)
    qtbot.waitUntil(lambda: w.inbox_summary is not None, timeout=WAIT)
    assert w.inbox_summary is not None and w.inbox_summary.waiting == 0
    ws.b.inbox.receive(
        ws.other_sessions[Role.NURSE], "scan0001.pdf", pdf_bytes(1, "Outside lab"), 1
    )
    qtbot.waitUntil(
        lambda: w.inbox_summary is not None and w.inbox_summary.waiting == 1, timeout=WAIT
    )


def test_after_the_server_ended_the_listening_session_the_open_list_catches_up(
    qtbot: QtBot,
    workstations: Workstations,
    live_holder: ServicesHolder,
    window_a: Callable[[Role], MainWindow],
) -> None:
    """A change saved while A was not listening was announced to nobody here: once A listens
    again, its open screens read afresh."""
    ws = workstations
    w = window_a(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems_page(qtbot, w)
    live = live_holder.live_refresh
    assert live is not None and live.listener is not None
    with (
        qtbot.waitSignal(live_holder.remote_resumed, timeout=WAIT),
        psycopg.connect(conninfo(ws.clinic.server_url), autocommit=True) as admin,
    ):
        admin.execute("SELECT pg_terminate_backend(%s)", (live.listener.backend_pid,))
        ws.b.problems.add(
            ws.other_sessions[Role.PROVIDER], okafor_id(ws), ProblemInput(description="Gout")
        )
    qtbot.waitUntil(lambda: rows(page) == ["Gout"], timeout=WAIT)
