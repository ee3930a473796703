"""The key-slot file: the only place keys are stored on disk, and only wrapped (DESIGN §4).

Layout (JSON, version 1)::

    material   AES-GCM(master wrapping key, db_key || audit_key)
    slots[]    AES-GCM(slot key, master wrapping key), one per way of unlocking:
                 keyring     slot key is random and lives in the OS keyring
                 passphrase  slot key = Argon2id(workstation passphrase)
                 recovery    slot key = Argon2id(recovery key)

Two levels let ``rekey`` replace the database key without asking for every passphrase and
recovery key again: every slot keeps unlocking the master wrapping key, which now wraps the
new database key. The audit key never changes, so the audit chain stays verifiable.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medrec_desktop.domain.errors import KeyStoreError, ValidationError, WrongKeyError
from medrec_desktop.paths import write_private_file
from medrec_desktop.security import audit_mark
from medrec_desktop.security import recovery_key as rk
from medrec_desktop.security.secret_store import SecretStore

FORMAT = "medrec-keys"
VERSION = 1
SlotKind = Literal["keyring", "passphrase", "recovery"]
MIN_PASSPHRASE = 12

# Argon2id, RFC 9106 "second recommended" parameters scaled to about 0.2 s here.
KDF_TIME = 3
KDF_MEMORY_KIB = 64 * 1024
KDF_LANES = 2


@dataclass(frozen=True)
class KeyMaterial:
    """What the slots protect. Never written anywhere unwrapped."""

    db_key: bytes
    audit_key: bytes

    @staticmethod
    def generate() -> KeyMaterial:
        return KeyMaterial(secrets.token_bytes(32), secrets.token_bytes(32))

    def with_new_db_key(self) -> KeyMaterial:
        return KeyMaterial(secrets.token_bytes(32), self.audit_key)

    def __repr__(self) -> str:  # keys must never reach a log or a traceback
        return "KeyMaterial(<hidden>)"


@dataclass(frozen=True)
class Slot:
    kind: SlotKind
    nonce: bytes
    ciphertext: bytes
    created: str
    salt: bytes | None = None
    kdf: dict[str, int] | None = None


@dataclass(frozen=True)
class KeyFile:
    install_id: str
    material_nonce: bytes
    material_ciphertext: bytes
    slots: tuple[Slot, ...] = field(default_factory=tuple)
    # Set only while a key rotation is under way (see KeyRing.set_pending).
    pending_nonce: bytes | None = None
    pending_ciphertext: bytes | None = None
    # The audit root key wrapped under the recovery key (security.audit_root), JSON text.
    audit_root: str | None = None

    def slot(self, kind: SlotKind) -> Slot | None:
        return next((s for s in self.slots if s.kind == kind), None)

    @property
    def kinds(self) -> list[str]:
        return [s.kind for s in self.slots]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _aad(install_id: str, what: str) -> bytes:
    return f"{FORMAT}/{VERSION}/{install_id}/{what}".encode()


def derive(secret: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    """Argon2id of a passphrase, recovery key or password with the parameters kept beside it."""
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=kdf["t"],
        memory_cost=kdf["m"],
        parallelism=kdf["p"],
        hash_len=32,
        type=Type.ID,
    )


def keyring_entry_name(install_id: str) -> str:
    return f"slot-key-{install_id}"


# ---------------------------------------------------------------- creating and changing slots


class KeyRing:
    """An unlocked key file: the master wrapping key in memory, able to add and change slots."""

    def __init__(self, keyfile: KeyFile, mwk: bytes) -> None:
        self.keyfile = keyfile
        self._mwk = mwk

    def __repr__(self) -> str:
        return f"KeyRing(install_id={self.keyfile.install_id}, slots={self.keyfile.kinds})"

    @staticmethod
    def create(material: KeyMaterial, install_id: str | None = None) -> KeyRing:
        install_id = install_id or str(uuid.uuid4())
        mwk = secrets.token_bytes(32)
        nonce = os.urandom(12)
        ct = AESGCM(mwk).encrypt(
            nonce, material.db_key + material.audit_key, _aad(install_id, "material")
        )
        return KeyRing(KeyFile(install_id, nonce, ct), mwk)

    @property
    def material(self) -> KeyMaterial:
        kf = self.keyfile
        try:
            raw = AESGCM(self._mwk).decrypt(
                kf.material_nonce, kf.material_ciphertext, _aad(kf.install_id, "material")
            )
        except InvalidTag as err:
            raise KeyStoreError(
                "The key file is damaged: its key material does not decrypt."
            ) from err
        return KeyMaterial(raw[:32], raw[32:])

    def _seal(self, material: KeyMaterial, what: str) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        ct = AESGCM(self._mwk).encrypt(
            nonce, material.db_key + material.audit_key, _aad(self.keyfile.install_id, what)
        )
        return nonce, ct

    def set_pending(self, material: KeyMaterial) -> None:
        """Record the next key before the database starts using it (crash-safe rotation)."""
        nonce, ct = self._seal(material, "pending")
        self.keyfile = replace(self.keyfile, pending_nonce=nonce, pending_ciphertext=ct)

    @property
    def pending_material(self) -> KeyMaterial | None:
        kf = self.keyfile
        if kf.pending_nonce is None or kf.pending_ciphertext is None:
            return None
        try:
            raw = AESGCM(self._mwk).decrypt(
                kf.pending_nonce, kf.pending_ciphertext, _aad(kf.install_id, "pending")
            )
        except InvalidTag as err:
            raise KeyStoreError(
                "The key file is damaged: its pending key does not decrypt."
            ) from err
        return KeyMaterial(raw[:32], raw[32:])

    def commit_pending(self) -> None:
        pending = self.pending_material
        if pending is None:
            return
        nonce, ct = self._seal(pending, "material")
        self.keyfile = replace(
            self.keyfile,
            material_nonce=nonce,
            material_ciphertext=ct,
            pending_nonce=None,
            pending_ciphertext=None,
        )

    def mwk_for_same_install(self) -> bytes:
        """The master wrapping key, to read a backup of this same installation (its slots wrap
        the same key)."""
        return self._mwk

    def _wrap(self, kind: SlotKind, slot_key: bytes, **extra: Any) -> Slot:
        nonce = os.urandom(12)
        ct = AESGCM(slot_key).encrypt(nonce, self._mwk, _aad(self.keyfile.install_id, kind))
        return Slot(kind=kind, nonce=nonce, ciphertext=ct, created=_now(), **extra)

    def _put(self, slot: Slot) -> None:
        others = tuple(s for s in self.keyfile.slots if s.kind != slot.kind)
        self.keyfile = replace(self.keyfile, slots=(*others, slot))

    def remove_slot(self, kind: SlotKind) -> None:
        self.keyfile = replace(
            self.keyfile, slots=tuple(s for s in self.keyfile.slots if s.kind != kind)
        )

    def set_keyring_slot(self, store: SecretStore) -> None:
        slot_key = secrets.token_bytes(32)
        store.set(keyring_entry_name(self.keyfile.install_id), slot_key.hex())
        self._put(self._wrap("keyring", slot_key))

    def set_passphrase_slot(self, passphrase: str) -> None:
        check_passphrase(passphrase)
        self._put(self._secret_slot("passphrase", passphrase))

    def new_recovery_key(self) -> str:
        """Replace the recovery slot; the returned key is shown once and never stored."""
        key = rk.generate()
        self._put(self._secret_slot("recovery", key))
        return key

    def _secret_slot(self, kind: SlotKind, secret: str) -> Slot:
        salt = os.urandom(16)
        kdf = {"t": KDF_TIME, "m": KDF_MEMORY_KIB, "p": KDF_LANES}
        return self._wrap(kind, derive(secret, salt, kdf), salt=salt, kdf=kdf)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"A workstation passphrase needs at least {MIN_PASSPHRASE} characters "
            f"(it had {len(passphrase)}). A few unrelated words work well.",
            field="passphrase",
        )


# ---------------------------------------------------------------- unlocking


def _open_slot(keyfile: KeyFile, slot: Slot, slot_key: bytes) -> bytes:
    try:
        return AESGCM(slot_key).decrypt(
            slot.nonce, slot.ciphertext, _aad(keyfile.install_id, slot.kind)
        )
    except InvalidTag as err:
        raise WrongKeyError(_WRONG[slot.kind]) from err


_WRONG = {
    "keyring": (
        "The key kept in this computer's keyring does not fit this database "
        "(the keyring entry was replaced or belongs to another installation). "
        "Unlock with the recovery key."
    ),
    "passphrase": "That workstation passphrase is not correct.",
    "recovery": "That recovery key does not unlock this database.",
}


def unlock_with_keyring(keyfile: KeyFile, store: SecretStore) -> KeyRing:
    slot = keyfile.slot("keyring")
    if slot is None:
        raise KeyStoreError("This database has no keyring slot on this computer.")
    stored = store.get(keyring_entry_name(keyfile.install_id))
    if stored is None:
        raise KeyStoreError(
            "This computer's keyring has no key for this database (new computer, new user "
            "account, or the entry was deleted). Unlock with the recovery key or the passphrase."
        )
    try:
        slot_key = bytes.fromhex(stored)
    except ValueError as err:
        raise KeyStoreError("The keyring entry for this database is damaged.") from err
    return KeyRing(keyfile, _open_slot(keyfile, slot, slot_key))


def unlock_with_secret(keyfile: KeyFile, kind: SlotKind, secret: str) -> KeyRing:
    slot = keyfile.slot(kind)
    if slot is None or slot.salt is None or slot.kdf is None:
        what = "workstation passphrase" if kind == "passphrase" else "recovery key"
        raise KeyStoreError(f"This database cannot be unlocked with a {what}.")
    if kind == "recovery":
        secret = rk.normalize(secret)
    return KeyRing(keyfile, _open_slot(keyfile, slot, derive(secret, slot.salt, slot.kdf)))


# ---------------------------------------------------------------- the file


def dump_keyfile(keyfile: KeyFile, mark: audit_mark.Mark | None = None) -> bytes:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "install_id": keyfile.install_id,
        "material": {
            "nonce": _b64(keyfile.material_nonce),
            "ciphertext": _b64(keyfile.material_ciphertext),
        },
        **(
            {
                "pending": {
                    "nonce": _b64(keyfile.pending_nonce),
                    "ciphertext": _b64(keyfile.pending_ciphertext),
                }
            }
            if keyfile.pending_nonce is not None and keyfile.pending_ciphertext is not None
            else {}
        ),
        "slots": [
            {
                "kind": s.kind,
                "created": s.created,
                "nonce": _b64(s.nonce),
                "ciphertext": _b64(s.ciphertext),
                **({"salt": _b64(s.salt)} if s.salt is not None else {}),
                **({"kdf": {"name": "argon2id", **s.kdf}} if s.kdf is not None else {}),
            }
            for s in keyfile.slots
        ],
    }
    if keyfile.audit_root is not None:
        doc["audit_root"] = json.loads(keyfile.audit_root)
    if mark is not None:
        doc["audit_mark"] = mark.as_json()
    return json.dumps(doc, indent=2).encode()


def parse_keyfile(data: bytes, where: str = "key file") -> KeyFile:
    try:
        doc = json.loads(data.decode("utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError("not a medrec key file")
        if doc.get("version") != VERSION:
            raise KeyStoreError(
                f"The {where} was written by a newer version of medrec-desktop; "
                "nothing was changed."
            )
        slots = []
        for raw in doc["slots"]:
            if raw["kind"] not in ("keyring", "passphrase", "recovery"):
                raise ValueError(f"unknown slot kind {raw['kind']!r}")
            kdf = raw.get("kdf")
            slots.append(
                Slot(
                    kind=raw["kind"],
                    nonce=_unb64(raw["nonce"]),
                    ciphertext=_unb64(raw["ciphertext"]),
                    created=str(raw["created"]),
                    salt=_unb64(raw["salt"]) if "salt" in raw else None,
                    kdf={k: int(kdf[k]) for k in ("t", "m", "p")} if kdf else None,
                )
            )
        pending = doc.get("pending")
        return KeyFile(
            install_id=str(uuid.UUID(doc["install_id"])),
            material_nonce=_unb64(doc["material"]["nonce"]),
            material_ciphertext=_unb64(doc["material"]["ciphertext"]),
            slots=tuple(slots),
            pending_nonce=_unb64(pending["nonce"]) if pending else None,
            pending_ciphertext=_unb64(pending["ciphertext"]) if pending else None,
            audit_root=(
                json.dumps(doc["audit_root"], separators=(",", ":"))
                if isinstance(doc.get("audit_root"), dict)
                else None
            ),
        )
    except KeyStoreError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise KeyStoreError(
            f"The {where} is damaged or not a medrec key file ({err}). "
            "Restore it from a backup (backups carry a copy) or unlock with the recovery key "
            "and a backup's key file."
        ) from err


def load_keyfile(path: Path) -> KeyFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise KeyStoreError(
            f"The key file {path.name} is missing from {path.parent}. Without it the database "
            "cannot be opened: restore it from a backup (each backup carries a copy)."
        ) from err
    return parse_keyfile(data)


def save_keyfile(path: Path, keyfile: KeyFile) -> None:
    """Write the key file, keeping the audit high-water mark the file already holds."""
    with audit_mark.locked(path):
        mark = audit_mark.read_from_keyfile(path) if path.exists() else None
        write_private_file(path, dump_keyfile(keyfile, mark))
