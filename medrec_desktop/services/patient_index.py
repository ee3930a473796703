"""Search tokens for patients and the parsing of what people type in the search box.

Names are folded (accents removed, case folded) so "José" is found by "jose"; each word is a
token, searched by prefix with an index range (``token >= 'smi' AND token < 'smj'``), which
works the same on SQLite and PostgreSQL. Each name word also has a sound token (``~`` and its
:func:`~medrec_desktop.domain.names.sound_key`), so a misspelt name is found by equality on
the same index (see :func:`alike_tokens`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from medrec_desktop.domain.dates import looks_like_date, parse_date
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.names import (
    SOUNDS_FROM,
    TYPO_FROM,
    one_typo_variants,
    sound_key,
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
PHONE_PREFIX = "#"
MRN_PREFIX = "="
SOUND_PREFIX = "~"


def fold(text: str) -> str:
    """Lower case without accents: 'Ñúñez' -> 'nunez'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def sound_token(word: str) -> str | None:
    key = sound_key(word)
    return SOUND_PREFIX + key if key else None


def name_tokens(word: str) -> set[str]:
    """The index entries of one folded name word: the word itself and how it sounds."""
    sound = sound_token(word)
    return {word[:64]} | ({sound[:64]} if sound else set())


def alike_tokens(typed: str) -> set[str]:
    """Index entries, looked up by equality, of the names ``words_alike`` calls alike to
    ``typed``: its sound token and every word one typo away. (The test suite checks the two
    agree, so the search and the duplicate check keep one notion of "similar".)"""
    found: set[str] = set()
    if len(typed) >= SOUNDS_FROM:
        sound = sound_token(typed)
        if sound:
            found.add(sound)
    if len(typed) >= TYPO_FROM:
        found |= {v for v in one_typo_variants(typed) if len(v) <= 64}
    return found


def patient_tokens(names: Iterable[str | None], phones: Iterable[str | None], mrn: str) -> set[str]:
    tokens = {t for name in names if name for w in words(name) for t in name_tokens(w)}
    for phone in phones:
        d = digits(phone)
        if len(d) >= 4:
            # Full number, without a leading country 1, and the last 7 and 4 digits, so any
            # usual way of typing it finds the patient.
            for variant in {d, d[1:] if len(d) == 11 and d[0] == "1" else d, d[-7:], d[-4:]}:
                tokens.add(PHONE_PREFIX + variant)
    tokens.add(MRN_PREFIX + (mrn.lstrip("0") or "0"))
    return tokens


def search_text(tokens: Iterable[str]) -> str:
    """A patient's tokens in one string, as ``patient_search_text`` keeps them: sorted, a
    space either side of each, so ``% smi%`` matches exactly the tokens starting "smi" and
    ``% smith %`` the token "smith" (tokens hold no spaces)."""
    return " " + " ".join(sorted(tokens)) + " "


@dataclass
class SearchQuery:
    name_prefixes: list[str] = field(default_factory=list)
    number_prefixes: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.name_prefixes or self.number_prefixes or self.birth_date)

    @property
    def forgiving(self) -> bool:
        """Whether a similar-spelling search can find more than this query does: some
        name word is long enough to be a misspelling rather than a fragment."""
        return any(len(w) >= TYPO_FROM for w in self.name_prefixes)


def parse_queries(text: str, *, today: dt.date | None = None) -> list[SearchQuery]:
    """The readings of what was typed: one, or two when 8 digits may be a date of birth
    typed without separators ("10271935") or an MRN or phone number. Both are searched."""
    query = SearchQuery()
    as_date: list[tuple[str, dt.date]] = []
    for part in text.split():
        if looks_like_date(part) and not part.isdigit():
            try:
                query.birth_date = parse_date(part, field="search", today=today)
            except ValidationError:
                continue  # half-typed or impossible date: ignore it rather than find nothing
        elif "/" in part and re.fullmatch(r"[\d/]+", part):
            continue  # a date still being typed ("03/14")
        elif re.fullmatch(r"[\d()+\-.]+", part):
            number = digits(part)
            if len(number) == 11 and number[0] == "1":
                number = number[1:]  # "1-503-555-0123": the country code is not indexed alone
            if len(number) >= 3:
                query.number_prefixes.append(number)
                if looks_like_date(part):
                    try:
                        as_date.append((number, parse_date(part, today=today)))
                    except ValidationError:
                        pass
        else:
            query.name_prefixes.extend(words(part))
    readings = [query]
    if as_date and query.birth_date is None:
        number, born = as_date[0]
        numbers = list(query.number_prefixes)
        numbers.remove(number)
        # The date reading first: people type a birth date far more often than an 8-digit
        # MRN or the first 8 digits of a phone number.
        readings.insert(0, replace(query, number_prefixes=numbers, birth_date=born))
    return readings


def parse_query(text: str, *, today: dt.date | None = None) -> SearchQuery:
    """The first reading of what was typed (see :func:`parse_queries`)."""
    return parse_queries(text, today=today)[0]


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds such that ``lo <= token < hi`` holds exactly for tokens starting with prefix."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
