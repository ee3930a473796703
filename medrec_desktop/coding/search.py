"""One search box: codes (with or without the dot, any case) and words (any order, prefixes).

Words go through the synonym table (HTN, DM2, "high blood pressure"...), then an FTS5 query
over titles and inclusion terms; candidates are re-ranked so billable codes, codes the
abbreviation usually means and titles the query covers well come first.

Speed: bm25 counts every document holding each query word, so a common word costs its whole
doclist. The ~51,000 codes made by adding a 7th character to a header (S72.001A) account for
most of "fracture", "encounter", "initial"... They live only in the full index ``fts``; the
core index ``fts_core`` leaves them out and a header it finds stands for its usual full code
(7th character A, initial encounter). The full index is used only when the query names a
7th-character meaning (initial, subsequent, sequela, nonunion...).
"""

from __future__ import annotations

import heapq
import re
import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache

from medrec_desktop.coding import fts_rank
from medrec_desktop.coding.codes import looks_like_code, normalize
from medrec_desktop.coding.procedures import DATA as PROCEDURE_DATA
from medrec_desktop.coding.procedures import named_procedure_hits, procedure_hits
from medrec_desktop.coding.procedures import read as read_procedure
from medrec_desktop.coding.procedures import words as proc_words
from medrec_desktop.coding.spelling import abbreviations
from medrec_desktop.coding.synonyms import STOPWORDS, SYNONYMS, WORDS, diagnosis_phrases, expand
from medrec_desktop.coding.types import Row

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CANDIDATES = 150


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=65536)  # titles and terms recur from one keystroke's search to the next
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = WORDS.get(word, word).replace("'", "")
        if word and word not in STOPWORDS:
            out.extend(word.split())
    return tuple(out)


#: words of 7th-character meanings that say nothing about the encounter or stage
_GENERIC_SEVENTH = frozenset(
    {
        "fracture",
        "type",
        "unspecified",
        "eye",
        "right",
        "left",
        "other",
        "not",
        "without",
        "with",
        "for",
        "or",
        "at",
        "to",
        "more",
        "time",
        "i",
        "ii",
        "involvement",
        "applicable",
    }
)


def seventh_words(meanings: Iterable[str]) -> frozenset[str]:
    """The words that send a search to the full index: those of the 7th-character meanings."""
    words = {w for m in meanings for w in _tokens(m) if not w.isdigit()}
    return frozenset(words - _GENERIC_SEVENTH)


def needs_full_index(words: Sequence[str], seventh: frozenset[str]) -> bool:
    return any(
        w in seventh or (len(w) >= 3 and any(s.startswith(w) for s in seventh)) for w in words
    )


def fts_query(
    words: Sequence[str], exact: frozenset[str] = frozenset(), plurals: frozenset[str] = frozenset()
) -> str:
    """Every word must match; words of two letters or more also match as prefixes, except
    those in ``exact``: a prefix longer than the prefix index (4) makes FTS5 copy and merge the
    doclists of every term it covers, a whole word is read in place. An exact word in
    ``plurals`` also matches its plural ("vehicle": "motor vehicles"), one more doclist."""
    parts = [
        f'"{w}"*' if _prefix(w, exact) else (f'("{w}" OR "{w}s")' if w in plurals else f'"{w}"')
        for w in words
    ]
    return " AND ".join(parts)


def _prefix(word: str, exact: frozenset[str]) -> bool:
    return len(word) >= 2 and word not in exact


def _complete(words: Sequence[str], vocab: frozenset[str]) -> frozenset[str]:
    """Words of more than 4 letters that no other word of the index starts with ("right",
    "closed"): as a prefix such a word matches exactly the rows, and counts exactly the
    instances, it does as a whole word; but FTS5 reads a whole word's doclist in place and
    copies and merges a prefix's (longer than the prefix index) first."""
    if not vocab:
        return frozenset()
    ordered = _sorted_vocab(vocab)
    out = set()
    for w in words:
        if len(w) > 4 and w in vocab:
            i = bisect_left(ordered, w) + 1  # ordered[i - 1] is w itself
            if i >= len(ordered) or not ordered[i].startswith(w):
                out.add(w)
    return frozenset(out)


