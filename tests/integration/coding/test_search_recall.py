"""Recall floors per kind of query on the project's query set (queries/<kind>.tsv).

An acceptable code must come first for at least 85% of each kind's queries and within the
first ten for at least 97%. The assertion lists every miss, so a failing run says which
queries to look at. bench/coding_search.py reports the same figures beside a naive scan.
"""

from __future__ import annotations

import pytest

from medrec_desktop.coding.codes import normalize
from medrec_desktop.coding.store import CodeSetStore
from tests.support.query_set import Query, load_queries

AT_1, AT_10 = 0.85, 0.97
QUERIES = load_queries()


def test_the_query_set_has_general_and_code_queries() -> None:
    assert {"general", "code"} <= set(QUERIES)
    assert all(QUERIES.values()), "a query file with no queries"


@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_recall_per_kind(store: CodeSetStore, kind: str) -> None:
    queries: list[Query] = QUERIES[kind]
    first = top10 = 0
    misses: list[str] = []
    for q in queries:
        codes = [normalize(h.code) for h in store.find(q.text, limit=10).hits]
        ok1 = bool(codes) and codes[0] in q.expected
        ok10 = bool(q.expected & set(codes))
        first += ok1
        top10 += ok10
        if not ok1:
            where = "not in top 10" if not ok10 else "not first"
            misses.append(
                f"  {q.text!r} ({where}): expected {' '.join(sorted(q.expected))},"
                f" got {' '.join(codes[:3]) or 'nothing'}"
            )
    n = len(queries)
    report = "\n".join(misses)
    assert first / n >= AT_1 and top10 / n >= AT_10, (
        f"{kind}: recall@1 {first / n:.1%} (floor {AT_1:.0%}), recall@10 {top10 / n:.1%}"
        f" (floor {AT_10:.0%}) over {n} queries; misses:\n{report}"
    )
