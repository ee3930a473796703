"""Finding patients from what was typed in the search box, on the token index only.

First the patients who match exactly (every name fragment is the start of one of their
names, numbers the start of a phone number or MRN, the date of birth theirs), in name order.
When those do not fill the page and a name word is long enough to be misspelt, patients whose
names are *alike* (see :mod:`medrec_desktop.domain.names`: sounds the same, or one typo away)
follow them, also in name order, marked as such (:class:`PatientMatches`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.models import Patient, PatientSearchToken
from medrec_desktop.services import patient_rows as rows
from medrec_desktop.services import patient_search_server as server
from medrec_desktop.services.patient_index import (
    MRN_PREFIX,
    PHONE_PREFIX,
    SearchQuery,
    alike_tokens,
    parse_queries,
    prefix_range,
)

SEARCH_LIMIT = 50
# Above this many index entries for the leading fragment, walking patients in name order wins.
WALK_ABOVE = 1500


class PatientMatches(list[PatientInfo]):
    """Patients found, best first: the first ``exact`` match what was typed exactly; the rest
    have names spelt alike (a sound-alike or one typo away)."""

    def __init__(self, found: Iterable[PatientInfo] = (), exact: int | None = None) -> None:
        super().__init__(found)
        self.exact = len(self) if exact is None else exact

    @property
    def similar(self) -> int:
        return len(self) - self.exact


@dataclass
class _Term:
    """One fragment of the query: index ranges (prefixes) or index entries (equality)."""

    ranges: list[tuple[str, str]]
    equal: set[str] = field(default_factory=set)

    def matches(self, t: Any) -> ColumnElement[bool]:
        clauses = [and_(t.token >= lo, t.token < hi) for lo, hi in self.ranges]
        if self.equal:
            clauses.append(t.token.in_(sorted(self.equal)))
        return or_(*clauses)


# Each letter of a word adds about 54 one-typo variants to the query: a long paste must not
# reach PostgreSQL's 65,535-parameter limit, and names are rarely longer than this anyway.
ALIKE_WORDS = 4
ALIKE_LETTERS = 24


def _terms(query: SearchQuery, *, alike: bool) -> list[_Term]:
    terms = [
        _Term(
            [prefix_range(p)],
            alike_tokens(p) if alike and i < ALIKE_WORDS and len(p) <= ALIKE_LETTERS else set(),
        )
        for i, p in enumerate(query.name_prefixes)
    ]
    for number in query.number_prefixes:
        mrn = MRN_PREFIX + (number.lstrip("0") or "0")  # MRNs are indexed without zeros
        terms.append(_Term([prefix_range(PHONE_PREFIX + number), prefix_range(mrn)]))
    return terms


def _born_on(db: Session, born: dt.date, limit: int) -> list[int]:
    # A date of birth alone: its own index finds the few patients born that day; they are put
    # in name order here, so the planner is never tempted to walk every name.
    found = db.execute(
        select(Patient.id, Patient.sort_key).where(
            Patient.birth_date == born, Patient.merged_into_id.is_(None)
        )
    ).all()
    return [pid for pid, _ in sorted(found, key=lambda r: (r[1], r[0]))[:limit]]


def _ids(
    db: Session, query: SearchQuery, terms: list[_Term], limit: int, *, may_walk: bool = True
) -> list[int]:
    """Ids of the first ``limit`` patients, in name order, matching every term.

    ``may_walk=False`` always drives from the rarest term. Names spelt alike cluster in name
    order (all the Williamses together), so walking the clinic in name order to fill a page
    of them reads most of it; the rarest term is bounded instead by how many patients share
    one sound: a few thousand index entries at most, even in a 100,000-patient clinic.
    """
    if not terms:
        return _born_on(db, query.birth_date, limit) if query.birth_date else []
    if db.get_bind().dialect.name == "postgresql":
        # The same rows in query forms PostgreSQL's planner answers from its indexes.
        return server.ids(db, query, terms, limit, may_walk=may_walk)

    def capped_count(term: _Term) -> int:
        t = aliased(PatientSearchToken)
        sub = select(t.patient_id).where(term.matches(t)).limit(WALK_ABOVE + 1)
        return db.execute(select(func.count()).select_from(sub.subquery())).scalar() or 0

    # Drive from the rarest fragment (counted on the index, capped), read in name order
    # from the (token, sort_key, patient_id) index; the others are primary-key probes.
    counts = [capped_count(term) for term in terms]
    terms = [t for _, t in sorted(zip(counts, terms, strict=True), key=lambda ct: ct[0])]
    if may_walk and min(counts) > WALK_ABOVE:
        # A very common fragment ("a"): walk patients in name order and stop at the first
        # page of matches, instead of sorting every patient whose name starts with it.
        walk = select(Patient.id).where(Patient.merged_into_id.is_(None))
        for term in terms:
            probe = aliased(PatientSearchToken)
            walk = walk.where(exists().where(probe.patient_id == Patient.id, term.matches(probe)))
        if query.birth_date is not None:
            walk = walk.where(Patient.birth_date == query.birth_date)
        return list(db.execute(walk.order_by(Patient.sort_key, Patient.id).limit(limit)).scalars())
    lead = aliased(PatientSearchToken)
    stmt = select(lead.patient_id, lead.sort_key).where(terms[0].matches(lead))
    for term in terms[1:]:
        other = aliased(PatientSearchToken)
        stmt = stmt.where(exists().where(other.patient_id == lead.patient_id, term.matches(other)))
    if query.birth_date is not None:
        stmt = stmt.where(
            exists().where(Patient.id == lead.patient_id, Patient.birth_date == query.birth_date)
        )
    stmt = stmt.distinct().order_by(lead.sort_key).limit(limit)
    return [pid for pid, _ in db.execute(stmt)]


def _infos(db: Session, ids: list[int]) -> list[PatientInfo]:
    """The patients with these ids, in this order."""
    by_id = {p.id: p for p in db.execute(select(Patient).where(Patient.id.in_(ids))).scalars()}
    return [rows.info(by_id[pid]) for pid in ids if pid in by_id]


def find(db: Session, text: str, *, today: dt.date, limit: int = SEARCH_LIMIT) -> PatientMatches:
    """Exact matches of every reading of ``text``, then (if the page is not full) names
    spelt alike; each patient once."""
    readings = [q for q in parse_queries(text, today=today) if not q.empty]
    exact: list[int] = []
    for query in readings:
        exact += [i for i in _ids(db, query, _terms(query, alike=False), limit) if i not in exact]
    exact = exact[:limit]
    similar: list[int] = []
    for query in readings:
        room = limit - len(exact) - len(similar)
        if room <= 0 or not query.forgiving:
            continue
        # Exact matches come back among these too (a prefix is one way to match): ask for
        # enough to fill the page after they are left out.
        seen = set(exact) | set(similar)
        alike = _ids(db, query, _terms(query, alike=True), room + len(seen), may_walk=False)
        similar += [i for i in alike if i not in seen][:room]
    return PatientMatches(_infos(db, exact + similar), exact=len(exact))
