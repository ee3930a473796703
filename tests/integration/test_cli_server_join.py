"""`medrec server enroll | join | workstations | remove-workstation | enrollment-setup`, as an IT
person types them (issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine.url import make_url

from tests.conftest import PG_URL, Clinic
from tests.support import pg
from tests.support.cli import medrec_in_process, one_plain_line


@pytest.fixture
def server_clinic(request: pytest.FixtureRequest) -> Iterator[Clinic]:
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI sets it)")
    from tests.conftest import pg_copy

    with pg_copy(
        request.getfixturevalue("_pg_template"),
        request.getfixturevalue("tmp_path"),
        request.getfixturevalue("clock"),
    ) as c:
        c.inst.close()  # the commands open the folder themselves
        yield c
        c.reopen()


def _address(c: Clinic) -> str:
    return make_url(c.server_url).set(username=pg.ENROLL_ROLE).render_as_string()


def _enroll(c: Clinic, name: str) -> str:
    made = medrec_in_process(
        "--data-dir", str(c.paths.root), "--user", "admin", "--json", "server", "enroll",
        "--name", name,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["code"])


def test_enroll_join_list_and_remove_from_the_command_line(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    code = _enroll(c, "Front desk 2")
    shown = medrec_in_process(
        "--data-dir", str(c.paths.root), "--user", "admin", "server", "enroll", "--name", "Lab"
    )
    assert shown.returncode == 0 and "valid until" in shown.stdout and "server join" in shown.stdout
    second = tmp_path / "second"
    joined = medrec_in_process(
        "--data-dir", str(second), "server", "join", _address(c), "--code", code, "--passphrase"
    )
    assert joined.returncode == 0, joined.stderr
    assert "joined" in joined.stdout and "Front desk 2" in joined.stdout
    # Same code again, another folder: refused in one plain line, nothing written.
    third = tmp_path / "third"
    again = medrec_in_process(
        "--data-dir", str(third), "server", "join", _address(c), "--passphrase",
        env={"MEDREC_ENROLL_CODE": code},
    )  # fmt: skip
    assert again.returncode == 1 and "used already" in one_plain_line(again.stderr)
    assert not third.exists()
    # The joined workstation lists the clinic's workstations (users sign in as anywhere).
    listed = medrec_in_process(
        "--data-dir", str(second), "--user", "admin", "--json", "server", "workstations"
    )
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["Front desk 2"]["this_one"] and rows["Front desk 2"]["joined_by"] == "admin"
    removed = medrec_in_process(
        "--data-dir", str(c.paths.root), "--user", "admin", "server", "remove-workstation",
        str(rows["Front desk 2"]["id"]), "--reason", "Replaced by a new computer",
    )  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    assert "password" in removed.stdout  # what IT does for a stolen one
    refused = medrec_in_process("--data-dir", str(second), "--user", "admin", "verify")
    line = one_plain_line(refused.stderr)
    assert refused.returncode == 1 and "was removed" in line and "by admin" in line


def test_a_mistyped_code_is_said_in_one_line(server_clinic: Clinic, tmp_path: Path) -> None:
    typo = medrec_in_process(
        "--data-dir", str(tmp_path / "x"), "server", "join", _address(server_clinic),
        "--code", "AAAA-BBBB-CCCC-DDDD-EEEE", "--passphrase",
    )  # fmt: skip
    assert typo.returncode == 1 and "typing mistake" in one_plain_line(typo.stderr)
    assert not (tmp_path / "x").exists()


def test_a_one_computer_file_issues_no_code(local_clinic: Clinic) -> None:
    local_clinic.inst.close()
    try:
        refused = medrec_in_process(
            "--data-dir", str(local_clinic.paths.root), "--user", "admin", "server", "enroll",
            "--name", "Front desk 2",
        )  # fmt: skip
        assert refused.returncode == 1 and "nothing joins it" in one_plain_line(refused.stderr)
    finally:
        local_clinic.reopen()


def test_enrollment_setup_prints_the_sql_for_a_server_set_up_earlier() -> None:
    printed = medrec_in_process("server", "enrollment-setup", "--database", "clinic_db")
    assert printed.returncode == 0, printed.stderr
    sql = printed.stdout
    assert "CREATE ROLE medrec_enroll LOGIN NOSUPERUSER" in sql and "CONNECTION LIMIT" in sql
    assert "IF NOT EXISTS" in sql  # clinics on one server share it
    assert "\\connect clinic_db\n" in sql
    assert "GRANT CONNECT ON DATABASE clinic_db TO medrec_enroll;" in sql
    assert "ALTER ROLE medrec_enroll SET statement_timeout = '10s';" in sql
    assert "--   hostssl  clinic_db  medrec_enroll  all  scram-sha-256" in sql  # pg_hba.conf
    assert "SELECT" not in sql.split("\\connect")[1]  # no table rights, only CONNECT and USAGE
    bad = medrec_in_process("server", "enrollment-setup", "--enroll-role", "x; DROP ROLE y")
    assert bad.returncode == 1 and "not a plain name" in one_plain_line(bad.stderr)
