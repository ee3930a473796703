"""Recovery keys people can copy by hand: 160 random bits in groups of four, plus a checksum."""

from __future__ import annotations

import hashlib
import secrets

from medrec_desktop.domain.errors import WrongKeyError

# Crockford's base32: no I, L, O or U, so handwriting and reading aloud are unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DATA_CHARS = 32  # 160 bits
_CHECK_CHARS = 4
_TYPO_MAP = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(data: str) -> str:
    digest = int.from_bytes(hashlib.sha256(data.encode()).digest()[:3], "big") >> 4
    return _encode(digest, _CHECK_CHARS)


def generate() -> str:
    """A new recovery key like ``7K3M-...-Q2XZ`` (9 groups; the last is a typo check)."""
    data = _encode(secrets.randbits(5 * _DATA_CHARS), _DATA_CHARS)
    return group(data + _checksum(data))


def group(chars: str) -> str:
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalize(typed: str) -> str:
    """The canonical form of a typed recovery key; a KnownError says what is wrong with it."""
    chars = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_TYPO_MAP)
    if len(chars) != _DATA_CHARS + _CHECK_CHARS:
        raise WrongKeyError(
            f"A recovery key has {_DATA_CHARS + _CHECK_CHARS} letters and digits "
            f"(9 groups of 4); {len(chars)} were entered."
        )
    bad = sorted({ch for ch in chars if ch not in ALPHABET})
    if bad:
        raise WrongKeyError(f"A recovery key never contains {', '.join(bad)}.")
    data, check = chars[:_DATA_CHARS], chars[_DATA_CHARS:]
    if _checksum(data) != check:
        raise WrongKeyError(
            "That recovery key has a typing mistake (its last group does not match). "
            "Compare it with the recovery sheet group by group."
        )
    return group(chars)
