"""Write one parsed release into the store, all or nothing, with progress and cancel."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from medrec_desktop.coding.importers.errors import ImportCancelledError
from medrec_desktop.coding.parsed import CodeRow, ParsedRelease
from medrec_desktop.coding.refs import code_ranges
from medrec_desktop.coding.types import CancelFlag, ProgressCallback

_BATCH = 5000


def mark_expanded(rel: ParsedRelease) -> list[CodeRow]:
    """The release's codes with ``expanded`` set where an order/codes file lists 7th-character
    codes as plain rows: ICD-10-CM, seven characters, under a header, and either X placeholder
    padding or a letter as 7th character (E11.3211 ends in a digit and is a code of its own)."""
    if rel.system != "icd10cm" or any(c.expanded for c in rel.codes):
        return rel.codes
    headers = {c.code for c in rel.codes if not c.billable}
    out = []
    for c in rel.codes:
        stem = c.code[:6].rstrip("X")
        if len(c.code) == 7 and stem in headers and ("X" in c.code[3:6] or c.code[6].isalpha()):
            c = CodeRow(c.code, c.title, c.billable, stem, c.kind, c.terms, True)
        out.append(c)
    return out


def _batches(rows: list[CodeRow]) -> Iterable[list[CodeRow]]:
    for i in range(0, len(rows), _BATCH):
        yield rows[i : i + _BATCH]


def refresh_vocab(conn: sqlite3.Connection) -> None:
    """Rewrite the ``vocab`` table from the full index (about 0.1 s)."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, fts, row)"
    )
    conn.execute("DELETE FROM vocab")
    conn.execute("INSERT INTO vocab SELECT term FROM temp.fts_terms")


def write_release(
    conn: sqlite3.Connection,
    rel: ParsedRelease,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> int:
    """Insert ``rel`` inside the caller's open transaction; return the new release id.

    Raises ImportCancelledError when ``cancel`` is set; the caller rolls back.
    """
    cur = conn.execute(
        "INSERT INTO release(system, name, source, valid_from, valid_to, code_count,"
        " billable_count, kind) VALUES (?,?,?,?,?,?,?,?)",
        (
            rel.system,
            rel.name,
            rel.source,
            rel.valid_from.isoformat(),
            rel.valid_to.isoformat() if rel.valid_to else None,
            rel.code_count,
            rel.billable_count,
            rel.kind,
        ),
    )
    rid = int(cur.lastrowid or 0)
    codes = mark_expanded(rel)
    total = len(codes)
    done = 0
    for batch in _batches(codes):
        if cancel is not None and cancel.cancelled:
            raise ImportCancelledError()
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM code").fetchone()[0]
        conn.executemany(
            "INSERT INTO code(id, release_id, system, code, kind, title, billable, parent,"
            " terms, expanded) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    first + i,
                    rid,
                    rel.system,
                    c.code,
                    c.kind,
                    c.title,
                    int(c.billable),
                    c.parent,
                    c.terms,
                    int(c.expanded),
                )
                for i, c in enumerate(batch)
            ],
        )
        searchable = [(first + i, c) for i, c in enumerate(batch) if c.kind == "code"]
        conn.executemany(
            "INSERT INTO fts(rowid, title, terms) VALUES (?,?,?)",
            [(i, c.title or "", c.terms) for i, c in searchable],
        )
        conn.executemany(
            "INSERT INTO fts_core(rowid, title, terms) VALUES (?,?,?)",
            [(i, c.title or "", c.terms) for i, c in searchable if not c.expanded],
        )
        done += len(batch)
        if progress is not None:
            progress(done, total)
    if cancel is not None and cancel.cancelled:
        raise ImportCancelledError()
    conn.executemany(
        "INSERT INTO note(release_id, owner, kind, text, seq) VALUES (?,?,?,?,?)",
        [(rid, o, k, t, i) for i, (o, k, t) in enumerate(rel.notes)],
    )
    conn.executemany(
        "INSERT INTO excludes1(release_id, owner, lo, hi, text) VALUES (?,?,?,?,?)",
        [
            (rid, o, lo, hi, t)
            for o, k, t in rel.notes
            if k == "excludes1"
            for lo, hi in code_ranges(t)
        ],
    )
    conn.executemany(
        "INSERT INTO seventh(release_id, owner, char, meaning) VALUES (?,?,?,?)",
        [(rid, o, c, m) for o, c, m in rel.seventh],
    )
    conn.executemany(
        "INSERT INTO validity(system, code, start, end, flags, source) VALUES (?,?,?,?,'',?)",
        [(rel.system, c, s, e, rel.name) for c, s, e in rel.validity],
    )
    return rid
