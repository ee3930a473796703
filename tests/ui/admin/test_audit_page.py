"""Audit log viewer: filters, chain verification, CSV export."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.admin.audit_page import ANY_DATE, AuditLogPage
from medrec_desktop.ui.itemmodels import audit as cols
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import ADMIN_PASSWORD, Clinic
from tests.ui.admin.conftest import WAIT


def _shown(page: AuditLogPage, column: int) -> set[str]:
    model = page.proxy
    return {model.data(model.index(r, column)) for r in range(model.rowCount())}


def _apply(qtbot: Any, page: AuditLogPage) -> None:
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)


def test_shows_all_events_newest_first(make_page: Any, local_clinic: Clinic) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    total = len(local_clinic.inst.audit.events(local_clinic.admin, AuditFilter()))
    assert page.model.rowCount() >= total - 2  # the page's own reads are audited too
    first = page.model.row_at(page.proxy.mapToSource(page.proxy.index(0, 0)).row())
    last = page.model.row_at(page.model.rowCount() - 1)
    assert first.seq == last.seq  # sorted newest first
    assert "matching events" in page.count_label.text()
    assert page.since.text() == "Any date" and page.until.text() == "Any date"
    assert page.user.findText("coder") >= 0  # user names offered in the filter


def test_filter_by_action_and_user(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    with pytest.raises(KnownError):
        local_clinic.inst.auth.login("coder", "a wrong password")
    page: AuditLogPage = make_page(AuditLogPage)
    page.action.setCurrentIndex(page.action.findData("login_failed"))
    page.user.setEditText("coder")
    _apply(qtbot, page)
    assert page.model.rowCount() == 1
    assert _shown(page, cols.COL_ACTION) == {"Login failed"}
    assert _shown(page, cols.COL_USER) == {"coder"}
    assert _shown(page, cols.COL_OUTCOME) != {"Success"}

    page.user.setEditText("nurse")
    page.action.setCurrentIndex(page.action.findData("login"))
    _apply(qtbot, page)
    assert page.model.rowCount() >= 1
    assert _shown(page, cols.COL_USER) == {"nurse"} and _shown(page, cols.COL_ACTION) == {"Login"}

    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert len(_shown(page, cols.COL_USER)) > 2


def test_date_filter(qtbot: Any, make_page: Any, local_clinic: Clinic) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    day = local_clinic.clock.now.date()  # events carry the fake clock's time
    page.since.setDate(QDate(day.year, day.month, day.day).addDays(1))
    _apply(qtbot, page)
    assert page.model.rowCount() == 0
    page.since.setDate(QDate(day.year, day.month, day.day))
    page.until.setDate(QDate(day.year, day.month, day.day))
    _apply(qtbot, page)
    assert page.model.rowCount() > 0
    page.since.setDate(QDate(day.year, day.month, day.day).addDays(2))
    qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)  # explained, not loaded
    assert page.filter_status.severity is Severity.ERROR
    assert "start date is after the end date" in page.filter_status.message
    page.since.setDate(ANY_DATE)


def test_verify_chain_ok(qtbot: Any, make_page: Any) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert page.chain_status.severity is Severity.OK
    assert "Audit trail intact" in page.chain_status.message


def test_verify_shows_the_high_water_mark(qtbot: Any, make_page: Any) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    mark = re.search(r"High-water mark: (\d+):([0-9a-f]{64})", page.chain_status.message)
    assert mark is not None, page.chain_status.message
    assert page.inst.current_mark() is not None


def test_full_check_uses_the_administrators_password(qtbot: Any, make_page: Any) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    page._ask_password = lambda: "not my password at all"  # type: ignore[method-assign]
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.full_button, Qt.MouseButton.LeftButton)
    assert page.chain_status.severity is Severity.ERROR
    assert "password is not correct" in page.chain_status.message
    page._ask_password = lambda: ADMIN_PASSWORD  # type: ignore[method-assign]
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.full_button, Qt.MouseButton.LeftButton)
    assert page.chain_status.severity is Severity.OK
    assert "forward-secure MACs checked" in page.chain_status.message


def test_export_csv(qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path) -> None:
    page: AuditLogPage = make_page(AuditLogPage)
    out = tmp_path / "audit.csv"
    page._ask_save_path = lambda: out  # type: ignore[method-assign]
    page.action.setCurrentIndex(page.action.findData("login"))
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.status.severity is Severity.OK
    assert "recorded in the audit log" in page.status.message
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 6 and {r["action"] for r in rows} == {"login"}
    assert {"seq", "ts", "username", "outcome", "emergency"} <= set(rows[0])
    exports = local_clinic.inst.audit.events(local_clinic.admin, AuditFilter(action="export"))
    assert exports and exports[-1].category == "audit" and exports[-1].username == "admin"
