"""fts_rank scores small match sets itself: the scores must be FTS5's bm25, bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest

from medrec_desktop.coding import fts_rank
from medrec_desktop.coding.search import _RANKED
from medrec_desktop.coding.store import CodeSetStore
from tests.unit.coding.hcpcs_fixture import sample_file

# (index, phrases): common words with short and long doclists, prefixes and whole words,
# titles and inclusion terms, codes that tie (left/right twins)
CASES = [
    ("fts_core", [("pain", True), ("knee", True), ("right", True)]),
    ("fts_core", [("knee", True), ("replacement", False), ("right", True)]),
    ("fts_core", [("cellulitis", False), ("right", False)]),
    ("fts_core", [("atherosclerotic", False), ("heart", False), ("disease", True)]),
    ("fts_core", [("chronic", False), ("kidney", False), ("disease", False), ("stage", True)]),
    ("fts", [("right", False), ("fracture", False), ("neck", True), ("femur", False)]),
    ("fts", [("encounter", False), ("encounter", False), ("immunization", True)]),
    ("fts", [("radius", False), ("fracture", False), ("right", False), ("closed", True)]),
    ("fts", [("sprain", False), ("ankle", False), ("left", True), ("initial", True)]),
    ("fts_core", [("nosuchword", False), ("pain", True)]),
]


def _match(phrases: list[tuple[str, bool]]) -> str:
    return " AND ".join(f'"{w}"*' if p else f'"{w}"' for w, p in phrases)


@pytest.mark.parametrize(("table", "phrases"), CASES)
def test_scores_are_fts5_bm25(
    store: CodeSetStore, table: str, phrases: list[tuple[str, bool]]
) -> None:
    conn = store.conn()
    match = _match(phrases)
    mine, here = fts_rank.ranked(conn, table, phrases, match, 150, cheap=0)
    theirs = [(int(r), -float(b)) for r, b in conn.execute(_RANKED.format(t=table), (match, 150))]
    if here:
        assert sorted(mine) == sorted(theirs)  # exact float equality, not approximate
        assert [s for _, s in mine] == sorted((s for _, s in theirs), reverse=True)
    else:  # FTS5's own answer (or kept from an earlier call): the same list, same order
        assert mine == theirs


def test_most_cases_are_scored_here(store: CodeSetStore) -> None:
    conn = store.conn()
    scored = [fts_rank.ranked(conn, t, p, _match(p), 150, cheap=0) is not None for t, p in CASES]
    assert sum(scored) >= len(CASES) - 2


def test_a_word_no_row_holds_finds_nothing(store: CodeSetStore) -> None:
    phrases = [("nosuchword", False), ("pain", True)]
    assert fts_rank.ranked(store.conn(), "fts_core", phrases, _match(phrases), 150) == ([], False)


def test_words_the_tokenizer_would_split_are_left_to_fts5(store: CodeSetStore) -> None:
    phrases = [("non-st", False)]
    found, here = fts_rank.ranked(store.conn(), "fts_core", phrases, '"non-st"', 150, cheap=0)
    assert not here


@pytest.mark.parametrize(("table", "word"), [("fts_core", "eye"), ("fts", "fracture")])
def test_one_common_word_is_kept_as_fts5_ranked_it(
    store: CodeSetStore, table: str, word: str
) -> None:
    conn = store.conn()
    match = f'"{word}"*'
    theirs = [(int(r), -float(b)) for r, b in conn.execute(_RANKED.format(t=table), (match, 150))]
    first = fts_rank.ranked(conn, table, [(word, True)], match, 150)
    again = fts_rank.ranked(conn, table, [(word, True)], match, 150)
    assert first == again == (theirs, False)
    assert len(theirs) == 150


def test_an_import_changes_the_counts_and_kept_answers(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    conn = scratch_store.conn()
    phrases = [("injection", True), ("dexamethasone", False)]
    word = [("injection", True)]

    def check() -> None:
        for ps in (phrases, word):
            match = _match(ps)
            mine, here = fts_rank.ranked(conn, "fts_core", ps, match, 150, cheap=0)
            sql = _RANKED.format(t="fts_core")
            theirs = [(int(r), -float(b)) for r, b in conn.execute(sql, (match, 150))]
            assert sorted(mine) == sorted(theirs) if here else mine == theirs

    check()  # fills the counts and keeps FTS5's answer for "injection"
    hcpcs = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    hcpcs.write_text(sample_file())
    scratch_store.import_file(hcpcs)  # more rows, and new rows holding both words
    check()
