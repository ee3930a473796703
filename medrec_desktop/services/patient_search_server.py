"""Patient search on a PostgreSQL server: the file's answers (:mod:`.patient_search`), in
query forms the server answers from its indexes at clinic scale (a million patients).

SQLite runs a query the way it is written; PostgreSQL's planner picks a plan from estimates.
Given ``ORDER BY name LIMIT 50`` over fragments whose matches cluster in name order (every
Smith sits under S), it walks most of the clinic, and for "p" it hashes every patient holding
a "p" word to show fifty (hundreds of milliseconds at a million patients). So each way of
answering is written here in a form that leaves the planner one sensible plan, and the way is
chosen from counts on the token index, as on the file:

* a date of birth: the few patients born that day (its index), filtered by the fragments;
* one fragment: its token range in the ``(token, sort_key, patient_id)`` index, read whole
  (index only) and sorted, and each whole token it stands for (a name spelt alike) read for
  one page in the index's own name order; the index answers a prefix better than trigrams
  can (a fifth of the time for "smith" at a million patients) and no table is read;
* several fragments: the trigram index on ``patient_search_text`` (schema 0020) finds the
  patients holding them all in one bitmap, however common each fragment is alone; a rare
  fragment is looked up alone, and the commoner checked on its few rows;
* fragments so common that most patients match: a walk of ``ix_patient_search_text_walk`` in
  name order, a chunk at a time, until the page is full.

Each gives exactly the rows, in the order, the file's query gives: the first ``limit``
patients (not merged) in ``sort_key`` order holding every fragment. ``sort_key`` and the
tokens compare byte by byte on the server too (``COLLATE "C"``, schema 0020).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session, aliased

from medrec_desktop.models import Patient, PatientSearchText, PatientSearchToken
from medrec_desktop.services.patient_index import SOUND_PREFIX, SearchQuery, sound_token

# One fragment matching up to this many index entries is read whole and sorted (about 10 ms
# at the top). Above it, for one fragment or several, the matches are dense enough that
# walking in name order fills a page sooner.
COUNT_CAP = 20_000
# A fragment held by up to this many index entries is rare: the trigram index finds its
# rows (a few milliseconds to read them at the top) and commoner fragments are checked on
# them rather than gathered into the bitmap too. (Measured at a million patients: from 300
# to 5,000 it makes little difference; "mer m" gains most, "michele e" least.)
RARE = 1_500
# The walk reads the name-order index in chunks, growing, so a page of very common matches
# costs one small read; after the last chunk without a full page the matches are rarer (or
# later in the alphabet) than their counts suggested, and the other way answers.
WALK_CHUNKS = (2_000, 8_000, 30_000)


class Term(Protocol):
    """One typed fragment as :mod:`.patient_search` builds it: token ranges (each the range
    of one prefix, ``lo`` being the prefix) and tokens matched whole."""

    ranges: list[tuple[str, str]]
    equal: set[str]


@dataclass
class _Fragment:
    """A term with its whole-token matches cut to the tokens that exist (a word one typo
    away from a typed name is rarely anyone's name), so its predicates stay few."""

    ranges: list[tuple[str, str]]
    equal: set[str] = field(default_factory=set)

    def matches(self, t: Any) -> ColumnElement[bool]:
        clauses = [and_(t.token >= lo, t.token < hi) for lo, hi in self.ranges]
        if self.equal:
            clauses.append(t.token.in_(sorted(self.equal)))
        return or_(*clauses)

    @property
    def prefixes(self) -> list[str]:
        return [lo for lo, _ in self.ranges]

    def held_by(self, tokens: Any) -> ColumnElement[bool]:
        """The same fragment on a patient's ``patient_search_text.tokens``."""
        prefixes = self.prefixes
        clauses = [tokens.like(f"% {_escaped(p)}%") for p in prefixes]
        # A whole token that starts with one of the prefixes is matched by it already.
        clauses += [
            tokens.like(f"% {_escaped(e)} %")
            for e in sorted(self.equal)
            if not any(e.startswith(p) for p in prefixes)
        ]
        return or_(*clauses)


def _escaped(token: str) -> str:
    # Tokens are letters, digits and one of "#=~": nothing LIKE reads specially. Escaped all
    # the same, so a change to the tokens can never turn one into a wildcard.
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ids(
    db: Session, query: SearchQuery, terms: Sequence[Term], limit: int, *, may_walk: bool
) -> list[int]:
    """Ids of the first ``limit`` patients in name order holding every term (and born on
    ``query.birth_date``, if given); ``terms`` is not empty. ``may_walk=False`` (names spelt
    alike, which cluster in name order) never walks."""
    if query.birth_date is not None:
        fragments, _ = survey(db, terms, None)
        return born_on_holding(db, query, fragments, limit)
    if len(terms) == 1:
        if not may_walk:
            (one,), _ = survey(db, terms, None)
            return one_fragment(db, one, limit)
        (one,), (count,) = survey(db, terms, COUNT_CAP)
        if count <= COUNT_CAP:
            return one_fragment(db, one, limit)
        found = walk(db, [one], limit)
        return found if found is not None else one_fragment(db, one, limit)
    fragments, counts = survey(db, terms, RARE)
    # The trigram index finds the patients holding them all. A rare fragment (a full family
    # name, most given names) finds a few rows from it, on which the commoner are checked;
    # gathering a common one's bitmap too ("e": a sixth of the clinic) would cost more than
    # those rows do.
    rare = [f for f, c in zip(fragments, counts, strict=True) if c <= RARE]
    if rare:
        return several_fragments(db, rare, [f for f in fragments if f not in rare], limit)
    # The longest first: likely the rarest, its count usually settles it.
    by_length = sorted(fragments, key=lambda f: -max(map(len, f.prefixes)))
    if may_walk and all(survey(db, [f], COUNT_CAP)[1] > [COUNT_CAP] for f in by_length):
        # Every fragment common: so are the patients holding them all.
        found = walk(db, fragments, limit)
        if found is not None:
            return found
    return several_fragments(db, fragments, [], limit)


def survey(
    db: Session, terms: Sequence[Term], cap: int | None
) -> tuple[list[_Fragment], list[int]]:
    """The terms with their whole tokens cut to those someone holds, and (with ``cap``) each
    term's index entries counted up to ``cap`` + 1, in one statement: the way to answer is
    chosen from them. (A patient holding two of a term's tokens counts twice: the count
    only chooses a way.)"""
    t = aliased(PatientSearchToken)
    columns: list[Any] = []
    if cap is not None:
        for term in terms:
            # Each range and the whole tokens counted apart: each is read from the index
            # alone (an OR would read the table).
            parts = [and_(t.token >= lo, t.token < hi) for lo, hi in term.ranges]
            if term.equal:
                parts.append(t.token == any_(_array("alike", term.equal)))
            counted = union_all(*(select(t.token).where(p).limit(cap + 1) for p in parts))
            capped = select(counted.subquery().c.token).limit(cap + 1).subquery()
            columns.append(select(func.count()).select_from(capped).scalar_subquery())
    wanted = {e for term in terms for e in term.equal}
    if wanted:
        # One probe each: whether anyone holds it, not everyone who does.
        listed = func.unnest(_array("wanted", wanted)).table_valued("token").render_derived()
        held = exists().where(t.token == listed.c.token)
        columns.append(select(func.array_agg(listed.c.token)).where(held).scalar_subquery())
    values: list[Any] = list(db.execute(select(*columns)).one()) if columns else []
    found = set((values.pop() or []) if wanted else [])
    counts = [int(c) for c in values]
    fragments = [_Fragment(list(term.ranges), _unsaid(term.equal & found)) for term in terms]
    return fragments, counts


def _array(name: str, tokens: set[str]) -> Any:
    # One array parameter, not hundreds of them: a name's one-typo variants are many.
    return bindparam(name, sorted(tokens), type_=ARRAY(String()), unique=True)


def _unsaid(equal: set[str]) -> set[str]:
    """Whole tokens less those another one already matches: a name word is indexed with its
    sound token (patient_index.name_tokens), so whoever holds "michelle" holds "~MXL" too,
    and when both are wanted the sound says it (and saves the trigram index a long word)."""
    return {
        e
        for e in equal
        if e.startswith(SOUND_PREFIX) or len(e) >= 64 or sound_token(e) not in equal
    }


def born_on_holding(
    db: Session, query: SearchQuery, fragments: list[_Fragment], limit: int
) -> list[int]:
    """Patients born that day (a few dozen at most, from the date's index) holding every
    fragment, in name order. (Merged records have no search text: they are never found.)"""
    text = PatientSearchText
    stmt = (
        select(text.patient_id)
        .join(Patient, Patient.id == text.patient_id)
        .where(Patient.birth_date == query.birth_date)
        .where(*(f.held_by(text.tokens) for f in fragments))
        .order_by(text.sort_key)
        .limit(limit)
    )
    return list(db.execute(stmt).scalars())


def one_fragment_query(fragment: _Fragment, limit: int) -> Any:
    t = aliased(PatientSearchToken)
    # Each part on its own, so each is read from the index alone (an OR would read the
    # table): a prefix's whole range; a whole token's first ``limit`` in name order, which
    # the index holds in that order (a page of the Smiths, not all of them).
    parts = [
        select(t.patient_id, t.sort_key).where(t.token >= lo, t.token < hi)
        for lo, hi in fragment.ranges
    ]
    parts += [
        select(t.patient_id, t.sort_key).where(t.token == e).order_by(t.sort_key).limit(limit)
        for e in sorted(fragment.equal)
    ]
    found = union_all(*parts).subquery("found")
    return (
        select(found.c.patient_id, found.c.sort_key)
        .distinct()
        .order_by(found.c.sort_key)
        .limit(limit)
    )


def one_fragment(db: Session, fragment: _Fragment, limit: int) -> list[int]:
    """The fragment's tokens, read from the token index alone, in name order."""
    return [pid for pid, _ in db.execute(one_fragment_query(fragment, limit))]


def several_fragments_query(indexed: list[_Fragment], checked: list[_Fragment], limit: int) -> Any:
    text = PatientSearchText
    # MATERIALIZED: the patients holding the ``indexed`` fragments are found first (a bitmap
    # from the trigram index), then the ``checked`` ones are checked on those rows and what
    # is left sorted. Left to itself, with LIMIT in sight the planner may walk the
    # name-order index filtering every row, betting the matches come early; for "smith" they
    # come at S. (It would also put every fragment into the bitmap.)
    matched = (
        select(text.patient_id, text.sort_key, text.tokens)
        .where(*(f.held_by(text.tokens) for f in indexed))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(matched.c.patient_id)
        .where(*(f.held_by(matched.c.tokens) for f in checked))
        .order_by(matched.c.sort_key)
        .limit(limit)
    )


def several_fragments(
    db: Session, indexed: list[_Fragment], checked: list[_Fragment], limit: int
) -> list[int]:
    """Patients holding every fragment, from the trigram index, in name order."""
    return list(db.execute(several_fragments_query(indexed, checked, limit)).scalars())


def walk_query(fragments: list[_Fragment], after: str, chunk: int) -> Any:
    text = PatientSearchText
    # The chunk is a subquery with its own LIMIT: the filter cannot be pushed into it, so the
    # server reads the name-order index (index only) and filters, which is the point.
    rows = (
        select(text.patient_id, text.sort_key, text.tokens)
        .where(text.sort_key > after)
        .order_by(text.sort_key)
        .limit(chunk)
        .subquery("chunk")
    )
    holding = and_(*(f.held_by(rows.c.tokens) for f in fragments))
    return select(
        func.count(),
        func.max(rows.c.sort_key),
        func.array_agg(aggregate_order_by(rows.c.patient_id, rows.c.sort_key)).filter(holding),
    )


def walk(db: Session, fragments: list[_Fragment], limit: int) -> list[int] | None:
    """The first page walking the clinic in name order, or None when WALK_CHUNKS' entries
    did not fill it (then the matches are not as dense as their counts suggested)."""
    found: list[int] = []
    after = ""
    for chunk in WALK_CHUNKS:
        read, last, hits = db.execute(walk_query(fragments, after, chunk)).one()
        found += hits or []
        if len(found) >= limit:
            return found[:limit]
        if read < chunk:  # the end of the clinic: every patient was read
            return found
        after = last
    return None
