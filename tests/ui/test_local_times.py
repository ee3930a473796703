"""Screens show stored UTC instants in the workstation's local time (DESIGN §9)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.itemmodels import audit as acol
from medrec_desktop.ui.itemmodels import users as ucol
from medrec_desktop.ui.itemmodels.audit import AuditTableModel
from medrec_desktop.ui.itemmodels.users import UserTableModel
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ROLE_PASSWORD, Clinic

W = Callable[[Role], MainWindow]


@pytest.fixture
def tokyo_time() -> Iterator[None]:
    """The process's local zone is UTC+9 ("JST-9" is POSIX: needs no zone database)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_audit_and_user_tables_show_local_time(tokyo_time: None, populated: Clinic) -> None:
    # 23:30 UTC on 26 November is 08:30 on 27 November in Tokyo.
    populated.clock.advance(hours=14, minutes=30)
    populated.inst.users.add_user(populated.admin, "late", "Late Hire", Role.CODER, ROLE_PASSWORD)
    events = populated.inst.audit.events(populated.admin, AuditFilter(username="admin"))
    model = AuditTableModel()
    model.set_rows(events)
    last = model.rowCount() - 1
    assert model.data(model.index(last, acol.COL_TIME)) == "2026-11-27 08:30:00"
    assert model.data(model.index(0, acol.COL_TIME)) == "2026-11-26 18:00:00"  # 09:00 UTC
    users = UserTableModel()
    users.set_rows(populated.inst.users.list_users(populated.admin))
    assert users.data(users.index(users.find("late"), ucol.COL_CREATED)) == "2026-11-27"
    assert users.data(users.index(users.find("nurse"), ucol.COL_CREATED)) == "2026-11-26"


def test_the_chart_history_shows_local_time(qtbot: Any, tokyo_time: None, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    patient = w.inst.patients.list_all(w.session)[0]  # type: ignore[arg-type]
    w.open_patient(patient)
    qtbot.waitUntil(lambda: w.chart.history.count() > 0, timeout=10_000)
    text = w.chart.history.item(0).text()
    assert "2026-11-26 18:00" in text and "UTC" not in text  # registered 09:00 UTC
