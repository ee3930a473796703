"""Fixtures: a real SQLCipher file per test; PostgreSQL too when MEDREC_TEST_PG_URL is set."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths, write_private_file
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.support import argon2_cost, pg
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
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key slots and password hashes with test-sized Argon2id: the same code, cheaper per test.
    The parameters travel inside each slot and hash, so opening uses whatever made them."""
    argon2_cost.lower(monkeypatch)


@pytest.fixture
def secret_store() -> InMemorySecretStore:
    return InMemorySecretStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def pg_schema() -> Iterator[str]:
    """The application account's address of a new clinic database on the test server, set up as
    `medrec server setup` sets one up (tests.support.pg); dropped afterwards. Its owner's address
    is ``pg.owner_of(url)``."""
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "t_" + uuid.uuid4().hex[:12]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


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

    @property
    def server_url(self) -> str:
        """The PostgreSQL URL this clinic's folder points at (postgresql backend only)."""
        return self.paths.server_url_file.read_text().strip()

    @contextmanager
    def insider(self) -> Iterator[Engine]:
        """Raw SQL as the strongest insider short of the server's superuser: on the file our
        own engine (the key opens everything); on a server the database owner's account, which
        owns the tables and so may switch their triggers off. The workstations' application
        account may not (tests/integration/test_server_roles.py)."""
        if self.backend != "postgresql":
            yield self.inst.store.engine
            return
        engine = create_engine(
            pg.owner_of(self.server_url), hide_parameters=True, isolation_level="READ COMMITTED"
        )
        try:
            yield engine
        finally:
            engine.dispose()

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
        owner_url=pg.owner_of(server_url) if backend == "postgresql" and server_url else None,
        clock=clock,
    )
    admin = inst.auth.login("admin", ADMIN_PASSWORD)
    sessions = {Role.ADMIN: admin}
    for role in Role:
        if role is Role.ADMIN:
            continue
        name = username(role)
        inst.users.add_user(
            admin, name, f"Test {role.label}", role, ROLE_PASSWORD, must_change_password=False
        )
        sessions[role] = inst.auth.login(name, ROLE_PASSWORD)
    return Clinic(inst, paths, backend, recovery, sessions, clock)


def username(role: Role) -> str:
    """The user make_clinic makes for ``role`` (the administrator is "admin")."""
    return "admin" if role is Role.ADMIN else role.value.replace("_", "")[:12]


def sign_in_all(inst: Installation) -> dict[Role, UserSession]:
    """A session per role, on a clinic make_clinic made (or a copy of one)."""
    return {
        role: inst.auth.login(
            username(role), ADMIN_PASSWORD if role is Role.ADMIN else ROLE_PASSWORD
        )
        for role in Role
    }


@dataclass(frozen=True)
class _Template:
    """A new clinic, made and closed once per test process, to copy from. On PostgreSQL
    ``database`` names the server database the folder's server.url points at."""

    root: Path
    recovery_key: str
    sessions: dict[Role, UserSession]
    made_at: dt.datetime
    database: str | None = None


@pytest.fixture(scope="session")
def _sqlcipher_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    with pytest.MonkeyPatch.context() as mp:  # made before the per-test fixtures run
        argon2_cost.lower(mp)
        clock = FakeClock()
        c = make_clinic(tmp_path_factory.mktemp("clinic-template"), "sqlcipher", clock)
    c.inst.close()
    return _Template(c.paths.root, c.recovery_key, c.sessions, clock.now)


def local_copy(template: _Template, tmp_path: Path, clock: FakeClock) -> Clinic:
    """What make_clinic makes on SQLCipher, as a copy of the template's folder (database, key
    file, logs) opened with the passphrase: the migrations and the six users are not made again
    for every test (about 0.4 s each). Each test still has its own database file; the session
    handles carry over, as services re-check the account in the database on every call."""
    if clock.now != template.made_at:  # a test that set its own clock makes its own clinic
        return make_clinic(tmp_path, "sqlcipher", clock)
    paths = DataPaths(tmp_path / "data")
    shutil.copytree(template.root, paths.root)
    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE), clock=clock)
    return Clinic(inst, paths, "sqlcipher", template.recovery_key, dict(template.sessions), clock)


@pytest.fixture(scope="session")
def _pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Template]:
    """The PostgreSQL twin of _sqlcipher_template: a clinic made once per test process in a
    database of its own on the test server, closed, and used as the TEMPLATE of a new
    database for each test (the server copies its files: the migrations and the six users
    cost about 1-2 s per test when made again, a copy about 0.1 s)."""
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "medrec_tmpl_" + uuid.uuid4().hex[:12]
    url = pg.new_database(name)
    try:
        with pytest.MonkeyPatch.context() as mp:  # made before the per-test fixtures run
            argon2_cost.lower(mp)
            clock = FakeClock()
            c = make_clinic(
                tmp_path_factory.mktemp("pg-clinic-template"),
                "postgresql",
                clock,
                url,
            )
        c.inst.close()  # a template database may have no open connection
        yield _Template(c.paths.root, c.recovery_key, c.sessions, clock.now, name)
    finally:
        pg.drop_database(name)


@contextmanager
def pg_copy(template: _Template, tmp_path: Path, clock: FakeClock) -> Iterator[Clinic]:
    """What make_clinic makes on PostgreSQL, as a new database copied from the template's
    and a copy of its folder (key file with the same install id, key slots and audit mark)
    whose server.url names the new database; dropped afterwards. A test that set its own
    clock gets a clinic of its own in a fresh schema, as before."""
    if clock.now != template.made_at:
        with pg_schema() as url:
            made = make_clinic(tmp_path, "postgresql", clock, url)
            try:
                yield made
            finally:
                made.inst.close()
        return
    assert template.database
    name = "t_" + uuid.uuid4().hex[:12]
    url = pg.new_database(name, template=template.database)
    try:
        paths = DataPaths(tmp_path / "data")
        shutil.copytree(template.root, paths.root)
        write_private_file(paths.server_url_file, url.encode())
        inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE), clock=clock)
        c = Clinic(inst, paths, "postgresql", template.recovery_key, dict(template.sessions), clock)
        try:
            yield c
        finally:
            c.inst.close()
    finally:
        pg.drop_database(name)


@pytest.fixture(params=BACKENDS)
def clinic(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Clinic]:
    """The same clinic on a SQLCipher file and (CI) on PostgreSQL."""
    if request.param == "postgresql":
        with pg_copy(request.getfixturevalue("_pg_template"), tmp_path, clock) as c:
            yield c
        return
    c = local_copy(request.getfixturevalue("_sqlcipher_template"), tmp_path, clock)
    yield c
    c.inst.close()


@pytest.fixture
def local_clinic(
    tmp_path: Path, clock: FakeClock, _sqlcipher_template: _Template
) -> Iterator[Clinic]:
    """A clinic on a local SQLCipher file only (file-level behaviour)."""
    c = local_copy(_sqlcipher_template, tmp_path, clock)
    yield c
    c.inst.close()
