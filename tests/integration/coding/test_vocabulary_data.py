"""The coding vocabulary files are data a clinic may edit: every line must parse and every code or
PCS table they name must exist (and be billable) in the bundled releases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from medrec_desktop.coding import procedures, synonyms
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem


def _release(store: CodeSetStore, system: CodeSystem) -> int:
    titled = [r for r in store.releases() if r.system == system and "not yet" not in r.name]
    return max(titled, key=lambda r: r.code_count).id


def _billable(conn: sqlite3.Connection, release: int, code: str) -> bool:
    row = conn.execute(
        "SELECT billable FROM code WHERE release_id = ? AND code = ?", (release, code)
    ).fetchone()
    return bool(row and row[0])


def _has_prefix(conn: sqlite3.Connection, release: int, prefix: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM code WHERE release_id = ? AND code >= ? AND code < ? AND kind = 'code'"
        " LIMIT 1",
        (release, prefix, prefix + "\x7f"),
    ).fetchone()
    return row is not None


def test_every_vocabulary_line_parses() -> None:
    lines = synonyms.vocabulary_file().read_text(encoding="utf-8").splitlines()
    phrases, words, stops = synonyms.parse_vocabulary(lines)
    assert len(phrases) >= 1000 and words and stops
    assert phrases == synonyms.SYNONYMS and words == synonyms.WORDS


def test_a_phrase_mapped_two_ways_is_refused() -> None:
    with pytest.raises(synonyms.VocabularyError, match="line 2"):
        synonyms.parse_vocabulary(["phrase\thtn\thypertension\tI10", "phrase\thtn\tother\tI15.9"])
    with pytest.raises(procedures.ProcedureDataError, match="line 2"):
        procedures.parse_procedures(["proc\tappy\t0DTJ4", "proc\tappy\t0DTJ0"])
    with pytest.raises(procedures.ProcedureDataError, match="line 1"):
        procedures.parse_procedures(["proc\tappy\t0DTI4"])  # PCS has no letter I


def test_every_likely_code_is_billable_in_the_bundled_release(store: CodeSetStore) -> None:
    conn = store.conn()
    cm = _release(store, CodeSystem.ICD10CM)
    pcs = _release(store, CodeSystem.ICD10PCS)
    wrong = [
        f"{typed}: {code}"
        for typed, (_, codes) in synonyms.SYNONYMS.items()
        for code in codes
        if not _billable(conn, pcs if code[0].isdigit() else cm, code)
    ]
    assert wrong == []


def test_every_pcs_prefix_has_codes_in_the_bundled_release(store: CodeSetStore) -> None:
    conn = store.conn()
    pcs = _release(store, CodeSystem.ICD10PCS)
    data = procedures.DATA
    assert len(data.procs) >= 300
    missing = [
        f"{' '.join(k)}: {p}"
        for k, ps in data.procs.items()
        for p in ps
        if not _has_prefix(conn, pcs, p)
    ]
    roots = {r for r, _ in data.roots.values()}
    missing += [
        f"{' '.join(k)}: {p}"
        for k, ps in data.bodies.items()
        for p in ps
        if not any(_has_prefix(conn, pcs, p.replace("_", r)) for r in roots)
    ]
    assert missing == []


def test_every_procedure_name_alone_lists_a_pcs_code_first(store: CodeSetStore) -> None:
    wrong = []
    for key, prefixes in procedures.DATA.procs.items():
        hits = store.search(" ".join(key), limit=3)
        if not hits or hits[0].system != CodeSystem.ICD10PCS:
            wrong.append(" ".join(key))
        elif not any(hits[0].code.startswith(p) for p in prefixes):
            wrong.append(f"{' '.join(key)} -> {hits[0].code}")
    assert wrong == []


def test_a_missing_vocabulary_file_says_which_and_what_to_do(tmp_path: Path) -> None:
    from medrec_desktop.coding.schema import read_data_lines
    from medrec_desktop.coding.synonyms import VocabularyError

    missing = tmp_path / "vocabulary.tsv"
    with pytest.raises(VocabularyError) as err:
        read_data_lines(missing, "coding vocabulary", VocabularyError)
    assert str(missing) in str(err.value) and "reinstall" in str(err.value)
