"""Conventions every `medrec` command follows, run as real processes on a demo clinic:
--data-dir, --user and --json work before or after the command; every listing has --json
output that parses and carries what the text shows; a reader that stops reading
(`medrec ... | head`) ends the command quietly with exit 0.

One command per test runs as a real process (a closed pipe only as one); the other commands run
through the same main(argv) in this process (tests/support/cli.py: medrec_in_process), which
saves a second or more of interpreter start-up per command.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.built_once import copy_of
from tests.support.cli import medrec, medrec_argv, medrec_env, medrec_in_process

PATIENTS = 150


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's copy of a demo clinic made once for the test run."""
    return copy_of(tmp_path_factory, "conventions-demo", make_demo)


def make_demo(root: Path) -> None:
    # Every global option after the command, and --user naming the new administrator.
    made = medrec(
        "demo",
        *("--patients", str(PATIENTS), "--seed", "11"),
        *("--user", "boss", "--data-dir", str(root), "--json"),
    )
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["administrator"] == "boss" and info["patients"] == PATIENTS
    assert info["password"] is None  # it used MEDREC_PASSWORD, as the text says


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


# ---------------------------------------------------------------- options in any position


def test_global_options_before_after_and_between_commands_mean_the_same(clinic: Path) -> None:
    d = str(clinic)
    before = ok(medrec("--data-dir", d, "--user", "nina", "--json", "patients", "list"))
    after = ok(medrec_in_process("patients", "list", "--json", "--user", "nina", "--data-dir", d))
    between = ok(medrec_in_process("--data-dir", d, "patients", "--user", "nina", "list", "--json"))
    assert json.loads(before) == json.loads(after) == json.loads(between)
    assert len(json.loads(before)) == 100  # the default --limit

    users_before = ok(
        medrec_in_process("--json", "--data-dir", d, "--user", "boss", "users", "list")
    )
    users_after = ok(
        medrec_in_process("users", "list", "--user", "boss", "--json", "--data-dir", d)
    )
    assert json.loads(users_before) == json.loads(users_after)
    # Without --json anywhere, text: the sub-command's copy of --json has no default of its
    # own to put back over a value given before the command, nor a False over a True.
    text = ok(medrec_in_process("--user", "nina", "patients", "list", "--data-dir", d))
    assert not text.startswith("[")


def test_the_same_option_twice_with_different_values_is_a_usage_error(clinic: Path) -> None:
    both = medrec("--user", "boss", "--data-dir", str(clinic), "users", "list", "--user", "nina")
    assert both.returncode == 2
    assert "--user is given twice" in both.stderr and "Traceback" not in both.stderr
    same = medrec_in_process(
        "--user", "boss", "--data-dir", str(clinic), "users", "list", "--user", "boss"
    )
    assert same.returncode == 0, same.stderr


def test_audit_export_filters_by_user_with_by_user(clinic: Path) -> None:
    d = str(clinic)
    ok(medrec("--data-dir", d, "--user", "nina", "patients", "list", "--limit", "1"))
    rows = json.loads(
        ok(
            medrec_in_process(
                "audit", "export", "--by-user", "nina", "--json", "--user", "boss", "--data-dir", d
            )
        )
    )
    assert rows and {r["username"] for r in rows} == {"nina"}
    text = ok(
        medrec_in_process(
            "audit", "export", "--csv", "-", "--by-user", "nina", "--user", "boss", "--data-dir", d
        )
    )
    assert [r["seq"] for r in csv.DictReader(io.StringIO(text))] == [str(r["seq"]) for r in rows]


# ---------------------------------------------------------------- --json on every listing


def listing(clinic: Path, user: str, *command: str) -> tuple[Any, str]:
    """The same command's JSON (a real process) and text output."""
    data = json.loads(ok(medrec(*command, "--json", "--user", user, "--data-dir", str(clinic))))
    text = ok(medrec_in_process(*command, "--user", user, "--data-dir", str(clinic)))
    return data, text


def test_patients_list_json_carries_what_the_text_shows(clinic: Path) -> None:
    data, text = listing(clinic, "nina", "patients", "list", "--search", "a", "--limit", "30")
    lines = text.splitlines()
    assert len(data) == len(lines) > 0
    for row, line in zip(data, lines, strict=True):
        assert line.split()[0] == row["mrn"]
        assert f"{row['family_name']}, {row['given_names']}" in line
        assert row["birth_date"] in line and line.rstrip().endswith(row["sex"])