@lru_cache(maxsize=4)  # one per snapshot in use; the frozenset's hash is computed once
def _sorted_vocab(vocab: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(vocab))


def _fetch(conn: sqlite3.Connection, sql: str, args: Sequence[object]) -> list[Row]:
    return [Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in conn.execute(sql, args)]


_COLS = "id, release_id, system, code, title, billable, terms"


def _in(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def search_codes(
    conn: sqlite3.Connection, prefix: str, releases: Sequence[int], limit: int
) -> list[tuple[Row, float]]:
    hi = prefix + "\x7f"
    rows = _fetch(
        conn,
        f"SELECT {_COLS} FROM code WHERE code >= ? AND code < ? AND kind = 'code'"
        f" AND release_id IN ({_in(releases)}) ORDER BY length(code), code LIMIT ?",
        (prefix, hi, max(limit * 4, 200)),
    )
    scored = []
    for r in rows:
        score = 100.0 if r.code == prefix else 50.0 - len(r.code)
        scored.append((r, score + (2.0 if r.billable else 0.0)))
    return scored


#: title words that narrow nothing: a title is not "less covered" for having them
FILLER = frozenset(
    {
        "unspecified",
        "site",
        "not",
        "specified",
        "organism",
        "nos",
        "part",
        "type",
        "elsewhere",
        "classified",
        "without",
        "complications",
        "primary",
    }
)
#: title words that mark a special case the query must ask for
SPECIAL = frozenset(
    {
        "neonatal",
        "newborn",
        "pregnancy",
        "childbirth",
        "puerperium",
        "maternal",
        "history",
        "screening",
        "sequela",
        "subsequent",
        "postprocedural",
        "complicating",
        "congenital",
        "secondary",
        "other",
        "family",
        "personal",
        "fetus",
        "perinatal",
        "intraoperative",
    }
)


_RANKED = fts_rank.RANKED_SQL


def _fts(
    conn: sqlite3.Connection,
    words: Sequence[str],
    table: str,
    exact: frozenset[str],
    plurals: frozenset[str] = frozenset(),
) -> tuple[list[tuple[int, float]], bool]:
    """(rowid, score) best first, and whether they hold every word (else: all words but one,
    or any of them)."""

    def ranked(
        ws: Sequence[str], pl: frozenset[str] = frozenset()
    ) -> tuple[list[tuple[int, float]], bool]:
        # (hits, scored here): small match sets are scored from cached word counts, the same
        # numbers FTS5 gives; FTS5's answers for common words are kept (see fts_rank). A word
        # with its plural is two phrases in one: FTS5 ranks those itself.
        if not pl.isdisjoint(ws):
            return fts_rank.fts5(conn, table, fts_query(ws, exact, pl), _CANDIDATES), False
        phrases = [(w, _prefix(w, exact)) for w in ws]
        return fts_rank.ranked(conn, table, phrases, fts_query(ws, exact), _CANDIDATES)

    hits, _ = ranked(words, plurals)
    if not hits and len(words) > 1:
        # Nothing has every word ("well child visit": no title says "visit"). An OR of them
        # all would rank tens of thousands of codes; every word but one is still a small set.
        best: dict[int, float] = {}
        here = False
        for skip in range(len(words)):
            found, mine = ranked([w for i, w in enumerate(words) if i != skip])
            here = here or mine
            for r, b in found:
                best[r] = max(best.get(r, float("-inf")), b)
        if here and len(best) > _CANDIDATES and _tie_at_cut(best):
            # which of equal scores make the cut follows FTS5's order: ask it for every set
            best = {}
            for skip in range(len(words)):
                rest = [w for i, w in enumerate(words) if i != skip]
                for r, b in fts_rank.fts5(conn, table, fts_query(rest, exact), _CANDIDATES):
                    best[r] = max(best.get(r, float("-inf")), b)
        if best:
            return sorted(best.items(), key=lambda t: -t[1])[:_CANDIDATES], False
        anyword = " OR ".join(fts_query([w], exact) for w in words)
        return fts_rank.fts5(conn, table, anyword, _CANDIDATES), False
    return hits, bool(hits)


def _tie_at_cut(best: dict[int, float]) -> bool:
    """Do rows of equal score straddle the ``_CANDIDATES`` cut of ``best``? (Every set scored
    here lists all its rows, so only the cut can differ from what FTS5 keeps.)"""
    scores = heapq.nlargest(_CANDIDATES + 1, best.values())
    return scores[-1] == scores[-2]


def _representatives(
    conn: sqlite3.Connection, headers: Sequence[Row], releases: Sequence[int]
) -> list[tuple[Row, str]]:
    """For each 7th-character header, the full code that stands for it: 7th character A
    (initial encounter) where the table has it, else the first character of the table."""
    if not headers:
        return []
    marks = ",".join("?" * len(headers))
    sql = (
        f"SELECT {_COLS}, parent,"
        f" min(CASE WHEN substr(code, 7, 1) = 'A' THEN '' ELSE code END)"
        f" FROM code INDEXED BY code_expanded_by_parent"
        f" WHERE expanded = 1 AND parent IN ({marks})"
        f" AND release_id IN ({_in(releases)}) GROUP BY release_id, parent"
    )
    return [
        (Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]), r[7])
        for r in conn.execute(sql, [h.code for h in headers])
    ]


