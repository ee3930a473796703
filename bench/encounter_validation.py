"""Live validation of an encounter with 12 diagnoses and 6 procedure lines, as the coding pane
checks it after every change (``CodeSetStore.validate_encounter``: the claim checks over the
diagnoses in order, each HCPCS line against the release in force), p50/p95 over many runs,
beside a naive baseline measured in the same run.

* figure: the same encounter checked again and again (what the pane does while the coder
  edits it), outpatient, p95;
* for information, "cold": every run a different encounter, 12 billable diagnoses drawn from
  the whole tabular (seeded) that no earlier run checked, so nothing a check remembers from
  an earlier claim helps (MCE edits of codes seen before, parsed notes);
* baseline: the naive pane, which checks each row on its own as it is shown: each diagnosis
  validated alone and its detail (title, notes, HCC) read, each procedure line looked up and
  validated alone; 18 calls per refresh (it cannot see Excludes1 pairs or combination codes,
  so it does less and still takes longer).

Runs against a fresh store built in a temporary MEDREC_CODES_DIR, with a small HCPCS release
(the test suite's sample file) imported so the lines are checked against a release in force.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, write_result

DIAGNOSES = [
    "E11.65",  # type 2 diabetes with hyperglycemia
    "E11.42",  # ... with polyneuropathy
    "I10",  # hypertension beside CKD: COMBO-HTN-CKD
    "N18.30",
    "E78.5",
    "Z79.4",  # insulin
    "I25.10",
    "J44.9",
    "M17.11",
    "K21.9",
    "F32.A",
    "Z68.30",
]
LINES = [("hcpcs", c) for c in ("G0008", "J1100", "J1100", "E0100", "A0021", "K0001")]
DOS = dt.date(2026, 6, 1)
AGE, SEX = 68, "F"
RUNS = 400
COLD_RUNS = 150
NAIVE_RUNS = 60


def quantiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return statistics.median(samples) * 1000, q[94] * 1000


def _hcpcs_sample() -> str:
    # tests/ is not a package the bench may import by name: load the fixture by path
    path = REPO / "tests" / "unit" / "coding" / "hcpcs_fixture.py"
    spec = importlib.util.spec_from_file_location("hcpcs_fixture", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.sample_file())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDREC_CODES_DIR"] = tmp
        from medrec_desktop.coding.schema import STORE_FILE
        from medrec_desktop.coding.store import CodeSetStore
        from medrec_desktop.coding.types import CodeSystem, Setting

        store = CodeSetStore(Path(tmp) / STORE_FILE)
        try:
            hcpcs = Path(tmp) / "HCPC2026_JAN_ANWEB.txt"
            hcpcs.write_text(_hcpcs_sample())
            store.import_file(hcpcs, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31))
            lines = [(CodeSystem(s), c) for s, c in LINES]
            pool = [
                c
                for (c,) in store.conn().execute(
                    "SELECT code FROM code WHERE system = 'icd10cm' AND kind = 'code'"
                    " AND billable = 1 AND release_id = ?",
                    (store.release_for(CodeSystem.ICD10CM, DOS).id,),  # type: ignore[union-attr]
                )
            ]
            rng = random.Random(13)
            rng.shuffle(pool)
            cold_claims = [pool[i * 12 : (i + 1) * 12] for i in range(COLD_RUNS)]

            def live(setting: Setting) -> list[object]:
                return list(store.validate_encounter(DIAGNOSES, lines, DOS, AGE, SEX, setting))

            findings = live(Setting.OUTPATIENT)
            times: dict[str, list[float]] = {s.value: [] for s in Setting}
            for _ in range(RUNS):
                for s in Setting:
                    t = time.perf_counter()
                    live(s)
                    times[s.value].append(time.perf_counter() - t)

            cold: list[float] = []
            for claim in cold_claims:
                t = time.perf_counter()
                store.validate_encounter(claim, lines, DOS, AGE, SEX, Setting.OUTPATIENT)
                cold.append(time.perf_counter() - t)

            def naive() -> None:
                for code in DIAGNOSES:
                    store.validate([code], DOS, AGE, SEX, Setting.OUTPATIENT)
                    store.detail(code, DOS)
                for system, code in lines:
                    store.lookup(code, DOS, system)
                    store.validate_encounter([], [(system, code)], DOS, AGE, SEX)

            naive_times: list[float] = []
            for _ in range(NAIVE_RUNS):
                t = time.perf_counter()
                naive()
                naive_times.append(time.perf_counter() - t)
        finally:
            store.close()
    out_p50, out_p95 = quantiles(times["outpatient"])
    in_p50, in_p95 = quantiles(times["inpatient"])
    cold_p50, cold_p95 = quantiles(cold)
    naive_p50, naive_p95 = quantiles(naive_times)
    rules = sorted({f.rule_id for f in findings})  # type: ignore[attr-defined]
    write_result(
        "encounter_validation",
        figure="live validation of an encounter, 12 diagnoses + 6 HCPCS lines, outpatient, p95",
        unit="ms",
        value=out_p95,
        baseline="naive pane: each diagnosis validated alone with its detail read, each line "
        "looked up and validated alone (18 calls per refresh, no pair checks), p95",
        baseline_value=naive_p95,
        target="< 10 ms",
        extra={
            "diagnoses": DIAGNOSES,
            "lines": [c for _, c in LINES],
            "runs": RUNS,
            "cold_runs": COLD_RUNS,
            "naive_runs": NAIVE_RUNS,
            "outpatient_p50_ms": round(out_p50, 3),
            "outpatient_p95_ms": round(out_p95, 3),
            "inpatient_p50_ms": round(in_p50, 3),
            "inpatient_p95_ms": round(in_p95, 3),
            "cold_p50_ms": round(cold_p50, 3),
            "cold_p95_ms": round(cold_p95, 3),
            "naive_p50_ms": round(naive_p50, 3),
            "naive_p95_ms": round(naive_p95, 3),
            "rules_fired": rules,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    )
    print(
        f"outpatient p50 {out_p50:.2f} p95 {out_p95:.2f} ms; inpatient p50 {in_p50:.2f} p95 "
        f"{in_p95:.2f} ms; cold (new codes each run) p50 {cold_p50:.2f} p95 {cold_p95:.2f} ms; "
        f"naive p50 {naive_p50:.2f} p95 {naive_p95:.2f} ms"
    )
    print(rules)


if __name__ == "__main__":
    sys.exit(main())
