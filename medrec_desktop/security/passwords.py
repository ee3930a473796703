"""Argon2id password hashes (argon2-cffi), the password policy and the login throttle rules."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from medrec_desktop.domain.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 256
# Failures before the first pause, the pause cap, and when the account locks outright.
FREE_FAILURES = 2
MAX_DELAY_SECONDS = 60
LOCK_AFTER = 8
LOCK_MINUTES = 15

_COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "letmein12345",
        "welcome12345",
        "medrec123456",
        "administrator",
        "changeme1234",
    }
)

_hasher = PasswordHasher()
_dummy: dict[str, str] = {}


def _dummy_hash() -> str:
    """A real hash to verify against when the user does not exist, so timing reveals nothing.

    Made at the first sign-in rather than at import: hashing costs about 0.2 s of start-up.
    """
    if "hash" not in _dummy:
        _dummy["hash"] = _hasher.hash("medrec-dummy-password-for-timing")
    return _dummy["hash"]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always does the same work when there is no user."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def check_policy(password: str, *, username: str) -> None:
    """Raise ValidationError (field ``password``) naming the first rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"Passwords need at least {MIN_LENGTH} characters (this one has {len(password)}). "
            "A short sentence is easy to remember.",
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            f"Passwords can have at most {MAX_LENGTH} characters.", field="password"
        )
    if len(set(password)) < 4:
        raise ValidationError(
            "The password repeats too few different characters.", field="password"
        )
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise ValidationError("The password must not contain the user name.", field="password")
    if lowered in _COMMON:
        raise ValidationError(
            "That password is on the list of commonly used passwords.", field="password"
        )


def delay_after(failures: int) -> dt.timedelta:
    """The pause before the next attempt after ``failures`` consecutive failures."""
    if failures <= FREE_FAILURES:
        return dt.timedelta(0)
    return dt.timedelta(seconds=min(2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_SECONDS))