def search_words(
    conn: sqlite3.Connection,
    query: str,
    releases: Sequence[int],
    seventh: frozenset[str] = frozenset(),
    vocab: frozenset[str] = frozenset(),
) -> list[tuple[Row, float, str]]:
    text, likely, rest, phrases = expand(query)
    words = tokens(text)
    # "LAD", "CVA" typed in capitals name a thing; they must not find "ladder" as a prefix
    whole = abbreviations(query) & set(words)
    out: list[tuple[Row, float, str]] = []
    wanted = set(releases)
    # an abbreviation on its own means its usual code; with more words it only breaks ties.
    # Beside another phrase ("T2DM with CKD") a code covering both concepts comes first (the
    # combination code), and each phrase's usual code only when no code covers them all.
    explained = not tokens(rest)
    likely_rank = {c: i for i, c in enumerate(likely)}
    seen: set[int] = set()

    def put_likely_first() -> None:
        rows = _fetch(
            conn, f"SELECT {_COLS} FROM code WHERE code IN ({','.join('?' * len(likely))})", likely
        )
        for r in rows:
            if r.release_id in wanted:
                out.append((r, 1000.0 - likely_rank[r.code], "abbreviation"))
                seen.add(r.id)

    if likely and explained and phrases == 1:
        put_likely_first()
    if not words:
        return out
    core = not needs_full_index(words, seventh)
    # the last word may still be being typed: it stays a prefix
    exact = frozenset(w for w in words[:-1] if len(w) > 4 and w in vocab) | whole
    exact |= _complete(words, vocab)  # the same matches and scores, read faster
    plurals = frozenset(w for w in exact if w + "s" in vocab and w not in whole)
    hits, every_word = _fts(conn, words, "fts_core" if core else "fts", exact, plurals)
    if likely and explained and phrases > 1 and not every_word:
        put_likely_first()
    if not hits:
        return _with_children(conn, out, words)
    rank = dict(hits)
    rows = [
        r
        for r in _fetch(conn, f"SELECT {_COLS} FROM code WHERE id IN ({_in(list(rank))})", ())
        if r.release_id in wanted and r.id not in seen
    ]
    if core:
        headers = {
            (r.release_id, r.code): r for r in rows if not r.billable and r.system == "icd10cm"
        }
        for rep, parent in _representatives(conn, list(headers.values()), releases):
            header = headers.get((rep.release_id, parent))
            if header is not None and rep.id not in seen and rep.id not in rank:
                rank[rep.id] = rank[header.id]
                rows.append(rep)
    qset = set(words)
    qtuple = tuple(qset - whole)  # the words that may be the start of a title word
    asks = _asks(query)
    # "right knee", "first trimester": a title saying "unspecified knee/trimester" contradicts
    specified = {b for a, b in zip(words, words[1:], strict=False) if a in _SPECIFIERS}
    for r in rows:
        title_words = _tokens(r.title or "")
        matched = {w for w in title_words if w in whole or w.startswith(qtuple)}
        unmatched = [
            w for w in _tokens(_excluded_cut(r.title or "")) if w not in matched and w not in FILLER
        ]
        in_title = all(any(_word_hit(t, q, whole) for t in matched) for q in qset)
        score = rank[r.id] + (5.0 if r.billable else 0.0)
        score += 1.5 * len(matched) - 0.8 * len(unmatched)
        score -= 3.0 * sum(1 for w in unmatched if w in SPECIAL)
        score += 2.0 if in_title else 0.0
        if specified and any(
            a == "unspecified" and b in specified
            for a, b in zip(title_words, title_words[1:], strict=False)
        ):
            score -= 4.0  # the query says which one; this code says it was not said
        elif "unspecified" in title_words and "other" not in qset:
            score += 2.5  # the default code when the chart says no more
        if r.code in likely_rank:
            score += 4.0
        if len(r.code) == 7 and r.code.endswith("A") and r.system == "icd10cm":
            score += 0.5  # initial encounter is the usual one
        score += _concept_bonus(r, words, asks)
        score += _diabetes_default(r.code, qset)
        out.append((r, score, "" if in_title else _matched_term(r.terms, qset, whole)))
    return _with_children(conn, out, words)


