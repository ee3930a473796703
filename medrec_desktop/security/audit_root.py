"""The audit root key: where the forward-secure chain starts, held only by people.

The root is never stored unwrapped and never in a workstation slot. It is wrapped (Argon2id +
AES-GCM) under the recovery key (in the key file) and under each founding or re-granted
administrator's password (in the database, beside the account). Whoever holds only today's
workstation secrets (keyring entry, workstation passphrase, database key) cannot unwrap it, so
a verification that starts from it detects a rewritten past (see audit_chain).
"""

from __future__ import annotations

import base64
import json
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medrec_desktop.domain.errors import KeyStoreError, WrongKeyError
from medrec_desktop.security import keyslots

_AAD = b"medrec-audit-root/1"


def new_root() -> bytes:
    return secrets.token_bytes(32)


def _kdf_params() -> dict[str, int]:
    # The key-slot parameters (tests make them cheap the same way); they travel in each blob.
    return {"t": keyslots.KDF_TIME, "m": keyslots.KDF_MEMORY_KIB, "p": keyslots.KDF_LANES}


def wrap_root(root: bytes, secret: str, label: str) -> str:
    """The root wrapped under ``secret`` (a recovery key or a password), as JSON text."""
    salt = os.urandom(16)
    kdf = _kdf_params()
    nonce = os.urandom(12)
    ct = AESGCM(keyslots.derive(secret, salt, kdf)).encrypt(nonce, root, _AAD + label.encode())
    return json.dumps(
        {
            "label": label,
            "salt": base64.b64encode(salt).decode(),
            "kdf": kdf,
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(ct).decode(),
        },
        separators=(",", ":"),
    )


def unwrap_root(blob: str, secret: str) -> bytes:
    try:
        doc = json.loads(blob)
        salt = base64.b64decode(doc["salt"])
        nonce = base64.b64decode(doc["nonce"])
        ct = base64.b64decode(doc["ciphertext"])
        kdf = {k: int(doc["kdf"][k]) for k in ("t", "m", "p")}
        label = str(doc["label"])
    except (ValueError, KeyError, TypeError) as err:
        raise KeyStoreError("The wrapped audit root key is damaged.") from err
    try:
        return AESGCM(keyslots.derive(secret, salt, kdf)).decrypt(nonce, ct, _AAD + label.encode())
    except InvalidTag as err:
        raise WrongKeyError("That secret does not open the audit root key.") from err
