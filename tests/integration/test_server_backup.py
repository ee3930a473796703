"""Server backups (issue 15 item 7): pg_dump in the product's encrypted backup file, checked in
a scratch database, restored only into an empty database; on the real local PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine.url import make_url

from medrec_desktop.db.pg_tools import PG_BIN_ENV
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import BackupError, ServerRoleError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, PG_URL, ROLE_PASSWORD, Clinic, make_clinic
from tests.support import pg
from tests.support.clock import FakeClock

CANARY = PatientInput("Zwirnbaumer", "Quillane", dt.date(1961, 3, 4), "female")


def _conninfo(database: str | None = None) -> str:
    assert PG_URL, "MEDREC_TEST_PG_URL must be set for server tests"
    url = make_url(PG_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def server_clinic(tmp_path: Path, clock: FakeClock, pg_schema_url: str) -> Iterator[Clinic]:
    c = make_clinic(tmp_path / "source", "postgresql", clock, pg_schema_url)
    yield c
    c.inst.close()


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty clinic database on the test server as `medrec server setup` makes one (the
    application account's URL; pg.owner_of gives the owner's), dropped afterwards."""
    name = "t_restore_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


def _tables(url: str) -> list[str]:
    u = make_url(url)
    with psycopg.connect(_conninfo(u.database), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return [r[0] for r in rows]


def _backup_with_records(c: Clinic, out: Path) -> tuple[Path, int]:
    records = c.sessions[Role.RECORDS]
    pid = c.inst.patients.register(records, CANARY).id
    c.inst.patients.register(records, PatientInput("Other", "Person", dt.date(1990, 1, 1), "male"))
    seen: list[tuple[int, int]] = []
    written = c.inst.backup(c.admin, out, lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    return written, pid


def test_backup_is_encrypted_verified_and_restores_into_an_empty_database(
    server_clinic: Clinic, tmp_path: Path, empty_database: str
) -> None:
    out, pid = _backup_with_records(server_clinic, tmp_path / "clinic.medrec-backup")
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "medrec.keys", "medrec.pgdump"]
    raw = out.read_bytes()
    for text in (CANARY.family_name, CANARY.given_names):
        assert text.encode() not in raw
        assert text.encode("utf-16-le") not in raw
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    # Nothing left over beside it: no partial folder, no scratch database.
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'medrec_verify_%'"
        ).fetchone()
    assert left == (0,)

    new = DataPaths(tmp_path / "restored")
    inst = Installation.restore(
        new,
        out,
        Unlock(passphrase=PASSPHRASE),
        username="admin",
        password=ADMIN_PASSWORD,
        server_url=empty_database,
        owner_url=pg.owner_of(empty_database),
    )
    try:
        nurse = inst.auth.login("nurse", ROLE_PASSWORD)
        names = sorted(p.family_name for p in inst.patients.list_all(nurse))
        assert names == ["Other", CANARY.family_name]
        assert inst.patients.get(nurse, pid).given_names == CANARY.given_names
        admin = inst.auth.login("admin", ADMIN_PASSWORD)
        assert inst.verify(admin).ok
        chain = inst.verify_audit(admin, password=ADMIN_PASSWORD)
        assert chain.ok and chain.full
    finally:
        inst.close()
    # Opened again the ordinary way, the restored clinic is not taken for a rolled-back one.
    again = Installation.open(new, Unlock(passphrase=PASSPHRASE))
    try:
        admin = again.auth.login("admin", ADMIN_PASSWORD)
        assert again.verify(admin).ok
    finally:
        again.close()


