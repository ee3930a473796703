"""Search tokens for patients and the parsing of what people type in the search box.

Names are folded (accents removed, case folded) so "José" is found by "jose"; each word is a
token, searched by prefix with an index range (``token >= 'smi' AND token < 'smj'``), which
works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from medrec_desktop.domain.dates import looks_like_date, parse_date
from medrec_desktop.domain.errors import ValidationError

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
PHONE_PREFIX = "#"
MRN_PREFIX = "="


def fold(text: str) -> str:
    """Lower case without accents: 'Ñúñez' -> 'nunez'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def patient_tokens(names: Iterable[str | None], phones: Iterable[str | None], mrn: str) -> set[str]:
    tokens = {w[:64] for name in names if name for w in words(name)}
    for phone in phones:
        d = digits(phone)
        if len(d) >= 4:
            # Full number, without a leading country 1, and the last 7 and 4 digits, so any
            # usual way of typing it finds the patient.
            for variant in {d, d[1:] if len(d) == 11 and d[0] == "1" else d, d[-7:], d[-4:]}:
                tokens.add(PHONE_PREFIX + variant)
    tokens.add(MRN_PREFIX + (mrn.lstrip("0") or "0"))
    return tokens


@dataclass
class SearchQuery:
    name_prefixes: list[str] = field(default_factory=list)
    number_prefixes: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.name_prefixes or self.number_prefixes or self.birth_date)


def parse_query(text: str) -> SearchQuery:
    """Split what was typed into name fragments, a date of birth and number fragments."""
    query = SearchQuery()
    for part in text.split():
        if looks_like_date(part) and not part.isdigit():
            try:
                query.birth_date = parse_date(part, field="search")
            except ValidationError:
                continue  # half-typed or impossible date: ignore it rather than find nothing
        elif "/" in part and re.fullmatch(r"[\d/]+", part):
            continue  # a date still being typed ("03/14")
        elif re.fullmatch(r"[\d()+\-.]+", part):
            if len(digits(part)) >= 3:
                query.number_prefixes.append(digits(part))
        else:
            query.name_prefixes.extend(words(part))
    return query


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds such that ``lo <= token < hi`` holds exactly for tokens starting with prefix."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
