"""The store's in-memory view of its releases, built whole and replaced whole.

Searches run on a worker thread while an import reloads the store on another. A reload that
rebound several attributes one after another let a reader see the new release list with the
old kinds (a KeyError), or a release committed to the file that its lists did not hold yet.
So a reload builds a new frozen ``Snapshot`` and swaps it in with one assignment, and every
query works through a ``StoreView``: one snapshot, taken once per call, plus the calling
thread's connection. Rows of releases the snapshot does not know are ignored.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from medrec_desktop.coding.codes import normalize
from medrec_desktop.coding.mce import Mce
from medrec_desktop.coding.search import seventh_words
from medrec_desktop.coding.types import CodeSystem, Release, Row
from medrec_desktop.domain.errors import NotFoundError


@dataclass(frozen=True)
class Snapshot:
    releases: tuple[Release, ...]
    by_id: Mapping[int, Release]
    kinds: Mapping[int, str]  # release id -> "titles" or "pending" (titles not yet imported)
    seventh_words: frozenset[str]
    vocab: frozenset[str]
    #: (release id, header code) -> (title, parent): the hierarchy shown above every hit
    headers: Mapping[tuple[int, str], tuple[str, str | None]]


def load_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Read everything a snapshot holds inside one read transaction, so an import committed by
    another process half-way through cannot leave it holding two states of the file."""
    conn.execute("BEGIN")
    try:
        releases = tuple(
            Release(
                r[0],
                CodeSystem(r[1]),
                r[2],
                r[3],
                dt.date.fromisoformat(r[4]),
                dt.date.fromisoformat(r[5]) if r[5] else None,
                r[6],
                r[7],
            )
            for r in conn.execute(
                "SELECT id, system, name, source, valid_from, valid_to, code_count,"
                " billable_count FROM release ORDER BY system, valid_from, id"
            )
        )
        kinds = dict(conn.execute("SELECT id, kind FROM release").fetchall())
        seventh = seventh_words(m for (m,) in conn.execute("SELECT DISTINCT meaning FROM seventh"))
        vocab = frozenset(t for (t,) in conn.execute("SELECT term FROM vocab"))
        headers = {
            (r[0], r[1]): (r[2], r[3])
            for r in conn.execute(
                "SELECT release_id, code, title, parent FROM code WHERE billable = 0"
            )
        }
    finally:
        conn.execute("COMMIT")
    return Snapshot(
        releases=releases,
        by_id=MappingProxyType({r.id: r for r in releases}),
        kinds=MappingProxyType(kinds),
        seventh_words=seventh,
        vocab=vocab,
        headers=MappingProxyType(headers),
    )


