"""The results grid of a chart with ten years of results, ready for first paint.

Setup, on a real SQLCipher file with the product's pragmas: one patient with 295 tests over
ten years (basic metabolic panels, blood counts, lipid panels, HbA1c: 2,000 results), three
of them not counted, beside 50 other patients with a few tests each.

* figure: ``ResultsService.grid`` as the results page calls it (permission check, one query
  for every test of the patient, the results decoded, the grid built, one audit event written
  and committed), then the Qt model filled with it (``ResultsGridModel.set_grid``: the view
  paints the visible cells from it); p50 and p95;
* baseline, in the same run and interleaved round by round: the same grid built the naive
  way, one query per item: the test ids, then per test its row and the names of who saved
  it, decoded through the generic codec (``versioning.to_info``), without the audit write.

Usage: python bench/results_grid.py [RUNS]
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from _common import write_result
from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.panels import BMP, CBC, HBA1C, LIPIDS, PanelTemplate
from medrec_desktop.domain.result_grid import GridTest, ResultsGrid, build_grid
from medrec_desktop.domain.results import LabTestData, LabTestInput
from medrec_desktop.models import LabTest, User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import versioning
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
ROUNDS = 10
PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
# 295 tests, 2,000 results: labs every two weeks or so for ten years.
PLAN: tuple[tuple[PanelTemplate, int], ...] = ((BMP, 110), (CBC, 100), (LIPIDS, 45), (HBA1C, 40))
OTHERS = 50


def panel(template: PanelTemplate, n: int, when: dt.datetime, **more: Any) -> LabTestInput:
    # Mostly at the range's low end; every seventh value above its high end (flagged).
    rows = tuple(
        replace(r, value=str(r.low or r.high) if (n + i) % 7 else str(float(r.high or 9) * 1.2))
        for i, r in enumerate(template.rows())
    )
    return LabTestInput(
        name=template.name,
        loinc=template.loinc or "",
        collected_at=when,
        resulted_at=when + dt.timedelta(hours=4),
        performing_lab="Quest Diagnostics",
        results=rows,
        **more,
    )


def fill(inst: Installation) -> tuple[PatientId, UserSession, int]:
    admin = inst.auth.login("admin", PASSWORD)
    inst.users.add_user(admin, "nina", "Nina", Role.NURSE, PASSWORD, must_change_password=False)
    nina = inst.auth.login("nina", PASSWORD)

    def patient(n: int) -> PatientId:
        return inst.patients.register(
            nina,
            PatientInput(f"Family{n:03d}", "Given", dt.date(1950 + n % 60, 1, 1), "female"),
            duplicates_reviewed=True,
            reason="bench",
        ).id

    for n in range(OTHERS):
        pid = patient(n)
        for k in range(3):
            inst.lab_tests.add(nina, pid, panel(BMP, k, NOW - dt.timedelta(days=100 * k)))
    target = patient(OTHERS)
    order = [t for template, count in PLAN for t in [template] * count]
    step = dt.timedelta(days=365 * 10) / len(order)
    results = 0
    for n, template in enumerate(order):
        when = NOW - step * (n + 1)
        saved = inst.lab_tests.add(nina, target, panel(template, n, when))
        results += len(saved.data.results)
        if n % 97 == 0:  # a few counted out, as hemolysed specimens are
            inst.lab_tests.update(
                nina,
                saved.id,
                panel(template, n, when, status=ItemStatus.INACTIVE),
                expected_version=1,
            )
    return target, nina, results


def naive(inst: Installation, session: UserSession, pid: PatientId) -> ResultsGrid:
    """The same grid, one query per test (ids, then each row and its savers' names)."""
    with inst.store.unit_of_work() as db:
        ids = db.execute(
            select(LabTest.id).where(LabTest.patient_id == pid, LabTest.status == ItemStatus.ACTIVE)
        ).scalars()
        tests = []
        for test_id in list(ids):
            row = db.execute(select(LabTest).where(LabTest.id == test_id)).scalar_one()
            people = {
                u: db.execute(select(User.display_name).where(User.id == u)).scalar_one()
                for u in (row.created_by, row.changed_by)
            }
            info = versioning.to_info(row, LabTestData, people)
            d = info.data
            tests.append(
                GridTest(info.id, d.name, d.collected_at, d.resulted_at, d.performing_lab,
                         d.results)
            )  # fmt: skip
        return build_grid(tests)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from medrec_desktop.ui.chart.results_grid_model import ResultsGridModel

    app = QApplication.instance() or QApplication([])
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
            clock=lambda: NOW,
        )
        try:
            started = time.perf_counter()
            pid, nina, results = fill(inst)
            fill_seconds = time.perf_counter() - started
            model = ResultsGridModel()

            def ready() -> None:
                model.set_grid(inst.results.grid(nina, pid))

            grid = inst.results.grid(nina, pid)
            check = naive(inst, nina, pid)
            assert check.rows == grid.rows and check.columns == grid.columns
            calls = {"grid": ready, "naive": lambda: naive(inst, nina, pid)}
            timings: dict[str, list[float]] = {name: [] for name in calls}
            for fn in calls.values():
                for _ in range(3):
                    fn()
            for r in range(ROUNDS):
                for name in list(calls) if r % 2 == 0 else list(reversed(calls)):
                    for _ in range(max(1, RUNS // ROUNDS)):
                        start = time.perf_counter()
                        calls[name]()
                        timings[name].append(time.perf_counter() - start)
        finally:
            inst.close()
    del app
    stats = {
        name: {
            "p50": round(statistics.median(t) * 1000, 3),
            "p95": round(statistics.quantiles(t, n=20)[-1] * 1000, 3),
        }
        for name, t in timings.items()
    }
    for name, s in stats.items():
        print(f"{name:>6}: p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms")
    print(
        f"grid: {grid.tests} tests, {len(grid.rows)} analytes, {len(grid.columns)} dates, "
        f"{results} results saved; filled in {fill_seconds:.0f} s; load average "
        f"{load_before} before, {os.getloadavg()} after"
    )
    write_result(
        "results_grid",
        figure="results grid ready for first paint (ResultsService.grid: permission check, one "
        "query, results decoded, grid built, one audit event; then the Qt model filled; "
        f"SQLCipher), p95 over {len(timings['grid'])} reads of a chart with {results} results "
        f"in {grid.tests} counted tests over ten years",
        unit="ms",
        value=stats["grid"]["p95"],
        baseline="the same grid read one query per test (row, savers' names), decoded by the "
        "generic codec, without the audit write (same run, interleaved)",
        baseline_value=stats["naive"]["p95"],
        target="< 150 ms to the data ready for first paint",
        extra={"p50_ms": stats["grid"]["p50"], "baseline_p50_ms": stats["naive"]["p50"]},
    )


if __name__ == "__main__":
    main()
