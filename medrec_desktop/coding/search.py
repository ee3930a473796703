"""One search box: codes (with or without the dot, any case) and words (any order, prefixes).

Words go through the synonym table (HTN, DM2, "high blood pressure"...), then an FTS5 query
over titles and inclusion terms; candidates are re-ranked so billable codes, codes the
abbreviation usually means and titles the query covers well come first.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from medrec_desktop.coding.codes import looks_like_code, normalize
from medrec_desktop.coding.synonyms import STOPWORDS, SYNONYMS, WORDS, expand

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CANDIDATES = 150


@dataclass(frozen=True)
class Row:
    id: int
    release_id: int
    system: str
    code: str
    title: str | None
    billable: bool
    terms: str


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = WORDS.get(word, word).replace("'", "")
        if word and word not in STOPWORDS:
            out.extend(word.split())
    return out


def fts_query(words: Sequence[str]) -> str:
    """Every word must match; words of two letters or more also match as prefixes."""
    parts = [f'"{w}"*' if len(w) >= 2 else f'"{w}"' for w in words]
    return " AND ".join(parts)


def _fetch(conn: sqlite3.Connection, sql: str, args: Sequence[object]) -> list[Row]:
    return [Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in conn.execute(sql, args)]


_COLS = "id, release_id, system, code, title, billable, terms"


def _in(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def search_codes(
    conn: sqlite3.Connection, prefix: str, releases: Sequence[int], limit: int
) -> list[tuple[Row, float]]:
    hi = prefix + "\x7f"
    rows = _fetch(
        conn,
        f"SELECT {_COLS} FROM code WHERE code >= ? AND code < ? AND kind = 'code'"
        f" AND release_id IN ({_in(releases)}) ORDER BY length(code), code LIMIT ?",
        (prefix, hi, max(limit * 4, 200)),
    )
    scored = []
    for r in rows:
        score = 100.0 if r.code == prefix else 50.0 - len(r.code)
        scored.append((r, score + (2.0 if r.billable else 0.0)))
    return scored


#: title words that narrow nothing: a title is not "less covered" for having them
FILLER = frozenset({"unspecified", "site", "not", "specified", "organism", "nos", "part",
                    "type", "elsewhere", "classified", "without", "complications", "primary"})
#: title words that mark a special case the query must ask for
SPECIAL = frozenset({"neonatal", "newborn", "pregnancy", "childbirth", "puerperium",
                     "maternal", "history", "screening", "sequela", "subsequent",
                     "postprocedural", "complicating", "congenital", "secondary", "other",
                     "family", "personal", "fetus", "perinatal", "intraoperative"})


def _fts(conn: sqlite3.Connection, words: Sequence[str]) -> list[tuple[int, float]]:
    sql = "SELECT rowid, bm25(fts, 4.0, 1.0) FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?"
    hits = conn.execute(sql, (fts_query(words), _CANDIDATES)).fetchall()
    if not hits and len(words) > 1:  # nothing has every word: rank by the words that match
        hits = conn.execute(sql, (" OR ".join(f'"{w}"*' for w in words), _CANDIDATES)).fetchall()
    return [(int(r), -float(b)) for r, b in hits]


def search_words(
    conn: sqlite3.Connection, query: str, releases: Sequence[int]
) -> list[tuple[Row, float, str]]:
    text, likely, rest = expand(query)
    words = tokens(text)
    out: list[tuple[Row, float, str]] = []
    wanted = set(releases)
    # an abbreviation on its own means its usual code; with more words it only breaks ties
    alone = not tokens(rest)
    likely_rank = {c: i for i, c in enumerate(likely)}
    seen: set[int] = set()
    if likely and alone:
        rows = _fetch(conn, f"SELECT {_COLS} FROM code WHERE code IN"
                      f" ({','.join('?' * len(likely))})", likely)
        for r in rows:
            if r.release_id in wanted:
                out.append((r, 1000.0 - likely_rank[r.code], "abbreviation"))
                seen.add(r.id)
    if not words:
        return out
    hits = _fts(conn, words)
    if not hits:
        return out
    rank = dict(hits)
    rows = [
        r for r in _fetch(conn, f"SELECT {_COLS} FROM code WHERE id IN ({_in(list(rank))})", ())
        if r.release_id in wanted and r.id not in seen
    ]
    qset = set(words)
    for r in rows:
        title_words = tokens(r.title or "")
        matched = [w for w in title_words if any(w.startswith(q) for q in qset)]
        unmatched = [w for w in title_words
                     if w not in FILLER and not any(w.startswith(q) for q in qset)]
        in_title = all(any(t.startswith(q) for t in title_words) for q in qset)
        score = rank[r.id] + (5.0 if r.billable else 0.0)
        score += 1.5 * len(set(matched)) - 0.8 * len(unmatched)
        score -= 3.0 * sum(1 for w in unmatched if w in SPECIAL)
        score += 2.0 if in_title else 0.0
        if "unspecified" in title_words and "other" not in qset:
            score += 2.5  # the default code when the chart says no more
        if r.code in likely_rank:
            score += 4.0
        if len(r.code) == 7 and r.code.endswith("A") and r.system == "icd10cm":
            score += 0.5  # initial encounter is the usual one
        out.append((r, score, "" if in_title else _matched_term(r.terms, qset)))
    return out


def _matched_term(terms: str, qset: set[str]) -> str:
    for term in terms.split(" | "):
        words = tokens(term)
        if all(any(w.startswith(q) for w in words) for q in qset):
            return term
    return ""


def is_code_query(query: str) -> bool:
    return looks_like_code(query) and query.strip().lower() not in SYNONYMS


def run_search(
    conn: sqlite3.Connection,
    query: str,
    releases: Sequence[int],
    *,
    billable_only: bool,
    limit: int,
) -> list[tuple[Row, float, str]]:
    """(row, score, matched inclusion term or "") best first."""
    if not query.strip() or not releases:
        return []
    scored: dict[int, tuple[Row, float, str]] = {}
    if is_code_query(query):
        for r, s in search_codes(conn, normalize(query), releases, limit):
            scored[r.id] = (r, s + 100.0, "")
    else:
        for r, s, m in search_words(conn, query, releases):
            if r.id not in scored or scored[r.id][1] < s:
                scored[r.id] = (r, s, m)
    ranked = sorted(scored.values(), key=lambda t: (-t[1], len(t[0].code), t[0].code))
    if billable_only:
        ranked = [t for t in ranked if t[0].billable]
    return ranked[:limit]