#: Guidelines I.C.4.a.2: "If the type of diabetes mellitus is not documented in the medical
#: record the default is E11.-"; E08, E09, E10 and E13 are for a record that says which. These
#: query words say it (type 1/2, secondary, drug or chemical induced, due to an underlying
#: condition, other specified), so the default then does not apply.
_DIABETES_TYPE_WORDS = frozenset(
    {"type", "1", "2", "secondary", "drug", "chemical", "induced", "due", "underlying", "other"}
)
_DIABETES_CATEGORIES = ("E08", "E09", "E10", "E13")


def _diabetes_default(code: str, qset: set[str]) -> float:
    if "diabetes" not in qset or not qset.isdisjoint(_DIABETES_TYPE_WORDS):
        return 0.0
    if code.startswith("E11"):
        return 6.0
    return -3.0 if code.startswith(_DIABETES_CATEGORIES) else 0.0


#: query words that say which side or trimester: titles have "unspecified <that word>" for
#: the code used when the chart does not say
_SPECIFIERS = frozenset({"right", "left", "bilateral", "first", "second", "third"})


def _excluded_cut(title: str) -> str:
    """The title without its "other than ..." clause: words it rules out do not narrow it
    ("Encounter for follow-up examination ... for conditions other than malignant neoplasm")."""
    at = title.find(" other than ")
    return title if at < 0 else title[:at]


# -- ranking by concept ------------------------------------------------------------------
# A code "covers" the query when its title, or one of its inclusion terms, holds every query
# word. Among those, the code that says nothing more than the query (besides words that narrow
# nothing: unspecified, NOS, uncomplicated...) is the concept's default code; a header is
# never shown without the billable codes under it, the most general of them first.

