"""A temporary password set by an administrator opens nothing but the change-password call.

The attack: an administrator resets the nurse's password (say, it was forgotten); whoever learns
the temporary one signs in with it and reads records straight away, never choosing a password
of their own. The services refuse every call but changing it, and record each refusal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PasswordChangeRequiredError, PermissionDeniedError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.support.cli import medrec_argv

TEMPORARY = "temporary pass 4711"
OWN = "my own quiet harbour"
PATIENT = PatientInput("Rivera", "Ana", dt.date(1985, 5, 5), "female", "555 222 3333")


def _attempts(clinic: Clinic, pid: Any) -> dict[str, Callable[[UserSession], object]]:
    p, a = clinic.inst.patients, clinic.inst.auth
    return {
        "PatientService.list_all": lambda s: p.list_all(s),
        "PatientService.search": lambda s: p.search(s, "rivera"),
        "PatientService.get": lambda s: p.get(s, pid),
        "PatientService.record": lambda s: p.record(s, pid),
        "PatientService.notes": lambda s: p.notes(s, pid),
        "PatientService.add_note": lambda s: p.add_note(s, pid, "written with a stolen login"),
        "AuthService.break_glass": lambda s: a.break_glass(s, pid, "pretend emergency", TEMPORARY),
        "AuthService.active_emergency_grants": lambda s: a.active_emergency_grants(s),
    }


def test_a_temporary_password_reads_nothing_until_it_is_changed(clinic: Clinic) -> None:
    nurse_before_reset = clinic.sessions[Role.NURSE]
    pid = clinic.inst.patients.register(nurse_before_reset, PATIENT).id
    clinic.inst.patients.add_note(nurse_before_reset, pid, "Blood pressure 120/80")
    clinic.inst.users.reset_password(clinic.admin, "nurse", TEMPORARY)

    temp = clinic.inst.auth.login("nurse", TEMPORARY)  # signing in itself is allowed
    assert temp.must_change_password
    attempts = _attempts(clinic, pid)
    for session in (temp, nurse_before_reset):  # a session opened before the reset stops too
        for entry, call in attempts.items():
            with pytest.raises(PasswordChangeRequiredError) as refused:
                call(session)
            assert isinstance(refused.value, PermissionDeniedError), entry
            assert "temporary password" in refused.value.message
            assert "Rivera" not in refused.value.message

    events = clinic.inst.audit.events(clinic.admin, AuditFilter(username="nurse"))
    denied = [e for e in events if e.outcome == "denied"]
    assert sorted(e.entry_point for e in denied) == sorted(list(attempts) * 2)
    assert all("temporary password" in (e.reason or "") for e in denied)

    clinic.inst.auth.change_password(temp, TEMPORARY, OWN)
    assert [p.id for p in clinic.inst.patients.list_all(temp)] == [pid]
    assert clinic.inst.patients.notes(temp, pid)[0].text == "Blood pressure 120/80"
    assert not clinic.inst.auth.login("nurse", OWN).must_change_password


def test_signing_out_is_allowed_with_a_temporary_password(clinic: Clinic) -> None:
    clinic.inst.users.reset_password(clinic.admin, "coder", TEMPORARY)
    temp = clinic.inst.auth.login("coder", TEMPORARY)
    clinic.inst.auth.logout(temp)
    last = clinic.inst.audit.events(clinic.admin, AuditFilter(username="coder"))[-1]
    assert (last.entry_point, last.outcome) == ("AuthService.logout", "success")


def test_the_temporary_password_cannot_be_kept(clinic: Clinic) -> None:
    clinic.inst.users.reset_password(clinic.admin, "coder", TEMPORARY)
    temp = clinic.inst.auth.login("coder", TEMPORARY)
    with pytest.raises(Exception, match="different from the current"):
        clinic.inst.auth.change_password(temp, TEMPORARY, TEMPORARY)
    assert clinic.inst.auth.login("coder", TEMPORARY).must_change_password


# ---------------------------------------------------------------- the same attack, via the CLI


def _medrec(data: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")} | env
    return subprocess.run(
        medrec_argv("--data-dir", str(data), *args),
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def test_the_cli_refuses_a_temporary_password_and_records_it(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    no_env = {"MEDREC_PASSPHRASE": "", "MEDREC_PASSWORD": ""}
    made = _medrec(data, "--json", "demo", "--patients", "3", "--seed", "5", env=no_env)
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    admin = {"MEDREC_PASSPHRASE": info["passphrase"], "MEDREC_PASSWORD": info["password"]}
    new_password = {"MEDREC_NEW_PASSWORD": TEMPORARY}
    reset = _medrec(data, "--user", "admin", "users", "passwd", "nina", env=admin | new_password)
    assert reset.returncode == 0, reset.stderr
    nina = {"MEDREC_PASSPHRASE": info["passphrase"], "MEDREC_PASSWORD": TEMPORARY}

    listing = _medrec(data, "--user", "nina", "patients", "list", env=nina)
    assert listing.returncode == 1 and "temporary password" in listing.stderr
    assert listing.stdout == ""
    mrn = json.loads(
        _medrec(data, "--user", "admin", "--json", "patients", "list", env=admin).stdout
    )[0]["mrn"]
    shown = _medrec(data, "--user", "nina", "patients", "show", mrn, env=nina)
    assert shown.returncode == 1 and "temporary password" in shown.stderr
    assert mrn not in shown.stdout + shown.stderr

    exported = _medrec(
        data, "--user", "admin", "--json", "audit", "export", "--by-user", "nina", env=admin
    )
    nina_events = json.loads(exported.stdout)
    denied = {e["entry_point"] for e in nina_events if e["outcome"] == "denied"}
    assert {"PatientService.list_all", "PatientService.find_by_mrn"} <= denied

    # Nina chooses her own password (the desktop app asks for it at sign-in); then it works.
    inst = Installation.open(DataPaths(data), Unlock(passphrase=info["passphrase"]))
    try:
        inst.auth.change_password(inst.auth.login("nina", TEMPORARY), TEMPORARY, OWN)
    finally:
        inst.close()
    own = nina | {"MEDREC_PASSWORD": OWN}
    after = _medrec(data, "--user", "nina", "--json", "patients", "list", env=own)
    assert after.returncode == 0, after.stderr
    assert len(json.loads(after.stdout)) == 3