def test_a_tampered_or_cut_backup_is_refused_and_nothing_is_restored(
    server_clinic: Clinic, tmp_path: Path, empty_database: str
) -> None:
    out, _ = _backup_with_records(server_clinic, tmp_path / "b.medrec-backup")
    with zipfile.ZipFile(out) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    dump = parts["medrec.pgdump"]
    flipped = bytearray(dump)
    flipped[len(dump) // 2] ^= 0x01
    for label, changed in (("tampered", bytes(flipped)), ("cut", dump[: len(dump) - 40])):
        bad = tmp_path / f"{label}.medrec-backup"
        with zipfile.ZipFile(bad, "w") as zf:
            for name, data in parts.items():
                zf.writestr(name, changed if name == "medrec.pgdump" else data)
        new = DataPaths(tmp_path / f"restored-{label}")
        with pytest.raises(BackupError, match="damaged") as err:
            Installation.restore(
                new,
                bad,
                Unlock(recovery_key=server_clinic.recovery_key),
                server_url=empty_database,
                owner_url=pg.owner_of(empty_database),
            )
        assert "nothing was restored" in err.value.message
        assert _tables(empty_database) == []
        assert not new.keys.exists() and not new.server_url_file.exists()


def test_restore_into_a_database_with_tables_is_refused(
    server_clinic: Clinic, tmp_path: Path, pg_schema_url: str
) -> None:
    out, _ = _backup_with_records(server_clinic, tmp_path / "b.medrec-backup")
    before = _tables(pg_schema_url)
    with pytest.raises(BackupError, match="not empty") as err:
        Installation.restore(
            DataPaths(tmp_path / "elsewhere"),
            out,
            Unlock(recovery_key=server_clinic.recovery_key),
            server_url=pg_schema_url,
            owner_url=pg.owner_of(pg_schema_url),
        )
    assert "only into an empty database" in err.value.message
    assert _tables(pg_schema_url) == before
    nurse = server_clinic.inst.auth.login("nurse", ROLE_PASSWORD)
    assert len(server_clinic.inst.patients.list_all(nurse)) == 2  # the clinic carries on


def test_restore_with_the_recovery_key_on_a_new_workstation(
    server_clinic: Clinic, tmp_path: Path, empty_database: str
) -> None:
    out, pid = _backup_with_records(server_clinic, tmp_path / "b.medrec-backup")
    new = DataPaths(tmp_path / "new")
    inst = Installation.restore(
        new,
        out,
        Unlock(recovery_key=server_clinic.recovery_key),
        server_url=empty_database,
        owner_url=pg.owner_of(empty_database),
    )
    try:
        nurse = inst.auth.login("nurse", ROLE_PASSWORD)
        assert inst.patients.get(nurse, pid).family_name == CANARY.family_name
        trail = inst.audit.events(inst.auth.login("admin", ADMIN_PASSWORD), AuditFilter())
        assert any("restore: done; server backup" in (e.detail or "") for e in trail)
    finally:
        inst.close()


def test_missing_pg_dump_is_said_plainly(
    server_clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv(PG_BIN_ENV, str(empty))
    out = tmp_path / "b.medrec-backup"
    with pytest.raises(BackupError, match="pg_dump was not found") as err:
        server_clinic.inst.backup(server_clinic.admin, out)
    assert PG_BIN_ENV in err.value.message
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_password_travels_in_the_environment_only() -> None:
    from medrec_desktop.db.pg_tools import server_from_url

    server = server_from_url(
        "postgresql+psycopg://clinic:s3cret-pw@db.example:5433/medrec?options=-csearch_path%3Dc1"
    )
    assert "s3cret-pw" not in server.conninfo
    assert server.env()["PGPASSWORD"] == "s3cret-pw"
    assert server.schema == "c1"
    assert os.environ.get("PGPASSWORD") != "s3cret-pw"


def test_restore_for_a_too_powerful_workstation_account_is_refused_before_it_starts(
    server_clinic: Clinic, tmp_path: Path, empty_database: str
) -> None:
    """The folder would refuse to open afterwards (the owner's address as the workstation's):
    said before anything reaches the server."""
    out, _ = _backup_with_records(server_clinic, tmp_path / "b.medrec-backup")
    new = DataPaths(tmp_path / "restored")
    with pytest.raises(ServerRoleError, match="owner of the clinic's database"):
        Installation.restore(
            new,
            out,
            Unlock(recovery_key=server_clinic.recovery_key),
            server_url=pg.owner_of(empty_database),
            owner_url=pg.owner_of(empty_database),
        )
    assert _tables(empty_database) == []
    assert not new.keys.exists() and not new.server_url_file.exists()
