"""Administration › Backup and restore › Move to a clinic server… (issue 15 item 1), driven
with real widgets against a real clinic file and the real local PostgreSQL: the move with its
progress, the holder swapped to the server, a new sign-in asked for; a cancel and a refusal
keep everything typed and the file in use."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.admin.backup_page import BackupPage
from medrec_desktop.ui.admin.server_move_dialog import ServerMoveDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.replacement_wait import ReplacementWait
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import PASSPHRASE, PG_URL, ROLE_PASSWORD, Clinic, username
from tests.integration.test_server_move import server_objects
from tests.support import pg
from tests.ui.admin.conftest import WAIT
from tests.ui.conftest import holder

MOVE_WAIT = 60_000


@pytest.fixture
def server_db() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "t_move_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


def open_dialog(qtbot: Any, make_page: Any) -> tuple[BackupPage, ServerMoveDialog]:
    page: BackupPage = make_page(BackupPage)
    assert page.move_button.isVisible() and "empty database" in page.move_explanation.text()
    qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton)
    dialog = page.move_dialog
    assert dialog is not None and dialog.isVisible()
    return page, dialog


def fill(qtbot: Any, dialog: ServerMoveDialog, url: str) -> None:
    qtbot.keyClicks(dialog.app_url, url)
    qtbot.keyClicks(dialog.owner_url, pg.owner_of(url))


def test_the_move_shows_its_progress_swaps_to_the_server_and_asks_for_a_new_sign_in(
    qtbot: Any, make_page: Any, local_clinic: Clinic, server_db: str
) -> None:
    page, dialog = open_dialog(qtbot, make_page)
    assert str(local_clinic.paths.database) in dialog.about.text()
    assert dialog.focusWidget() is dialog.app_url
    fill(qtbot, dialog, server_db)
    seen: list[tuple[int, int]] = []
    dialog.runner._progressed.connect(lambda p: seen.append((p.done, p.total)))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1 and dialog.focusWidget() is dialog.cancel_button
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=MOVE_WAIT)
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert "rows copied" in dialog.count.text()
    assert dialog.outcome.severity is Severity.OK
    assert "The clinic is now on the server 127.0.0.1:5432/" in dialog.outcome.message
    assert "Audit trail intact" in dialog.details.text()
    assert str(local_clinic.paths.database) in dialog.details.text()
    # Every screen works on the server already.
    now: Installation = page.services.inst
    assert now.store.is_server and now is not local_clinic.inst
    assert local_clinic.paths.server_url_file.read_text() == server_db
    try:
        with qtbot.waitSignal(page.moved, timeout=WAIT) as moved:
            qtbot.keyClick(dialog.done_button, Qt.Key.Key_Return)
        assert moved.args == [now] and not dialog.isVisible()
    finally:
        now.close()


def test_after_the_move_the_workstation_hears_the_others_saves_without_a_restart(
    qtbot: Any, make_page: Any, local_clinic: Clinic, server_db: str
) -> None:
    """app.py asks for live refresh whatever the installation; on the file nothing listens,
    and the swap to the server after the move starts it: a save by another workstation on
    the server reaches this one's screens."""
    page, dialog = open_dialog(qtbot, make_page)
    services = page.services
    services.start_live_refresh()  # as app.py does
    assert services.live_refresh is None  # nothing to hear on the file
    fill(qtbot, dialog, server_db)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=MOVE_WAIT)
    now: Installation = services.inst
    try:
        assert now.store.is_server
        live = services.live_refresh
        assert live is not None and live.listener is not None
        assert live.listener.wait_listening(WAIT / 1000)
        other = Installation.open(
            local_clinic.paths, Unlock(passphrase=PASSPHRASE), clock=local_clinic.clock
        )
        try:
            assert other.store.is_server and other.ctx.sender != now.ctx.sender
            records = other.auth.login(username(Role.RECORDS), ROLE_PASSWORD)
            with qtbot.waitSignal(services.changed, timeout=WAIT) as heard:
                made = other.patients.register(
                    records, PatientInput("Livewire", "Lena", dt.date(1980, 2, 3), "female")
                )
            assert heard.args == [made.id, frozenset({ChangeKind.DEMOGRAPHICS})]
        finally:
            other.close()
    finally:
        services.stop_live_refresh()
        dialog.accept()
        now.close()


