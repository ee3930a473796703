"""CodeSetStore: opened once, queried from any thread (one SQLite connection per thread)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from medrec_desktop.coding import detail as detail_mod
from medrec_desktop.coding import procedures
from medrec_desktop.coding import validate as validate_mod
from medrec_desktop.coding.build import build_store
from medrec_desktop.coding.codes import display, display_node, no_title
from medrec_desktop.coding.importers.detect import parse_any
from medrec_desktop.coding.mce import Mce
from medrec_desktop.coding.sanity import check_release
from medrec_desktop.coding.schema import SCHEMA_VERSION, STORE_FILE, store_dir
from medrec_desktop.coding.search import is_code_query, run_search
from medrec_desktop.coding.snapshot import Snapshot, StoreView, load_snapshot
from medrec_desktop.coding.spelling import Speller, document_counts, synonym_words
from medrec_desktop.coding.types import (
    CancelFlag,
    CodeDetail,
    CodeSystem,
    Finding,
    ProgressCallback,
    Release,
    Row,
    SearchHit,
    SearchResults,
    Setting,
)
from medrec_desktop.coding.writer import refresh_vocab, write_release
from medrec_desktop.domain.errors import KnownError


class CodeSetStore:
    """The code sets: built from the bundled data the first time, then opened in milliseconds."""

    def __init__(
        self, path: Path | None = None, *, progress: ProgressCallback | None = None
    ) -> None:
        self.path = path or store_dir() / STORE_FILE
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self.mce = Mce()
        self._ensure_built(progress)
        # replaced whole, in one assignment, by each import; never changed in place
        self._snap: Snapshot = load_snapshot(self.conn())
        # (snapshot, its speller): built on the first query with a word that matches nothing,
        # not with the store (the build must stay quick), and again after each import
        self._speller: tuple[Snapshot, Speller] | None = None
        self._speller_lock = threading.Lock()

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

    def _view(self) -> StoreView:
        """Every query reads ``self._snap`` once, here, and uses only that for the whole call."""
        return StoreView(self._snap, self.conn(), self.mce)

    def view(self) -> StoreView:
        """One consistent reading of the code sets for a piece of work that makes many
        lookups (a report, a chart review): rows read once are remembered, ``prefetch`` reads
        many at once. Keep it for that work only: a release imported later is not in it."""
        return self._view()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self.mce.close()

    # -- releases ----------------------------------------------------------------------
    def releases(self) -> list[Release]:
        return list(self._snap.releases)

    def release_by_id(self, rid: int) -> Release:
        return self._view().release_by_id(rid)

    def release_for(self, system: CodeSystem, dos: dt.date | None = None) -> Release | None:
        """The titles release in force on ``dos``: the latest that started on or before it."""
        return self._view().release_for(system, dos)

    def release_ids(self, system: CodeSystem | None, dos: dt.date | None) -> list[int]:
        return self._view().release_ids(system, dos)

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
        return list(
            self.find(query, system=system, billable_only=billable_only, dos=dos, limit=limit).hits
        )

    def find(
        self,
        query: str,
        *,
        system: CodeSystem | str | None = None,
        billable_only: bool = False,
        dos: dt.date | None = None,
        limit: int = 50,
    ) -> SearchResults:
        """``search`` plus how the query was read (spelling corrected, procedure recognised)."""
        sys_ = CodeSystem(system) if system else None
        view = self._view()
        searched = query if is_code_query(query) else self.speller(view.snap).correct(query)
        ranked = run_search(
            view.conn(),
            searched,
            view.release_ids(sys_, dos),
            billable_only=billable_only,
            limit=limit,
            seventh=view.snap.seventh_words,
            vocab=view.snap.vocab,
        )
        understood = procedures.understood(searched, [r for r, _, _ in ranked])
        return SearchResults(
            tuple(_hit(view, r, s, m) for r, s, m in ranked),
            corrected=searched if searched != query else "",
            understood=understood,
        )

    def speller(self, snap: Snapshot) -> Speller:
        """The spelling index of ``snap``, built once (about 60 ms) when first needed."""
        held = self._speller
        if held is not None and held[0] is snap:
            return held[1]
        with self._speller_lock:
            held = self._speller
            if held is None or held[0] is not snap:
                speller = Speller(snap.vocab, document_counts(self.path), synonym_words())
                held = (snap, speller)
                self._speller = held
            return held[1]

    def path_of(self, release_id: int, code: str) -> tuple[tuple[str, str], ...]:
        """Ancestors from the chapter down (ICD-10-CM only; other systems are flat)."""
        return self._view().path_of(release_id, code)

    def lookup(
        self, code: str, dos: dt.date | None = None, system: CodeSystem | None = None
    ) -> tuple[Row, Release] | None:
        """The code's row in the release in force on ``dos`` (or any release that has it)."""
        return self._view().lookup(code, dos, system)

    def detail(self, code: str, dos: dt.date | None = None) -> CodeDetail:
        return detail_mod.detail(self._view(), code, dos or dt.date.today())

    def validate(
        self,
        codes: Sequence[str],
        dos: dt.date | None = None,
        age: int | None = None,
        sex: str | None = None,
        setting: Setting = Setting.OUTPATIENT,
    ) -> list[Finding]:
        return validate_mod.validate(
            self._view(), list(codes), dos or dt.date.today(), age, sex, setting
        )

    def validate_encounter(
        self,
        diagnoses: Sequence[str],
        procedures: Sequence[tuple[CodeSystem, str]],
        dos: dt.date,
        age: int | None = None,
        sex: str | None = None,
        setting: Setting = Setting.OUTPATIENT,
    ) -> list[Finding]:
        """An encounter's diagnoses (in order) and procedure lines, checked together."""
        return validate_mod.validate_encounter(
            self._view(), list(diagnoses), list(procedures), dos, age, sex, setting
        )

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
        force: bool = False,
    ) -> Release:
        """Parse the whole file first, then store it in one transaction: all or nothing.

        Raises ReleaseLooksIncompleteError, before anything is written, when the release is
        much smaller than the one it follows or lacks codes every release has (see
        ``sanity``); ``force=True`` imports it anyway, once the user has confirmed.
        """
        parsed = parse_any(
            path,
            system=system,
            valid_from=valid_from,
            valid_to=valid_to,
            cpt_columns=cpt_columns,
            cancel=cancel,
        )
        with self._write_lock:
            if not force:
                view = self._view()
                previous = view.release_for(CodeSystem(parsed.system), parsed.valid_from)
                check_release(view.conn(), parsed, previous)
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                with conn:
                    rid = write_release(conn, parsed, progress=progress, cancel=cancel)
                    refresh_vocab(conn)
            except sqlite3.DatabaseError as exc:
                raise KnownError(f"The code-set store could not be updated: {exc}") from None
            finally:
                conn.close()
            snap = load_snapshot(self.conn())
            self._snap = snap
        return snap.by_id[rid]


def _hit(view: StoreView, row: Row, score: float, matched: str) -> SearchHit:
    system = CodeSystem(row.system)
    title = row.title if row.title is not None else no_title(view.release_by_id(row.release_id))
    path = tuple((display_node(c, system), t) for c, t in view.path_of(row.release_id, row.code))
    return SearchHit(
        display(row.code, system), title, row.billable, system, path, matched, round(score, 3)
    )
