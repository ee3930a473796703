"""Search latency (p50/p95 per query, in-process) vs a naive scan, and recall@1/@10.

Runs the realistic query set in tests/integration/coding/search_queries.tsv against the full
ICD-10-CM + ICD-10-PCS store. Writes bench/results/coding_search_*.json.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medrec_desktop.coding.codes import normalize  # noqa: E402
from medrec_desktop.coding.store import CodeSetStore  # noqa: E402

QUERIES = ROOT / "tests" / "integration" / "coding" / "search_queries.tsv"
RESULTS = ROOT / "bench" / "results"


def load_queries() -> list[tuple[str, set[str]]]:
    out = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, expected = line.split("\t")
        out.append((query, {normalize(c) for c in expected.split()}))
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def write(name: str, payload: dict[str, object]) -> None:
    payload.update(
        machine=f"{platform.machine()} {platform.processor() or ''}".strip()
        + f", {platform.system()}, Python {platform.python_version()}",
        date=date.today().isoformat(),
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=1) + "\n")


def main() -> None:
    store = CodeSetStore()
    queries = load_queries()
    conn = store.conn()
    titles = [
        (c, (t or "").lower())
        for c, t in conn.execute(
            "SELECT code, title FROM code WHERE kind = 'code' AND system IN ('icd10cm','icd10pcs')"
        )
    ]

    def naive(q: str) -> list[str]:
        words = q.lower().split()
        return [c for c, t in titles if all(w in t for w in words)][:10]

    for q, _ in queries[:20]:  # warm up caches
        store.search(q, limit=10)
    lat: list[float] = []
    hit1 = hit10 = 0
    misses = []
    for q, expected in queries:
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            hits = store.search(q, limit=10)
            runs.append((time.perf_counter() - t0) * 1000)
        lat.append(statistics.median(runs))
        codes = [normalize(h.code) for h in hits]
        hit1 += bool(codes[:1] and codes[0] in expected)
        hit10 += bool(expected & set(codes))
        if not expected & set(codes[:1]):
            misses.append((q, sorted(expected), codes[:3]))
    naive_lat = []
    for q, _ in queries:
        t0 = time.perf_counter()
        naive(q)
        naive_lat.append((time.perf_counter() - t0) * 1000)
    n = len(queries)
    p50, p95 = pct(lat, 50), pct(lat, 95)
    n50, n95 = pct(naive_lat, 50), pct(naive_lat, 95)
    r1, r10 = hit1 / n, hit10 / n
    print(f"queries: {n} over {len(titles):,} CM + PCS codes")
    print(
        f"search latency p50 {p50:.2f} ms, p95 {p95:.2f} ms  |  naive scan p50 {n50:.2f} ms,"
        f" p95 {n95:.2f} ms  |  speed-up at p95 {n95 / p95:.1f}x (target p95 < 5 ms, >= 20x)"
    )
    print(f"recall@1 {r1:.1%} (target >= 70%)  recall@10 {r10:.1%} (target >= 95%)")
    for q, exp, got in misses:
        print(f"  miss@1 {q!r}: expected {exp}, got {got}")
    write(
        "coding_search_latency",
        {
            "figure": "search latency p95 per query (in-process, full CM + PCS store)",
            "unit": "ms",
            "value": round(p95, 3),
            "p50": round(p50, 3),
            "baseline": "naive all-words substring scan over all CM + PCS titles, same run",
            "baseline_value": round(n95, 3),
            "baseline_p50": round(n50, 3),
            "speedup_p95": round(n95 / p95, 1),
            "target": "p95 < 5 ms and >= 20x the baseline",
            "queries": n,
        },
    )
    write(
        "coding_search_recall",
        {
            "figure": "search recall@1 / recall@10 over realistic coder queries",
            "unit": "fraction",
            "value": round(r1, 4),
            "recall_at_10": round(r10, 4),
            "baseline": "naive all-words substring scan, recall@1",
            "baseline_value": round(
                sum(bool(naive(q)[:1] and normalize(naive(q)[0]) in e) for q, e in queries) / n, 4
            ),
            "target": "recall@10 >= 0.95 and recall@1 >= 0.70",
            "queries": n,
        },
    )
    store.close()


if __name__ == "__main__":
    main()
