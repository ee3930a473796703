"""Everyday procedure names ("lap chole", "TURP", "knee replacement") read as ICD-10-PCS tables.

PCS titles say "Resection of Gallbladder, Percutaneous Endoscopic Approach", never
"cholecystectomy", so a word search finds diagnosis codes instead. The names, the body parts and
the modifier words (approach, biopsy, laterality) are data: ``resources/coding/pcs_procedures.tsv``
(format in its header). A query naming a procedure becomes table prefixes (section, body system,
root operation, body part, approach); the codes under them are read from the store with one
indexed range query per prefix and ranked by the query's other words and simplest first.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from medrec_desktop.coding.schema import read_data_lines, resources_dir
from medrec_desktop.coding.types import Row

_TOKEN = re.compile(r"[a-z0-9&/]+")
#: a procedure hit outranks every word hit (abbreviations score 1000, codes about 150)
PROCEDURE_SCORE = 2000.0
_ROWS_PER_PREFIX = 400
_COLS = "id, release_id, system, code, title, billable, terms"
#: words that say nothing about which code of the table is meant
_FILLER = frozenset({"of", "the", "a", "an", "and", "with", "w", "for", "on", "in", "to", "pt"})


class ProcedureDataError(ValueError):
    """A line of pcs_procedures.tsv that cannot be read (says which line and why)."""


def procedures_file() -> Path:
    return resources_dir() / "coding" / "pcs_procedures.tsv"


def words(text: str) -> tuple[str, ...]:
    """Lower-case words as the data file and queries are matched: "C-section" = "c section"."""
    return tuple(_TOKEN.findall(text.lower().replace("-", " ")))


@dataclass(frozen=True)
class ProcedureData:
    procs: dict[tuple[str, ...], tuple[str, ...]]
    bodies: dict[tuple[str, ...], tuple[str, ...]]
    roots: dict[str, tuple[str, str]]  # word -> (root operation, qualifier or "")
    approaches: dict[tuple[str, ...], str]  # phrase -> 5th characters, preferred first
    sides: dict[str, str]
    blocks: frozenset[str]

    @property
    def longest(self) -> int:
        keys = [*self.procs, *self.bodies, *self.approaches]
        return max((len(k) for k in keys), default=1)


_PREFIX = re.compile(r"^[0-9A-HJ-NP-Z_]{3,7}$")


def parse_procedures(lines: Sequence[str]) -> ProcedureData:
    procs: dict[tuple[str, ...], tuple[str, ...]] = {}
    bodies: dict[tuple[str, ...], tuple[str, ...]] = {}
    roots: dict[str, tuple[str, str]] = {}
    approaches: dict[tuple[str, ...], str] = {}
    sides: dict[str, str] = {}
    blocks: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.rstrip("\r\n").split("\t")]
        kind, key = cols[0], words(cols[1]) if len(cols) > 1 else ()
        if not key:
            raise ProcedureDataError(f"line {n}: no typed phrase")
        if kind in ("proc", "body") and len(cols) == 3:
            prefixes = tuple(cols[2].upper().split())
            if not prefixes or not all(_PREFIX.match(p) for p in prefixes):
                raise ProcedureDataError(f"line {n}: prefixes must be 3 to 7 PCS characters")
            table = procs if kind == "proc" else bodies
            if key in table and table[key] != prefixes:
                raise ProcedureDataError(f"line {n}: {cols[1]!r} is already mapped differently")
            table[key] = prefixes
        elif kind == "root" and len(cols) in (3, 4) and len(key) == 1 and len(cols[2]) == 1:
            roots[key[0]] = (cols[2].upper(), cols[3].upper() if len(cols) == 4 else "")
        elif kind == "approach" and len(cols) == 3 and 1 <= len(cols[2]) <= 3:
            approaches[key] = cols[2].upper()
        elif kind == "side" and len(cols) == 3 and len(key) == 1:
            sides[key[0]] = cols[2]
        elif kind == "block" and len(cols) == 2 and len(key) == 1:
            blocks.add(key[0])
        else:
            raise ProcedureDataError(f"line {n}: {kind!r} line with the wrong columns")
    return ProcedureData(procs, bodies, roots, approaches, sides, frozenset(blocks))


def _load() -> ProcedureData:
    return parse_procedures(
        read_data_lines(procedures_file(), "procedure vocabulary", ProcedureDataError)
    )


DATA = _load()
_LONGEST = DATA.longest


@dataclass(frozen=True)
class Reading:
    """How a query was read as a procedure."""

    phrase: str  # the words recognised, as typed (lower case)
    prefixes: tuple[str, ...]  # PCS prefixes, most usual first, modifiers applied
    fallback: tuple[str, ...]  # the same without the root-word change, if it finds nothing
    approach: str  # 5th characters asked for by an approach word, preferred first ("" if none)
    qualifier: str  # 7th character asked for ("X" for a biopsy)
    side: str  # title word kept (Right, Left, Bilateral) or ""
    rest: tuple[str, ...]  # the query's other words, to rank the table's codes


def _longest_match(
    toks: tuple[str, ...], table: dict[tuple[str, ...], tuple[str, ...]]
) -> tuple[int, int] | None:
    """(start, length) of the longest phrase of ``table`` in ``toks``, leftmost on ties."""
    best: tuple[int, int] | None = None
    for i in range(len(toks)):
        for size in range(min(_LONGEST, len(toks) - i), 0, -1):
            if toks[i : i + size] in table:
                if best is None or size > best[1]:
                    best = (i, size)
                break
    return best


def _with_approach(prefix: str, approach: str) -> tuple[str, ...]:
    """The prefix with each of the approach characters asked for (preferred first)."""
    if not approach or len(prefix) < 4:
        return (prefix,)
    return tuple(prefix[:4] + a + prefix[5:] for a in approach)


def _approached(prefixes: Sequence[str], approach: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(q for p in prefixes for q in _with_approach(p, approach)))


def _inspection(prefixes: Sequence[str]) -> bool:
    return all(p[2:3] == "J" for p in prefixes)


def blocked(query: str) -> bool:
    """The query holds a status or diagnosis word ("screening", "history"): a Z or diagnosis code
    is meant, though it may name a procedure too."""
    return any(t in DATA.blocks for t in words(query))


@lru_cache(maxsize=4096)
def read(query: str) -> Reading | None:
    """The procedure a query names, or None (a diagnosis, a status, or no procedure words)."""
    toks = tuple(t for t in words(query) if t not in DATA.blocks)
    if not toks:
        return None
    used = [False] * len(toks)
    root, qualifier, body_root = "", "", False
    match = _longest_match(toks, DATA.procs)
    # "ORIF left ankle": the name read with the side words left out, unless a name holds them
    core = [i for i, t in enumerate(toks) if t not in DATA.sides]
    bare = _longest_match(tuple(toks[i] for i in core), DATA.procs)
    if bare is not None and (match is None or bare[1] > match[1]):
        spots = core[bare[0] : bare[0] + bare[1]]
        base = DATA.procs[tuple(toks[i] for i in spots)]
    elif match is not None:
        spots = list(range(match[0], match[0] + match[1]))
        base = DATA.procs[toks[match[0] : match[0] + match[1]]]
    else:
        match = _longest_match(toks, DATA.bodies)
        rooted = [t for t in toks if t in DATA.roots]
        if match is None or not rooted:
            return None
        start, size = match
        spots = list(range(start, start + size))
        root, qualifier = DATA.roots[rooted[0]]
        base = tuple(p.replace("_", root) for p in DATA.bodies[toks[start : start + size]])
        body_root = True
    if match is not None and not body_root and _inspection(base):
        # "colonoscopy polypectomy": an inspection done to reach a more definitive procedure is
        # not coded separately (PCS guideline B3.11a); the other procedure named is the one
        others = [(i, t) for i, t in enumerate(toks) if i not in spots]
        other = _longest_match(tuple(t for _, t in others), DATA.procs)
        if other is not None:
            more = [others[j][0] for j in range(other[0], other[0] + other[1])]
            found = DATA.procs[tuple(toks[i] for i in more)]
            if not _inspection(found):
                spots, base = [*spots, *more], found
    # a root word inside the name carries its qualifier ("lymph node biopsy" = Diagnostic)
    for i in spots:
        used[i] = True
        if not body_root and toks[i] in DATA.roots and DATA.roots[toks[i]][1]:
            qualifier = DATA.roots[toks[i]][1]
    # modifier words outside the phrase
    approach = ""
    i = 0
    while i < len(toks):
        for size in range(min(_LONGEST, len(toks) - i), 0, -1):
            key = toks[i : i + size]
            if not any(used[i : i + size]) and key in DATA.approaches:
                approach = DATA.approaches[key]
                for j in range(i, i + size):
                    used[j] = True
                i += size - 1
                break
        i += 1
    side = ""
    for i, t in enumerate(toks):
        if used[i]:
            continue
        if t in DATA.sides:
            side, used[i] = DATA.sides[t], True
        elif t in DATA.roots:
            used[i] = True
            if not body_root:
                root, qualifier = DATA.roots[t]
    prefixes = base
    if root and not body_root:
        # "colonoscopy biopsy": the same body part and approach under the root the word names
        prefixes = tuple(p[:2] + root + p[3:] if len(p) >= 3 else p for p in base)
    prefixes = _approached(prefixes, approach)
    fallback = _approached(base, approach)
    rest = tuple(t for i, t in enumerate(toks) if not used[i] and t not in _FILLER)
    phrase = " ".join(t for i, t in enumerate(toks) if used[i])
    return Reading(phrase, prefixes, fallback, approach, qualifier, side, rest)


def _rows(conn: sqlite3.Connection, prefix: str, releases: str) -> list[Row]:
    sql = (
        f"SELECT {_COLS} FROM code WHERE code >= ? AND code < ? AND system = 'icd10pcs'"
        f" AND kind = 'code' AND release_id IN ({releases}) ORDER BY code LIMIT ?"
    )
    return [
        Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6])
        for r in conn.execute(sql, (prefix, prefix + "\x7f", _ROWS_PER_PREFIX))
    ]


_SIDES = ("Right", "Left", "Bilateral")


def _fetch(
    conn: sqlite3.Connection, prefixes: Sequence[str], releases: str
) -> list[tuple[int, Row]]:
    seen: dict[str, int] = {}
    out: list[tuple[int, Row]] = []
    for n, prefix in enumerate(prefixes):
        for r in _rows(conn, prefix, releases):
            at = seen.get(r.code)
            if at is None:
                seen[r.code] = len(out)
                out.append((n, r))
            elif out[at][1].title is None and r.title is not None:
                out[at] = (out[at][0], r)  # the release that has the title
    return out


def procedure_hits(
    conn: sqlite3.Connection, query: str, releases: Sequence[int], limit: int
) -> list[tuple[Row, float, str]]:
    """The PCS codes the query's procedure names, best first, scored above word hits."""
    reading = read(query)
    if reading is None or not releases or blocked(query):
        return []
    return _hits(conn, reading, releases, limit)


