"""FTS5's bm25 computed here for small match sets, from cached word counts: same numbers, less work.

Why: FTS5's ``bm25()`` weighs each query word by how many rows hold it (its IDF), and counts
those rows again on every query by reading the word's whole doclist. "knee pain right" matches
one code, yet counting every "right", "pain" and "knee" row takes 3 of its 3.5 ms. The counts
only change with the index, so they are kept here per (store file, index, phrase), keyed also
by the index's totals record (rows and tokens), which every import changes.

When the match set is small (at most ``limit`` rows, so FTS5's ORDER BY ... LIMIT would keep
them all and its order among equal scores does not matter), the rows are listed without
ranking and scored here with FTS5's own formula, term for term in the same order of floating
point operations, so the scores are bit-for-bit those of ``bm25(table, 4.0, 1.0)``. Anything
this cannot reproduce exactly (a larger match set, a non-ASCII title, a query word the
tokenizer would split) is ranked by FTS5, and FTS5's answers that ranked more rows than they
keep (the costly ones, for common words) are kept per index state as well.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

#: bm25 parameters of FTS5 (fts5_aux.c) and the column weights the search passes
_K1, _B = 1.2, 0.75
_TITLE_WEIGHT, _TERMS_WEIGHT = 4.0, 1.0
#: below this many doclist entries (summed over the phrases) FTS5's own count is cheap
_CHEAP = 4000
_MAX_CACHED = 50_000
_PLAIN = re.compile(r"[a-z0-9]+")

_counts: dict[tuple[str, str, bytes, str, bool], int] = {}


@lru_cache(maxsize=8192)  # ~1 kB each with the text: a few searches' rows
def _ascii_tokens(text: str) -> tuple[str, ...]:
    """unicode61's tokens of an ASCII text: runs of letters and digits, lower-cased."""
    return tuple(_PLAIN.findall(text.lower()))


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (FTS5 stores its averages record with them)."""
    out: list[int] = []
    i = 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def _phrase(word: str, prefix: bool) -> str:
    return f'"{word}"*' if prefix else f'"{word}"'


#: FTS5's own ranking, the weights above: title 4, inclusion terms 1
RANKED_SQL = (
    f"SELECT rowid, bm25({{t}}, {_TITLE_WEIGHT}, {_TERMS_WEIGHT}) FROM {{t}}"
    " WHERE {t} MATCH ? ORDER BY rank LIMIT ?"
)
#: FTS5's answers that had to rank more rows than they keep, as FTS5 ordered them:
#: (file, index, totals record, match, limit) -> hits. Those are the costly ones (common words:
#: "eye", "low back", the OR of every word), and they recur: the searches that find nothing with
#: every word try every word but one, and each keystroke of a query repeats its first words.
_ranked: OrderedDict[tuple[str, str, bytes, str, int], list[tuple[int, float]]] = OrderedDict()
_MAX_RANKED = 256  # about 16 kB each
_ranked_lock = threading.Lock()  # searches run on worker threads


def ranked(
    conn: sqlite3.Connection,
    table: str,
    phrases: Sequence[tuple[str, bool]],
    match: str,
    limit: int,
    *,
    cheap: int = _CHEAP,
) -> tuple[list[tuple[int, float]], bool]:
    """The best ``limit`` rows matching ``match``, the AND of ``phrases`` (word, is a prefix),
    as (rowid, ``-bm25(table, 4.0, 1.0)``) best first, and whether they were scored here (then
    every matching row is listed, and equal scores may be in another order than FTS5's)."""
    index = _index(conn, table)
    plain = phrases and all(_PLAIN.fullmatch(w) for w, _ in phrases)
    if index is not None and plain and _kept(index, table, match, limit) is None:
        known = [_counts.get((index[0], table, index[1], w, p)) for w, p in phrases]
        if 0 in known:
            return [], False  # a word no row holds: the AND of them all holds none
        # words seen before with short doclists: FTS5's own count is cheap
        if None in known or sum(k or 0 for k in known) >= cheap:
            mine = _score_here(conn, table, phrases, match, limit, index)
            if mine is not None:
                return mine, bool(mine)  # nothing found: nothing to order
    return fts5(conn, table, match, limit, index), False


def fts5(
    conn: sqlite3.Connection,
    table: str,
    match: str,
    limit: int,
    index: tuple[str, bytes, int, int] | None = None,
) -> list[tuple[int, float]]:
    """FTS5's own ranking of any match expression; kept when it had more rows than ``limit``."""
    index = index or _index(conn, table)
    if index is not None:
        kept = _kept(index, table, match, limit)
        if kept is not None:
            return kept
    rows = conn.execute(RANKED_SQL.format(t=table), (match, limit))
    found = [(int(r), -float(b)) for r, b in rows]
    if index is not None and len(found) >= limit:
        with _ranked_lock:
            _ranked[(index[0], table, index[1], match, limit)] = found
            if len(_ranked) > _MAX_RANKED:
                _ranked.popitem(last=False)
    return list(found)


def _kept(
    index: tuple[str, bytes, int, int], table: str, match: str, limit: int
) -> list[tuple[int, float]] | None:
    key = (index[0], table, index[1], match, limit)
    with _ranked_lock:
        found = _ranked.get(key)
        if found is not None:
            _ranked.move_to_end(key)
    return None if found is None else list(found)


def _index(conn: sqlite3.Connection, table: str) -> tuple[str, bytes, int, int] | None:
    """(store file, the index's totals record, rows, tokens), or None (a database in memory)."""
    main = "SELECT file FROM pragma_database_list WHERE name = 'main'"
    (db_file,) = conn.execute(main).fetchone()
    row = conn.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    if not db_file or row is None:
        return None
    averages = bytes(row[0])
    totals = _varints(averages)
    if not totals or totals[0] <= 0:
        return None
    # The file's inode as well: a store rebuilt at the same path (schema bump) is a new file,
    # whose rowids may name other codes even if its totals happened to match.
    try:
        ident = f"{db_file}#{os.stat(db_file).st_ino}"
    except OSError:
        return None
    return ident, averages, totals[0], sum(totals[1:])


def _count(
    conn: sqlite3.Connection,
    table: str,
    index: tuple[str, bytes, int, int],
    word: str,
    prefix: bool,
) -> int:
    """How many rows hold the phrase: the n of its IDF, counted once per index state."""
    key = (index[0], table, index[1], word, prefix)
    count = _counts.get(key)
    if count is None:
        if len(_counts) >= _MAX_CACHED:
            _counts.clear()
        sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
        count = int(conn.execute(sql, (_phrase(word, prefix),)).fetchone()[0])
        _counts[key] = count
    return count


def _score_here(
    conn: sqlite3.Connection,
    table: str,
    phrases: Sequence[tuple[str, bool]],
    match: str,
    limit: int,
    index: tuple[str, bytes, int, int],
) -> list[tuple[int, float]] | None:
    """Every matching row scored with FTS5's formula, or None when there are more than
    ``limit`` (FTS5 must choose which to keep) or a text this cannot tokenize as FTS5 does.
    The rows are listed first: words are counted (once) only when there is something to score,
    as FTS5 does."""
    n_rows, n_tokens = index[2], index[3]
    ids = [
        int(r)
        for (r,) in conn.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?", (match, limit + 1)
        )
    ]
    if len(ids) > limit:
        return None
    if not ids:
        return []
    hits = [_count(conn, table, index, w, p) for w, p in phrases]
    idf = []
    for count in hits:
        value = math.log((n_rows - count + 0.5) / (count + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    avgdl = float(n_tokens) / float(n_rows)
    out: list[tuple[int, float]] = []
    marks = ",".join(str(i) for i in ids)
    for rid, title, terms in conn.execute(
        f"SELECT id, title, terms FROM code WHERE id IN ({marks})"
    ):
        title, terms = title or "", terms or ""
        if not (title.isascii() and terms.isascii()):
            return None
        t_toks, x_toks = _ascii_tokens(title), _ascii_tokens(terms)
        d = float(len(t_toks) + len(x_toks))
        norm = _K1 * (1 - _B + _B * d / avgdl)
        score = 0.0
        for (word, prefix), weight in zip(phrases, idf, strict=True):
            if prefix:
                n_title = sum(1 for t in t_toks if t.startswith(word))
                n_terms = sum(1 for t in x_toks if t.startswith(word))
            else:
                n_title, n_terms = t_toks.count(word), x_toks.count(word)
            freq = n_title * _TITLE_WEIGHT + n_terms * _TERMS_WEIGHT
            score += weight * ((freq * (_K1 + 1.0)) / (freq + norm))
        out.append((int(rid), score))
    if len(out) != len(ids):
        return None
    out.sort(key=lambda t: -t[1])
    return out
