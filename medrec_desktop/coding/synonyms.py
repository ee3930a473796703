"""Clinical abbreviations and lay terms coders and clinicians type, and the codes they mean.

The vocabulary is data, not code: ``resources/coding/vocabulary.tsv`` (one mapping per line,
tab separated, ``#`` comments). Columns:

- ``phrase  typed  title words  likely codes``: what is typed (lower case, matched as a whole
  phrase inside the query) is replaced by the words of the official title or inclusion term it
  stands for; the likely codes (display form, space separated, may be empty) are shown first
  when the phrase is the whole query and break ties otherwise.
- ``word  typed  title word``: a word translated on its own (spellings, lay words).
- ``stop  word``: a word dropped from queries, it carries no meaning for matching titles.
- ``caps  TYPED  title words  likely codes``: an abbreviation that is also an everyday word
  ("ALL", "ED"): read like a phrase, but only when typed in capitals as a whole word.

The file is read once, at import (a few milliseconds).
"""

from __future__ import annotations

import re
from pathlib import Path

from medrec_desktop.coding.schema import read_data_lines, resources_dir


def vocabulary_file() -> Path:
    return resources_dir() / "coding" / "vocabulary.tsv"


class VocabularyError(ValueError):
    """A line of the vocabulary file that cannot be read (says which line and why)."""


def parse_vocabulary(
    lines: list[str],
) -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str], frozenset[str]]:
    """(phrases, words, stopwords) from the file's lines; raises VocabularyError on a bad line."""
    phrases: dict[str, tuple[str, tuple[str, ...]]] = {}
    words: dict[str, str] = {}
    stops: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.rstrip("\r\n").split("\t")]
        kind, typed = cols[0], " ".join(cols[1].lower().split()) if len(cols) > 1 else ""
        if not typed:
            raise VocabularyError(f"line {n}: no typed phrase")
        if kind == "caps":
            # kept in capitals: the key itself says the phrase is matched case-sensitively
            typed = cols[1].strip()
            if not re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", typed) or len(cols) > 4:
                raise VocabularyError(f"line {n}: a caps line needs an abbreviation in capitals")
            kind = "phrase"
        if kind == "phrase" and len(cols) <= 4:
            title = " ".join(cols[2].lower().split()) if len(cols) > 2 else ""
            codes = tuple(
                c.replace(".", "").upper() for c in (cols[3] if len(cols) > 3 else "").split()
            )
            if typed in phrases and phrases[typed] != (title, codes):
                raise VocabularyError(f"line {n}: {typed!r} is already mapped differently")
            phrases[typed] = (title, codes)
        elif kind == "word" and len(cols) == 3 and cols[2]:
            if typed in words and words[typed] != cols[2].lower():
                raise VocabularyError(f"line {n}: {typed!r} is already mapped differently")
            words[typed] = cols[2].lower()
        elif kind == "stop" and len(cols) == 2:
            stops.add(typed)
        else:
            raise VocabularyError(f"line {n}: expected phrase/word/stop with its columns")
    return phrases, words, frozenset(stops)


def _load() -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str], frozenset[str]]:
    return parse_vocabulary(
        read_data_lines(vocabulary_file(), "coding vocabulary", VocabularyError)
    )


# typed phrase -> (title words, likely codes without dots)
SYNONYMS: dict[str, tuple[str, tuple[str, ...]]]
#: Lay words and spellings translated word by word after phrase expansion.
WORDS: dict[str, str]
#: Words dropped from queries: they carry no meaning for matching titles.
STOPWORDS: frozenset[str]
SYNONYMS, WORDS, STOPWORDS = _load()

