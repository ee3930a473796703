"""The composition of keys, store and services for one data directory.

Creating, unlocking, rotating keys, backing up and restoring live here because each of them
spans the key file, the database file and the audit trail at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medrec_desktop import __version__
from medrec_desktop.db import migrate
from medrec_desktop.db.backup import (
    copy_database,
    has_room,
    rekey_file,
)
from medrec_desktop.db.engine import postgres_engine, sqlcipher_engine
from medrec_desktop.db.errors import BACKUP_FULL, backup_target_errors
from medrec_desktop.db.store import Store
from medrec_desktop.domain.dto import IntegrityReport, UserSession
from medrec_desktop.domain.errors import (
    BackupError,
    DatabaseFileError,
    KeyStoreError,
    KnownError,
    NoDatabaseError,
    WrongKeyError,
)
from medrec_desktop.paths import DataPaths, make_private_dir, write_private_file
from medrec_desktop.security.keyslots import (
    KeyFile,
    KeyMaterial,
    KeyRing,
    dump_keyfile,
    load_keyfile,
    parse_keyfile,
    save_keyfile,
    unlock_with_keyring,
    unlock_with_secret,
)
from medrec_desktop.security.secret_store import SecretStore
from medrec_desktop.services.audit import AuditService
from medrec_desktop.services.auth import AuthService
from medrec_desktop.services.backup_files import (
    BACKUP_FORMAT,
    open_local_engine,
    sha256_file,
    unpack_backup,
    verify_database_file,
    write_backup_zip,
)
from medrec_desktop.services.context import ServiceContext, utc_now
from medrec_desktop.services.demo import DemoService
from medrec_desktop.services.maintenance import MaintenanceService, Progress
from medrec_desktop.services.patients import PatientService
from medrec_desktop.services.setup import SetupService
from medrec_desktop.services.users import UserService

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Unlock:
    """The ways a user or script can offer to unlock the key file, tried in this order."""

    secret_store: SecretStore | None = None
    passphrase: str | None = None
    recovery_key: str | None = None

    def __repr__(self) -> str:
        return "Unlock(<hidden>)"


@dataclass(frozen=True)
class NewAdmin:
    username: str
    display_name: str
    password: str

    def __repr__(self) -> str:
        return f"NewAdmin({self.username!r})"


def unlock_keyfile(keyfile: KeyFile, how: Unlock) -> KeyRing:
    """Try the keyring, then the passphrase, then the recovery key; explain what failed."""
    failures: list[KnownError] = []
    if how.secret_store is not None and keyfile.slot("keyring") is not None:
        try:
            return unlock_with_keyring(keyfile, how.secret_store)
        except KnownError as err:
            failures.append(err)
    if how.passphrase is not None:
        try:
            return unlock_with_secret(keyfile, "passphrase", how.passphrase)
        except KnownError as err:
            failures.append(err)
    if how.recovery_key is not None:
        try:
            return unlock_with_secret(keyfile, "recovery", how.recovery_key)
        except KnownError as err:
            failures.append(err)
    if failures:
        raise type(failures[-1])(" ".join(dict.fromkeys(f.message for f in failures)))
    ways = []
    if keyfile.slot("keyring") is not None:
        ways.append("this computer's keyring (not available here)")
    if keyfile.slot("passphrase") is not None:
        ways.append("the workstation passphrase (MEDREC_PASSPHRASE)")
    ways.append("the recovery key")
    raise WrongKeyError("The database is locked. Unlock it with " + ", or ".join(ways) + ".")


class Installation:
    """An unlocked, open data directory and the services working on it."""

    def __init__(
        self,
        *,
        paths: DataPaths,
        keyring: KeyRing,
        store: Store,
        clock: Clock = utc_now,
        upgrade_backup: Path | None = None,
    ) -> None:
        self.paths = paths
        self.keyring = keyring
        self.store = store
        self.upgrade_backup = upgrade_backup
        self.ctx = ServiceContext(store=store, audit_key=keyring.material.audit_key, clock=clock)
        self.auth = AuthService(ctx=self.ctx)
        self.users = UserService(ctx=self.ctx)
        self.audit = AuditService(ctx=self.ctx)
        self.patients = PatientService(ctx=self.ctx)
        self.maintenance = MaintenanceService(ctx=self.ctx)
        self.setup = SetupService(ctx=self.ctx)
        self.demo = DemoService(ctx=self.ctx)

    def __repr__(self) -> str:
        return f"Installation({self.store.description})"

    # ------------------------------------------------------------------ create and open

    @staticmethod
    def exists(paths: DataPaths) -> bool:
        return paths.database.exists() or paths.server_url_file.exists()

    @classmethod
    def create(
        cls,
        paths: DataPaths,
        *,
        admin: NewAdmin,
        secret_store: SecretStore | None = None,
        passphrase: str | None = None,
        server_url: str | None = None,
        clinic: dict[str, str] | None = None,
        clock: Clock = utc_now,
    ) -> tuple[Installation, str]:
        """Create keys, database and administrator. Returns the installation and the recovery
        key, which is shown to the user once and stored nowhere."""
        if secret_store is None and not passphrase:
            raise KeyStoreError(
                "Choose how this workstation keeps the database key: the OS keyring or a "
                "workstation passphrase."
            )
        if cls.exists(paths) or paths.keys.exists():
            raise KnownError(
                f"{paths.root} already holds a medrec database; it was not touched. "
                "Choose an empty folder to create a new one."
            )
        kr = KeyRing.create(KeyMaterial.generate())
        if passphrase:
            kr.set_passphrase_slot(passphrase)
        recovery = kr.new_recovery_key()
        make_private_dir(paths.root)
        created: list[Path] = []
        try:
            if secret_store is not None:
                kr.set_keyring_slot(secret_store)
            save_keyfile(paths.keys, kr.keyfile)
            created.append(paths.keys)
            if server_url:
                write_private_file(paths.server_url_file, server_url.encode())
                created.append(paths.server_url_file)
                store = Store(postgres_engine(server_url), server_label=_label(server_url))
            else:
                created.append(paths.database)
                engine = sqlcipher_engine(paths.database, kr.material.db_key, create=True)
                store = Store(engine, path=paths.database, key=kr.material.db_key)
            migrate.upgrade(store.engine)
            inst = cls(paths=paths, keyring=kr, store=store, clock=clock)
            inst.setup.create_first_admin(
                kr.keyfile.install_id, admin.username, admin.display_name, admin.password
            )
        except BaseException:
            if "store" in locals():
                store.close()
            for path in created:
                for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    extra.unlink(missing_ok=True)
            raise
        if clinic:
            # Settings are written by the administrator who now exists.
            session = inst.auth.login(admin.username, admin.password)
            inst.setup.update_settings(session, clinic)
            inst.auth.logout(session)
        return inst, recovery

    @classmethod
    def open(
        cls, paths: DataPaths, how: Unlock, *, clock: Clock = utc_now, busy_timeout: float = 5.0
    ) -> Installation:
        server = paths.server_url_file.exists()
        if not server and not paths.database.exists():
            raise NoDatabaseError(
                f"There is no medrec database in {paths.root}. Create one with 'medrec init' "
                "(or the setup wizard), or point --data-dir / MEDREC_DATA_DIR at the right folder."
            )
        keyfile = load_keyfile(paths.keys)
        kr = unlock_keyfile(keyfile, how)
        if server:
            url = paths.server_url_file.read_text().strip()
            store = Store(postgres_engine(url), server_label=_label(url))
        else:
            key = kr.material.db_key
            try:
                engine = open_local_engine(paths.database, key, busy_timeout)
            except DatabaseFileError:
                pending = kr.pending_material
                if pending is None:
                    raise
                # A key rotation was interrupted after the file was re-encrypted: finish it.
                engine = open_local_engine(paths.database, pending.db_key, busy_timeout)
                kr.commit_pending()
                save_keyfile(paths.keys, kr.keyfile)
                key = pending.db_key
            store = Store(engine, path=paths.database, key=key)
        try:
            if not server:
                try:
                    make_private_dir(paths.backups)
                except OSError:
                    pass  # a read-only folder: the database reports it in plain words below
            backup_path = migrate.ensure_current(
                store.engine,
                backup=None if server else (lambda dest: copy_database(store.engine, key, dest)),
                backup_dir=None if server else paths.backups,
            )
            inst = cls(
                paths=paths, keyring=kr, store=store, clock=clock, upgrade_backup=backup_path
            )
            found = inst.setup.install_id()
            if found is not None and found != keyfile.install_id:
                raise KeyStoreError(
                    "The key file in this folder belongs to another medrec database. "
                    "Nothing was changed."
                )
        except BaseException:
            store.close()
            raise
        return inst

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ keys

    def rekey(self, session: UserSession) -> None:
        """Replace the database key (administrators). Safe against a crash at any point: the
        new key is written to the key file before the database uses it."""
        self.maintenance.authorize(session, "rekey: start")
        if self.store.is_server or self.store.path is None:
            raise KnownError(
                "On a PostgreSQL server the data is protected by the server's own encryption; "
                "rekey applies to the local encrypted file only."
            )
        old = self.keyring.material
        new = old.with_new_db_key()
        path = self.store.path
        # 1. the key file learns the new key as pending, 2. the file is re-encrypted,
        # 3. the key file makes it current. `open` finishes an interrupted rotation.
        self.keyring.set_pending(new)
        save_keyfile(self.paths.keys, self.keyring.keyfile)
        self.store.close()
        rekey_file(path, old.db_key, new.db_key)
        self.keyring.commit_pending()
        save_keyfile(self.paths.keys, self.keyring.keyfile)
        self._reopen(new.db_key)
        self.maintenance.authorize(session, "rekey: done")

    def _reopen(self, key: bytes) -> None:
        assert self.store.path is not None
        self.store = Store(
            open_local_engine(self.store.path, key, 5.0), path=self.store.path, key=key
        )
        self.ctx.store = self.store

    def save_keys(self) -> None:
        save_keyfile(self.paths.keys, self.keyring.keyfile)

    # ------------------------------------------------------------------ verify, backup, restore

    def verify(self, session: UserSession) -> IntegrityReport:
        return self.maintenance.verify_database(session)

    def backup(self, session: UserSession, out: Path, progress: Progress | None = None) -> Path:
        """Write one backup file: the encrypted database, a copy of the key file and a manifest.

        The copy is verified (decrypts, integrity checks, audit chain) before it is kept.
        """
        out = out.expanduser().resolve()
        if out.exists():
            raise BackupError(f"{out} already exists; choose a new file name.")
        if not out.parent.is_dir():
            raise BackupError(f"The folder {out.parent} does not exist.")
        work = out.parent / f".{out.name}.partial"
        shutil.rmtree(work, ignore_errors=True)
        with backup_target_errors():
            make_private_dir(work)
        try:
            db_copy = work / "medrec.db"
            self.maintenance.copy_to(session, db_copy, progress)
            assert self.store.key is not None
            report = verify_database_file(db_copy, self.keyring.material)
            if not report.ok:
                # Opening the copy to check it writes beside it (journal, shared memory): on a
                # disk too full for the zip as well, that is the failure to report.
                if not has_room(out.parent, db_copy.stat().st_size):
                    raise BackupError(BACKUP_FULL)
                raise BackupError("The backup copy did not verify: " + "; ".join(report.problems))
            manifest = {
                "format": BACKUP_FORMAT,
                "version": 1,
                "created": utc_now().isoformat(timespec="seconds"),
                "app_version": __version__,
                "schema": migrate.head_revision(),
                "install_id": self.keyring.keyfile.install_id,
                "row_counts": report.row_counts,
                "db_sha256": sha256_file(db_copy),
            }
            with backup_target_errors():
                write_backup_zip(work, out, db_copy, dump_keyfile(self.keyring.keyfile), manifest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return out

    @classmethod
    def restore(
        cls,
        paths: DataPaths,
        backup_file: Path,
        how: Unlock,
        *,
        username: str | None = None,
        password: str | None = None,
        progress: Progress | None = None,
    ) -> Installation:
        """Replace (or, on a new machine, create) the database from a verified backup file.

        Where a database already exists, an administrator must sign in to it first and the
        current file is kept in backups/ before being replaced.
        """
        manifest, keyfile_bytes, db_bytes_path, work = unpack_backup(paths, backup_file)
        try:
            backup_keys = parse_keyfile(keyfile_bytes, "backup's key file")
            current: Installation | None = None
            session: UserSession | None = None
            if cls.exists(paths):
                current = cls.open(paths, how)
                if username is None or password is None:
                    current.close()
                    raise KnownError(
                        "Restoring over an existing database needs an administrator to sign in "
                        "(--user NAME and MEDREC_PASSWORD)."
                    )
                try:
                    session = current.auth.login(username, password)
                    current.maintenance.authorize(session, f"restore: start {backup_file.name}")
                except BaseException:
                    current.close()
                    raise
            try:
                if current is not None and current.keyring.keyfile.install_id == (
                    backup_keys.install_id
                ):
                    backup_kr = KeyRing(backup_keys, current.keyring.mwk_for_same_install())
                else:
                    backup_kr = unlock_keyfile(backup_keys, how)
                material = backup_kr.material
                report = verify_database_file(db_bytes_path, material)
                if not report.ok:
                    raise BackupError(
                        "The backup does not verify, so nothing was restored: "
                        + "; ".join(report.problems)
                    )
                if current is not None:
                    if current.keyring.material.audit_key != material.audit_key:
                        raise BackupError(
                            "This backup belongs to another medrec installation; restoring it "
                            "here would mix two clinics' records. Restore it into an empty "
                            "data folder instead."
                        )
                    target_kr = current.keyring
                    keep = paths.backups / f"pre-restore-{utc_now():%Y%m%dT%H%M%SZ}.medrec.db"
                    make_private_dir(paths.backups)
                    assert session is not None
                    current.maintenance.copy_to(session, keep)
                    if material.db_key != target_kr.material.db_key:
                        rekey_file(db_bytes_path, material.db_key, target_kr.material.db_key)
                    current.close()
                else:
                    target_kr = backup_kr
                    make_private_dir(paths.root)
                for suffix in ("-wal", "-shm"):
                    Path(f"{paths.database}{suffix}").unlink(missing_ok=True)
                os.replace(db_bytes_path, paths.database)
                if current is None:
                    save_keyfile(paths.keys, target_kr.keyfile)
            except BaseException:
                if current is not None:
                    current.close()
                raise
            inst = cls._open_with(paths, target_kr)
            who = session
            if who is not None:
                inst.maintenance.authorize(who, f"restore: done from {backup_file.name}")
            else:
                inst.setup.install_id()  # records that the restored database was opened
            return inst
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @classmethod
    def _open_with(cls, paths: DataPaths, kr: KeyRing) -> Installation:
        key = kr.material.db_key
        store = Store(open_local_engine(paths.database, key, 5.0), path=paths.database, key=key)
        return cls(paths=paths, keyring=kr, store=store)


def _label(url: str) -> str:
    """Server URL without credentials, for display."""
    from sqlalchemy.engine.url import make_url

    try:
        u = make_url(url)
        return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"
    except Exception:
        return "server"


__all__ = ["Installation", "NewAdmin", "Unlock", "unlock_keyfile", "verify_database_file"]
