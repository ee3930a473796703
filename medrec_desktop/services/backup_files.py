"""Backup files: one zip holding the encrypted database copy, the key file and a manifest;
writing them, unpacking them and checking that a database file is sound."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

from sqlalchemy import Engine

from medrec_desktop.db.backup import row_counts, sqlite_integrity_problems
from medrec_desktop.db.engine import sqlcipher_engine
from medrec_desktop.db.store import Store
from medrec_desktop.domain.dto import IntegrityReport
from medrec_desktop.domain.errors import BackupError, DatabaseFileError, KnownError, WrongKeyError
from medrec_desktop.paths import DataPaths, make_private_dir
from medrec_desktop.security.audit_chain import head_mac
from medrec_desktop.security.keyslots import KeyMaterial
from medrec_desktop.services.audit import ChainCheck, check_chain

BACKUP_FORMAT = "medrec-backup"


def open_local_engine(path: Path, key: bytes, busy_timeout: float) -> Engine:
    try:
        # sqlcipher_engine connects at once, so a wrong key is reported here (and an
        # interrupted key rotation can be finished in `open`).
        return sqlcipher_engine(path, key, busy_timeout=busy_timeout)
    except WrongKeyError as err:
        raise DatabaseFileError(
            "The database file cannot be decrypted with its key: the file is damaged, or the "
            "key file beside it belongs to another database. Nothing was changed. Restore the "
            "latest backup with 'medrec restore'."
        ) from err


def scrub_forward_key(path: Path, db_key: bytes, audit_key: bytes) -> None:
    """Remove the forward-secure key from a copy of the database (backups, pre-restore and
    pre-upgrade copies) and re-seal its head.

    The live head holds the key for the next event; a copy that kept it would let someone
    with the workstation's keys rewrite, long after, every event written since the copy
    (security.audit_chain). A restore rebuilds the key from the audit root key instead.
    """
    engine = open_local_engine(path, db_key, 5.0)
    try:
        with engine.begin() as conn:
            columns = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(audit_head)")}
            if "fs_key" not in columns:
                return  # a copy of a schema from before forward-secure MACs
            row = conn.exec_driver_sql("SELECT seq, mac FROM audit_head WHERE id = 1").first()
            if row is None:
                return
            conn.exec_driver_sql(
                "UPDATE audit_head SET fs_key = NULL, head_mac = ? WHERE id = 1",
                (head_mac(audit_key, row[0], row[1], None),),
            )
    finally:
        engine.dispose()


def verify_database_file(
    path: Path,
    material: KeyMaterial,
    install_id: str | None = None,
    root: bytes | None = None,
) -> IntegrityReport:
    """Open a database file (e.g. a backup copy) with ``material`` and check everything; with
    ``install_id`` its trail must begin with that installation's genesis event; with the audit
    ``root`` key its forward-secure MACs are checked too."""
    try:
        engine = open_local_engine(path, material.db_key, 5.0)
    except KnownError as err:
        return IntegrityReport(False, (err.message,), {}, "not checked")
    store = Store(engine, path=path, key=material.db_key)
    try:
        try:
            with store.unit_of_work() as db:
                conn = db.connection()
                problems = sqlite_integrity_problems(conn)
                counts = row_counts(conn)
                chain = check_chain(
                    db,
                    material.audit_key,
                    ChainCheck(install_id=install_id, root=root, copy=True),
                )
        except KnownError as err:
            return IntegrityReport(False, (err.message,), {}, "not checked")
        if not chain.ok:
            problems.append(chain.summary)
        mark = (chain.last_seq, chain.last_mac) if chain.ok else None
        return IntegrityReport(not problems, tuple(problems), counts, chain.summary, mark)
    finally:
        store.close()


def write_backup_zip(
    work: Path, out: Path, db_copy: Path, keyfile: bytes, manifest: dict[str, object]
) -> None:
    """Write the zip (owner-only) in ``work``, flush it to disk, then move it to ``out``."""
    tmp_zip = work / "backup.zip"
    fd = os.open(tmp_zip, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        zf.writestr("medrec.keys", keyfile)
        zf.write(db_copy, "medrec.db")
    with tmp_zip.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(tmp_zip, out)


def read_manifest(backup_file: Path) -> dict[str, object]:
    """A backup's manifest alone (for its audit high-water mark), without unpacking it."""
    backup_file = backup_file.expanduser()
    if not backup_file.is_file():
        raise BackupError(f"There is no backup file at {backup_file}.")
    try:
        with zipfile.ZipFile(backup_file) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError, OSError) as err:
        raise BackupError(f"{backup_file.name} is damaged or not a medrec backup.") from err
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{backup_file.name} is not a medrec backup.")
    return manifest


def unpack_backup(
    paths: DataPaths, backup_file: Path
) -> tuple[dict[str, object], bytes, Path, Path]:
    backup_file = backup_file.expanduser()
    if not backup_file.is_file():
        raise BackupError(f"There is no backup file at {backup_file}.")
    make_private_dir(paths.root)
    work = paths.root / ".restore-work"
    shutil.rmtree(work, ignore_errors=True)
    make_private_dir(work)
    try:
        with zipfile.ZipFile(backup_file) as zf:
            names = set(zf.namelist())
            if not {"manifest.json", "medrec.keys", "medrec.db"} <= names:
                raise BackupError(f"{backup_file.name} is not a medrec backup (parts are missing).")
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != BACKUP_FORMAT:
                raise BackupError(f"{backup_file.name} is not a medrec backup.")
            keyfile_bytes = zf.read("medrec.keys")
            db_path = work / "medrec.db"
            fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, zf.open("medrec.db") as src:
                shutil.copyfileobj(src, out, 1 << 20)
        if manifest.get("db_sha256") != sha256_file(db_path):
            raise BackupError(f"{backup_file.name} is damaged (its checksum does not match).")
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError, OSError) as err:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"{backup_file.name} is damaged or not a medrec backup.") from err
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest, keyfile_bytes, db_path, work


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
