"""Enrollment codes: how a joined workstation hands a new one what it needs, through the server.

An administrator's workstation makes a short code (five groups of four characters, Crockford's
base32 as recovery keys use) and shows it once::

    LLLL-SSSS-SSSS-SSSS-SSSC      L lookup (20 bits), S secret (75 bits), C typo check

Only the **lookup** part is ever sent as it is: the server finds the code's row by it. The
**secret** part never leaves the two workstations: Argon2id(lookup + secret, salt) gives one
output from which two independent keys are taken (HMAC with different labels): the AES-GCM key
that seals the payload, and a **proof** the joining workstation sends to claim the code. The
server keeps the salt, the ciphertext and ``verifier = SHA-256(proof)``: neither the verifier
nor the proof reveals the sealing key, and every guess at the secret costs an Argon2id
derivation (and counts as a failure at the server). The sealed payload is bound to its lookup
(associated data), so a ciphertext moved to another row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.security import keyslots
from medrec_desktop.security import recovery_key as rk

FORMAT = "medrec-enrollment"
VERSION = 1
LOOKUP_CHARS = 4
SECRET_CHARS = 15
CODE_CHARS = LOOKUP_CHARS + SECRET_CHARS + 1  # and one check character
GROUP = 4
_TYPO_MAP = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_KDF_TEXT = re.compile(r"^argon2id\$t=(\d+)\$m=(\d+)\$p=(\d+)\$([A-Za-z0-9+/=]+)$")
# Bounds on the parameters a server may hand back: a hostile server must not make the joining
# workstation spend minutes or gigabytes on one derivation.
_MAX_T, _MAX_M_KIB, _MAX_P = 10, 1024 * 1024, 8

BAD_CODE_FIELD = "code"


@dataclass(frozen=True)
class Code:
    """A code as typed and checked: ``lookup`` is sent, ``secret`` never is."""

    lookup: str
    secret: str

    def text(self) -> str:
        chars = self.lookup + self.secret + _check(self.lookup + self.secret)
        return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))

    def __repr__(self) -> str:  # the secret part must never reach a log or a traceback
        return f"Code({self.lookup}-<hidden>)"


def _check(chars: str) -> str:
    digest = hashlib.sha256(f"{FORMAT}/{chars}".encode()).digest()
    return rk.ALPHABET[digest[0] % 32]


def new_code() -> Code:
    def chars(n: int) -> str:
        return "".join(secrets.choice(rk.ALPHABET) for _ in range(n))

    return Code(chars(LOOKUP_CHARS), chars(SECRET_CHARS))


def parse_code(typed: str) -> Code:
    """The code as typed (any case, with or without dashes or spaces; O, I, L and U read as
    the characters they are mistaken for); a ValidationError names what is wrong."""
    chars = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_TYPO_MAP)
    if not chars:
        raise ValidationError(
            "Type the enrollment code an administrator shows on the Server page of "
            "Administration (Add a workstation…).",
            field=BAD_CODE_FIELD,
        )
    if len(chars) != CODE_CHARS:
        raise ValidationError(
            f"An enrollment code has {CODE_CHARS} letters and digits (5 groups of 4); "
            f"{len(chars)} were typed.",
            field=BAD_CODE_FIELD,
        )
    bad = sorted({ch for ch in chars if ch not in rk.ALPHABET})
    if bad:
        raise ValidationError(
            f"An enrollment code never contains {', '.join(bad)}.", field=BAD_CODE_FIELD
        )
    body, check = chars[:-1], chars[-1]
    if _check(body) != check:
        raise ValidationError(
            "That code has a typing mistake (its last character does not match). Compare it "
            "with the code on the administrator's screen, group by group.",
            field=BAD_CODE_FIELD,
        )
    return Code(body[:LOOKUP_CHARS], body[LOOKUP_CHARS:])


# ---------------------------------------------------------------- keys from the code


@dataclass(frozen=True)
class Keys:
    """What the code's secret part gives, with the stored salt."""

    seal: bytes
    proof: bytes

    @property
    def verifier(self) -> str:
        """What the server keeps: the SHA-256 of the proof (PostgreSQL's own sha256() checks
        it), as hex."""
        return hashlib.sha256(self.proof).hexdigest()

    def __repr__(self) -> str:
        return "Keys(<hidden>)"


