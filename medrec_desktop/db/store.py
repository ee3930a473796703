"""A Store is one open database: its engine and the way to run a unit of work on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from medrec_desktop.db.engine import READ_SNAPSHOT
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

    @contextmanager
    def read_snapshot(self) -> Iterator[Session]:
        """A transaction that only reads, from one consistent moment of the record, and
        takes no write lock: for long reads (a bulk export) during which other workstations
        keep saving. On the SQLCipher file a deferred BEGIN in WAL mode (readers never wait
        for the writer nor it for them); on PostgreSQL REPEATABLE READ, READ ONLY (one
        snapshot for the whole transaction; a write in it is refused by the server)."""
        options: dict[str, object] = (
            {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            if self.is_server
            else {READ_SNAPSHOT: True}
        )
        with translated_errors():
            with self._sessions() as session, session.begin():
                session.connection(execution_options=options)
                yield session

    def close(self) -> None:
        self.engine.dispose()
