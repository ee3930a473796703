"""The results read model (issue 10): a patient's grid of analytes by date, and the trend
of one analyte, each one audited call reading every test of the patient in one query.

Only counted tests are read (not those set aside as not counted, nor entered in error). Tests
with a sensitivity label the caller may not see are counted per label, never shown, as the
chart's lists do. The ``results`` column is decoded straight into DTOs
(``domain.results.results_from_json``): ten years of results (2,000) cost one query and a
few milliseconds of decoding, not a query per test.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.domain.result_grid import GridTest, ResultsGrid, build_grid, build_trend
from medrec_desktop.domain.results import results_from_json
from medrec_desktop.domain.trends import Trend
from medrec_desktop.models import LabTest
from medrec_desktop.services.base import Op, Service, audited


def _tests(op: Op, patient_id: int) -> tuple[list[GridTest], Counter[Sensitivity]]:
    rows = op.db.execute(
        select(
            LabTest.id,
            LabTest.name,
            LabTest.collected_at,
            LabTest.resulted_at,
            LabTest.performing_lab,
            LabTest.results,
            LabTest.sensitivity,
        ).where(LabTest.patient_id == patient_id, LabTest.status == ItemStatus.ACTIVE)
    ).all()
    withheld: Counter[Sensitivity] = Counter()
    if any(r.sensitivity for r in rows) and not op.can(
        Action.VIEW, DataCategory.SENSITIVE, patient_id
    ):
        withheld.update(Sensitivity(r.sensitivity) for r in rows if r.sensitivity)
        rows = [r for r in rows if not r.sensitivity]
    tests = [
        GridTest(
            id=r.id,
            name=r.name,
            collected_at=r.collected_at,
            resulted_at=r.resulted_at,
            performing_lab=r.performing_lab,
            results=results_from_json(r.results),
        )
        for r in rows
    ]
    return tests, withheld


def _withheld_detail(withheld: Counter[Sensitivity]) -> str:
    return "; withheld " + ", ".join(f"{s.value} {n}" for s, n in withheld.items())


class ResultsService(Service):
    """``inst.results``: what the results page and the trend plot read."""

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def grid(self, op: Op, patient_id: PatientId) -> ResultsGrid:
        """Analytes down (by panel), collection times across, newest first."""
        tests, withheld = _tests(op, patient_id)
        grid = build_grid(tests, withheld)
        op.event.detail = f"results grid: {grid.tests} tests, {len(grid.rows)} analytes" + (
            _withheld_detail(withheld) if withheld else ""
        )
        return grid

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def trend(self, op: Op, patient_id: PatientId, analyte_key: str) -> Trend:
        """One analyte's numeric results over time (``analyte_key`` as in the grid's rows),
        with the latest reference range as the band."""
        tests, withheld = _tests(op, patient_id)
        trend = build_trend(tests, analyte_key)
        # Not the analyte's name: a free-typed one may tell what the patient was tested for.
        op.event.detail = "trend of one analyte" + (_withheld_detail(withheld) if withheld else "")
        if trend is None:
            raise NotFoundError("This patient has no numeric results of that test to plot.")
        op.event.detail += f": {len(trend.points)} points"
        return trend