_PHRASES = sorted((p for p in SYNONYMS if p == p.lower()), key=len, reverse=True)
_PHRASE_RE = re.compile(r"(?<![\w/])(" + "|".join(re.escape(p) for p in _PHRASES) + r")(?![\w/])")
#: Ways of saying "status post": "hx of appendectomy", "status post CABG", "h/o knee replacement"
#: mean what the vocabulary's "s/p <procedure>" line says (a past procedure is a status code,
#: Guidelines I.C.21.c.3); so does "<procedure> status". Only procedures with an "s/p" line.
_STATUS_LEADS = (
    "status post",
    "status-post",
    "s/p",
    "s p",
    "sp",
    "history of",
    "hx of",
    "hx",
    "h/o",
    "personal history of",
)
#: "prior appendectomy" is a status only when the procedure ends the query: "post
#: mastectomy lymphedema" (I97.2) and "post cholecystectomy syndrome" (K91.5) are conditions
#: that follow the procedure, not its status, so a bare "post" is never read as one.
_STATUS_LEADS_AT_END = ("prior", "previous")
_STATUS_TAILS = sorted((p[4:] for p in SYNONYMS if p.startswith("s/p ")), key=len, reverse=True)
_TAILS = "|".join(re.escape(t) for t in _STATUS_TAILS)
_STATUS_LEAD_RE = re.compile(
    r"(?<![\w/])(?:"
    + "|".join(re.escape(p) for p in _STATUS_LEADS)
    + r")\s+(?=(?:"
    + _TAILS
    + r")(?![\w/]))"
)
_STATUS_END_RE = re.compile(
    r"(?<![\w/])(?:"
    + "|".join(re.escape(p) for p in _STATUS_LEADS_AT_END)
    + r")\s+(?=(?:"
    + _TAILS
    + r")\s*$)"
)
_STATUS_TRAIL_RE = re.compile(r"(?<![\w/])(" + _TAILS + r")\s+status(?![\w/])")


def _status_phrasing(text: str) -> str:
    text = _STATUS_END_RE.sub("s/p ", _STATUS_LEAD_RE.sub("s/p ", text))
    return _STATUS_TRAIL_RE.sub(lambda m: "s/p " + m.group(1), text)


#: abbreviations that are also everyday words ("ALL"): read only as typed, in capitals
_CAPS = sorted((p for p in SYNONYMS if p != p.lower()), key=len, reverse=True)
_CAPS_RE = re.compile(r"(?<![\w/])(" + "|".join(re.escape(p) for p in _CAPS) + r")(?![\w/])")
_CKD_STAGE = re.compile(r"\bckd\s*(?:stage\s*)?([1-5]|3a|3b)\b")


_SLASHED = re.compile(r"[^\s/]+(?:/[^\s/]+)+")


def _split_slashes(query: str) -> str:
    """ "htn/dm", "CHF/COPD": two conditions written with a slash are read as two words, unless
    the slashed form is itself in the vocabulary ("s/p", "h/o", "n/v", "w/o")."""

    def split(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.lower() in SYNONYMS or token.lower() in WORDS or token.lower() in STOPWORDS:
            return token
        return token.replace("/", " ")

    return _SLASHED.sub(split, query)


def expand(query: str) -> tuple[str, tuple[str, ...], str, int]:
    """Return (query in title words, likely codes best first, what no synonym explained, how
    many phrases of the vocabulary the query holds)."""
    likely: list[str] = []
    found = 0

    def repl(match: re.Match[str]) -> str:
        nonlocal found
        found += 1
        words, codes = SYNONYMS[match.group(1)]
        likely.extend(c for c in codes if c not in likely)
        return f" {words} "

    raw = " ".join(_split_slashes(query).split())
    rest_raw = raw
    held: list[str] = []
    if _CAPS:
        # set aside until the other phrases are read: their title words are not typed words
        rest_raw = _CAPS_RE.sub(" ", raw)

        def hold(match: re.Match[str]) -> str:
            held.append(repl(match))
            return f" \x00{len(held) - 1}\x00 "

        raw = _CAPS_RE.sub(hold, raw)
    text = _status_phrasing(raw.lower())
    stage = _CKD_STAGE.search(text)
    if stage:
        found += 1
        st = stage.group(1)
        code = {
            "1": "N181",
            "2": "N182",
            "3": "N1830",
            "3a": "N1831",
            "3b": "N1832",
            "4": "N184",
            "5": "N185",
        }[st]
        likely.append(code)
        text = _CKD_STAGE.sub(f"chronic kidney disease stage {st}", text)

    rest = _PHRASE_RE.sub(" ", _CKD_STAGE.sub(" ", _status_phrasing(rest_raw.lower())))
    text = _PHRASE_RE.sub(repl, text)
    for i, words in enumerate(held):
        text = text.replace(f"\x00{i}\x00", words)
    return " ".join(text.split()), tuple(likely), rest, found


def diagnosis_phrases(query: str) -> list[str]:
    """The vocabulary phrases in ``query`` whose likely codes are ICD-10-CM (a diagnosis,
    status or encounter: "normal vaginal delivery" is O80, not a PCS delivery)."""
    text = _status_phrasing(" ".join(query.lower().split()))
    return [
        m.group(1)
        for m in _PHRASE_RE.finditer(text)
        if any(c[:1].isalpha() for c in SYNONYMS[m.group(1)][1])
    ]
