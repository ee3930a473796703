"""Argon2id at a test size: the product's code with cheaper parameters.

The product derives slot keys with 64 MiB and 3 passes and hashes passwords with argon2-cffi's
defaults (64 MiB, 3 passes, 4 lanes): about 0.3 s of CPU for every unlock plus sign-in, and
the same again for every user added. The parameters travel inside each slot and each hash, so
a database made at the test size opens and verifies with the same code, only faster.

Used by the in-process tests (tests/conftest.py) and by the `medrec` processes the tests start
(tests/support/cli.py). The product's own parameters are checked once, on a database made by
the real `python -m medrec_desktop.cli init` (tests/integration/test_cli.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from medrec_desktop.security import keyslots, passwords

if TYPE_CHECKING:  # not imported in a `medrec` process: it costs start-up time
    import pytest

KDF_MEMORY_KIB = 8 * 1024
KDF_TIME = 1


def password_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def lower(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test-sized Argon2 until ``monkeypatch`` undoes it."""
    monkeypatch.setattr(keyslots, "KDF_MEMORY_KIB", KDF_MEMORY_KIB)
    monkeypatch.setattr(keyslots, "KDF_TIME", KDF_TIME)
    monkeypatch.setattr(passwords, "_hasher", password_hasher())


def lower_for_this_process() -> None:
    """Test-sized Argon2 for the rest of a `medrec` process the tests started."""
    keyslots.KDF_MEMORY_KIB = KDF_MEMORY_KIB
    keyslots.KDF_TIME = KDF_TIME
    passwords._hasher = password_hasher()
