"""Two workstations on one clinic server, for the live refresh tests (issue 15).

``two_workstations`` gives a PostgreSQL clinic (the ``clinic`` fixture's PostgreSQL variant: a
copy of the template database) plus a second ``Installation`` opened on the same folder and
server, as another workstation would open it; both close before the database is dropped.
Test modules make their fixtures with it (pytest finds fixtures in conftest files only).
``Tap`` listens on the channel with a plain psycopg connection of its own, to see the exact
payloads that travel (what an eavesdropper on the clinic network or the database would see).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.change_notices import channel_for
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.installation import Installation, Unlock
from tests.conftest import PASSPHRASE, Clinic, pg_copy, sign_in_all
from tests.support.clock import FakeClock


@dataclass
class Workstations:
    clinic: Clinic  # workstation A: clinic.inst
    other: Installation  # workstation B: the same folder and server, opened again
    other_sessions: dict[Role, UserSession]

    @property
    def a(self) -> Installation:
        return self.clinic.inst

    @property
    def b(self) -> Installation:
        return self.other


@contextmanager
def two_workstations(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Workstations]:
    """From a fixture: ``with two_workstations(request, tmp_path, clock) as ws: yield ws``
    (skipped, as every PostgreSQL variant is, without MEDREC_TEST_PG_URL)."""
    with pg_copy(request.getfixturevalue("_pg_template"), tmp_path, clock) as clinic:
        other = Installation.open(clinic.paths, Unlock(passphrase=PASSPHRASE), clock=clock)
        try:
            yield Workstations(clinic, other, sign_in_all(other))
        finally:
            other.close()


def conninfo(sqlalchemy_url: str) -> str:
    """A psycopg connection string for a clinic's SQLAlchemy server URL."""
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def channel_of(inst: Installation) -> str:
    """The clinic's NOTIFY channel, as its workstations name it (from the clinic's key)."""
    return channel_for(inst.keyring.material.audit_key)


class Tap:
    """LISTEN on a channel (the clinic's, unless told) with a connection of the test's own."""

    def __init__(self, sqlalchemy_url: str, channel: str) -> None:
        self.channel = channel
        self.conn = psycopg.connect(conninfo(sqlalchemy_url), autocommit=True)
        self.conn.execute(f"LISTEN {channel}")

    def take(self, count: int = 1, timeout: float = 15.0) -> list[str]:
        """The next ``count`` payloads, in the order they were committed (as soon as they are
        here; an AssertionError if they do not come within ``timeout``)."""
        got = [n.payload for n in self.conn.notifies(timeout=timeout, stop_after=count)]
        assert len(got) == count, f"{len(got)} of {count} notices arrived"
        return got

    def close(self) -> None:
        self.conn.close()
