"""A clinic moved from its encrypted file to a clinic server (issue 15): where to, what it
reports to while it runs, and what it hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from medrec_desktop.domain.errors import KnownError


class MoveCancelledError(KnownError):
    """The administrator stopped the move: the server is left empty, the file stays in use."""

    def __init__(self) -> None:
        super().__init__(
            "The move was cancelled: nothing was left on the server, and this computer keeps "
            "working on its encrypted file."
        )


class MoveJob(Protocol):
    """What a move reports to: ``progress(rows copied, rows in all)`` after each batch, and
    ``cancelled`` read between batches (``ui.tasks.Job`` has both)."""

    @property
    def cancelled(self) -> bool: ...

    def progress(self, done: int, total: int) -> None: ...


@dataclass(frozen=True)
class MoveTarget:
    """The clinic server: the application account every workstation will work as (kept in the
    data folder), the database owner's account that creates the tables (used once, kept
    nowhere), and the clinic's CA certificate for a server on another computer."""

    app_url: str = field(repr=False)
    owner_url: str = field(repr=False)
    ca_cert: Path | None = None


@dataclass(frozen=True)
class MoveResult:
    """What was moved, and how the server was found afterwards."""

    server: str  # host:port/database, no account, no password
    tables: int
    rows: int
    seconds: float
    row_counts: Mapping[str, int]
    audit_summary: str
    audit_events: int  # the trail on the server ends with the move's own event, this number
    file: Path  # the encrypted file, kept as it was and no longer used

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


__all__ = ["MoveCancelledError", "MoveJob", "MoveResult", "MoveTarget"]