#: words that leave a title "pure": it still means just the query's concept
_PLAIN = FILLER | {"uncomplicated", "initial", "encounter", "nos", "mellitus", "disorder"}
#: 7th-character and other words that tell a code's default from its siblings
_DEFAULT_MARKS = frozenset({"unspecified", "uncomplicated", "nos"})
#: query words that ask for a place, activity or status code (Y92, Y93, Y99) rather than the
#: event of an external cause
_PLACE_WORDS = frozenset({"place", "location", "occurrence", "activity", "activities", "status"})
#: query words that place a transport accident off the public highway (the tabular's
#: definition of a nontraffic accident, note at V00-V99)
_NONTRAFFIC_WORDS = frozenset(
    {"nontraffic", "non", "parking", "driveway", "private", "offroad", "farm", "yard"}
)
_RAW = re.compile(r"[a-z0-9]+")
_CHILDREN = 3  # billable codes shown right after a header that matches
_EXPAND = 4  # headers (best first) whose billable codes are fetched: one indexed range each


#: title phrases of an intent other than accident, and the query words that ask for each
_INTENTS = (
    ("undetermined intent", frozenset({"undetermined", "unknown"})),
    (
        "assault",
        frozenset({"assault", "assaulted", "assailant", "attack", "attacked", "homicide"}),
    ),
    ("self-harm", frozenset({"self", "suicide", "suicidal", "intentional"})),
    ("legal intervention", frozenset({"legal", "police", "law"})),
)


class _Asks:
    """What the query asks for beyond its words' concepts."""

    __slots__ = ("place", "with_", "other", "intent", "nontraffic")

    def __init__(self, raw: set[str]) -> None:
        self.place = bool(raw & _PLACE_WORDS)
        self.nontraffic = bool(raw & _NONTRAFFIC_WORDS)
        self.with_ = bool(raw & {"with", "w"})
        self.other = "other" in raw
        #: title phrases of intents the query did not ask for
        self.intent = tuple(p for p, asked in _INTENTS if not raw & asked)


def _asks(query: str) -> _Asks:
    return _Asks(set(_RAW.findall(query.lower())))


@lru_cache(maxsize=65536)
def _profile(text: str, words: tuple[str, ...]) -> tuple[bool, int, int, bool]:
    """(covers every query word, extra words, extra words after "with", head word is the
    query's) for one title or inclusion term."""
    after_with: tuple[str, ...] = ()
    if " with" not in text.lower():  # most titles: no clause to look at
        toks = _tokens(text)
    else:
        # words after "without" rule things out and do not narrow the concept; words after
        # "with" add to it ("...without perforation or abscess with bleeding")
        kept: list[str] = []
        withs: list[str] = []
        mode = ""
        for w in _RAW.findall(text.lower()):
            if w in ("with", "without"):
                mode = w
            elif mode == "with":
                withs.append(w)
                kept.append(w)
            elif not mode:
                kept.append(w)
        toks = _tokens(" ".join(kept))
        after_with = _tokens(" ".join(withs))
    used: set[str] = set()
    for q in words:
        # a query word uses the title word it equals, else the first it is a prefix of
        # ("asthma" uses "asthma", so "asthmaticus" stays an extra word)
        if q in toks:
            used.add(q)
            continue
        for t in toks:
            if t.startswith(q):
                used.add(t)
                break
        else:
            return False, len(toks), 0, False
    extras = [t for t in toks if t not in used and t not in _PLAIN]
    head = next((t for t in toks if t not in _PLAIN and t != "other"), "") in used
    # "with <words the query did not say>" (even "with unspecified complications") narrows it
    narrowed = bool(after_with) and (
        not any(t in used for t in after_with)
        or any(t not in used and t not in _PLAIN for t in after_with)
    )
    return True, len(extras), int(narrowed), head


