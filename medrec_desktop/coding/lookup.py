"""What the detail pane and the claim checks need from the code sets, as a protocol.

``detail`` and ``validate`` depend on this, not on ``CodeSetStore``: the store calls them, so
their depending on it too made an import circle. The store hands them a lookup bound to one
snapshot of its releases, so one call never mixes two states of the store.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Protocol

from medrec_desktop.coding.mce import Mce
from medrec_desktop.coding.types import CodeSystem, Release, Row


class CodeLookup(Protocol):
    @property
    def mce(self) -> Mce: ...

    def conn(self) -> sqlite3.Connection:
        """A connection usable on the calling thread."""
        ...

    def lookup(
        self, code: str, dos: dt.date | None = None, system: CodeSystem | None = None
    ) -> tuple[Row, Release] | None:
        """The code's row in the release in force on ``dos`` (or any release that has it)."""
        ...

    def prefetch(self, codes: Sequence[str], system: CodeSystem | None = None) -> None:
        """Read many codes' rows at once, for the lookups that follow."""
        ...

    def path_of(self, release_id: int, code: str) -> tuple[tuple[str, str], ...]:
        """Ancestors from the chapter down, as (code, title) pairs."""
        ...

    def release_for(self, system: CodeSystem, dos: dt.date | None = None) -> Release | None:
        """The titles release in force on ``dos``."""
        ...