def new_kdf() -> str:
    """A fresh salt with this version's Argon2id parameters, as stored beside the code."""
    salt = base64.b64encode(os.urandom(16)).decode()
    return (
        f"argon2id$t={keyslots.KDF_TIME}$m={keyslots.KDF_MEMORY_KIB}$p={keyslots.KDF_LANES}${salt}"
    )


def derive(code: Code, kdf: str) -> Keys:
    found = _KDF_TEXT.match(kdf or "")
    if found is None:
        raise ValidationError("The server sent enrollment parameters this version cannot read.")
    t, m, p = (int(found.group(i)) for i in (1, 2, 3))
    if not (1 <= t <= _MAX_T and 8 * p <= m <= _MAX_M_KIB and 1 <= p <= _MAX_P):
        raise ValidationError("The server sent enrollment parameters outside safe bounds.")
    salt = base64.b64decode(found.group(4), validate=True)
    root = keyslots.derive(code.lookup + code.secret, salt, {"t": t, "m": m, "p": p})
    return Keys(
        seal=hmac.new(root, b"medrec-enrollment seal", hashlib.sha256).digest(),
        proof=hmac.new(root, b"medrec-enrollment proof", hashlib.sha256).digest(),
    )


def _aad(lookup: str) -> bytes:
    return f"{FORMAT}/{VERSION}/{lookup}".encode()


# ---------------------------------------------------------------- the payload


@dataclass(frozen=True)
class Payload:
    """What a joining workstation receives. ``keyfile`` is a key file with no workstation slot
    of its own (the recovery slot and the wrapped audit root as they are, the high-water mark);
    ``mwk`` is the master wrapping key its slots and key material are wrapped under.

    The clinic's CA certificate is not in it: the joining computer must already hold it to
    check the server before it sends anything (it chooses the file, as for a new clinic)."""

    install_id: str
    workstation_name: str
    server_url: str
    keyfile: bytes
    mwk: bytes
    issued_by: str
    enrollment_id: int

    def __repr__(self) -> str:
        return f"Payload({self.install_id}, {self.workstation_name!r}, <hidden>)"

    def to_json(self) -> bytes:
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "install_id": self.install_id,
            "workstation_name": self.workstation_name,
            "server_url": self.server_url,
            "keyfile": base64.b64encode(self.keyfile).decode(),
            "mwk": base64.b64encode(self.mwk).decode(),
            "issued_by": self.issued_by,
            "enrollment_id": self.enrollment_id,
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @staticmethod
    def from_json(data: bytes) -> Payload:
        try:
            doc = json.loads(data.decode("utf-8"))
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ValueError("not a medrec enrollment payload of this version")
            return Payload(
                install_id=str(doc["install_id"]),
                workstation_name=str(doc["workstation_name"]),
                server_url=str(doc["server_url"]),
                keyfile=base64.b64decode(doc["keyfile"], validate=True),
                mwk=base64.b64decode(doc["mwk"], validate=True),
                issued_by=str(doc["issued_by"]),
                enrollment_id=int(doc["enrollment_id"]),
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
            raise ValidationError(
                "The enrollment code's contents could not be read (made by another version of "
                "medrec?). Ask the administrator for a new code."
            ) from err


def seal(keys: Keys, lookup: str, payload: Payload) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(keys.seal).encrypt(nonce, payload.to_json(), _aad(lookup))


def open_sealed(keys: Keys, lookup: str, blob: bytes) -> Payload:
    try:
        plain = AESGCM(keys.seal).decrypt(blob[:12], blob[12:], _aad(lookup))
    except (InvalidTag, ValueError) as err:
        raise ValidationError(
            "The enrollment code's contents do not decrypt (the server's copy was altered). "
            "Nothing was written. Ask the administrator for a new code."
        ) from err
    return Payload.from_json(plain)


__all__ = [
    "CODE_CHARS",
    "Code",
    "Keys",
    "Payload",
    "derive",
    "new_code",
    "new_kdf",
    "open_sealed",
    "parse_code",
    "seal",
]
