"""Saving a chart form, as a user feels it: p95 of the problem form's save, its version row
and audit event included; and the draft autosave that runs while the user types.

Figure (bench/results/item_save.json): `ClinicalItemService.update` on the problem list
(`inst.problems.update`), call by call, on a real SQLCipher file with the product's pragmas
(WAL, synchronous=FULL: every save is an fsynced commit), in a clinic of 300 patients with 5
problems each; every save really changes the problem (onset and chronic flag alternate), so
each writes the row, its version row and the audit event. The p95 of adding a problem (the
new-problem form) is printed for information.
Baseline, same run, interleaved round by round: the same change written with plain
SQLAlchemy in one transaction each (read the row, assign, commit): no validation, no version
check, no version row, no permission check, no audit event.

Second figure (bench/results/draft_save.json): `DraftService.save_draft`, the autosave that
runs within two seconds of the last keystroke (one upsert and its audit event), beside the
same upsert without the service (no permission check, no audit event).

Usage: python bench/item_save.py [SAVES]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import write_result
from sqlalchemy.dialects import sqlite

from medrec_desktop.domain.drafts import item_form_key
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.models import FormDraft, Problem
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.context import iso
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

SAVES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
PATIENTS = 300
PROBLEMS_EACH = 5
ROUNDS = 10
PASSWORD = "correct horse battery"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, p95(values) * 1000


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
        )
        try:
            timings = measure(inst)
        finally:
            inst.close()
    load_after = os.getloadavg()[0]
    report(timings, load_before, load_after)


def measure(inst: Installation) -> dict[str, list[float]]:
    admin = inst.auth.login("admin", PASSWORD)
    inst.users.add_user(
        admin, "pat", "Dr. Patel", Role.PROVIDER, PASSWORD, must_change_password=False
    )
    doc = inst.auth.login("pat", PASSWORD)
    items: list[tuple[int, int, int]] = []  # (patient, problem, version)
    for n in range(PATIENTS):
        pid = inst.patients.register(
            doc,
            PatientInput(
                f"Family{n:03d}",
                f"Given{n:03d}",
                dt.date(1950 + n % 60, 1, 1),
                "female",
                f"555 010 {n:04d}",
            ),
            duplicates_reviewed=True,
            reason="bench",
        ).id
        for i in range(PROBLEMS_EACH):
            added = inst.problems.add(
                doc, pid, ProblemInput(description=f"Problem {i} of {n}", icd10cm="E11.9")
            )
            items.append((pid, added.id, added.version))
    timings: dict[str, list[float]] = {
        "save": [],
        "bare": [],
        "add": [],
        "draft": [],
        "draft_bare": [],
    }

    def save(i: int) -> None:
        n = i % len(items)
        pid, item_id, version = items[n]
        form = ProblemInput(
            description=f"Problem {n % PROBLEMS_EACH} of {n // PROBLEMS_EACH}",
            icd10cm="E11.9",
            onset=str(2000 + i % 20),
            chronic=i % 2 == 0,
        )
        start = time.perf_counter()
        saved = inst.problems.update(doc, item_id, form, expected_version=version)
        timings["save"].append(time.perf_counter() - start)
        items[n] = (pid, item_id, saved.version)

    def bare(i: int) -> None:
        n = (i + 7) % len(items)
        pid, item_id, _ = items[n]
        start = time.perf_counter()
        with inst.store.unit_of_work() as db:
            row = db.get(Problem, item_id)
            assert row is not None
            row.onset = str(1990 + i % 10)
            row.chronic = i % 2 == 1
            db.flush()
            version = row.version  # the ORM's optimistic lock bumps it, as the service's does
        timings["bare"].append(time.perf_counter() - start)
        items[n] = (pid, item_id, version)

    def add(i: int) -> None:
        pid = items[i % len(items)][0]
        start = time.perf_counter()
        inst.problems.add(doc, pid, ProblemInput(description=f"New problem {i}", onset="2020"))
        timings["add"].append(time.perf_counter() - start)

    def fields(i: int) -> dict[str, str]:
        return {
            "description": f"Problem typed {i}",
            "icd10cm": "E11",
            "onset": "03/20",
            "resolution": "",
            "chronic": "no",
        }

    def draft(i: int) -> None:
        pid, item_id, version = items[i % 50]  # a few forms, typed into again and again
        start = time.perf_counter()
        inst.drafts.save_draft(
            doc, item_form_key("problem", item_id), pid, "problem", version, fields(i)
        )
        timings["draft"].append(time.perf_counter() - start)

    def draft_bare(i: int) -> None:
        pid, item_id, version = items[50 + i % 50]
        values = {
            "user_id": doc.user_id,
            "form_key": item_form_key("problem", item_id),
            "patient_id": pid,
            "item_type": "problem",
            "item_id": item_id,
            "base_version": version,
            "data_json": json.dumps(fields(i)),
            "saved_at": iso(dt.datetime.now(dt.UTC)),
        }
        statement = (
            sqlite.insert(FormDraft)
            .values(values)
            .on_conflict_do_update(
                index_elements=["user_id", "form_key"],
                set_={k: v for k, v in values.items() if k not in ("user_id", "form_key")},
            )
        )
        start = time.perf_counter()
        with inst.store.unit_of_work() as db:
            db.execute(statement)
        timings["draft_bare"].append(time.perf_counter() - start)

    calls: list[Callable[[int], None]] = [save, bare, add, draft, draft_bare]
    for i in range(30):  # warm-up, every side
        for fn in calls:
            fn(i)
    for t in timings.values():
        t.clear()
    per_round = SAVES // ROUNDS
    for r in range(ROUNDS):
        order = calls if r % 2 == 0 else list(reversed(calls))
        for fn in order:
            for i in range(r * per_round, (r + 1) * per_round):
                fn(i + 1_000)
    return timings


def report(timings: dict[str, list[float]], load_before: float, load_after: float) -> None:
    stats = {name: ms(t) for name, t in timings.items()}
    for name, (p50, p_95) in stats.items():
        print(f"{name:>10}: p50 {p50:.2f} ms, p95 {p_95:.2f} ms over {len(timings[name]):,}")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after")
    load = [round(load_before, 2), round(load_after, 2)]
    write_result(
        "item_save",
        figure=f"save of the problem form (ClinicalItemService.update: row, version row, audit "
        f"event), p95 over {len(timings['save']):,} saves",
        unit="ms",
        value=stats["save"][1],
        baseline="the same change as a bare ORM update in its own transaction (no validation, "
        "version check, version row, permission check or audit event), interleaved in the "
        "same run",
        baseline_value=stats["bare"][1],
        target="p95 < 20 ms on SQLCipher",
        extra={
            "p50_ms": round(stats["save"][0], 3),
            "baseline_p50_ms": round(stats["bare"][0], 3),
            "add_p50_ms_for_information": round(stats["add"][0], 3),
            "add_p95_ms_for_information": round(stats["add"][1], 3),
            "saves": len(timings["save"]),
            "patients": PATIENTS,
            "problems": PATIENTS * PROBLEMS_EACH,
            "load_average_1min": load,
        },
    )
    write_result(
        "draft_save",
        figure=f"draft autosave of a chart form (DraftService.save_draft: one upsert and its "
        f"audit event), p95 over {len(timings['draft']):,} saves",
        unit="ms",
        value=stats["draft"][1],
        baseline="the same upsert in its own transaction without the service (no permission "
        "check, no audit event), interleaved in the same run",
        baseline_value=stats["draft_bare"][1],
        target="well inside the 2 s between the last keystroke and the draft being kept",
        extra={
            "p50_ms": round(stats["draft"][0], 3),
            "baseline_p50_ms": round(stats["draft_bare"][0], 3),
            "saves": len(timings["draft"]),
            "load_average_1min": load,
        },
    )


if __name__ == "__main__":
    main()
