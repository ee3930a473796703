"""CodeSetStore: opened once, queried from any thread (one SQLite connection per thread)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from medrec_desktop.coding import detail as detail_mod
from medrec_desktop.coding import validate as validate_mod
from medrec_desktop.coding.build import build_store
from medrec_desktop.coding.codes import display, display_node, fiscal_year, normalize
from medrec_desktop.coding.mce import Mce
from medrec_desktop.coding.schema import SCHEMA_VERSION, STORE_FILE, store_dir
from medrec_desktop.coding.search import Row, run_search, seventh_words
from medrec_desktop.coding.types import (
    CancelFlag,
    CodeDetail,
    CodeSystem,
    Finding,
    ProgressCallback,
    Release,
    SearchHit,
)
from medrec_desktop.domain.errors import KnownError


def no_title(release: Release) -> str:
    return f"title not available until the FY{fiscal_year(release.valid_from)} release is imported"


class CodeSetStore:
    """The code sets: built from the bundled data the first time, then opened in milliseconds."""

    def __init__(
        self, path: Path | None = None, *, progress: ProgressCallback | None = None
    ) -> None:
        self.path = path or store_dir() / STORE_FILE
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._headers: dict[tuple[int, str], tuple[str, str | None]] = {}
        self.mce = Mce()
        self._ensure_built(progress)
        self._load()

    # -- connections -------------------------------------------------------------------
    def _ensure_built(self, progress: ProgressCallback | None) -> None:
        if self.path.exists():
            try:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                try:
                    row = conn.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()
                finally:
                    conn.close()
                if row and row[0] == SCHEMA_VERSION:
                    return
            except sqlite3.DatabaseError:
                pass
        build_store(self.path, progress)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must stay on their thread)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path)
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
        return conn

    def _load(self) -> None:
        conn = self.conn()
        self._releases = [
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
        ]
        self._kinds = dict(conn.execute("SELECT id, kind FROM release").fetchall())
        self._seventh_words = seventh_words(
            m for (m,) in conn.execute("SELECT DISTINCT meaning FROM seventh"))
        self._vocab = frozenset(t for (t,) in conn.execute("SELECT term FROM vocab"))
        self._headers = {
            (r[0], r[1]): (r[2], r[3])
            for r in conn.execute(
                "SELECT release_id, code, title, parent FROM code WHERE billable = 0"
            )
        }

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self.mce.close()

    # -- releases ----------------------------------------------------------------------
    def releases(self) -> list[Release]:
        return list(self._releases)

    def release_by_id(self, rid: int) -> Release:
        return next(r for r in self._releases if r.id == rid)

    def release_for(self, system: CodeSystem, dos: dt.date | None = None) -> Release | None:
        """The titles release in force on ``dos``: the latest that started on or before it."""
        day = dos or dt.date.today()
        titled = [r for r in self._releases if r.system is system and self._kinds[r.id] == "titles"]
        started = [r for r in titled if r.valid_from <= day]
        if started:
            return max(started, key=lambda r: (r.valid_from, r.id))
        return min(titled, key=lambda r: (r.valid_from, r.id)) if titled else None

    def release_ids(self, system: CodeSystem | None, dos: dt.date | None) -> list[int]:
        day = dos or dt.date.today()
        ids: list[int] = []
        for sys_ in [system] if system else list(CodeSystem):
            rel = self.release_for(sys_, day)
            if rel is not None:
                ids.append(rel.id)
            ids.extend(
                r.id
                for r in self._releases
                if r.system is sys_
                and self._kinds[r.id] == "pending"
                and r.valid_from <= day
                and (
                    rel is None
                    or r.valid_from > rel.valid_from
                    or r.valid_to is None
                    or r.valid_to >= rel.valid_from
                )
            )
        return ids

    # -- queries -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        system: CodeSystem | str | None = None,
        billable_only: bool = False,
        dos: dt.date | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        sys_ = CodeSystem(system) if system else None
        ranked = run_search(
            self.conn(),
            query,
            self.release_ids(sys_, dos),
            billable_only=billable_only,
            limit=limit,
            seventh=self._seventh_words,
            vocab=self._vocab,
        )
        return [self._hit(r, s, m) for r, s, m in ranked]

    def _hit(self, row: Row, score: float, matched: str) -> SearchHit:
        system = CodeSystem(row.system)
        title = row.title if row.title is not None else no_title(self.release_by_id(row.release_id))
        path = tuple(
            (display_node(c, system), t) for c, t in self.path_of(row.release_id, row.code)
        )
        return SearchHit(
            display(row.code, system), title, row.billable, system, path, matched, round(score, 3)
        )

    def path_of(self, release_id: int, code: str) -> tuple[tuple[str, str], ...]:
        """Ancestors from the chapter down (ICD-10-CM only; other systems are flat)."""
        chain: list[tuple[str, str]] = []
        parent = self._parent(release_id, code)
        while parent is not None:
            node = self._headers.get((release_id, parent))
            if node is None:
                break
            chain.append((parent, node[0]))
            parent = node[1]
        return tuple(reversed(chain))

    def _parent(self, release_id: int, code: str) -> str | None:
        node = self._headers.get((release_id, code))
        if node is not None:
            return node[1]
        row = (
            self.conn()
            .execute(
                "SELECT parent FROM code WHERE release_id = ? AND code = ?", (release_id, code)
            )
            .fetchone()
        )
        if row is None and self._kinds.get(release_id) == "pending":
            for size in range(len(code) - 1, 2, -1):
                if any((rid, code[:size]) in self._headers for rid in self._kinds):
                    return code[:size]
        return row[0] if row else None

    def lookup(
        self, code: str, dos: dt.date | None = None, system: CodeSystem | None = None
    ) -> tuple[Row, Release] | None:
        """The code's row in the release in force on ``dos`` (or any release that has it)."""
        norm = normalize(code)
        ids = self.release_ids(system, dos)
        rows = (
            self.conn()
            .execute(
                "SELECT id, release_id, system, code, title, billable, terms FROM code"
                " WHERE code = ? AND kind = 'code' ORDER BY release_id DESC",
                (norm,),
            )
            .fetchall()
        )
        if not rows:
            return None
        rows.sort(key=lambda r: (r[1] not in ids, -r[1]))
        r = rows[0]
        if system is not None and r[2] != system.value:
            return None
        return Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]), self.release_by_id(r[1])

    def detail(self, code: str, dos: dt.date | None = None) -> CodeDetail:
        return detail_mod.detail(self, code, dos or dt.date.today())

    def validate(
        self,
        codes: Sequence[str],
        dos: dt.date | None = None,
        age: int | None = None,
        sex: str | None = None,
    ) -> list[Finding]:
        return validate_mod.validate(self, list(codes), dos or dt.date.today(), age, sex)

    # -- imports -----------------------------------------------------------------------
    def import_file(
        self,
        path: Path,
        *,
        system: CodeSystem | None = None,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        cpt_columns: dict[str, str] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> Release:
        """Parse the whole file first, then store it in one transaction: all or nothing."""
        from medrec_desktop.coding.importers.detect import parse_any
        from medrec_desktop.coding.writer import refresh_vocab, write_release

        parsed = parse_any(
            path,
            system=system,
            valid_from=valid_from,
            valid_to=valid_to,
            cpt_columns=cpt_columns,
            cancel=cancel,
        )
        with self._write_lock:
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                with conn:
                    rid = write_release(conn, parsed, progress=progress, cancel=cancel)
                    refresh_vocab(conn)
            except sqlite3.DatabaseError as exc:
                raise KnownError(f"The code-set store could not be updated: {exc}") from None
            finally:
                conn.close()
            self._load()
        return self.release_by_id(rid)
