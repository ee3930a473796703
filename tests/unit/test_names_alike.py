"""One notion of "similar spelling": what the duplicate check calls alike is what the search
finds through its index."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medrec_desktop.domain.names import names_alike, sound_key, within_one_typo, words_alike
from medrec_desktop.services.patient_index import alike_tokens, name_tokens


@pytest.mark.parametrize(
    "group",
    [
        ("anderson", "andersen"),
        ("smith", "smyth"),
        ("john", "jon"),
        ("thompson", "thomson", "tomson"),
        ("catherine", "katherine", "kathryn"),
        ("philip", "phillip", "filip"),
        ("steven", "stephen"),
        ("mcdonald", "macdonald"),
        ("jackson", "jakson", "jaxon"),
        ("wright", "right"),
        ("hernandez", "hernandes"),
    ],
)
def test_names_that_sound_alike_share_a_key(group: tuple[str, ...]) -> None:
    assert len({sound_key(w) for w in group}) == 1, [sound_key(w) for w in group]


@pytest.mark.parametrize(
    ("a", "b"), [("smith", "jones"), ("anderson", "andrews"), ("nunez", "nash")]
)
def test_different_names_do_not(a: str, b: str) -> None:
    assert sound_key(a) != sound_key(b)


def test_one_typo() -> None:
    assert within_one_typo("smtih", "smith")  # swapped
    assert within_one_typo("smih", "smith")  # missing
    assert within_one_typo("smitth", "smith")  # doubled
    assert within_one_typo("smoth", "smith")  # changed
    assert not within_one_typo("smtihh", "smith")
    assert not within_one_typo("mitsh", "smith")


def test_fragments_are_not_misspellings() -> None:
    assert not words_alike("sm", "sam")
    assert not words_alike("smi", "sti")  # three letters: sound only, and these differ
    assert words_alike("jon", "john")


def test_whole_names() -> None:
    assert names_alike(["mary", "andersen"], ["anderson", "mary"])
    assert names_alike(["jose", "luis", "nunez"], ["nunez", "jose"])  # a middle name more
    assert not names_alike(["mary", "anderson"], ["john", "anderson"])


_name = st.text(alphabet="abcdehijklmnorstuy", min_size=1, max_size=9)


@settings(max_examples=2000, deadline=None)
@given(typed=_name, word=_name)
def test_the_index_finds_exactly_the_words_called_alike(typed: str, word: str) -> None:
    by_index = typed == word or bool(alike_tokens(typed) & name_tokens(word))
    assert by_index == words_alike(typed, word)


@settings(max_examples=500, deadline=None)
@given(word=st.text(alphabet="abcdehijklmnorstuy", min_size=4, max_size=9), data=st.data())
def test_every_single_typo_is_found(word: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(word) - 1))
    c = data.draw(st.sampled_from("abcdehijklmnorstuy"))
    for typed in (word[:i] + word[i + 1 :], word[:i] + c + word[i + 1 :], word[:i] + c + word[i:]):
        if len(typed) >= 4:
            assert words_alike(typed, word)
            assert typed == word or alike_tokens(typed) & name_tokens(word)
