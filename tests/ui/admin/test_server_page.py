"""Administration › Server (issue 15): the connection as it is, the workstations, adding one (the
code shown once, big, with its expiry and Copy) and removing one (a reason required; a clear
warning for the computer in use). Against the real PostgreSQL test server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTabWidget
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.workstation_join import JoinRequest, join
from medrec_desktop.ui.admin.server_page import ServerPage
from medrec_desktop.ui.admin.workstation_dialogs import AddWorkstationDialog
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import PASSPHRASE, PG_URL, Clinic
from tests.support import pg
from tests.ui.admin.test_accessibility import _unnamed
from tests.ui.conftest import holder
from tests.ui.test_mnemonics_every_screen import check

WAIT = 30_000
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")


@pytest.fixture
def server_clinic(request: pytest.FixtureRequest) -> Iterator[Clinic]:
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI sets it)")
    from tests.conftest import pg_copy

    with pg_copy(
        request.getfixturevalue("_pg_template"),
        request.getfixturevalue("tmp_path"),
        request.getfixturevalue("clock"),
    ) as c:
        yield c


@pytest.fixture
def page(qtbot: Any, server_clinic: Clinic, runner: OpRunner) -> Iterator[ServerPage]:
    made = ServerPage(
        services=holder(server_clinic.inst), runner=runner, session=lambda: server_clinic.admin
    )
    qtbot.addWidget(made)
    made.resize(1100, 700)
    made.show()
    with qtbot.waitSignal(made.settled, timeout=WAIT):
        made.refresh()
    yield made
    if made.pending:
        qtbot.waitUntil(lambda: made.pending == 0, timeout=WAIT)


def test_the_connection_and_the_workstations_are_shown(page: ServerPage) -> None:
    assert page.fields["account"].text().startswith(pg.APP_ROLE + ": least privilege ✓")
    assert "as this version needs" in page.fields["schema"].text()
    # The test server is this computer, without TLS: said as it is.
    assert "this computer" in page.fields["tls"].text()
    assert page.fields["codes"].text() == "none"
    assert page.model.rowCount() == 1 and page.model.row_at(0).this_one
    assert "(this computer)" in page.model.display(page.model.row_at(0), 0)
    assert pg.APP_ROLE in page.stolen.text() and "ALTER ROLE" in page.stolen.text()
    assert _unnamed(page) == []


def test_add_a_workstation_shows_the_code_once_then_it_joins_and_is_removed(
    qtbot: Any, page: ServerPage, server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, AddWorkstationDialog) and dialog.focusWidget() is dialog.name
    # No name: said beside it, nothing issued.
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.name_error.severity is Severity.ERROR and dialog.issued is None
    qtbot.keyClicks(dialog.name, "Front desk 2")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=WAIT)
    code = dialog.code_label.text()
    assert CODE.match(code) and "Valid until" in dialog.expiry.text()
    assert dialog.focusWidget() is dialog.done_button and not dialog.show_button.isVisible()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == code
    qtbot.waitUntil(lambda: page.fields["codes"].text().startswith("1 not used"), timeout=WAIT)
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert page.dialog is None
    # The new computer joins with it; the list shows it after a refresh.
    address = make_url(c.server_url).set(username=pg.ENROLL_ROLE).render_as_string()
    join(DataPaths(tmp_path / "new"), JoinRequest(address, code, passphrase=PASSPHRASE)).close()
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 2
    row = next(i for i in range(2) if page.model.row_at(i).name == "Front desk 2")
    assert page.model.display(page.model.row_at(row), 2) == "admin"
    # Remove it: a reason is required, and it is kept on the list as removed.
    page.select(page.model.row_at(row).id)
    assert page.remove_button.isEnabled()
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    reason = page.dialog
    assert isinstance(reason, RequiredReasonDialog)
    assert "computer you are using" not in reason.findChildren(type(page.stolen))[0].text()
    qtbot.mouseClick(reason.ok_button, Qt.MouseButton.LeftButton)
    assert reason.isVisible() and reason.reason_error.severity is Severity.ERROR
    qtbot.keyClicks(reason.reason, "Replaced by a new computer")
    qtbot.mouseClick(reason.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "is removed" in page.status.message, timeout=WAIT)
    assert page.status.severity is Severity.OK and page.dialog is None
    removed = page.model.row_at(row)
    assert removed.revoked and "Removed" in page.model.display(removed, 4)
    assert not page.remove_button.isEnabled()
    assert "password" in page.status.message


def test_removing_the_computer_in_use_warns_first(qtbot: Any, page: ServerPage) -> None:
    page.select(page.model.row_at(0).id)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, RequiredReasonDialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(page.stolen)))
    assert "⚠ This is the computer you are using now" in texts
    dialog.reject()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    assert not page.model.row_at(0).revoked


def test_the_server_tab_has_unique_mnemonics_in_the_main_window(
    qtbot: Any, server_clinic: Clinic, tmp_path: Path, runner: OpRunner
) -> None:
    w = MainWindow(
        paths=server_clinic.paths,
        services=holder(server_clinic.inst),
        runner=runner,
        session=server_clinic.sessions[Role.ADMIN],
        settings=QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat),
        idle_minutes=15,
    )
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    problems: list[str] = []
    try:
        w.show_area("Administration")
        area = w.areas["Administration"]
        tabs = area.ensure() if isinstance(area, LazyArea) else area
        assert isinstance(tabs, QTabWidget)
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        assert titles[-1] == "Server"
        tabs.setCurrentIndex(tabs.count() - 1)
        server = tabs.currentWidget()
        assert isinstance(server, ServerPage)
        qtbot.waitUntil(lambda: server.model.rowCount() == 1, timeout=WAIT)
        check("Administration › Server", w, problems)
        server.add_workstation()
        assert isinstance(server.dialog, AddWorkstationDialog)
        check("Add a workstation", server.dialog, problems)
        server.dialog.reject()
        server.select(server.model.row_at(0).id)
        server.remove_workstation()
        assert isinstance(server.dialog, RequiredReasonDialog)
        check("Remove workstation", server.dialog, problems)
        server.dialog.reject()
        qtbot.waitUntil(lambda: server.pending == 0, timeout=WAIT)
    finally:
        w.session = None
        w.close()
    assert not problems, "\n".join(problems)


def test_a_file_clinic_has_no_server_tab(
    qtbot: Any, local_clinic: Clinic, tmp_path: Path, runner: OpRunner
) -> None:
    w = MainWindow(
        paths=local_clinic.paths,
        services=holder(local_clinic.inst),
        runner=runner,
        session=local_clinic.admin,
        settings=QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat),
        idle_minutes=15,
    )
    qtbot.addWidget(w)
    w.show()
    try:
        w.show_area("Administration")
        area = w.areas["Administration"]
        tabs = area.ensure() if isinstance(area, LazyArea) else area
        assert isinstance(tabs, QTabWidget)
        assert "Server" not in [tabs.tabText(i) for i in range(tabs.count())]
    finally:
        w.session = None
        w.close()
