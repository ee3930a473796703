"""Typo tolerance and capital abbreviations, on the real store: what a coder types by mistake
is read as the nearest real word, and what they type correctly is left exactly as it is."""

from __future__ import annotations

import re

import pytest

from medrec_desktop.coding.spelling import abbreviations
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import SearchHit

# (typed, read as): dropped, doubled, swapped and wrong letters, in single words and phrases
MISSPELLED = [
    ("pnuemonia", "pneumonia"),
    ("asthama", "asthma"),
    ("migrane", "migraine"),
    ("hemorroids", "hemorrhoids"),
    ("osteoporsis", "osteoporosis"),
    ("sinusitus", "sinusitis"),
    ("cholecystitus", "cholecystitis"),
    ("hypothyriodism", "hypothyroidism"),
    ("tonsilitis", "tonsillitis"),
    ("schizophrenai", "schizophrenia"),
    ("depresion", "depression"),
    ("anxeity", "anxiety"),
    ("dizzyness", "dizziness"),
    ("vomitting", "vomiting"),
    ("sciatca", "sciatica"),
    ("otitis meida", "otitis media"),
    ("urinry tract infection", "urinary tract infection"),
    ("kidny stone", "kidney stone"),
    ("abdominl pain", "abdominal pain"),
    ("cellulitus of leg", "cellulitis of leg"),
    ("Congestive heart failrue", "Congestive heart failure"),
    ("atrial fibrilation", "atrial fibrillation"),
    ("hnt", "htn"),  # a synonym word is a real word too
]

CORRECT = [
    "pneumonia",
    "acute bronchitis",
    "type 2 diabetes mellitus with hyperglycemia",
    "fall from ladder",
    "htn",
    "chronic kidney disease stage 3",
    "fracture of neck of femur",
    "Essential hypertension",
]

STILL_TYPING = ["pneumo", "diabetes mellitus with hypergl", "chronic obstr", "atrial fib"]

CODES = ["E11.65", "e1165", "0DTJ4ZZ", "S72.001A", "j45909", "I10"]


def _words(hit: SearchHit) -> set[str]:
    return set(re.findall(r"[a-z]+", f"{hit.title} {hit.matched}".lower()))


@pytest.mark.parametrize(("typed", "meant"), MISSPELLED)
def test_a_misspelled_query_is_read_as_the_nearest_real_words(
    store: CodeSetStore, typed: str, meant: str
) -> None:
    results = store.find(typed, limit=10)
    assert results.corrected == meant
    assert results.hits, f"{typed!r} found nothing"
    # the corrected words are what was searched: the best hits carry them
    fixed = {w for w in meant.lower().split() if w not in typed.lower().split()} - {"htn"}
    assert all(any(w in _words(h) for h in results.hits) for w in fixed)


@pytest.mark.parametrize("query", CORRECT + STILL_TYPING)
def test_correct_words_and_a_word_still_being_typed_are_left_alone(
    store: CodeSetStore, query: str
) -> None:
    results = store.find(query, limit=10)
    assert results.corrected == ""
    assert results.hits


@pytest.mark.parametrize("query", CODES)
def test_codes_are_never_corrected(store: CodeSetStore, query: str) -> None:
    results = store.find(query, limit=10)
    assert results.corrected == ""
    assert results.hits[0].code.replace(".", "").upper() == query.replace(".", "").upper()


def test_numbers_beside_words_are_not_corrected(store: CodeSetStore) -> None:
    assert store.find("diabetis type 2", limit=10).corrected == "diabetes type 2"
    assert store.find("bmi 41", limit=10).corrected == ""


def _two_edits(word: str) -> str:
    """Drop the third letter and swap the last two: two edits, neither at the first letter."""
    w = word[:2] + word[3:]
    return w[:-2] + w[-1] + w[-2]


def test_any_word_two_edits_from_a_title_word_still_finds_codes(store: CodeSetStore) -> None:
    """The guarantee, over a spread of the store's own words (every 150th long word of its
    vocabulary, each given two typing mistakes), alone and after a correct word."""
    vocab = sorted(w for w in store._snap.vocab if w.isalpha() and len(w) >= 7)
    sample = vocab[::150]
    assert len(sample) > 30
    empty = []
    for word in sample:
        typo = _two_edits(word)
        for query in (typo, f"acute {typo}"):
            if not store.find(query, limit=10).hits:
                empty.append(query)
    assert empty == []


def test_capital_abbreviations_match_whole_words_only(store: CodeSetStore) -> None:
    # lower case is still a prefix: "lad" finds the ladder falls
    assert any("ladder" in _words(h) for h in store.find("lad", limit=50).hits)
    # in capitals it is an abbreviation: no title merely starting with it
    capital = store.find("LAD", limit=50)
    assert capital.corrected == ""
    assert not any(w.startswith("lad") and w != "lad" for h in capital.hits for w in _words(h))
    # a lower-case last word of a phrase is still a prefix
    assert any("ladder" in _words(h) for h in store.find("fall from lad", limit=50).hits)


def test_capital_abbreviations_are_never_corrected_and_synonyms_still_expand(
    store: CodeSetStore,
) -> None:
    assert store.find("ABG", limit=10).corrected == ""
    assert abbreviations("LAD occlusion, CVA and HTN") == frozenset({"lad"})
    assert store.find("CVA", limit=10).hits[0].code == "I63.9"
    assert store.find("HTN", limit=10).hits[0].code == "I10"


def test_a_longer_word_typed_in_capitals_is_corrected_like_any_other(store: CodeSetStore) -> None:
    """Caps lock on: "ASTMA" is a misspelling, not an abbreviation, and still finds asthma."""
    found = store.find("ASTMA", limit=10)
    assert found.corrected.lower() == "asthma"
    assert any(h.code.startswith("J45") for h in found.hits)
    assert store.find("FEVR", limit=10).hits


def test_a_long_word_three_letters_out_still_finds_its_word(store: CodeSetStore) -> None:
    """Typed by ear, three edits from the word ("hemmorhoyds"): answered, not left empty; a
    short word three edits out is not guessed at."""
    found = store.find("hemmorhoyds", limit=5)
    assert found.corrected == "hemorrhoids"
    assert found.hits and found.hits[0].code.startswith("K64")
