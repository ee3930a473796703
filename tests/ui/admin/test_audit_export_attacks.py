"""The audit export in Administration › Audit log holds no live formula, and names patients by
MRN and name (the administrator may see demographics) rather than internal ids."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import AuthenticationError
from medrec_desktop.export.csv_cells import FORMULA_TRIGGERS
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.admin.audit_page import AuditLogPage
from medrec_desktop.ui.itemmodels import audit as cols
from tests.conftest import Clinic
from tests.ui.admin.conftest import WAIT

ATTACK = '=HYPERLINK("http://x","y")'


def _export(qtbot: Any, page: AuditLogPage, out: Path) -> list[dict[str, str]]:
    page._ask_save_path = lambda: out  # type: ignore[method-assign]
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    with out.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_formula_typed_as_user_name_is_inert_in_the_export(
    qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path
) -> None:
    with pytest.raises(AuthenticationError):
        local_clinic.inst.auth.login(ATTACK, "any password")
    page: AuditLogPage = make_page(AuditLogPage)
    page.action.setCurrentIndex(page.action.findData("login_failed"))
    rows = _export(qtbot, page, tmp_path / "audit.csv")
    assert [r["username"] for r in rows] == ["'" + ATTACK.lower()]
    for row in rows:
        assert not any(v.startswith(FORMULA_TRIGGERS) for v in row.values()), row


def test_the_viewer_and_export_show_mrn_and_name(
    qtbot: Any, make_page: Any, local_clinic: Clinic, tmp_path: Path
) -> None:
    nurse = local_clinic.sessions[Role.NURSE]
    info = local_clinic.inst.patients.register(
        nurse, PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male")
    )
    local_clinic.inst.patients.get(nurse, info.id)
    page: AuditLogPage = make_page(AuditLogPage)
    page.patient.setText(str(int(info.mrn)))  # typed without the leading zeros
    with qtbot.waitSignal(page.settled, timeout=WAIT):
        qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    model = page.model
    assert model.rowCount() == 2  # registered, then viewed
    for r in range(model.rowCount()):
        assert model.data(model.index(r, cols.COL_MRN)) == info.mrn
        assert model.data(model.index(r, cols.COL_PATIENT)) == "Okafor, Chidi"
    assert str(info.id) not in {
        model.data(model.index(r, cols.COL_MRN)) for r in range(model.rowCount())
    }
    rows = _export(qtbot, page, tmp_path / "patient.csv")
    assert {(r["patient_mrn"], r["patient_name"]) for r in rows} == {(info.mrn, "Okafor, Chidi")}
