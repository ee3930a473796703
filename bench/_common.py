"""What every benchmark shares: a median timer and writing bench/results/<name>.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as `python bench/x.py` from anywhere
    sys.path.insert(0, str(REPO))


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs"
    )


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_result(
    name: str,
    *,
    figure: str,
    unit: str,
    value: float,
    baseline: str,
    baseline_value: float,
    target: str,
    extra: dict[str, object] | None = None,
) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "figure": figure,
        "unit": unit,
        "value": round(value, 4),
        "baseline": baseline,
        "baseline_value": round(baseline_value, 4),
        "target": target,
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(
        f"{figure}: {value:.4g} {unit}  (baseline, {baseline}: {baseline_value:.4g} {unit}; "
        f"target {target})"
    )
    print(f"wrote {path}")
    return path
