"""Typo tolerance: a query word that matches nothing is replaced by the nearest real word.

"Real" means a word of the store itself (every word of its titles and inclusion terms, the
snapshot's ``vocab``) or of the synonym table, so a correction always leads to something the
search can find. Nearest is the optimal-string-alignment distance (a swapped pair of letters
is one edit, as typists make them), up to two edits; ties go to the word more codes use, then
to one with the same first letter.

A word is left alone when it matches something as typed: a word of the store, the start of
one (the last word may still be being typed; "diab" is fine), a synonym or stop word, or a
token with a digit in it (codes and numbers are never "corrected"). Short words typed in
capitals are abbreviations (LAD, PICC) and are not corrected either: their meaning is not a
spelling away from an ordinary word.

Cost: the index is a few lists of ~12,000 words grouped by length, built once per snapshot on
the first query that needs it (~60 ms, mostly reading the document counts); a correction
compares the word with the words of a similar length only, in rapidfuzz's C code.
"""

from __future__ import annotations

import os
import re
import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from medrec_desktop.coding import procedures
from medrec_desktop.coding.synonyms import STOPWORDS, SYNONYMS, WORDS

#: what the search splits a query into (search._WORD), on the raw text so spans keep their case
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
#: a short word typed in capitals: an abbreviation, matched as a whole word, never corrected
_ABBREVIATION = re.compile(r"^[A-Z]{2,5}$")
MAX_EDITS = 2
#: words this short are corrected only one edit away first: two edits of a four-letter word
#: reach too many unrelated words to be a better guess than the nearest one
_SHORT = 4
#: words this long may be corrected by three edits when nothing is within MAX_EDITS
_LONG, _LONG_EDITS = 8, 3
#: the shortest word worth correcting (two letters are a prefix or an abbreviation)
_MIN_LEN = 3
#: corrections remembered per index (a few hundred bytes each)
_CACHED = 4096
_UNKNOWN = object()


def abbreviations(query: str) -> frozenset[str]:
    """Lower-cased words typed as short capitals ("LAD", "CVA") that the synonym table does not
    explain: they match whole words only, never as the start of a longer word."""
    out = set()
    for word in _WORD.findall(query):
        low = word.lower()
        if _ABBREVIATION.match(word) and low not in SYNONYMS and low not in WORDS:
            out.add(low)
    return frozenset(out)


def synonym_words() -> frozenset[str]:
    """Every single word of the synonym table: typed phrases, their title words, word maps."""
    words: set[str] = set(STOPWORDS)
    for phrase, (title, _codes) in SYNONYMS.items():
        words.update(_split(phrase))
        words.update(_split(title))
    for typed, meant in WORDS.items():
        words.update(_split(typed))
        words.update(_split(meant))
    # procedure names and their modifier words ("appy", "chole", "orif", "lap") are real words
    # of the vocabulary too: never "corrected" into a diagnosis word
    data = procedures.DATA
    for key in (*data.procs, *data.bodies, *data.approaches):
        words.update(key)
    words.update(data.roots)
    words.update(data.sides)
    words.update(data.blocks)
    return frozenset(words)


def _split(text: str) -> list[str]:
    return [w.lower().replace("'", "") for w in _WORD.findall(text)]