def test_a_cancel_leaves_the_server_empty_and_keeps_what_was_typed(
    qtbot: Any, make_page: Any, local_clinic: Clinic, server_db: str
) -> None:
    page, dialog = open_dialog(qtbot, make_page)
    fill(qtbot, dialog, server_db)
    # The move waits for the file's write lock, held here until Cancel has been pressed: it
    # cannot have copied anything before it sees the cancel.
    with local_clinic.inst.store.engine.connect() as held:
        held.begin()
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert "Cancelling" in dialog.stage.text() and not dialog.cancel_button.isEnabled()
        held.rollback()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 0, timeout=MOVE_WAIT)
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)
    assert dialog.message.severity is Severity.ERROR
    assert "The move was cancelled" in dialog.message.message
    assert dialog.app_url.text() == server_db and dialog.owner_url.text() == pg.owner_of(server_db)
    assert server_objects(server_db) == ([], [])
    assert not local_clinic.paths.server_url_file.exists()
    assert page.services.inst is local_clinic.inst
    records = local_clinic.sessions[Role.RECORDS]
    local_clinic.inst.patients.list_all(records)  # the file is still the record
    dialog.reject()
    assert not dialog.isVisible()


def test_a_database_not_empty_is_said_on_the_page_and_nothing_moves(
    qtbot: Any, make_page: Any, local_clinic: Clinic, server_db: str
) -> None:
    from sqlalchemy import create_engine, text

    owner = create_engine(pg.owner_of(server_db))
    try:
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE already_here (x int)"))
    finally:
        owner.dispose()
    page, dialog = open_dialog(qtbot, make_page)
    fill(qtbot, dialog, server_db)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=MOVE_WAIT)
    assert dialog.pages.currentIndex() == 0
    assert "is not empty" in dialog.message.message
    assert dialog.app_url.text() == server_db
    assert server_objects(server_db) == (["already_here"], [])
    assert not local_clinic.paths.server_url_file.exists()


def test_missing_addresses_are_said_before_anything_runs(qtbot: Any, make_page: Any) -> None:
    page, dialog = open_dialog(qtbot, make_page)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "application account's address" in dialog.message.message
    assert dialog.focusWidget() is dialog.app_url and not dialog.running
    qtbot.keyClicks(dialog.app_url, "postgresql://medrec_app@127.0.0.1/medrec")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "owner account's address" in dialog.message.message
    assert dialog.focusWidget() is dialog.owner_url and dialog.pages.currentIndex() == 0
    # The passwords are typed masked and go into the addresses only when the move starts.
    qtbot.keyClicks(dialog.owner_password, "s3cret owner")
    assert dialog.owner_password.echoMode() == dialog.owner_password.EchoMode.Password
    qtbot.keyClicks(dialog.owner_url, "postgresql://medrec_owner@127.0.0.1/medrec")
    assert dialog.target().owner_url == "postgresql://medrec_owner:s3cret owner@127.0.0.1/medrec"
    assert "s3cret" not in dialog.owner_url.text()


def test_a_nurse_is_refused_by_the_service(
    qtbot: Any, local_clinic: Clinic, runner: OpRunner, server_db: str
) -> None:
    """Only administrators see the Administration area; the service refuses anyone else in
    any case, and says so on the page."""
    dialog = ServerMoveDialog(
        services=holder(local_clinic.inst),
        runner=runner,
        session=lambda: local_clinic.sessions[Role.NURSE],
    )
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, server_db)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=MOVE_WAIT)
    assert dialog.message.severity is Severity.ERROR
    assert "may not admin backup data" in dialog.message.message
    assert server_objects(server_db) == ([], [])


def test_on_a_server_the_page_says_where_and_offers_no_move(
    qtbot: Any, request: pytest.FixtureRequest, runner: OpRunner, tmp_path: Any
) -> None:
    from tests.conftest import pg_copy
    from tests.support.clock import FakeClock

    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    with pg_copy(request.getfixturevalue("_pg_template"), tmp_path, FakeClock()) as c:
        page = BackupPage(services=holder(c.inst), runner=runner, session=lambda: c.admin)
        qtbot.addWidget(page)
        page.show()
        assert not page.move_button.isVisible()
        assert "works on the PostgreSQL server 127.0.0.1" in page.move_explanation.text()
        page.close()


