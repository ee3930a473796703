"""The coding panel's item models hold DTOs and pass Qt's model checks; typed dates."""

from __future__ import annotations

import datetime as dt

from pytestqt.modeltest import ModelTester

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.ui.coding.dates import parse_dos
from medrec_desktop.ui.coding.models import (
    SECONDARY_ROLE,
    ClaimLine,
    ClaimModel,
    FindingsModel,
    ResultsModel,
)


def test_results_model(qapp: object, qtmodeltester: ModelTester, ui_store: CodeSetStore) -> None:
    model = ResultsModel()
    model.set_rows(ui_store.search("diabetes", limit=20))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 20
    assert model.index(0, ResultsModel.COL_CODE).data() == model.hit(0).code
    assert "›" in model.index(0, ResultsModel.COL_TITLE).data(SECONDARY_ROLE)
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_claim_model(qtmodeltester: ModelTester) -> None:
    model = ClaimModel()
    model.set_rows(
        [
            ClaimLine("E11.9", "Type 2 diabetes mellitus without complications"),
            ClaimLine("I10", "Essential (primary) hypertension"),
        ]
    )
    qtmodeltester.check(model, force_py=True)
    assert model.codes() == ["E11.9", "I10"]
    assert model.index(0, ClaimModel.COL_SEQ).data() == "1 (principal)"


def test_findings_model(qapp: object, qtmodeltester: ModelTester, ui_store: CodeSetStore) -> None:
    model = FindingsModel()
    model.set_rows(ui_store.validate(["E11", "E11.9", "E10.9"], dt.date(2026, 6, 1)))
    qtmodeltester.check(model, force_py=True)
    assert {model.index(r, FindingsModel.COL_RULE).data() for r in range(model.rowCount())} >= {
        "CODE-HEADER",
        "EXCLUDES1",
    }


def test_dates_of_service_as_typed() -> None:
    today = dt.date(2026, 11, 26)
    assert parse_dos("", today) == today
    assert parse_dos("today", today) == today
    assert parse_dos("2026-06-01", today) == dt.date(2026, 6, 1)
    assert parse_dos("6/1/2026", today) == dt.date(2026, 6, 1)
    assert parse_dos("06/01/26", today) == dt.date(2026, 6, 1)
    assert parse_dos("06-01-2026", today) == dt.date(2026, 6, 1)
    assert parse_dos("06012026", today) == dt.date(2026, 6, 1)
    assert parse_dos("20260601", today) == dt.date(2026, 6, 1)
    assert parse_dos("13/45/2026", today) is None
    assert parse_dos("june", today) is None