class StoreView:
    """One snapshot and this thread's connection: what a single store call reads through.
    Satisfies ``lookup.CodeLookup`` for the detail pane and the claim checks."""

    def __init__(self, snap: Snapshot, conn: sqlite3.Connection, mce: Mce) -> None:
        self.snap = snap
        self._conn = conn
        self._mce = mce
        # One call (a claim's checks) asks for the same releases and ancestors many times;
        # a view lives for one call, on one snapshot, so what it remembers cannot go stale.
        self._release_ids: dict[tuple[CodeSystem | None, dt.date], list[int]] = {}
        self._paths: dict[tuple[int, str], tuple[tuple[str, str], ...]] = {}
        self._rows: dict[tuple[str, CodeSystem | None], list[tuple[Any, ...]]] = {}
        #: (release id, code) -> parent, for the codes whose rows were read
        self._parents: dict[tuple[int, str], str | None] = {}

    @property
    def mce(self) -> Mce:
        return self._mce

    def conn(self) -> sqlite3.Connection:
        return self._conn

    def release_by_id(self, rid: int) -> Release:
        rel = self.snap.by_id.get(rid)
        if rel is None:
            raise NotFoundError(f"No code-set release with id {rid} is held.")
        return rel

    def release_for(self, system: CodeSystem, dos: dt.date | None = None) -> Release | None:
        """The titles release in force on ``dos``: the latest that started on or before it."""
        day = dos or dt.date.today()
        titled = [
            r
            for r in self.snap.releases
            if r.system is system and self.snap.kinds[r.id] == "titles"
        ]
        started = [r for r in titled if r.valid_from <= day]
        if started:
            return max(started, key=lambda r: (r.valid_from, r.id))
        return min(titled, key=lambda r: (r.valid_from, r.id)) if titled else None

    def release_ids(self, system: CodeSystem | None, dos: dt.date | None) -> list[int]:
        day = dos or dt.date.today()
        known = self._release_ids.get((system, day))
        if known is None:
            known = self._release_ids[(system, day)] = self._release_ids_on(system, day)
        return known

    def _release_ids_on(self, system: CodeSystem | None, day: dt.date) -> list[int]:
        ids: list[int] = []
        for sys_ in [system] if system else list(CodeSystem):
            rel = self.release_for(sys_, day)
            if rel is not None:
                ids.append(rel.id)
            ids.extend(
                r.id
                for r in self.snap.releases
                if r.system is sys_
                and self.snap.kinds[r.id] == "pending"
                and r.valid_from <= day
                and (
                    rel is None
                    or r.valid_from > rel.valid_from
                    or r.valid_to is None
                    or r.valid_to >= rel.valid_from
                )
            )
        return ids

    def path_of(self, release_id: int, code: str) -> tuple[tuple[str, str], ...]:
        """Ancestors from the chapter down (ICD-10-CM only; other systems are flat)."""
        known = self._paths.get((release_id, code))
        if known is None:
            known = self._paths[(release_id, code)] = self._path_of(release_id, code)
        return known

    def _path_of(self, release_id: int, code: str) -> tuple[tuple[str, str], ...]:
        chain: list[tuple[str, str]] = []
        parent = self._parent(release_id, code)
        while parent is not None:
            node = self.snap.headers.get((release_id, parent))
            if node is None:
                break
            chain.append((parent, node[0]))
            parent = node[1]
        return tuple(reversed(chain))

    def _parent(self, release_id: int, code: str) -> str | None:
        node = self.snap.headers.get((release_id, code))
        if node is not None:
            return node[1]
        if (release_id, code) in self._parents:  # read with the code's row
            return self._parents[(release_id, code)]
        row = self._conn.execute(
            "SELECT parent FROM code WHERE release_id = ? AND code = ?", (release_id, code)
        ).fetchone()
        if row is None and self.snap.kinds.get(release_id) == "pending":
            for size in range(len(code) - 1, 2, -1):
                if any((rid, code[:size]) in self.snap.headers for rid in self.snap.kinds):
                    return code[:size]
        return row[0] if row else None

    def lookup(
        self, code: str, dos: dt.date | None = None, system: CodeSystem | None = None
    ) -> tuple[Row, Release] | None:
        """The code's row in the release in force on ``dos`` (or any release that has it)."""
        norm = normalize(code)
        rows = self._rows.get((norm, system))
        if rows is None:
            rows = self._rows[(norm, system)] = self._code_rows([norm], system).get(norm, [])
        return self._best(rows, system, dos)

    def prefetch(self, codes: Sequence[str], system: CodeSystem | None = None) -> None:
        """Read the rows of many codes at once; their lookups in this view then need no
        query each (a claim's codes, before its checks look them up one by one)."""
        wanted = sorted({normalize(c) for c in codes} - {c for c, s in self._rows if s is system})
        found = self._code_rows(wanted, system)
        for code in wanted:
            self._rows[(code, system)] = found.get(code, [])

    def _code_rows(
        self, codes: Sequence[str], system: CodeSystem | None
    ) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            for r in self._conn.execute(
                "SELECT id, release_id, system, code, title, billable, terms, parent FROM code"
                f" WHERE code IN ({','.join('?' * len(chunk))}) AND kind = 'code'"
                " ORDER BY release_id DESC",
                chunk,
            ):
                self._parents[(r[1], r[3])] = r[7]
                # a release committed after this snapshot was taken is not visible yet;
                # the same characters may be codes of two systems (J1100: HCPCS, and J11.00)
                if r[1] in self.snap.by_id and (system is None or r[2] == system.value):
                    out.setdefault(r[3], []).append(tuple(r))
        return out

    def _best(
        self, rows: list[tuple[Any, ...]], system: CodeSystem | None, dos: dt.date | None
    ) -> tuple[Row, Release] | None:
        if not rows:
            return None
        ids = self.release_ids(system, dos)
        r = min(rows, key=lambda r: (r[1] not in ids, -r[1]))
        return Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]), self.snap.by_id[r[1]]