def test_the_main_window_signs_out_and_then_works_on_the_server(
    qtbot: Any, make_window: Any, populated: Clinic, server_db: str
) -> None:
    window = make_window(Role.ADMIN)
    [page] = window.findChildren(BackupPage)
    page.move_to_server()
    dialog = page.move_dialog
    assert dialog is not None
    fill(qtbot, dialog, server_db)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=MOVE_WAIT)
    assert not dialog.cancel_button.isEnabled()
    now = window.services.inst
    try:
        with qtbot.waitSignal(window.signed_out, timeout=WAIT):
            qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
        assert window.session is None
        assert window.status_db.text().startswith("PostgreSQL server 127.0.0.1:5432/")
        admin = now.auth.login("admin", "correct horse battery")
        window.start_session(admin)
        assert now.patients.list_all(admin)  # the registrations made on the file are there
    finally:
        window.runner.wait_for_done()
        now.close()


def move_with(qtbot: Any, window: MainWindow, server_db: str, act: Any) -> list[str]:
    """Start the move from the window's Administration page and run ``act()`` on the GUI
    thread as soon as every row is copied (what is left can no longer be stopped); returns
    what the window showed right after ``act``."""
    [page] = window.findChildren(BackupPage)
    page.move_to_server()
    dialog = page.move_dialog
    assert dialog is not None
    fill(qtbot, dialog, server_db)
    shown: list[str] = []

    def copied(value: int) -> None:
        if value > 0 and value == dialog.progress.maximum() and not shown:
            act()
            waiting = window.findChild(ReplacementWait)
            assert waiting is not None and waiting.isVisible()
            assert not window.locked and window.session is not None  # not yet
            shown.append(waiting.text.text())

    dialog.progress.valueChanged.connect(copied)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    return shown


def test_a_sign_out_as_the_copy_ends_waits_for_the_move_and_the_sign_in_gets_the_server(
    qtbot: Any, make_window: Any, populated: Clinic, server_db: str
) -> None:
    """The worker closes the file's installation: the sign-out waits, saying so, until the
    holder has been swapped to the server, so the sign-in (app.py opens it on the holder's
    installation) never works on the closed one."""
    window = make_window(Role.ADMIN)
    on_file = window.services.inst
    at_sign_out: list[Installation] = []
    window.signed_out.connect(lambda: at_sign_out.append(window.services.inst))
    shown = move_with(qtbot, window, server_db, window.sign_out)
    qtbot.waitUntil(lambda: bool(at_sign_out), timeout=MOVE_WAIT)  # (the move runs meanwhile)
    now = window.services.inst
    try:
        assert shown and "You are signed out as soon as the move has ended" in shown[0]
        assert at_sign_out == [now] and now is not on_file and now.store.is_server
        # The waiting window has gone (hidden at once; Qt deletes it a moment later).
        waiting = [w for w in window.findChildren(ReplacementWait) if w.isVisible()]
        assert window.session is None and not waiting
        admin = now.auth.login("admin", "correct horse battery")
        window.start_session(admin)
        assert now.patients.list_all(admin)  # the registrations made on the file are there
    finally:
        window.runner.wait_for_done()
        now.close()


def test_an_idle_lock_as_the_copy_ends_waits_then_asks_for_a_sign_in_on_the_server(
    qtbot: Any, make_window: Any, populated: Clinic, server_db: str
) -> None:
    """The idle lock comes once the move has ended; it closes the move's window, which asks
    for the new sign-in (the clinic moved): the workstation signs out, onto the server."""
    window = make_window(Role.ADMIN)
    on_file = window.services.inst
    at_sign_out: list[Installation] = []
    window.signed_out.connect(lambda: at_sign_out.append(window.services.inst))
    shown = move_with(qtbot, window, server_db, lambda: window.lock(idle=True))
    qtbot.waitUntil(lambda: bool(at_sign_out), timeout=MOVE_WAIT)
    now = window.services.inst
    try:
        assert shown and "The workstation locks as soon as the move has ended" in shown[0]
        assert at_sign_out == [now] and now is not on_file and now.store.is_server
        assert window.session is None and not window.locked
        admin = now.auth.login("admin", "correct horse battery")
        window.start_session(admin)
        assert now.patients.list_all(admin)
    finally:
        window.runner.wait_for_done()
        now.close()
