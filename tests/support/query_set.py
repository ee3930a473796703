"""The project's search query set: tests/integration/coding/queries/<kind>.tsv.

Each file holds one kind of query (its stem names the kind). A line is
``query<TAB>expected codes``: the codes are space separated in display form and any one of them
found counts; ``#`` starts a comment line. Read by the recall test and by
bench/coding_search.py (which imports this file by path), so both measure the same set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parents[1] / "integration" / "coding" / "queries"
#: a second set, written after the tuning by someone who never saw the vocabulary, the tuning
#: set or the search's code, and never tuned on: it shows how well the search generalises.
#: Reported by the bench beside the tuning set; no test asserts on it (a floor would invite
#: tuning to it).
HOLDOUT_DIR = QUERY_DIR.parent / "holdout"


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    expected: frozenset[str]  # normalized codes (no dot, upper case)
    line: int


def _normalize(code: str) -> str:
    # the same rule as medrec_desktop.coding.codes.normalize, kept here so the loader
    # needs nothing from the code under test
    return code.strip().replace(".", "").upper()


def load_kind(path: Path) -> list[Query]:
    out: list[Query] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].split():
            raise ValueError(f"{path.name} line {n}: expected 'query<TAB>codes', got {line!r}")
        codes = frozenset(_normalize(c) for c in parts[1].split())
        out.append(Query(path.stem, parts[0].strip(), codes, n))
    return out


def load_queries(folder: Path = QUERY_DIR) -> dict[str, list[Query]]:
    """Kind -> its queries, kinds in name order."""
    return {p.stem: load_kind(p) for p in sorted(folder.glob("*.tsv"))}