def _best_profile(r: Row, words: tuple[str, ...]) -> tuple[bool, int, int, bool]:
    best = _profile(r.title or "", words)
    if (best[0] and best[1] == 0) or not r.terms:
        return best
    low = r.terms.lower()
    if not all(q in low for q in words):
        return best  # no term holds every word: skip splitting them (most rows)
    for term in r.terms.split(" | "):
        p = _profile(term, words)
        if p[0] and (not best[0] or (p[1], p[2]) < (best[1], best[2])):
            best = p
    return best


def _concept_bonus(r: Row, words: Sequence[str], asks: _Asks) -> float:
    covers, extras, with_extras, head = _best_profile(r, tuple(words))
    bonus = 0.0
    if covers:
        # billable codes covering every concept first; a header that covers them stands for
        # its default code, which follows it (see _with_children)
        bonus += 4.0 if r.billable else 2.0
        if extras == 0:
            bonus += 9.0 + (0.0 if r.billable else 3.0)
        elif extras == 1 and "other" in _tokens(r.title or "") and not asks.other:
            bonus += 8.0  # "Other fatigue": the default where the category has no unspecified
        bonus += 2.5 if head else 0.0  # "Syncope and collapse" before "Cough syncope"
        if with_extras and not asks.with_:
            bonus -= 3.0  # "with <something the query did not say>" narrows the concept
    if r.system == "icd10cm" and r.code[:3] in ("Y92", "Y93", "Y99") and not asks.place:
        bonus -= 8.0  # the event (V00-Y38) is the code for how it happened
    if (
        r.code[:1] == "V"
        and r.code[:3] != "V86"
        and not asks.nontraffic
        and "nontraffic" in (r.title or "").lower()
    ):
        # V00-V99 note: "a vehicle accident is assumed to have occurred on the public highway
        # unless another place is specified" (off-road vehicles, V86, the other way round)
        bonus -= 4.0
    if r.code[:1] in "VWXY" and r.system == "icd10cm" and asks.intent:
        title = (r.title or "").lower()
        if any(m in title for m in asks.intent):
            # Guidelines I.C.20.f: an unknown intent is coded as an accident
            bonus -= 4.0
    return bonus


def _child_order(child: Row, header_words: frozenset[str]) -> tuple[int, int, int, str]:
    raw = _RAW.findall((child.title or "").lower())
    if "without" in raw:
        raw = raw[: raw.index("without")]
    toks = _tokens(" ".join(raw))
    extras = {t for t in toks if t not in header_words and t not in _PLAIN and t != "other"}
    return (
        len(extras) + (2 if "with" in raw else 0),
        0 if any(t in _DEFAULT_MARKS for t in toks) else 1,
        len(child.code),
        child.code,
    )


def _with_children(
    conn: sqlite3.Connection,
    out: list[tuple[Row, float, str]],
    words: Sequence[str],
) -> list[tuple[Row, float, str]]:
    """Each of the best few ICD-10-CM headers is followed by its best billable codes; the most
    general of them (fewest words beyond the header's and the query's) goes just above it."""
    top = heapq.nlargest(12, out, key=lambda t: t[1])
    headers = [t for t in top if not t[0].billable and t[0].system == "icd10cm"]
    extra: list[tuple[Row, float, str]] = []
    done: set[int] = set()
    for header, score, _ in headers[:_EXPAND]:
        code = header.code
        if header.id in done or (len(code) == 3 and code[0] in "ST"):
            continue  # injury categories: thousands of codes; their 7th-character codes stand in
        done.add(header.id)
        kids = _fetch(
            conn,
            f"SELECT {_COLS} FROM code WHERE code > ? AND code < ? AND billable = 1"
            # 7th character A (initial encounter) or 0 (obstetric "not applicable or
            # unspecified" fetus): the usual full code of a 7th-character subcategory
            f" AND (expanded = 0 OR substr(code, 7, 1) IN ('A', '0'))"
            f" AND release_id = ? LIMIT 80",
            (code, code + "\x7f", header.release_id),
        )
        hw = frozenset(_tokens(header.title or "")) | frozenset(words)
        kids.sort(key=lambda k: _child_order(k, hw))
        for i, kid in enumerate(kids[:_CHILDREN]):
            extra.append((kid, score + 0.02 if i == 0 else score - 0.01 * i, ""))
    return out + extra


