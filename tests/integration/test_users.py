"""Sign-in, password policy, throttling and lockout, administration of accounts."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import (
    AccountLockedError,
    AuthenticationError,
    PermissionDeniedError,
    ValidationError,
)
from medrec_desktop.models import User
from medrec_desktop.security import passwords
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import ADMIN_PASSWORD, ROLE_PASSWORD, Clinic


def test_unknown_user_and_wrong_password_look_the_same(clinic: Clinic) -> None:
    auth = clinic.inst.auth
    with pytest.raises(AuthenticationError) as wrong_pw:
        auth.login("admin", "not the password")
    with pytest.raises(AuthenticationError) as no_user:
        auth.login("nobody-here", "not the password")
    assert str(wrong_pw.value) == str(no_user.value)
    assert "nobody" not in str(no_user.value)


def test_failures_pause_then_lock_and_the_admin_unlocks(clinic: Clinic) -> None:
    auth, clock = clinic.inst.auth, clinic.clock
    for _ in range(passwords.FREE_FAILURES):
        with pytest.raises(AuthenticationError):
            auth.login("nurse", "wrong")
    with pytest.raises(AuthenticationError):
        auth.login("nurse", "wrong")  # third failure starts the pause
    # Even the right password is refused during the pause, and the message says to wait.
    with pytest.raises(AccountLockedError, match="wait"):
        auth.login("nurse", ROLE_PASSWORD)
    clock.advance(seconds=2)
    for _ in range(passwords.LOCK_AFTER - passwords.FREE_FAILURES - 1):
        clock.advance(seconds=passwords.MAX_DELAY_SECONDS)
        with pytest.raises(AuthenticationError):
            auth.login("nurse", "wrong")
    clock.advance(seconds=passwords.MAX_DELAY_SECONDS)
    with pytest.raises(AccountLockedError, match="minutes"):
        auth.login("nurse", ROLE_PASSWORD)
    assert next(
        u for u in clinic.inst.users.list_users(clinic.admin) if u.username == "nurse"
    ).locked
    clinic.inst.users.unlock_user(clinic.admin, "nurse")
    assert auth.login("nurse", ROLE_PASSWORD).role is Role.NURSE


def test_lockout_also_expires_by_itself(clinic: Clinic) -> None:
    auth, clock = clinic.inst.auth, clinic.clock
    for _ in range(passwords.LOCK_AFTER):
        clock.advance(seconds=passwords.MAX_DELAY_SECONDS)
        with pytest.raises(AuthenticationError):
            auth.login("coder", "wrong")
    clock.advance(minutes=passwords.LOCK_MINUTES + 1)
    assert auth.login("coder", ROLE_PASSWORD).username == "coder"


def test_unknown_names_are_throttled_like_real_ones(clinic: Clinic) -> None:
    auth = clinic.inst.auth
    for _ in range(passwords.FREE_FAILURES + 1):
        with pytest.raises(AuthenticationError):
            auth.login("ghost", "wrong")
    with pytest.raises(AccountLockedError, match="wait"):
        auth.login("ghost", "wrong")


def test_failed_sign_ins_are_audited_without_the_password(clinic: Clinic) -> None:
    with pytest.raises(AuthenticationError):
        clinic.inst.auth.login("Admin ", "Sup3r-secret-typo")
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(action="login_failed"))
    assert events[-1].username == "admin"
    assert events[-1].outcome == "failure"
    exported = str(clinic.inst.audit.export(clinic.admin, AuditFilter()))
    assert "Sup3r-secret-typo" not in exported


def test_password_is_rehashed_when_the_policy_strengthens(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stored_hash() -> str:
        with clinic.inst.store.unit_of_work() as db:
            return db.execute(
                select(User.password_hash).where(User.username == "nurse")
            ).scalar_one()

    old = stored_hash()
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    )
    clinic.inst.auth.login("nurse", ROLE_PASSWORD)
    new = stored_hash()
    assert new != old and "t=2" in new
    assert clinic.inst.auth.login("nurse", ROLE_PASSWORD).username == "nurse"


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "too few different"),
        ("my-nurse-password", "user name"),
        ("password1234", "commonly used"),
    ],
)
def test_password_policy_explains_the_rule(clinic: Clinic, password: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as err:
        clinic.inst.users.reset_password(clinic.admin, "nurse", password)
    assert err.value.field == "password"


def test_disabled_accounts_cannot_sign_in_or_keep_working(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    clinic.inst.users.disable_user(clinic.admin, "nurse")
    with pytest.raises(AuthenticationError):
        clinic.inst.auth.login("nurse", ROLE_PASSWORD)
    with pytest.raises(PermissionDeniedError, match="disabled"):
        clinic.inst.patients.list_all(nurse)  # an open session stops working at once
    clinic.inst.users.enable_user(clinic.admin, "nurse")
    assert clinic.inst.auth.login("nurse", ROLE_PASSWORD)


def test_reset_password_forces_a_change(clinic: Clinic) -> None:
    clinic.inst.users.reset_password(clinic.admin, "coder", "temporary pass 99")
    session = clinic.inst.auth.login("coder", "temporary pass 99")
    assert session.must_change_password
    clinic.inst.auth.change_password(session, "temporary pass 99", "my own long phrase")
    assert not clinic.inst.auth.login("coder", "my own long phrase").must_change_password


def test_user_names_are_unique_and_case_insensitive(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="already taken") as err:
        clinic.inst.users.add_user(clinic.admin, "ADMIN", "Other", Role.CODER, "long enough pw 1")
    assert err.value.field == "username"


def test_admin_cannot_lock_themselves_out(clinic: Clinic) -> None:
    with pytest.raises(ValidationError):
        clinic.inst.users.disable_user(clinic.admin, "admin")
    with pytest.raises(ValidationError):
        clinic.inst.users.set_role(clinic.admin, "admin", Role.CODER)
    assert clinic.inst.auth.login("admin", ADMIN_PASSWORD).role is Role.ADMIN
