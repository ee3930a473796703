"""Ranking rules of the search (coding/search.py), each on queries written for it.

- an exact code first;
- for a bare concept, the concept's default (unspecified / NOS / "without ...") code first;
- a code whose title or one inclusion term covers every query word before one that doesn't;
- a header is never shown alone: its best billable code comes right beside it;
- external causes: the event before place/activity/status codes unless those are asked for,
  and an accident before other intents unless the query names one (Guidelines I.C.20.f).
"""

from __future__ import annotations

import pytest

from medrec_desktop.coding.codes import normalize
from medrec_desktop.coding.store import CodeSetStore


def codes(store: CodeSetStore, query: str, limit: int = 10) -> list[str]:
    return [normalize(h.code) for h in store.find(query, limit=limit).hits]


@pytest.mark.parametrize(
    ("query", "first"),
    [("E05.90", "E0590"), ("e0590", "E0590"), ("I26.99", "I2699"), ("0DTJ4ZZ", "0DTJ4ZZ")],
)
def test_an_exact_code_comes_first(store: CodeSetStore, query: str, first: str) -> None:
    assert codes(store, query)[0] == first


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("pulmonary embolism", "I2699"),  # "Other ... without acute cor pulmonale": no unspecified
        ("thyrotoxicosis", "E0590"),  # under a header: its code "without crisis or storm"
        ("herpes zoster", "B029"),  # "Zoster without complications"
        ("urinary tract infection", "N390"),
        ("heart failure", "I509"),
        ("diverticulosis", "K5790"),  # "without ... bleeding" before "with bleeding"
        ("type 1 diabetes", "E109"),  # "without complications" before "with unspecified ..."
        ("syncope", "R55"),  # "Syncope and collapse" before "Cough syncope"
        ("fever", "R509"),  # "Fever, unspecified" before "Relapsing fever, unspecified"
    ],
)
def test_a_bare_concept_gets_its_default_code_first(
    store: CodeSetStore, query: str, first: str
) -> None:
    got = codes(store, query)
    assert got[0] == first, f"{query!r}: expected {first} first, got {got[:4]}"


def test_a_code_through_an_inclusion_term_counts_as_covering(store: CodeSetStore) -> None:
    # I50.9's inclusion term "Congestive heart failure NOS" says exactly the query
    assert codes(store, "congestive heart failure")[0] == "I509"


@pytest.mark.parametrize(
    "query", ["pulmonary embolism", "thyrotoxicosis", "herpes zoster", "hyperthyroidism", "e05"]
)
def test_a_header_comes_with_its_billable_codes(store: CodeSetStore, query: str) -> None:
    hits = store.find(query, limit=10).hits
    for i, h in enumerate(hits):
        if h.billable or h.system != "icd10cm":
            continue
        head = normalize(h.code)
        beside = [normalize(x.code) for x in hits[max(0, i - 1) : i + 2] if x.billable]
        assert any(c.startswith(head) for c in beside), (
            f"{query!r}: header {h.code} shown without a billable code of its own beside it:"
            f" {[x.code for x in hits]}"
        )


@pytest.mark.parametrize(
    ("query", "event", "not_before"),
    [
        ("fall ice skating", ("V00211A", "W009XXA"), "Y9321"),  # activity: ice skating
        ("basketball injury", ("W2105XA",), "Y9367"),  # activity: basketball
    ],
)
def test_the_event_outranks_the_activity(
    store: CodeSetStore, query: str, event: tuple[str, ...], not_before: str
) -> None:
    got = codes(store, query, limit=20)
    assert got[0] in event, f"{query!r}: expected the event first, got {got[:4]}"
    if not_before in got:
        assert got.index(not_before) > got.index(got[0])


def test_place_or_activity_codes_come_first_when_asked_for(store: CodeSetStore) -> None:
    assert codes(store, "activity ice skating")[0] == "Y9321"
    assert codes(store, "place of occurrence kitchen")[0].startswith("Y92")


def test_an_accident_outranks_other_intents_unless_one_is_named(store: CodeSetStore) -> None:
    assert codes(store, "drowning swimming pool")[0] == "W67XXXA"  # accidental
    assert codes(store, "assault drowning swimming pool")[0].startswith("X92")