def _word_hit(word: str, q: str, whole: frozenset[str]) -> bool:
    """Does title word ``word`` answer query word ``q`` (an abbreviation: only in full)?"""
    return word == q if q in whole else word.startswith(q)


def _matched_term(terms: str, qset: set[str], whole: frozenset[str] = frozenset()) -> str:
    for term in terms.split(" | "):
        words = _tokens(term)
        if all(any(_word_hit(w, q, whole) for w in words) for q in qset):
            return term
    return ""


def _diagnosis_holds_procedure(query: str) -> bool:
    reading = read_procedure(query)
    if reading is None:
        return False
    named = {w for w in reading.phrase.split() if w not in PROCEDURE_DATA.sides}  # side words
    return any(named < set(proc_words(p)) for p in diagnosis_phrases(query))


def is_code_query(query: str) -> bool:
    return looks_like_code(query) and query.strip().lower() not in SYNONYMS


#: a status query naming a procedure shows this many of its best word hits, then the procedure's
_WORD_HITS_FIRST = 3
_NAMED_PROCEDURE_HITS = 3


def _with_named_procedure(
    conn: sqlite3.Connection,
    query: str,
    releases: Sequence[int],
    limit: int,
    ranked: list[tuple[Row, float, str]],
) -> list[tuple[Row, float, str]]:
    """ "screening colonoscopy" means Z12.11 first, but the colonoscopy's PCS codes are what a
    coder coding the procedure wants: they follow the best few diagnosis and Z codes."""
    named = named_procedure_hits(conn, query, releases, _NAMED_PROCEDURE_HITS)
    if not named:
        return ranked
    head = ranked[:_WORD_HITS_FIRST]
    shown = {r.code for r, _, _ in head}
    named = [t for t in named if t[0].code not in shown]
    shown |= {r.code for r, _, _ in named}
    tail = [t for t in ranked[_WORD_HITS_FIRST:] if t[0].code not in shown]
    return [*head, *named, *tail]


def run_search(
    conn: sqlite3.Connection,
    query: str,
    releases: Sequence[int],
    *,
    billable_only: bool,
    limit: int,
    seventh: frozenset[str] = frozenset(),
    vocab: frozenset[str] = frozenset(),
) -> list[tuple[Row, float, str]]:
    """(row, score, matched inclusion term or "") best first."""
    if not query.strip() or not releases:
        return []
    scored: dict[int, tuple[Row, float, str]] = {}
    if is_code_query(query):
        for r, s in search_codes(conn, normalize(query), releases, limit):
            scored[r.id] = (r, s + 100.0, "")
    else:
        # A procedure name ("lap chole") is answered from its ICD-10-PCS tables; a word search
        # as well would read the long doclists of PCS title words ("approach") for nothing.
        # unless a longer diagnosis phrase of the vocabulary holds the procedure name ("tubal
        # pregnancy", "normal vaginal delivery" name a condition, not tubal ligation or 10E0XZZ)
        procedures = (
            []
            if _diagnosis_holds_procedure(query)
            else procedure_hits(conn, query, releases, limit)
        )
        for r, s, m in procedures:
            scored[r.id] = (r, s, m)
        for r, s, m in [] if procedures else search_words(conn, query, releases, seventh, vocab):
            if r.id not in scored or scored[r.id][1] < s:
                scored[r.id] = (r, s, m)
    ranked = sorted(scored.values(), key=lambda t: (-t[1], len(t[0].code), t[0].code))
    if not is_code_query(query):
        ranked = _with_named_procedure(conn, query, releases, limit, ranked)
    if billable_only:
        ranked = [t for t in ranked if t[0].billable]
    return ranked[:limit]