def test_users_list_json_carries_what_the_text_shows(clinic: Path) -> None:
    data, text = listing(clinic, "boss", "users", "list")
    lines = text.splitlines()
    assert {u["username"] for u in data} >= {"boss", "frank", "nina", "dr.patel", "rita", "carl"}
    for user, line in zip(data, lines, strict=True):
        assert line.split()[0] == user["username"] and user["display_name"] in line
        assert ("active" in line) == user["active"] and ("LOCKED" in line) == user["locked"]
    nina = next(u for u in data if u["username"] == "nina")
    assert nina["role"] == "nurse"


def test_audit_export_json_carries_what_the_csv_shows(clinic: Path) -> None:
    d = str(clinic)
    data = json.loads(ok(medrec("audit", "export", "--json", "--user", "boss", "--data-dir", d)))
    text = ok(medrec_in_process("audit", "export", "--csv", "-", "--user", "boss", "--data-dir", d))
    rows = list(csv.DictReader(io.StringIO(text)))
    # The text export ran after the JSON one and so may hold one more event (that listing).
    assert len(rows) >= len(data) > 0
    for event, row in zip(data, rows, strict=False):
        assert set(row) == set(event)
        assert row["seq"] == str(event["seq"]) and row["username"] == event["username"]
        assert row["action"] == event["action"] and row["outcome"] == event["outcome"]


def test_keys_status_and_verify_answer_in_json(clinic: Path) -> None:
    d = str(clinic)
    status = json.loads(ok(medrec("keys", "status", "--user", "boss", "--json", "--data-dir", d)))
    assert "passphrase" in status["slots"] and "recovery" in status["slots"]
    text = ok(medrec_in_process("keys", "status", "--user", "boss", "--data-dir", d))
    assert status["install_id"] in text and all(kind in text for kind in status["slots"])
    audit = json.loads(
        ok(medrec_in_process("audit", "verify", "--json", "--user", "boss", "--data-dir", d))
    )
    assert audit["ok"] is True and audit["summary"]


# ---------------------------------------------------------------- a reader that stops early

PIPE_SIZE = 4096  # the smallest pipe Linux allows


def read_a_little_then_close(argv: list[str]) -> tuple[int, bytes, str]:
    """Run ``argv`` with stdout into a pipe whose reader takes a few bytes and closes it, like
    `| head -1`. The pipe is made as small as it can be, so any output longer than it makes
    the command write into the closed pipe."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    with subprocess.Popen(
        argv, stdout=write_end, stderr=subprocess.PIPE, env=medrec_env(), text=True
    ) as proc:
        os.close(write_end)
        first = os.read(read_end, 80)
        os.close(read_end)
        _, stderr = proc.communicate(timeout=180)
    return proc.returncode, first, stderr


@pytest.mark.parametrize(
    "command",
    [
        ("patients", "list", "--limit", "1000"),
        ("patients", "list", "--limit", "1000", "--json"),
        ("audit", "export", "--json"),
    ],
    ids=["patients-text", "patients-json", "audit-json"],
)
def test_a_closed_pipe_ends_the_command_quietly(clinic: Path, command: tuple[str, ...]) -> None:
    user = "boss" if command[0] == "audit" else "nina"
    argv = medrec_argv("--data-dir", str(clinic), "--user", user, *command)
    complete = subprocess.run(argv, capture_output=True, env=medrec_env(), timeout=180)
    assert complete.returncode == 0
    # Longer than the pipe and what is read from it: the command must meet the closed pipe.
    assert len(complete.stdout) > 2 * PIPE_SIZE
    log = clinic / "logs" / "medrec.log"
    log_before = log.read_text()

    code, first, stderr = read_a_little_then_close(argv)
    assert code == 0
    assert stderr == ""  # no traceback, no "Exception ignored", no "internal error"
    assert first and complete.stdout.startswith(first)
    new_log = log.read_text()[len(log_before) :]
    assert "unexpected error" not in new_log and "BrokenPipe" not in new_log
