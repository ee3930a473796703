"""Key slots: OS keyring (secure backends only), passphrase, recovery key, rotation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import keyring.backends.fail
import keyring.backends.null
import pytest

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import KeyStoreError, WrongKeyError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import recovery_key
from medrec_desktop.security.keyslots import load_keyfile
from medrec_desktop.security.secret_store import OsKeyring, secure_backend
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic
from tests.support.secrets import InMemorySecretStore

PATIENT = PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male")


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()]
)
def test_insecure_keyring_backends_are_refused_with_advice(backend: object) -> None:
    assert secure_backend(backend) is None  # type: ignore[arg-type]
    with pytest.raises(KeyStoreError, match="workstation passphrase"):
        OsKeyring(backend)  # type: ignore[arg-type]


def test_this_machine_has_no_secure_keyring_and_says_so() -> None:
    # FACTS.md: keyring resolves to the fail backend here; medrec must not use it.
    with pytest.raises(KeyStoreError, match="no secure keyring"):
        OsKeyring()


def test_key_file_holds_only_wrapped_keys(
    tmp_path: Path, secret_store: InMemorySecretStore
) -> None:
    paths = DataPaths(tmp_path / "d")
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "A", ADMIN_PASSWORD), secret_store=secret_store
    )
    material = inst.keyring.material
    inst.close()
    raw = paths.keys.read_bytes()
    for secret in (material.db_key, material.audit_key):
        assert secret not in raw and secret.hex().encode() not in raw
    assert sorted(json.loads(raw)["slots"][i]["kind"] for i in range(2)) == ["keyring", "recovery"]
    assert oct(paths.keys.stat().st_mode & 0o777) == "0o600"
    assert oct(paths.database.stat().st_mode & 0o777) == "0o600"
    assert oct(paths.root.stat().st_mode & 0o777) == "0o700"


def test_keyring_slot_opens_without_typing(
    tmp_path: Path, secret_store: InMemorySecretStore
) -> None:
    paths = DataPaths(tmp_path / "d")
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "A", ADMIN_PASSWORD), secret_store=secret_store
    )
    inst.close()
    inst = Installation.open(paths, Unlock(secret_store=secret_store))
    assert inst.auth.login("admin", ADMIN_PASSWORD).role is Role.ADMIN
    inst.close()
    with pytest.raises(KeyStoreError, match="recovery key"):
        Installation.open(paths, Unlock(secret_store=InMemorySecretStore()))


def test_recovery_key_brings_the_data_to_a_new_machine(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    records = local_clinic.sessions[Role.RECORDS]
    pid = local_clinic.inst.patients.register(records, PATIENT).id
    local_clinic.inst.close()
    # The new machine has the files (copied, or restored from a backup) but no keyring entry
    # and no passphrase: only the paper recovery sheet.
    new = DataPaths(tmp_path / "new-machine")
    shutil.copytree(local_clinic.paths.root, new.root)
    with pytest.raises(WrongKeyError):
        Installation.open(new, Unlock())
    typed = local_clinic.recovery_key.lower().replace("-", " ")  # as someone might type it
    inst = Installation.open(new, Unlock(recovery_key=typed))
    store = InMemorySecretStore()
    inst.keyring.set_keyring_slot(store)
    inst.save_keys()
    inst.close()
    inst = Installation.open(new, Unlock(secret_store=store))
    nurse = inst.auth.login("nurse", "role password 1234")
    assert inst.patients.get(nurse, pid).family_name == "Okafor"
    inst.close()
    local_clinic.inst = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))


def test_wrong_passphrase_and_wrong_recovery_key_are_told_apart(local_clinic: Clinic) -> None:
    local_clinic.inst.close()
    with pytest.raises(WrongKeyError, match="passphrase is not correct"):
        Installation.open(local_clinic.paths, Unlock(passphrase="not the passphrase"))
    other = recovery_key.generate()
    with pytest.raises(WrongKeyError, match="recovery key does not unlock"):
        Installation.open(local_clinic.paths, Unlock(recovery_key=other))
    local_clinic.inst = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))


def test_recovery_key_typos_are_caught_before_unlocking() -> None:
    key = recovery_key.generate()
    assert recovery_key.normalize(key.lower().replace("-", "")) == key
    typo = ("1" if key[0] != "1" else "2") + key[1:]
    with pytest.raises(WrongKeyError, match="typing mistake"):
        recovery_key.normalize(typo)
    with pytest.raises(WrongKeyError, match="36 letters"):
        recovery_key.normalize(key[:-5])


def test_rekey_changes_the_database_key_and_every_slot_still_opens(
    local_clinic: Clinic, secret_store: InMemorySecretStore
) -> None:
    inst = local_clinic.inst
    inst.keyring.set_keyring_slot(secret_store)
    inst.save_keys()
    pid = inst.patients.register(local_clinic.sessions[Role.RECORDS], PATIENT).id
    old_key = inst.keyring.material.db_key
    old_audit = inst.keyring.material.audit_key
    inst.rekey(local_clinic.admin)
    assert inst.keyring.material.db_key != old_key
    assert inst.keyring.material.audit_key == old_audit
    assert inst.audit.verify(local_clinic.admin).ok
    inst.close()
    for how in (
        Unlock(passphrase=PASSPHRASE),
        Unlock(secret_store=secret_store),
        Unlock(recovery_key=local_clinic.recovery_key),
    ):
        opened = Installation.open(local_clinic.paths, how)
        assert opened.patients.get(opened.auth.login("nurse", "role password 1234"), pid)
        opened.close()
    # The old key no longer opens the file.
    from medrec_desktop.db.engine import sqlcipher_engine

    with pytest.raises(WrongKeyError):
        sqlcipher_engine(local_clinic.paths.database, old_key)
    local_clinic.inst = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))


def test_a_rotation_interrupted_after_reencrypting_is_finished_on_open(
    local_clinic: Clinic,
) -> None:
    """Crash between re-encrypting the file and saving the key file: the pending key is used."""
    from medrec_desktop.db.backup import rekey_file
    from medrec_desktop.security.keyslots import save_keyfile

    inst = local_clinic.inst
    old = inst.keyring.material
    new = old.with_new_db_key()
    inst.keyring.set_pending(new)
    save_keyfile(local_clinic.paths.keys, inst.keyring.keyfile)
    inst.close()
    rekey_file(local_clinic.paths.database, old.db_key, new.db_key)  # ...and then the crash
    reopened = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))
    assert reopened.keyring.material.db_key == new.db_key
    assert load_keyfile(local_clinic.paths.keys).pending_nonce is None
    assert reopened.audit.verify(local_clinic.admin).ok
    local_clinic.inst = reopened


def test_missing_or_damaged_key_file_is_explained(local_clinic: Clinic) -> None:
    local_clinic.inst.close()
    keys = local_clinic.paths.keys
    saved = keys.read_bytes()
    keys.unlink()
    with pytest.raises(KeyStoreError, match="missing"):
        Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))
    keys.write_bytes(saved[: len(saved) // 2])
    with pytest.raises(KeyStoreError, match="damaged"):
        Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))
    keys.write_bytes(saved)
    local_clinic.inst = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))
