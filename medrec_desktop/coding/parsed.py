"""What an importer hands to the writer: a whole release, parsed, not yet stored.

Kept apart from the writer so importers and writer do not import each other: importers
produce these, the writer stores them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeRow:
    code: str  # normalised
    title: str | None
    billable: bool
    parent: str | None = None
    kind: str = "code"
    terms: str = ""
    #: a header plus a 7th character (S72.001A, W19.XXXA): kept out of the core search index
    expanded: bool = False


@dataclass
class ParsedRelease:
    """What every importer produces; the writer stores it in one transaction."""

    system: str
    name: str
    source: str
    valid_from: dt.date
    valid_to: dt.date | None
    codes: list[CodeRow] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # owner, kind, text
    seventh: list[tuple[str, str, str]] = field(default_factory=list)  # owner, char, meaning
    #: (code, start YYYYMMDD, end YYYYMMDD) where the file states per-code dates (HCPCS)
    validity: list[tuple[str, int, int]] = field(default_factory=list)
    kind: str = "titles"

    @property
    def billable_count(self) -> int:
        return sum(1 for c in self.codes if c.billable)

    @property
    def code_count(self) -> int:
        return sum(1 for c in self.codes if c.kind == "code")
