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

import bisect
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.models import Patient, PatientSearchToken
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patient_index import (
    MRN_PREFIX,
    PHONE_PREFIX,
    SearchQuery,
    alike_tokens,
    fold,
    parse_queries,
)
from medrec_desktop.services.patients import SEARCH_LIMIT, PatientInput
from tests.conftest import PASSPHRASE, Clinic, make_clinic, sign_in_all
from tests.support import argon2_cost
from tests.support.built_once import copy_of
from tests.support.clock import FakeClock

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


class Tokens:
    """Which rows hold which tokens, for the oracle: a prefix is every token in its range of
    the sorted tokens, as a scan of each row's tokens would find them, only without reading
    thousands of rows for every typed text."""

    def __init__(self, rows: list[Row]) -> None:
        self.holders: dict[str, set[int]] = {}
        for r in rows:
            for t in r.tokens:
                self.holders.setdefault(t, set()).add(r.id)
        self.sorted = sorted(self.holders)
        self._prefixed: dict[str, set[int]] = {}

    def starting_with(self, prefix: str) -> set[int]:
        if prefix not in self._prefixed:
            found: set[int] = set()
            for t in self.sorted[bisect.bisect_left(self.sorted, prefix) :]:
                if not t.startswith(prefix):
                    break
                found |= self.holders[t]
            self._prefixed[prefix] = found
        return self._prefixed[prefix]

    def any_of(self, tokens: set[str]) -> set[int]:
        return set().union(*(self.holders.get(t, set()) for t in tokens))


def _matching(rows: list[Row], index: Tokens, query: SearchQuery, *, alike: bool) -> list[int]:
    # A row matches when each name fragment starts one of its tokens (or, alike, is one of
    # the fragment's alike tokens) and each number starts its phone or MRN token.
    wanted = {r.id for r in rows}
    for prefix in query.name_prefixes:
        others = alike_tokens(prefix) if alike else set()
        wanted &= index.starting_with(prefix) | index.any_of(others)
    for number in query.number_prefixes:
        wanted &= index.starting_with(PHONE_PREFIX + number) | index.starting_with(
            MRN_PREFIX + (number.lstrip("0") or "0")
        )
    found = [
        r
        for r in rows
        if r.id in wanted
        and not r.merged
        and (query.birth_date is None or r.born == query.birth_date)
    ]
    # Name order as people expect it: accents and case do not move a name ("de la Torre").
    found.sort(key=lambda r: (fold(r.family), fold(r.given), r.id))
    return [r.id for r in found]


def oracle(rows: list[Row], index: Tokens, text: str, today: dt.date) -> tuple[list[int], int]:
    """The ids the search must return, and how many of them are exact matches."""
    readings = [q for q in parse_queries(text, today=today) if not q.empty]
    exact: list[int] = []
    for query in readings:
        exact += [i for i in _matching(rows, index, query, alike=False) if i not in exact]
    exact = exact[:SEARCH_LIMIT]
    similar: list[int] = []
    for query in readings:
        if query.forgiving:
            seen = set(exact) | set(similar)
            similar += [i for i in _matching(rows, index, query, alike=True) if i not in seen]
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


@pytest.fixture(scope="module")
def big_clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """This module's copy of a clinic made once for the test run: the tests only search it."""
    folder = copy_of(tmp_path_factory, "search-scale", _build)
    paths, clock = DataPaths(folder / "data"), FakeClock()
    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE), clock=clock)
    try:
        recovery_key = (folder / "recovery-key.txt").read_text()
        yield Clinic(inst, paths, "sqlcipher", recovery_key, sign_in_all(inst), clock)
    finally:
        inst.close()


def _build(folder: Path) -> None:
    folder.mkdir()
    with pytest.MonkeyPatch.context() as mp:  # made before conftest's per-test fixtures run
        argon2_cost.lower(mp)
        clinic = make_clinic(folder, "sqlcipher", FakeClock())
    try:
        (folder / "recovery-key.txt").write_text(clinic.recovery_key)
        _fill(clinic)
    finally:
        clinic.inst.close()


def _fill(clinic: Clinic) -> None:
    inst = clinic.inst
    records = clinic.sessions[Role.RECORDS]
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


def test_search_over_thousands_of_patients_matches_the_oracle(big_clinic: Clinic) -> None:
    rows = all_rows(big_clinic)
    assert len(rows) == PATIENTS + 2
    desk = big_clinic.sessions[Role.FRONT_DESK]
    texts = texts_for(rows)
    index = Tokens(rows)
    today = big_clinic.clock.now.date()
    broad = short = forgiven = 0
    for text in texts:
        expected, exact = oracle(rows, index, text, today)
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
