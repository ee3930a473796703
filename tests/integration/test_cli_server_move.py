"""`medrec server migrate` (issue 15 item 1): the command line's move of a clinic to an empty
server database, its report, and its refusals (exit codes, one plain line, no traceback)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from medrec_desktop.db import table_copy
from tests.conftest import PG_URL
from tests.integration.server_move_clinic import clinic_folder
from tests.integration.test_server_move import server_objects
from tests.support import pg
from tests.support.cli import medrec, medrec_in_process


@pytest.fixture
def server_db() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "t_move_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


def migrate(data: Path, url: str, *extra: str) -> list[str]:
    return [
        "--data-dir", str(data), "--user", "admin", "server", "migrate", url,
        "--owner", pg.owner_of(url), *extra,
    ]  # fmt: skip


def test_migrate_moves_the_clinic_and_says_where_the_file_is(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    data = clinic_folder(tmp_path_factory) / "data"
    result = medrec_in_process(*migrate(data, server_db))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Moved the clinic to the server 127.0.0.1:5432/" in out
    assert f"rows in {len(table_copy.tables())} tables" in out and "rows/s" in out
    assert "Audit trail intact" in out
    assert f"The encrypted file {data / 'medrec.db'} is kept" in out and "no longer used" in out
    assert "rows copied" in result.stderr and "Traceback" not in result.stderr
    # The folder works on the server now: the same commands, the same people.
    verified = medrec_in_process("--data-dir", str(data), "--user", "admin", "verify")
    assert verified.returncode == 0, verified.stderr
    assert (data / "server.url").read_text().strip() == server_db
    again = medrec_in_process(*migrate(data, server_db))
    assert again.returncode == 1
    assert "already works on a clinic server" in again.stderr


def test_migrate_json_reports_the_counts(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    data = clinic_folder(tmp_path_factory) / "data"
    result = medrec_in_process(*migrate(data, server_db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["tables"] == len(table_copy.tables()) and report["rows"] == sum(
        report["row_counts"].values()
    )
    assert report["file_kept"] == str(data / "medrec.db")
    assert result.stderr == ""  # no progress lines with --json


def test_migrate_refuses_a_database_that_is_not_empty(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    owner = create_engine(pg.owner_of(server_db))
    try:
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE already_here (x int)"))
    finally:
        owner.dispose()
    data = clinic_folder(tmp_path_factory) / "data"
    result = medrec_in_process(*migrate(data, server_db))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("medrec: The database 127.0.0.1:5432/") and "is not empty" in line
    assert "Traceback" not in result.stderr
    assert server_objects(server_db) == (["already_here"], [])
    assert not (data / "server.url").exists()


def test_migrate_needs_an_administrator(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    data = clinic_folder(tmp_path_factory) / "data"
    args = migrate(data, server_db)
    args[args.index("admin")] = "nurse"
    result = medrec_in_process(*args, env={"MEDREC_PASSWORD": "role password 1234"})
    assert result.returncode == 1
    assert "may not admin backup data" in result.stderr and "recorded" in result.stderr
    assert server_objects(server_db) == ([], [])


def test_migrate_without_the_owner_is_a_usage_error() -> None:
    result = medrec("server", "migrate", "postgresql://medrec_app@db.example/medrec")
    assert result.returncode == 2
    assert "--owner" in result.stderr and "Traceback" not in result.stderr