def named_procedure_hits(
    conn: sqlite3.Connection, query: str, releases: Sequence[int], limit: int
) -> list[tuple[Row, float, str]]:
    """For a status or diagnosis query that also names a procedure ("screening colonoscopy"),
    the procedure's codes, to show after the best diagnosis and Z codes (scores 0 to -limit)."""
    reading = read(query)
    if reading is None or not releases or not blocked(query):
        return []
    return [(r, -float(i), m) for i, (r, _, m) in enumerate(_hits(conn, reading, releases, limit))]


def _hits(
    conn: sqlite3.Connection, reading: Reading, releases: Sequence[int], limit: int
) -> list[tuple[Row, float, str]]:
    ids = ",".join(str(int(i)) for i in releases)
    rows = _fetch(conn, reading.prefixes, ids)
    if not rows and reading.fallback != reading.prefixes:
        rows = _fetch(conn, reading.fallback, ids)
    if reading.approach and len(reading.prefixes[0]) < 5:
        narrowed = [t for t in rows if t[1].code[4:5] in reading.approach]
        rows = narrowed or rows
    if reading.qualifier:
        narrowed = [t for t in rows if t[1].code[6:7] == reading.qualifier]
        rows = narrowed or rows
    if reading.side:
        others = [s for s in _SIDES if s != reading.side]
        narrowed = [t for t in rows if not any(s in (t[1].title or "") for s in others)]
        rows = narrowed or rows
    rest = reading.rest

    def key(item: tuple[int, Row]) -> tuple[int, bool, int, int, bool, bool, bool, str]:
        n, r = item
        title = words(r.title or "")
        matched = sum(1 for w in rest if any(t.startswith(w) for t in title))
        way = reading.approach.find(r.code[4:5]) if reading.approach else 0
        # imaging (section B): the 5th character is the contrast; none (Z) is the plain study
        contrast = r.code[:1] == "B" and r.code[4:5] != "Z"
        # codes whose title is not yet imported say less: after those that have one
        return (
            -matched,
            r.title is None,
            n,
            way,
            contrast,
            r.code[5:6] != "Z",
            r.code[6:7] != "Z",
            r.code,
        )

    ranked = sorted(rows, key=key)[:limit]
    return [(r, PROCEDURE_SCORE - i, "") for i, (_, r) in enumerate(ranked)]


