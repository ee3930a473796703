"""The `medrec` command line, run as a real process the way scripts and IT staff use it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from medrec_desktop.models import User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
from tests.support.cli import REAL_MEDREC, medrec_argv, medrec_env

PASSPHRASE = "workstation pass phrase"
PASSWORD = "correct horse battery"


def medrec(
    data: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = (
        {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")}
        | {"MEDREC_PASSPHRASE": PASSPHRASE, "MEDREC_PASSWORD": PASSWORD}
        | (env or {})
    )
    return subprocess.run(
        medrec_argv("--data-dir", str(data), *args),
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=120,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "clinic"
    sheet = root.parent / "recovery.pdf"
    result = medrec(
        root,
        "init",
        "--admin",
        "admin",
        "--admin-name",
        "Ada Admin",
        "--clinic-name",
        "Maple Street Clinic",
        "--recovery-sheet",
        str(sheet),
    )
    assert result.returncode == 0, result.stderr
    assert "RECOVERY KEY" in result.stdout
    key_line = result.stdout.split("RECOVERY KEY")[1].splitlines()[1].strip()
    text = "".join(page.extract_text() for page in pypdf.PdfReader(sheet).pages)
    assert key_line.split("-")[0] in text and "Maple Street Clinic" in text
    (root.parent / "recovery.txt").write_text(key_line)
    return root


def test_the_command_as_installed_uses_the_products_argon2_costs(tmp_path: Path) -> None:
    """The other `medrec` processes of the tests run with test-sized Argon2 (tests/support/
    argon2_cost.py); this one is the command exactly as installed. The key slots, the audit
    root key and the administrator's password hash it makes carry the product's parameters:
    RFC 9106's second recommended option for keys, argon2-cffi's defaults for passwords."""
    data = tmp_path / "clinic"
    made = subprocess.run(
        [*REAL_MEDREC, "--data-dir", str(data), "init", "--admin", "admin"],
        capture_output=True,
        text=True,
        env=medrec_env(),
        timeout=180,
    )
    assert made.returncode == 0, made.stderr
    keys = json.loads((data / "medrec.keys").read_text())
    product = {"t": 3, "m": 64 * 1024, "p": 2}
    assert [(s["kind"], s["kdf"]) for s in keys["slots"]] == [
        ("passphrase", {"name": "argon2id", **product}),
        ("recovery", {"name": "argon2id", **product}),
    ]
    assert keys["audit_root"]["kdf"] == product
    inst = Installation.open(DataPaths(data), Unlock(passphrase=PASSPHRASE))
    try:
        with inst.store.unit_of_work() as db:
            stored = db.execute(select(User.password_hash).where(User.username == "admin"))
            password_hash = stored.scalar_one()
    finally:
        inst.close()
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_init_never_overwrites(data: Path) -> None:
    before = (data / "medrec.db").stat().st_mtime_ns
    result = medrec(data, "init")
    assert result.returncode == 1
    assert "already holds a medrec database" in result.stderr
    assert (data / "medrec.db").stat().st_mtime_ns == before


def test_commands_never_create_a_database_where_there_is_none(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    for args in (["verify"], ["--user", "admin", "users", "list"], ["audit", "verify"]):
        result = medrec(empty, *args)
        assert result.returncode == 1, result.stderr
        assert "no medrec database" in result.stderr
        assert "Traceback" not in result.stderr
    assert not empty.exists()


def test_users_lifecycle_with_json(data: Path) -> None:
    add = medrec(
        data,
        "--user",
        "admin",
        "users",
        "add",
        "cody",
        "--role",
        "coder",
        "--full-name",
        "Cody Coder",
        env={"MEDREC_NEW_PASSWORD": "coder pass 12345"},
    )
    assert add.returncode == 0, add.stderr
    listing = json.loads(medrec(data, "--user", "admin", "--json", "users", "list").stdout)
    cody = next(u for u in listing if u["username"] == "cody")
    assert cody["role"] == "coder" and cody["active"]
    assert medrec(data, "--user", "admin", "users", "disable", "cody").returncode == 0
    denied = medrec(data, "--user", "cody", "verify", env={"MEDREC_PASSWORD": "coder pass 12345"})
    assert denied.returncode == 1 and "Sign-in failed" in denied.stderr
    assert medrec(data, "--user", "admin", "users", "enable", "cody").returncode == 0
    assert medrec(data, "--user", "admin", "users", "unlock", "cody").returncode == 0
    passwd = medrec(
        data,
        "--user",
        "admin",
        "users",
        "passwd",
        "cody",
        env={"MEDREC_NEW_PASSWORD": "short"},
    )
    assert passwd.returncode == 1 and "at least 12" in passwd.stderr
    not_admin = medrec(
        data, "--user", "cody", "users", "list", env={"MEDREC_PASSWORD": "coder pass 12345"}
    )
    assert not_admin.returncode == 1 and "may not" in not_admin.stderr


def test_audit_verify_and_filtered_csv_export(data: Path, tmp_path: Path) -> None:
    verify = medrec(data, "--user", "admin", "--json", "audit", "verify")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True
    out = tmp_path / "audit.csv"
    export = medrec(
        data,
        "--user",
        "admin",
        "audit",
        "export",
        "--csv",
        str(out),
        "--action",
        "login",
        "--by-user",
        "admin",
    )
    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows and {r["action"] for r in rows} == {"login"}
    assert {r["username"] for r in rows} == {"admin"}
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    bad = medrec(data, "--user", "admin", "audit", "export", "--csv", "-", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_backup_verify_rekey_restore(data: Path, tmp_path: Path) -> None:
    backup = tmp_path / "clinic.medrec-backup"
    assert medrec(data, "--user", "admin", "backup", "--out", str(backup)).returncode == 0
    assert backup.exists()
    assert medrec(data, "--user", "admin", "rekey").returncode == 0
    verify = medrec(data, "--user", "admin", "verify")
    assert verify.returncode == 0 and "Database verified" in verify.stdout
    restored = medrec(data, "--user", "admin", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert medrec(data, "--user", "admin", "verify").returncode == 0
    # On a new machine, the recovery key alone restores the backup.
    key = (data.parent / "recovery.txt").read_text()
    fresh = tmp_path / "new-machine"
    result = medrec(
        fresh, "restore", str(backup), env={"MEDREC_PASSPHRASE": "", "MEDREC_RECOVERY_KEY": key}
    )
    assert result.returncode == 0, result.stderr
    recover = medrec(
        fresh,
        "keys",
        "recover",
        "--passphrase",
        env={
            "MEDREC_PASSPHRASE": "",
            "MEDREC_RECOVERY_KEY": key,
            "MEDREC_NEW_PASSPHRASE": "new machine passphrase",
        },
    )
    assert recover.returncode == 0, recover.stderr
    status = medrec(
        fresh,
        "--user",
        "admin",
        "--json",
        "keys",
        "status",
        env={"MEDREC_PASSPHRASE": "new machine passphrase"},
    )
    assert status.returncode == 0, status.stderr
    assert "passphrase" in json.loads(status.stdout)["slots"]


def test_wrong_secrets_are_one_plain_line(data: Path) -> None:
    wrong = medrec(data, "--user", "admin", "verify", env={"MEDREC_PASSPHRASE": "nope nope nope"})
    assert wrong.returncode == 1
    assert wrong.stderr.strip().count("\n") == 0 and "passphrase is not correct" in wrong.stderr
    missing = medrec(data, "--user", "admin", "verify", env={"MEDREC_PASSWORD": ""})
    assert missing.returncode == 1 and "MEDREC_PASSWORD" in missing.stderr


def test_usage_errors_exit_2(data: Path) -> None:
    assert medrec(data, "no-such-command").returncode == 2
    assert medrec(data, "users", "add", "x").returncode == 2  # --role is required
    assert medrec(data, "verify").returncode == 2  # needs --user


def test_demo_clinic_then_scripted_patient_access(tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    no_env = {"MEDREC_PASSPHRASE": "", "MEDREC_PASSWORD": ""}
    made = medrec(demo_dir, "--json", "demo", "--patients", "40", "--seed", "3", env=no_env)
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["patients"] == 40 and info["password"] and info["passphrase"]
    env = {"MEDREC_PASSPHRASE": info["passphrase"], "MEDREC_PASSWORD": info["password"]}
    listing = medrec(demo_dir, "--user", "nina", "--json", "patients", "list", env=env)
    assert listing.returncode == 0, listing.stderr
    patients = json.loads(listing.stdout)
    assert len(patients) == 40
    mrn = patients[0]["mrn"]
    shown = json.loads(
        medrec(demo_dir, "--user", "nina", "--json", "patients", "show", mrn, env=env).stdout
    )
    assert shown["info"]["mrn"] == mrn
    assert shown["details"]["coverages"] and shown["details"]["contacts"]
    assert shown["notes"] and shown["history"]
    # Front desk sees demographics but not the clinical notes, and is told why.
    desk = medrec(demo_dir, "--user", "frank", "patients", "show", mrn, env=env)
    assert desk.returncode == 0 and "may not view clinical data" in desk.stdout
    # The same seed gives the same clinic.
    again = medrec(
        tmp_path / "demo2", "--json", "demo", "--patients", "40", "--seed", "3", env=no_env
    )
    env2 = {
        "MEDREC_PASSPHRASE": json.loads(again.stdout)["passphrase"],
        "MEDREC_PASSWORD": json.loads(again.stdout)["password"],
    }
    listing2 = medrec(tmp_path / "demo2", "--user", "nina", "--json", "patients", "list", env=env2)
    assert [p["family_name"] for p in json.loads(listing2.stdout)] == [
        p["family_name"] for p in patients
    ]
    missing = medrec(demo_dir, "--user", "nina", "patients", "show", "99999999", env=env)
    assert missing.returncode == 1 and "No patient has that MRN" in missing.stderr
