"""Backups are encrypted, verified after writing, and restore refuses what does not verify."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import BackupError, KnownError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, ROLE_PASSWORD, Clinic

PATIENT = PatientInput("Lindqvist", "Britta", dt.date(1958, 2, 2), "female")


def test_backup_then_restore_brings_back_the_records(local_clinic: Clinic, tmp_path: Path) -> None:
    inst = local_clinic.inst
    records = local_clinic.sessions[Role.RECORDS]
    pid = inst.patients.register(records, PATIENT).id
    seen: list[tuple[int, int]] = []
    out = inst.backup(
        local_clinic.admin,
        tmp_path / "clinic.medrec-backup",
        lambda done, total: seen.append((done, total)),
    )
    assert seen and seen[-1][0] == seen[-1][1]
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "medrec.db", "medrec.keys"]
        assert b"Lindqvist" not in zf.read("medrec.db")
    # Changes after the backup disappear on restore; the restore itself is audited.
    inst.patients.register(records, PatientInput("Later", "Added", dt.date(2000, 1, 1), "male"))
    inst.close()
    restored = Installation.restore(
        local_clinic.paths,
        out,
        Unlock(passphrase=PASSPHRASE),
        username="admin",
        password=ADMIN_PASSWORD,
    )
    nurse = restored.auth.login("nurse", ROLE_PASSWORD)
    assert [p.family_name for p in restored.patients.list_all(nurse)] == ["Lindqvist"]
    assert restored.patients.get(nurse, pid).given_names == "Britta"
    admin = restored.auth.login("admin", ADMIN_PASSWORD)
    assert restored.verify(admin).ok
    assert list(local_clinic.paths.backups.glob("pre-restore-*"))  # the replaced file is kept
    local_clinic.inst = restored


def test_restore_on_a_new_machine_with_the_recovery_key(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    pid = local_clinic.inst.patients.register(local_clinic.sessions[Role.RECORDS], PATIENT).id
    out = local_clinic.inst.backup(local_clinic.admin, tmp_path / "b.medrec-backup")
    new = DataPaths(tmp_path / "new")
    inst = Installation.restore(new, out, Unlock(recovery_key=local_clinic.recovery_key))
    assert inst.patients.get(inst.auth.login("nurse", ROLE_PASSWORD), pid)
    inst.close()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    out = local_clinic.inst.backup(local_clinic.admin, tmp_path / "b.medrec-backup")
    damaged = tmp_path / "damaged.medrec-backup"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(damaged, "w") as dst:
        for name in src.namelist():
            data = bytearray(src.read(name))
            if name == "medrec.db":
                data[5000] ^= 0xFF
            dst.writestr(name, bytes(data))
    local_clinic.inst.close()
    before = local_clinic.paths.database.read_bytes()
    with pytest.raises(BackupError, match="damaged"):
        Installation.restore(
            local_clinic.paths,
            damaged,
            Unlock(passphrase=PASSPHRASE),
            username="admin",
            password=ADMIN_PASSWORD,
        )
    assert local_clinic.paths.database.read_bytes() == before
    (tmp_path / "junk.medrec-backup").write_bytes(b"not a zip at all")
    with pytest.raises(BackupError, match="not a medrec backup"):
        Installation.restore(local_clinic.paths, tmp_path / "junk.medrec-backup", Unlock())
    local_clinic.inst = Installation.open(local_clinic.paths, Unlock(passphrase=PASSPHRASE))


def test_backup_refuses_to_overwrite(local_clinic: Clinic, tmp_path: Path) -> None:
    (tmp_path / "exists").write_text("keep me")
    with pytest.raises(BackupError, match="already exists"):
        local_clinic.inst.backup(local_clinic.admin, tmp_path / "exists")
    assert (tmp_path / "exists").read_text() == "keep me"


def test_only_administrators_back_up(local_clinic: Clinic, tmp_path: Path) -> None:
    with pytest.raises(KnownError):
        local_clinic.inst.backup(local_clinic.sessions[Role.RECORDS], tmp_path / "x")
    assert not (tmp_path / "x").exists()
