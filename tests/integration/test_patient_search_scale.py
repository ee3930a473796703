"""Patient search on a large generated clinic gives exactly what the rules say, as people type.

5,000 synthetic patients (the demo loader) make some fragments match thousands of patients
("s", "a j") and others a handful ("smith jo", a full phone number), so every way the search can
be answered is exercised. Each typed text is checked against an oracle computed in Python from
all patient rows: the same parsed fragments, matched against each patient's tokens by prefix,
merged records left out, in name order, first SEARCH_LIMIT; then, when those do not fill the
page, the patients whose tokens hold a name alike to a long enough fragment (its sound token,
or a word one typo away), in name order, after the exact ones.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.models import Patient, PatientSearchToken
from medrec_desktop.services.patient_index import (
    MRN_PREFIX,
    PHONE_PREFIX,
    SearchQuery,
    alike_tokens,
    fold,
    parse_queries,
)
from medrec_desktop.services.patients import SEARCH_LIMIT, PatientInput
from tests.conftest import Clinic

PATIENTS = 5_000
SEED = 11


@dataclass(frozen=True)
class Row:
    id: int
    family: str
    given: str
    born: dt.date
    merged: bool
    tokens: frozenset[str]


def _matching(rows: list[Row], query: SearchQuery, *, alike: bool) -> list[int]:
    names = [(p, alike_tokens(p) if alike else set()) for p in query.name_prefixes]

    def matches(r: Row) -> bool:
        if r.merged or (query.birth_date is not None and r.born != query.birth_date):
            return False
        for prefix, others in names:
            if not any(t.startswith(prefix) or t in others for t in r.tokens):
                return False
        for number in query.number_prefixes:
            wanted = (PHONE_PREFIX + number, MRN_PREFIX + (number.lstrip("0") or "0"))
            if not any(t.startswith(wanted) for t in r.tokens):
                return False
        return True

    # Name order as people expect it: accents and case do not move a name ("de la Torre").
    found = sorted(
        (r for r in rows if matches(r)), key=lambda r: (fold(r.family), fold(r.given), r.id)
    )
    return [r.id for r in found]


def oracle(rows: list[Row], text: str, today: dt.date) -> tuple[list[int], int]:
    """The ids the search must return, and how many of them are exact matches."""
    readings = [q for q in parse_queries(text, today=today) if not q.empty]
    exact: list[int] = []
    for query in readings:
        exact += [i for i in _matching(rows, query, alike=False) if i not in exact]
    exact = exact[:SEARCH_LIMIT]
    similar: list[int] = []
    for query in readings:
        if query.forgiving:
            seen = set(exact) | set(similar)
            similar += [i for i in _matching(rows, query, alike=True) if i not in seen]
    return (exact + similar)[:SEARCH_LIMIT], len(exact)


def all_rows(clinic: Clinic) -> list[Row]:
    with clinic.inst.store.unit_of_work() as db:
        tokens: dict[int, set[str]] = {}
        pairs = select(PatientSearchToken.patient_id, PatientSearchToken.token)
        for pid, token in db.execute(pairs):
            tokens.setdefault(pid, set()).add(token)
        return [
            Row(
                p.id,
                p.family_name,
                p.given_names,
                p.birth_date,
                p.merged_into_id is not None,
                frozenset(tokens.get(p.id, ())),
            )
            for p in db.execute(select(Patient)).scalars()
        ]


def typed(text: str, first: int = 1) -> list[str]:
    return [text[:n] for n in range(first, len(text) + 1)]


def _typo(word: str, rng: random.Random) -> str:
    """The word as a hurried typist might write it: one letter changed, dropped or doubled."""
    i = rng.randrange(len(word))
    how = rng.choice(("change", "drop", "double"))
    if how == "change":
        return word[:i] + rng.choice("aeiouy") + word[i + 1 :]
    if how == "drop" and len(word) > 4:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def texts_for(rows: list[Row]) -> list[str]:
    rng = random.Random(SEED)
    texts: list[str] = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    texts += ["a j", "m s", "j m", "s a", "smi jo", "nunez", "núñez jos", "NUÑ"]
    for r in rng.sample([r for r in rows if not r.merged], 25):
        family, given = r.family.split()[0].lower(), r.given.split()[0].lower()
        phone = sorted(t for t in r.tokens if t.startswith(PHONE_PREFIX))[-1][1:]
        mrn = f"{r.id:08d}"
        texts += typed(family)
        texts += [f"{family[:3]} {g}" for g in typed(given[:3])]
        texts += [f"{given} {f}" for f in typed(family[:3])]
        texts += [f"{family[:2]} {r.born.strftime('%m/%d/%Y')}", r.born.isoformat()]
        texts += [r.born.strftime("%m%d%Y"), r.born.strftime("%m/%d/%y")]
        texts += [f"{r.born:%m/%d/%Y} {given[:1]}", f"{_typo(family, rng)} {given[:2]}"]
        texts += [_typo(family, rng), f"{given} {_typo(family, rng)}"]
        texts += typed(phone, 3) + typed(mrn.lstrip("0")) + [mrn, f"{family[:1]} {phone[-4:]}"]
    return list(dict.fromkeys(texts))


@pytest.fixture
def big_clinic(local_clinic: Clinic) -> Clinic:
    inst = local_clinic.inst
    records = local_clinic.sessions[Role.RECORDS]
    inst.demo.load_patients(records, PATIENTS, seed=SEED)
    # Accents and a merged record, which must never be found.
    jose = inst.patients.register(
        records,
        PatientInput("Núñez Smith", "José Luis", dt.date(1980, 3, 14), "male"),
        duplicates_reviewed=True,
        reason="a different person (checked)",
    )
    dup = inst.patients.register(
        records,
        PatientInput("Nunez Smith", "Jose", dt.date(1980, 3, 14), "male"),
        duplicates_reviewed=True,
        reason="a different person (checked)",
    )
    inst.patients.merge(records, jose.id, dup.id, reason="registered twice")
    return local_clinic


def test_search_over_thousands_of_patients_matches_the_oracle(big_clinic: Clinic) -> None:
    rows = all_rows(big_clinic)
    assert len(rows) == PATIENTS + 2
    desk = big_clinic.sessions[Role.FRONT_DESK]
    texts = texts_for(rows)
    today = big_clinic.clock.now.date()
    broad = short = forgiven = 0
    for text in texts:
        expected, exact = oracle(rows, text, today)
        got = big_clinic.inst.patients.search(desk, text)
        assert ([p.id for p in got], got.exact) == (expected, exact), text
        broad += len(expected) == SEARCH_LIMIT
        short += 0 < len(expected) < 5
        forgiven += exact == 0 and len(expected) > 0
    # Every kind of query was exercised: screenfuls cut at the limit, short exact lists, and
    # misspellings found only through names spelt alike.
    assert broad >= 50
    assert short >= 50
    assert forgiven >= 10


def test_merged_records_are_not_found_and_accents_do_not_matter(big_clinic: Clinic) -> None:
    desk = big_clinic.sessions[Role.FRONT_DESK]
    for text in ("nunez smith jose", "NÚÑEZ jos", "jose 03/14/1980", "03141980 nu", "3/14/80 nu"):
        names = [
            f"{p.given_names} {p.family_name}" for p in big_clinic.inst.patients.search(desk, text)
        ]
        assert names == ["José Luis Núñez Smith"], text
