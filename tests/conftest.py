"""Fixtures: a real SQLCipher file per test; PostgreSQL too when MEDREC_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import keyslots, passwords
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.support.clock import FakeClock
from tests.support.secrets import InMemorySecretStore

# Qt widgets are driven without a display in tests and CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PG_URL = os.environ.get("MEDREC_TEST_PG_URL")
ADMIN_PASSWORD = "correct horse battery"
PASSPHRASE = "workstation pass phrase"
ROLE_PASSWORD = "role password 1234"

BACKENDS = ["sqlcipher", "postgresql"]


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with 8 MiB instead of 64 MiB: the same code, cheaper per test. The parameters
    travel inside each slot, so unlocking uses whatever a slot was made with."""
    monkeypatch.setattr(keyslots, "KDF_MEMORY_KIB", 8 * 1024)
    monkeypatch.setattr(keyslots, "KDF_TIME", 1)


@pytest.fixture(autouse=True)
def _fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id password hashes with test-sized cost; the parameters live in each hash."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


@pytest.fixture
def secret_store() -> InMemorySecretStore:
    return InMemorySecretStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    schema = "t_" + uuid.uuid4().hex[:12]
    url = make_url(PG_URL)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass
class Clinic:
    """An installation with one signed-in user per role."""

    inst: Installation
    paths: DataPaths
    backend: str
    recovery_key: str
    sessions: dict[Role, UserSession]
    clock: FakeClock

    @property
    def admin(self) -> UserSession:
        return self.sessions[Role.ADMIN]

    def reopen(self, how: Unlock | None = None) -> Installation:
        self.inst.close()
        self.inst = Installation.open(
            self.paths, how or Unlock(passphrase=PASSPHRASE), clock=self.clock
        )
        return self.inst


def make_clinic(
    tmp_path: Path, backend: str, clock: FakeClock, server_url: str | None = None
) -> Clinic:
    paths = DataPaths(tmp_path / "data")
    inst, recovery = Installation.create(
        paths,
        admin=NewAdmin("admin", "Ada Admin", ADMIN_PASSWORD),
        passphrase=PASSPHRASE,
        server_url=server_url if backend == "postgresql" else None,
        clock=clock,
    )
    admin = inst.auth.login("admin", ADMIN_PASSWORD)
    sessions = {Role.ADMIN: admin}
    for role in Role:
        if role is Role.ADMIN:
            continue
        name = role.value.replace("_", "")[:12]
        inst.users.add_user(
            admin, name, f"Test {role.label}", role, ROLE_PASSWORD, must_change_password=False
        )
        sessions[role] = inst.auth.login(name, ROLE_PASSWORD)
    return Clinic(inst, paths, backend, recovery, sessions, clock)


@pytest.fixture(params=BACKENDS)
def clinic(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Clinic]:
    """The same clinic on a SQLCipher file and (CI) on PostgreSQL."""
    url = request.getfixturevalue("pg_schema_url") if request.param == "postgresql" else None
    c = make_clinic(tmp_path, request.param, clock, url)
    yield c
    c.inst.close()


@pytest.fixture
def local_clinic(tmp_path: Path, clock: FakeClock) -> Iterator[Clinic]:
    """A clinic on a local SQLCipher file only (file-level behaviour)."""
    c = make_clinic(tmp_path, "sqlcipher", clock)
    yield c
    c.inst.close()
