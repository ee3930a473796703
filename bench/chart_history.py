"""Opening a chart with ten years of history: time until the encounter list and the results
grid are ready for first paint (issue 10, figure 1).

Setup, on a real SQLCipher file with the product's pragmas: a demo clinic of 200 patients
(their charts and visits, `services/demo.py`) and the issue's patient with ten years of
history: 500 encounters (office, lab-only, phone, telehealth and procedure visits with their
SOAP notes, 95% signed, a few with addenda), 2,000 results (bundled panels, values trending:
about 290 tests, drawn at visits spread over the years) and 200 coded procedures. Beside it a
heavier chart, measured the same way for information: the same encounters and procedures
with 2,000 tests (about 14,000 results). Both are written in bulk by the demo clinic's writer
(`demo_chart_writer.write_plan`): every item checked by its kind's own validation, the notes
signed after their entries, exactly the rows and version JSON the services write.

* figure: the two service calls the chart makes when its encounter and results pages open,
  `EncounterService.list_for_patient` and `ResultsService.grid` (each an audited call: the
  permission check, its query, the DTOs, and one audit event written and committed), plus
  the results grid's Qt table model filled from the grid (offscreen; its cells are worked
  out when painted); p50 and p95 over repeated opens;
* baseline, in the same run and interleaved round by round (a quarter as many): the same
  list and grid loaded one query per item, without the audit writes: the ids of the
  patient's encounters, then per encounter its row, its provider's name and its addenda
  count; the ids of the patient's tests, then per test its row, decoded by the generic codec;
  then the same rows and grid.

Usage: python bench/chart_history.py [OPENS]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import write_result
from sqlalchemy import func, select

from medrec_desktop.domain.clinical import ItemId, ItemStatus
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.encounter_views import EncounterList, EncounterRow
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.item_codec import from_plain
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.result_grid import GridTest, ResultsGrid, build_grid
from medrec_desktop.domain.results import LabTestData
from medrec_desktop.models import Encounter, EncounterAddendum, LabTest, User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.chart_kinds import PROCEDURES
from medrec_desktop.services.demo import DEMO_USERS, create_demo_clinic
from medrec_desktop.services.demo_chart import (
    Planned,
    PlannedAddendum,
    Signing,
    Staff,
    Version,
)
from medrec_desktop.services.demo_chart_writer import write_plan
from medrec_desktop.services.demo_labs import PANELS as LAB_PANELS
from medrec_desktop.services.demo_labs import LabPatient, LabPlanner
from medrec_desktop.services.encounter_kinds import ENCOUNTERS
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.result_kinds import LAB_TESTS
from tests.support.secrets import InMemorySecretStore

OPENS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
ROUNDS = 10
NAIVE_SHARE = 4
PASSWORD = "correct horse battery"
OTHERS = 200
YEARS = 10
ENCOUNTER_COUNT, RESULT_COUNT, PROCEDURE_COUNT = 500, 2000, 200
# A heavier chart measured beside it: 2,000 tests (about 14,000 results).
STRESS_TESTS = 2000
DRAWS = 350  # at most this many visits where blood was drawn
TYPES = (
    [EncounterType.OFFICE] * 300
    + [EncounterType.LAB_ONLY] * 100
    + [EncounterType.PHONE] * 50
    + [EncounterType.TELEHEALTH] * 30
    + [EncounterType.PROCEDURE] * 20
)
PANELS = ("cmp", "cbc", "lipids", "hba1c", "tsh", "urinalysis", "bmp")
CODED = [k for k, p in tx.PROCEDURES.items() if p.code and p.label is None]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def panels_for(results: int | None, tests: int | None) -> list[str]:
    """The panels drawn over the years: as many as make ``results`` results, or ``tests``."""
    keys: list[str] = []
    count = 0
    while (results is not None and count < results) or (tests is not None and len(keys) < tests):
        key = PANELS[len(keys) % len(PANELS)]
        keys.append(key)
        count += len(LAB_PANELS[key].analytes)
    return keys


def history(
    pid: int, staff: Staff, now: dt.datetime, panels: list[str]
) -> tuple[list[Planned], list[Signing], list[PlannedAddendum]]:
    """The ten years, planned as the demo clinic plans its visits: ``panels`` drawn at up
    to ``DRAWS`` of the office and lab-only visits, spread evenly over the years."""
    rng = random.Random(10)
    labs = LabPlanner(rng, "Cascade Regional Laboratory")
    patient = LabPatient(
        False,
        {"E11.9": (now - dt.timedelta(days=365 * 9)).date(), "E78.5": dt.date(2015, 1, 1)},
        rng,
    )
    first = now - dt.timedelta(days=365 * YEARS)
    step = (now - dt.timedelta(days=2) - first) / ENCOUNTER_COUNT
    types = TYPES[:]
    rng.shuffle(types)
    doctor = staff.names[staff.provider]
    planned: list[Planned] = []
    signings: list[Signing] = []
    addenda: list[PlannedAddendum] = []
    drawn_at: list[tuple[Planned, dt.datetime]] = []
    treated_at: list[tuple[Planned, dt.datetime]] = []
    for n, kind in enumerate(types):
        start = (first + step * n).replace(microsecond=0)
        fu = tx.FOLLOW_UPS[rng.choice(("I10", "E11.9", "E78.5", "M17.9", "J45.909"))]
        note = EncounterInput(
            starts_at=start,
            encounter_type=kind,
            provider_id=staff.provider,
            location="Exam room 2" if kind is EncounterType.OFFICE else "",
            reason_for_visit=fu.reason,
            subjective=rng.choice(fu.subjective),
            objective=fu.exam,
            assessment=fu.assessment.format(
                name="Condition", a1c="7.1", ldl="92", tsh="2.1", potassium="4.4", hgb="13.9"
            ),
            plan=" ".join(fu.plan),
        )
        encounter = Planned(ENCOUNTERS, pid, [Version(note, start, staff.provider)])
        planned.append(encounter)
        if kind in (EncounterType.OFFICE, EncounterType.LAB_ONLY):
            drawn_at.append((encounter, start))
        if kind in (EncounterType.OFFICE, EncounterType.PROCEDURE):
            treated_at.append((encounter, start))
        if rng.random() < 0.95:
            signed = Signing(encounter, staff.provider, start + dt.timedelta(hours=6))
            signings.append(signed)
            if rng.random() < 0.05:
                reason, text = rng.choice(tx.ADDENDA)
                addenda.append(
                    PlannedAddendum(
                        encounter, staff.provider, signed.at + dt.timedelta(days=2), reason, text
                    )
                )
    draws = drawn_at[:: max(1, len(drawn_at) // min(DRAWS, len(panels)))]
    for n, key in enumerate(panels):
        encounter, start = draws[n * len(draws) // len(panels)]
        collected = start + dt.timedelta(minutes=20)
        resulted = collected + dt.timedelta(hours=5)
        test = labs.panel(patient, key, collected, resulted, doctor)
        labs.critical_found = None
        item = Planned(LAB_TESTS, pid, [Version(test, resulted, staff.records)])
        item.links["encounter_id"] = encounter
        planned.append(item)
    for n in range(PROCEDURE_COUNT):
        encounter, start = treated_at[n % len(treated_at)]
        done = tx.PROCEDURES[CODED[n % len(CODED)]]
        at = start + dt.timedelta(minutes=30 + n % 7)
        typed = ProcedureInput(
            description=done.description,
            code_system=done.system,
            code=done.code,
            performed_at=at,
            performed_by=doctor,
            body_site=done.body_site or "",
            laterality=done.laterality,
            outcome="completed as planned",
        )
        item = Planned(PROCEDURES, pid, [Version(typed, at, staff.provider)])
        item.links["encounter_id"] = encounter
        planned.append(item)
    return planned, signings, addenda


def fill(inst: Installation) -> tuple[dict[str, PatientId], UserSession, dict[str, Any]]:
    """The demo clinic, then the two long-time patients: the issue's chart (2,000 results)
    and the heavier one (2,000 tests)."""
    admin = inst.auth.login("admin", PASSWORD)
    create_demo_clinic(
        inst.users, inst.demo, admin, inst.auth.login, patients=OTHERS, seed=2, password=PASSWORD
    )
    doc = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], PASSWORD)
    rita = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    nina = inst.auth.login(DEMO_USERS[Role.NURSE][0], PASSWORD)
    staff = Staff(
        provider=doc.user_id,
        nurse=nina.user_id,
        records=rita.user_id,
        names={doc.user_id: doc.display_name, nina.user_id: nina.display_name,
               rita.user_id: rita.display_name},
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    pids: dict[str, PatientId] = {}
    facts: dict[str, Any] = {}
    for n, (name, panels) in enumerate(
        (("chart", panels_for(RESULT_COUNT, None)), ("stress", panels_for(None, STRESS_TESTS)))
    ):
        pids[name] = inst.patients.register(
            rita,
            PatientInput(f"Longtime{name}", "Patient", dt.date(1950, 4, 5 + n), "female",
                         f"555 010 999{n}"),
            duplicates_reviewed=True,
            reason="bench",
        ).id  # fmt: skip
        started = time.perf_counter()
        planned, signings, addenda = history(pids[name], staff, now, panels)
        with inst.store.unit_of_work() as db:
            write_plan(db.connection(), planned, signings, addenda, staff, now.date())
        facts[name] = {
            "written_in_seconds": round(time.perf_counter() - started, 2),
            "tests": len(panels),
            "results": sum(len(i.data[-1][0].results) for i in planned if i.kind is LAB_TESTS),
        }
    return pids, doc, facts


def naive(inst: Installation, pid: int) -> tuple[EncounterList, ResultsGrid]:
    """The same list and grid, one query per item (no permission check, no audit)."""
    with inst.store.unit_of_work() as db:
        ids = db.execute(
            select(Encounter.id).where(
                Encounter.patient_id == pid, Encounter.status != ItemStatus.ENTERED_IN_ERROR
            )
        ).scalars().all()  # fmt: skip
        rows = []
        for encounter_id in ids:
            e = db.execute(select(Encounter).where(Encounter.id == encounter_id)).scalar_one()
            provider = db.execute(
                select(User.display_name).where(User.id == e.provider_id)
            ).scalar_one()
            addenda = db.execute(
                select(func.count()).where(EncounterAddendum.encounter_id == e.id)
            ).scalar_one()
            rows.append(
                EncounterRow(
                    id=ItemId(e.id),
                    version=e.version,
                    starts_at=e.starts_at,
                    encounter_type=EncounterType(e.encounter_type),
                    provider=provider,
                    reason_for_visit=e.reason_for_visit,
                    signed=e.signed_at is not None,
                    signed_at=e.signed_at,
                    addenda=int(addenda),
                    status=ItemStatus(e.status),
                    sensitivity=None,
                )
            )
        rows.sort(key=lambda r: (r.starts_at, r.id), reverse=True)
        test_ids = db.execute(
            select(LabTest.id).where(
                LabTest.patient_id == pid, LabTest.status == ItemStatus.ACTIVE
            )
        ).scalars().all()  # fmt: skip
        tests = []
        fields = [f for f in LabTestData.__dataclass_fields__]
        for test_id in test_ids:
            t = db.execute(select(LabTest).where(LabTest.id == test_id)).scalar_one()
            data = from_plain(LabTestData, {n: getattr(t, n) for n in fields})
            tests.append(
                GridTest(
                    t.id, data.name, data.collected_at, data.resulted_at, data.performing_lab,
                    data.results,
                )
            )  # fmt: skip
        return EncounterList(tuple(rows)), build_grid(tests)


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
        )
        try:
            measured = measure(inst)
        finally:
            inst.close()
    report(measured, load_before, os.getloadavg())


def measure(inst: Installation) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from medrec_desktop.ui.chart.results_grid_model import ResultsGridModel

    app = QApplication.instance() or QApplication([])
    pids, doc, facts = fill(inst)
    model = ResultsGridModel()

    def opened(pid: PatientId) -> tuple[EncounterList, ResultsGrid]:
        listed = inst.encounters.list_for_patient(doc, pid)
        grid = inst.results.grid(doc, pid)
        model.set_grid(grid)
        return listed, grid

    for name, pid in pids.items():
        listed, grid = opened(pid)
        check_list, check_grid = naive(inst, pid)
        # The baseline builds the very same list and grid.
        assert check_list.rows == listed.rows and check_grid == grid
        assert len(listed.rows) == ENCOUNTER_COUNT and grid.tests == facts[name]["tests"]
        facts[name] |= {
            "encounters": ENCOUNTER_COUNT,
            "signed": sum(r.signed for r in listed.rows),
            "addenda": sum(r.addenda for r in listed.rows),
            "procedures": PROCEDURE_COUNT,
            "grid_columns": len(grid.columns),
            "grid_analytes": len(grid.rows),
        }
    chart, stress = pids["chart"], pids["stress"]
    timings: dict[str, list[float]] = {
        "open": [], "list": [], "grid": [], "naive": [], "stress open": [], "stress naive": []
    }  # fmt: skip
    calls: dict[str, Callable[[], object]] = {
        "open": lambda: opened(chart),
        "list": lambda: inst.encounters.list_for_patient(doc, chart),
        "grid": lambda: inst.results.grid(doc, chart),
        "naive": lambda: naive(inst, chart),
        "stress open": lambda: opened(stress),
        "stress naive": lambda: naive(inst, stress),
    }
    share = {"naive": NAIVE_SHARE, "stress open": 2, "stress naive": 4 * NAIVE_SHARE}
    for fn in calls.values():  # warm-up
        for _ in range(2):
            fn()
    per_round = OPENS // ROUNDS
    for r in range(ROUNDS):
        order = list(calls) if r % 2 == 0 else list(reversed(calls))
        for name in order:
            for _ in range(max(1, per_round // share.get(name, 1))):
                start = time.perf_counter()
                calls[name]()
                timings[name].append(time.perf_counter() - start)
    del app
    return {"timings": timings, "facts": facts}


def report(
    measured: dict[str, Any],
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> None:
    timings, facts = measured["timings"], measured["facts"]
    stats = {
        name: {"p50": round(statistics.median(t) * 1000, 3), "p95": round(p95(t) * 1000, 3)}
        for name, t in timings.items()
    }
    for name, s in stats.items():
        print(f"{name:>13}: p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms ({len(timings[name])})")
    for name, f in facts.items():
        print(f"{name}: {f}")
    print(f"load average {load_before} before, {load_after} after")
    chart = facts["chart"]
    write_result(
        "chart_history",
        figure="a chart with ten years of history opened: encounter list and results grid "
        "ready for first paint (EncounterService.list_for_patient + ResultsService.grid, each "
        "audited, + the grid's Qt table model; SQLCipher), p95 over "
        f"{len(timings['open'])} opens of a chart with {ENCOUNTER_COUNT} encounters, "
        f"{chart['results']} results ({chart['tests']} tests), {PROCEDURE_COUNT} procedures",
        unit="ms",
        value=stats["open"]["p95"],
        baseline="the same encounter list and results grid loaded one query per item "
        "(encounter row, provider name, addenda count; test row decoded by the generic "
        "codec), without the audit writes (same run, interleaved)",
        baseline_value=stats["naive"]["p95"],
        target="< 150 ms to the encounter list and results grid ready for first paint",
        extra={
            "p50_ms": stats["open"]["p50"],
            "baseline_p50_ms": stats["naive"]["p50"],
            "encounter_list_p50_ms": stats["list"]["p50"],
            "encounter_list_p95_ms": stats["list"]["p95"],
            "results_grid_p50_ms": stats["grid"]["p50"],
            "results_grid_p95_ms": stats["grid"]["p95"],
            "chart": {"years": YEARS, **chart},
            "heavier_chart": {
                "what": "the same, with 2,000 tests (not results) over the ten years",
                "open_p50_ms": stats["stress open"]["p50"],
                "open_p95_ms": stats["stress open"]["p95"],
                "baseline_p50_ms": stats["stress naive"]["p50"],
                "baseline_p95_ms": stats["stress naive"]["p95"],
                "opens": len(timings["stress open"]),
                "baseline_opens": len(timings["stress naive"]),
                **facts["stress"],
            },
            "other_patients": OTHERS,
            "opens": len(timings["open"]),
            "baseline_opens": len(timings["naive"]),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
    )


if __name__ == "__main__":
    main()
