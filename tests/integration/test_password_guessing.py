"""Guessing passwords: unknown names take as long to reject as real ones, and the password asked
again inside a session (change-password, break-the-glass) is throttled like a sign-in."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import argon2
import pytest
from argon2 import PasswordHasher

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import AccountLockedError, AuthenticationError, ValidationError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import passwords
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic

# Independence, not speed: each median must be within this factor of the other. The old lazy
# stand-in hash made an unknown name's first rejection about twice as slow.
TOLERANCE = 1.5


def _independent(unknown: list[float], known: list[float]) -> None:
    u, k = statistics.median(unknown), statistics.median(known)
    assert u <= TOLERANCE * k and k <= TOLERANCE * u, (u, k)


def test_the_stand_in_hash_has_the_parameters_of_real_hashes() -> None:
    real = argon2.extract_parameters(passwords.hash_password("a real password here"))
    assert argon2.extract_parameters(passwords._dummy_for(passwords._hasher)) == real
    assert not passwords.verify_password(None, "medrec-dummy-password-for-timing")
    assert not passwords.verify_password(None, "")


def test_unknown_and_known_names_take_the_same_time_over_repeated_attempts(
    local_clinic: Clinic,
) -> None:
    auth, clock = local_clinic.inst.auth, local_clinic.clock
    unknown: list[float] = []
    known: list[float] = []
    for i in range(15):
        # Past any pause or lockout, so every attempt is checked in full.
        clock.advance(minutes=passwords.LOCK_MINUTES + 1)
        for name, into in ((f"ghost-{i}", unknown), ("nurse", known)):
            start = time.perf_counter()
            with pytest.raises(AuthenticationError):
                auth.login(name, "a wrong password")
            into.append(time.perf_counter() - start)
    _independent(unknown, known)
    # Same outcome, same audit event shape.
    events = local_clinic.inst.audit.events(local_clinic.admin, AuditFilter(action="login_failed"))
    shapes = {(e.category, e.outcome, e.reason, e.user_id, e.entry_point) for e in events}
    assert shapes == {("session", "failure", "bad credentials", None, "AuthService.login")}


_FIRST_ATTEMPT = """
import sys, time
from pathlib import Path
from medrec_desktop.domain.errors import AuthenticationError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
inst = Installation.open(DataPaths(Path(sys.argv[1])), Unlock(passphrase=sys.argv[2]))
start = time.perf_counter()
try:
    inst.auth.login(sys.argv[3], "a wrong password")
except AuthenticationError:
    print(time.perf_counter() - start)
inst.close()
"""


def test_the_first_attempt_of_a_fresh_process_takes_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real (production) hash parameters here, as a freshly started program uses them.
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    paths = DataPaths(tmp_path / "data")
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "Ada Admin", "correct horse battery"), passphrase=PASSPHRASE
    )
    rounds = 3
    try:
        admin = inst.auth.login("admin", "correct horse battery")
        for i in range(rounds):  # one account per process: no throttle pause in between
            inst.users.add_user(
                admin, f"nurse{i}", "A Nurse", Role.NURSE, ROLE_PASSWORD, must_change_password=False
            )
    finally:
        inst.close()

    def first_attempt(name: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_ATTEMPT, str(paths.root), PASSPHRASE, name],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return float(out.stdout)

    unknown: list[float] = []
    known: list[float] = []
    for i in range(rounds):
        unknown.append(first_attempt(f"ghost-{i}"))
        known.append(first_attempt(f"nurse{i}"))
    _independent(unknown, known)


# ---------------------------------------------------------------- password re-checks


def _guess_until_locked(clinic: Clinic, guess: Callable[[str], object]) -> None:
    """Wrong passwords: free tries, then growing pauses (even the right one waits), then the
    lockout, which also stops signing in."""
    clock = clinic.clock
    for _ in range(passwords.FREE_FAILURES + 1):
        with pytest.raises(ValidationError, match="not correct"):
            guess("a wrong guess")
    with pytest.raises(AccountLockedError, match="wait"):
        guess(ROLE_PASSWORD)
    for _ in range(passwords.LOCK_AFTER - passwords.FREE_FAILURES - 1):
        clock.advance(seconds=passwords.MAX_DELAY_SECONDS)
        with pytest.raises(ValidationError):
            guess("another wrong guess")
    clock.advance(seconds=passwords.MAX_DELAY_SECONDS)
    with pytest.raises(AccountLockedError, match="minutes"):
        guess(ROLE_PASSWORD)
    with pytest.raises(AccountLockedError, match="minutes"):
        clinic.inst.auth.login("nurse", ROLE_PASSWORD)


def test_wrong_current_passwords_in_change_password_lead_to_the_lockout(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    _guess_until_locked(
        clinic, lambda pw: clinic.inst.auth.change_password(nurse, pw, "a new long passphrase")
    )
    failures = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(username="nurse"))
        if e.entry_point == "AuthService.change_password"
    ]
    assert len(failures) == passwords.LOCK_AFTER + 2
    assert all(e.outcome == "failure" for e in failures)
    clinic.inst.users.unlock_user(clinic.admin, "nurse")
    clinic.inst.auth.change_password(nurse, ROLE_PASSWORD, "a new long passphrase")
    assert clinic.inst.auth.login("nurse", "a new long passphrase").role is Role.NURSE


def test_wrong_passwords_in_break_the_glass_lead_to_the_lockout(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = clinic.inst.patients.register(
        nurse, PatientInput("Rivera", "Ana", dt.date(1985, 5, 5), "female")
    ).id
    _guess_until_locked(
        clinic,
        lambda pw: clinic.inst.auth.break_glass(nurse, pid, "patient collapsed in clinic", pw),
    )
    assert clinic.inst.auth.active_emergency_grants(nurse) == []
    clinic.inst.users.unlock_user(clinic.admin, "nurse")
    grant = clinic.inst.auth.break_glass(nurse, pid, "patient collapsed in clinic", ROLE_PASSWORD)
    assert grant.patient_id == pid


def test_a_right_recheck_clears_earlier_failures(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    for _ in range(passwords.FREE_FAILURES):
        with pytest.raises(AuthenticationError):
            clinic.inst.auth.login("nurse", "wrong")
    clinic.inst.auth.change_password(nurse, ROLE_PASSWORD, "a new long passphrase")
    # Two more failures are free again: the count restarted.
    for _ in range(passwords.FREE_FAILURES):
        with pytest.raises(AuthenticationError):
            clinic.inst.auth.login("nurse", "wrong")
    assert clinic.inst.auth.login("nurse", "a new long passphrase").role is Role.NURSE