def document_counts(path: Path) -> dict[str, int]:
    """How many codes use each word of the full index. A short-lived read-only connection: the
    store's own connections are query-only and cannot create the temporary vocabulary view."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.spell_terms USING fts5vocab(main, fts, row)")
        return {str(t): int(d) for t, d in conn.execute("SELECT term, doc FROM temp.spell_terms")}
    finally:
        conn.close()


class Speller:
    """Corrects query words against one snapshot's words; immutable once built."""

    def __init__(
        self, vocab: Iterable[str], counts: Mapping[str, int], extra: Iterable[str] = ()
    ) -> None:
        store_words = set(vocab)
        extra_words = set(extra)
        self._known = frozenset(store_words | extra_words)
        self._sorted = sorted(store_words)  # for "is it the start of a word?" by bisection
        common = max(counts.values(), default=1)
        # synonym words are what people type: as common as the commonest word of the store
        self._count = {w: counts.get(w, 1) for w in store_words}
        self._count.update({w: common for w in extra_words if w not in store_words})
        by_len: dict[int, list[str]] = {}
        for w in self._known:
            if len(w) >= 2 and w.isalpha():
                by_len.setdefault(len(w), []).append(w)
        self._by_len = by_len
        # the words a word of each length may be corrected to: lengths within MAX_EDITS
        self._near: dict[int, list[str]] = {}
        for size in range(_MIN_LEN, max(by_len, default=0) + MAX_EDITS + 1):
            self._near[size] = [
                w for n in range(size - MAX_EDITS, size + MAX_EDITS + 1) for w in by_len.get(n, ())
            ]
        # a misspelt word stays in the box while the rest of the query is typed: each keystroke
        # would compare it with ~6,000 words again (~0.4 ms); the index never changes
        self._nearest: dict[str, object] = {}

    def matches(self, word: str) -> bool:
        """True when the word finds something as typed: a word of the store or the start of
        one, a synonym or stop word, or a token with a digit (codes, numbers)."""
        if word in self._known or any(c.isdigit() for c in word) or len(word) < _MIN_LEN:
            return True
        i = bisect_left(self._sorted, word)
        return i < len(self._sorted) and self._sorted[i].startswith(word)

    def nearest(self, word: str) -> str | None:
        """The best real word within two edits, or None."""
        known = self._nearest.get(word, _UNKNOWN)  # one lookup: another thread may clear it
        if known is not _UNKNOWN:
            return known if isinstance(known, str) else None
        found = self._nearest_uncached(word)
        if len(self._nearest) >= _CACHED:
            self._nearest.clear()
        self._nearest[word] = found
        return found

    def _nearest_uncached(self, word: str) -> str | None:
        choices = self._near.get(len(word))
        if not choices:
            return None
        found = extract(word, choices, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None)
        if not found and len(word) >= _LONG:
            # a long word typed by ear ("hemroids" for hemorrhoids: three letters short) still
            # deserves an answer rather than none; only when nothing is two edits away
            wider = [
                w
                for n in range(len(word) - _LONG_EDITS, len(word) + _LONG_EDITS + 1)
                for w in self._by_len.get(n, ())
            ]
            far = extract(word, wider, scorer=OSA.distance, score_cutoff=_LONG_EDITS, limit=None)
            if not far:
                return None
            # so far out, the word that starts as typed is the likelier one ("hemroids":
            # hemorrhoids, not fibroids, both three edits away)
            best_far = min(
                far,
                key=lambda f: (
                    f[1],
                    -len(os.path.commonprefix((f[0], word))),
                    -self._count.get(f[0], 1),
                    f[0],
                ),
            )
            return str(best_far[0])
        if not found:
            return None
        if len(word) <= _SHORT and any(d <= 1 for _w, d, _i in found):
            found = [f for f in found if f[1] <= 1]
        best = min(
            found,
            key=lambda f: (f[1], -self._count.get(f[0], 1), f[0][0] != word[0], f[0]),
        )
        return str(best[0])

    def correct(self, query: str) -> str:
        """The query with each word that matches nothing replaced by its nearest real word;
        the query unchanged (same object) when no word needed it."""
        pieces: list[str] = []
        last = 0
        changed = False
        for m in _WORD.finditer(query):
            raw = m.group(0)
            word = raw.lower().replace("'", "")
            # Two or three capitals are an abbreviation the store may not know ("LAD"): left
            # alone. A longer word in capitals that matches nothing ("ASTMA") is a misspelling
            # typed with caps lock, corrected like any other.
            if (_ABBREVIATION.match(raw) and len(raw) <= 3) or self.matches(word):
                continue
            better = self.nearest(word)
            if better is None or better == word:
                continue
            pieces.append(query[last : m.start()])
            pieces.append(better)
            last = m.end()
            changed = True
        if not changed:
            return query
        pieces.append(query[last:])
        return "".join(pieces)
