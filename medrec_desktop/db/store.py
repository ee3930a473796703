"""A Store is one open database: its engine and the way to run a unit of work on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from medrec_desktop.db.errors import translated_errors


@dataclass
class Store:
    """An open database. ``path`` is set for the local SQLCipher file, ``None`` for a server."""

    engine: Engine
    path: Path | None = None
    server_label: str | None = None
    key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def is_server(self) -> bool:
        return self.path is None

    @property
    def description(self) -> str:
        """Where the data lives, for the status bar and `medrec` output (no credentials)."""
        if self.path is not None:
            return f"Local encrypted file {self.path}"
        return f"PostgreSQL server {self.server_label or ''}".rstrip()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with translated_errors():
            with self._sessions() as session, session.begin():
                yield session

    def close(self) -> None:
        self.engine.dispose()
