"""Abbreviations that are also everyday words, and queries naming several concepts."""

from __future__ import annotations

import pytest

from medrec_desktop.coding import synonyms
from medrec_desktop.coding.codes import normalize
from medrec_desktop.coding.store import CodeSetStore


def _codes(store: CodeSetStore, query: str) -> list[str]:
    return [normalize(h.code) for h in store.find(query, limit=10).hits]


def test_a_caps_abbreviation_is_read_only_in_capitals() -> None:
    text, likely, _rest, phrases = synonyms.expand("ALL in remission")
    assert "acute lymphoblastic leukemia" in text and likely[0] == "C9100" and phrases == 1
    text, likely, _rest, phrases = synonyms.expand("all in remission")
    assert "leukemia" not in text and not likely and phrases == 0


def test_a_caps_line_must_be_in_capitals() -> None:
    with pytest.raises(synonyms.VocabularyError, match="capitals"):
        synonyms.parse_vocabulary(["caps\tall\tacute lymphoblastic leukemia\tC91.00"])


def test_capital_leukemia_abbreviations_find_their_leukemia(store: CodeSetStore) -> None:
    assert _codes(store, "ALL")[0] == "C9100"
    assert _codes(store, "ALL in remission")[0] == "C9101"
    assert _codes(store, "CML")[0] == "C9210"


def test_two_phrases_find_the_code_covering_both_not_each_ones_usual_code(
    store: CodeSetStore,
) -> None:
    # each phrase alone means its usual code; together they mean the combination code
    assert _codes(store, "T2DM")[0] == "E119"
    assert _codes(store, "T2DM with CKD")[0] == "E1122"
    assert _codes(store, "RSV pneumonia")[0] == "J121"


def test_plural_body_parts_find_the_singular_titles(store: CodeSetStore) -> None:
    assert _codes(store, "frostbite fingers")[0].startswith(("T3353", "T3453"))


@pytest.mark.parametrize(
    ("query", "expected", "not_first"),
    [
        # a condition that follows a procedure is not the procedure's status
        ("post mastectomy lymphedema", "I97.2", "Z90.1"),
        ("post cholecystectomy syndrome", "K91.5", "Z90.49"),
        # a past stroke is a history code, not the acute infarction
        ("prior stroke", "Z86.73", "I63.9"),
        ("neonatal sepsis", "P36.9", "A41.9"),
        ("influenza vaccine", "Z23", "J11.1"),
    ],
)
def test_a_longer_meaning_beats_the_usual_code_of_one_word(
    store: CodeSetStore, query: str, expected: str, not_first: str
) -> None:
    top = [h.code for h in store.find(query, limit=5).hits]
    assert top[0] == expected, top
    assert not top[0].startswith(not_first)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Guidelines I.C.4.a.2: the type of diabetes not documented -> E11
        ("diabetes", "E11.9"),
        ("diabetes with hyperglycemia", "E11.65"),
        ("diabetic foot ulcer", "E11.621"),
        # ... but a query that names the type or cause gets that category
        ("type 1 diabetes", "E10.9"),
        ("diabetes due to drug", "E09.9"),
        ("secondary diabetes", "E08.9"),
    ],
)
def test_diabetes_of_unstated_type_defaults_to_type_2(
    store: CodeSetStore, query: str, expected: str
) -> None:
    assert store.find(query, limit=5).hits[0].code == expected


def test_conditions_written_with_a_slash_are_read_as_two(store: CodeSetStore) -> None:
    top = [h.code for h in store.find("htn/dm", limit=5).hits]
    assert top[:2] == ["I10", "E11.9"]
    # a slashed abbreviation of the vocabulary stays whole
    assert store.find("n/v", limit=1).hits[0].code == "R11.2"
    assert store.find("h/o mi", limit=1).hits[0].code == "I25.2"