def _plain_title(title: str) -> str:
    """ "Resection of Gallbladder, Percutaneous Endoscopic Approach" from a full PCS title: the
    operation and body part, and the approach; devices and qualifiers left out."""
    parts = [p.strip() for p in title.split(",")]
    parts[0] = parts[0].split(" with ")[0]
    how = [p for p in parts[1:] if p.endswith(("Approach", "Opening", "Endoscopic", "External"))]
    return ", ".join([parts[0], *how[:1]])


_SIDE_WORD = re.compile(r"\b(?:Right|Left) ")


def understood(query: str, rows: Sequence[Row]) -> tuple[str, ...]:
    """A plain note on how the query was read, when its procedure hits are shown first."""
    reading = read(query)
    if reading is None or blocked(query):
        return ()
    for r in rows[:1]:
        if r.system != "icd10pcs":
            return ()
        prefix = next(
            (p for p in (*reading.prefixes, *reading.fallback) if r.code.startswith(p)),
            r.code[:3],
        )
        tables = {p[:3] for p in reading.prefixes}
        more = f" (and {len(tables) - 1} other PCS tables)" if len(tables) > 1 else ""
        what = _plain_title(r.title) if r.title else "an ICD-10-PCS table"
        if not reading.side and _SIDE_WORD.search(what):
            # the query named no side: the first code's "Right" is not what was asked
            what = _SIDE_WORD.sub("", what, count=1) + " (right or left: pick from the list)"
            prefix = r.code[:3]  # the table: the body-part character names one side
        return (f"\u201c{reading.phrase}\u201d read as {what} ({prefix}){more}",)
    return ()
