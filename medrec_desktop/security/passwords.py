"""Argon2id password hashes (argon2-cffi), the password policy and the login throttle rules."""

from __future__ import annotations

import base64
import datetime as dt
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION

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


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def dummy_hash(hasher: PasswordHasher) -> str:
    """A well-formed Argon2 hash with ``hasher``'s parameters that no password matches.

    Verifying a password against it costs exactly what verifying against a real hash with these
    parameters costs (argon2 recomputes the hash from the stored salt and parameters), and
    making it costs no hashing at all, so it is ready before the first sign-in of a process:
    a lazily computed stand-in made the first unknown name about twice as slow to reject.
    """
    return (
        f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}"
        f"$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}${_b64(os.urandom(hasher.salt_len))}"
        f"${_b64(os.urandom(hasher.hash_len))}"
    )


# Built eagerly; rebuilt only if the hasher is replaced (stronger parameters, or tests).
_dummy: tuple[PasswordHasher, str] = (_hasher, dummy_hash(_hasher))


def _dummy_for(hasher: PasswordHasher) -> str:
    global _dummy
    if _dummy[0] is not hasher:
        _dummy = (hasher, dummy_hash(hasher))
    return _dummy[1]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always does the same work when there is no user."""
    hasher = _hasher
    try:
        matched = hasher.verify(stored_hash or _dummy_for(hasher), password)
        return matched and stored_hash is not None
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
