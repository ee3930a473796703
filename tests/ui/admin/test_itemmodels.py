"""Item models checked with qtmodeltester over real DTOs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.itemmodels import audit as acol
from medrec_desktop.ui.itemmodels import users as ucol
from medrec_desktop.ui.itemmodels.audit import AuditTableModel
from medrec_desktop.ui.itemmodels.base import SORT_ROLE
from medrec_desktop.ui.itemmodels.users import UserTableModel
from medrec_desktop.ui.widgets.tables import sorted_proxy
from tests.conftest import Clinic
from tests.ui.admin.conftest import lock_out


def test_user_model(qtmodeltester: Any, local_clinic: Clinic) -> None:
    lock_out(local_clinic, "nurse")
    users = local_clinic.inst.users.list_users(local_clinic.admin)
    model = UserTableModel()
    qtmodeltester.check(model)
    model.set_rows(users)
    qtmodeltester.check(model)
    assert model.rowCount() == len(users) == 6
    row = model.find("nurse")
    assert model.data(model.index(row, ucol.COL_ROLE)) == "Nurse"
    assert "Locked" in model.data(model.index(row, ucol.COL_LOCKED))
    assert "Unlock" in model.data(model.index(row, ucol.COL_LOCKED), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(row, ucol.COL_LOCKED), SORT_ROLE) == 1
    proxy = sorted_proxy(model)
    qtmodeltester.check(proxy)
    proxy.sort(ucol.COL_LOCKED, Qt.SortOrder.DescendingOrder)
    assert proxy.data(proxy.index(0, ucol.COL_USERNAME)) == "nurse"
    model.set_rows([])
    assert model.rowCount() == 0


def test_audit_model(qtmodeltester: Any, local_clinic: Clinic) -> None:
    events = local_clinic.inst.audit.events(local_clinic.admin, AuditFilter())
    model = AuditTableModel()
    model.set_rows(events)
    qtmodeltester.check(model)
    assert model.rowCount() == len(events) > 5
    first = events[0]
    assert model.data(model.index(0, acol.COL_TIME), SORT_ROLE) == first.seq
    assert f"#{first.seq}" in model.data(model.index(0, acol.COL_TIME), Qt.ItemDataRole.ToolTipRole)
    # local time shown, without the UTC offset text
    assert "+" not in model.data(model.index(0, acol.COL_TIME))
    qtmodeltester.check(sorted_proxy(model))
