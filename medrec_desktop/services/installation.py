"""The composition of keys, store and services for one data directory.

Creating, unlocking, rotating keys, backing up and restoring live here because each of them
spans the key file, the database file and the audit trail at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update

from medrec_desktop import __version__
from medrec_desktop.db import migrate, server_roles, server_tls
from medrec_desktop.db.backup import (
    copy_database,
    has_room,
    rekey_file,
)
from medrec_desktop.db.engine import postgres_engine, sqlcipher_engine
from medrec_desktop.db.errors import BACKUP_FULL, backup_target_errors, translated_errors
from medrec_desktop.db.inuse import Exclusive, InUse
from medrec_desktop.db.pg_tools import empty_schema as pg_empty_schema
from medrec_desktop.db.pg_tools import move_schema as pg_move_schema
from medrec_desktop.db.pg_tools import restore_stream as pg_restore_stream
from medrec_desktop.db.pg_tools import schema_exists as pg_schema_exists
from medrec_desktop.db.pg_tools import server_from_url
from medrec_desktop.db.pg_tools import tables_in as pg_tables_in
from medrec_desktop.db.store import Store
from medrec_desktop.domain.dto import IntegrityReport, UserId, UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import (
    AccountLockedError,
    AuditTamperedError,
    AuthenticationError,
    BackupError,
    DatabaseFileError,
    KeyStoreError,
    KnownError,
    NoDatabaseError,
    PermissionDeniedError,
    SchemaTooNewError,
    ServerConnectionError,
    ValidationError,
    WrongKeyError,
)
from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.domain.workstations import WorkstationRevokedError
from medrec_desktop.models import AppMeta, AuditEvent, AuditHead, LoginThrottle, User
from medrec_desktop.paths import DataPaths, make_private_dir, write_private_file
from medrec_desktop.security import audit_mark, passwords
from medrec_desktop.security import recovery_key as rk
from medrec_desktop.security.audit_chain import ChainReport, fs_evolve, head_mac, same_digest
from medrec_desktop.security.audit_root import new_root, unwrap_root, wrap_root
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
from medrec_desktop.services import server_backup
from medrec_desktop.services.amendments import AmendmentService
from medrec_desktop.services.audit import AuditService, verification
from medrec_desktop.services.audit_writer import start_chain
from medrec_desktop.services.auth import (
    LOGIN_FAILED,
    AuthService,
    count_failure,
    normalize_username,
    pause_left,
    wait_message,
)
from medrec_desktop.services.backup_files import (
    BACKUP_FORMAT,
    open_local_engine,
    read_manifest,
    scrub_forward_key,
    sha256_file,
    unpack_backup,
    verify_database_file,
    write_backup_zip,
)
from medrec_desktop.services.billing_export import BillingExportService
from medrec_desktop.services.chart_banner import ChartBannerService
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    PROCEDURES,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
    AllergyService,
    AllergyStatementService,
    FamilyHistoryService,
    ImmunizationService,
    MedicalHistoryService,
    MedicationService,
    ProblemService,
    ProcedureService,
    SocialHistoryService,
    SurgicalHistoryService,
    VitalsService,
)
from medrec_desktop.services.chart_summary import ChartSummaryService
from medrec_desktop.services.coder_queries import CoderQueryService
from medrec_desktop.services.context import ServiceContext, utc_now
from medrec_desktop.services.cover_sheets import CoverSheetService
from medrec_desktop.services.demo import DemoService
from medrec_desktop.services.documents import DOCUMENTS, DocumentService
from medrec_desktop.services.drafts import DraftService
from medrec_desktop.services.encounter_kinds import AMENDMENT_REQUESTS, ENCOUNTERS
from medrec_desktop.services.encounters import EncounterService
from medrec_desktop.services.fhir_export import FhirExportService
from medrec_desktop.services.fhir_import import FhirImportService
from medrec_desktop.services.inbox import InboxService
from medrec_desktop.services.inbox_suggestions import InboxSuggestionService
from medrec_desktop.services.maintenance import MaintenanceService, Progress
from medrec_desktop.services.patients import PatientService
from medrec_desktop.services.record_release import RecordReleaseService
from medrec_desktop.services.result_kinds import LAB_TESTS, LabTestService
from medrec_desktop.services.results_grid import ResultsService
from medrec_desktop.services.setup import SetupService
from medrec_desktop.services.trends import TrendService
from medrec_desktop.services.users import UserService
from medrec_desktop.services.workstations import (
    EnrollmentKit,
    WorkstationService,
    check_on_open,
    new_here,
    read_here,
    write_here,
)

log = logging.getLogger(__name__)

# Who the audit trail names for acts done with the recovery key alone (no user signed in).
RECOVERY_HOLDER = "recovery key holder"

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
        self._audit_key = keyring.material.audit_key
        self._marks = audit_mark.MarkWriter(paths.keys)
        self._in_use = InUse(store.path) if store.path is not None else None
        self.ctx = ServiceContext(
            store=store,
            audit_key=self._audit_key,
            clock=clock,
            install_id=keyring.keyfile.install_id,
            on_committed=self._advance_mark,
            read_mark=self.current_mark,
        )
        self.auth = AuthService(ctx=self.ctx)
        self.users = UserService(ctx=self.ctx)
        self.audit = AuditService(ctx=self.ctx)
        self.patients = PatientService(ctx=self.ctx)
        self.maintenance = MaintenanceService(ctx=self.ctx)
        self.setup = SetupService(ctx=self.ctx)
        # The chart's versioned clinical items (services/clinical_items.py).
        self.problems: ProblemService = ProblemService(ctx=self.ctx, kind=PROBLEMS)
        self.allergies: AllergyService = AllergyService(ctx=self.ctx, kind=ALLERGIES)
        self.allergy_statements: AllergyStatementService = AllergyStatementService(
            ctx=self.ctx, kind=ALLERGY_STATEMENTS
        )
        # The summary page (its sections: services/chart_sections.py) and form drafts.
        self.chart = ChartSummaryService(ctx=self.ctx)
        self.drafts = DraftService(ctx=self.ctx)
        self.chart_banner = ChartBannerService(ctx=self.ctx)
        self.medications: MedicationService = MedicationService(ctx=self.ctx, kind=MEDICATIONS)
        self.immunizations: ImmunizationService = ImmunizationService(
            ctx=self.ctx, kind=IMMUNIZATIONS
        )
        self.vitals: VitalsService = VitalsService(ctx=self.ctx, kind=VITALS)
        self.medical_history: MedicalHistoryService = MedicalHistoryService(
            ctx=self.ctx, kind=MEDICAL_HISTORY
        )
        self.surgical_history: SurgicalHistoryService = SurgicalHistoryService(
            ctx=self.ctx, kind=SURGICAL_HISTORY
        )
        self.family_history: FamilyHistoryService = FamilyHistoryService(
            ctx=self.ctx, kind=FAMILY_HISTORY
        )
        self.social_history: SocialHistoryService = SocialHistoryService(
            ctx=self.ctx, kind=SOCIAL_HISTORY
        )
        # Issue 10: encounters with signed notes and addenda, amendment requests.
        self.encounters = EncounterService(ctx=self.ctx, kind=ENCOUNTERS)
        self.amendments = AmendmentService(ctx=self.ctx, kind=AMENDMENT_REQUESTS)
        # Test results (issue 10): the tests, their templates, and the grid and trends.
        self.lab_tests = LabTestService(ctx=self.ctx, kind=LAB_TESTS)
        self.results = ResultsService(ctx=self.ctx)
        # Issue 10: treatments and procedures; trends of vitals for the plots.
        self.procedures: ProcedureService = ProcedureService(ctx=self.ctx, kind=PROCEDURES)
        self.trends = TrendService(ctx=self.ctx)
        # Issue 12: documents in the chart, their bytes inside the encrypted database.
        self.documents = DocumentService(ctx=self.ctx, kind=DOCUMENTS)
        self.inbox = InboxService(ctx=self.ctx, documents=self.documents)
        self.inbox_suggestions = InboxSuggestionService(ctx=self.ctx)
        # Cover sheets printed from a chart; intake files the scans behind them.
        self.cover_sheets = CoverSheetService(ctx=self.ctx)
        # issue 13: coder queries (the encounter coding service needs the code sets: the
        # services holder and the CLI make it)
        self.coder_queries = CoderQueryService(ctx=self.ctx)
        self.billing = BillingExportService(ctx=self.ctx)
        self.releases = RecordReleaseService(ctx=self.ctx)
        # Issue 14: a US Core Bundle from another system, recorded through the kinds' own
        # services (their rules, versions and side effects) in one transaction.
        self.fhir_import = FhirImportService(
            ctx=self.ctx,
            writers={
                ImportKind.PROBLEM: self.problems,
                ImportKind.ALLERGY_STATEMENT: self.allergy_statements,
                ImportKind.ALLERGY: self.allergies,
                ImportKind.MEDICATION: self.medications,
                ImportKind.IMMUNIZATION: self.immunizations,
                ImportKind.VITALS: self.vitals,
                ImportKind.LAB_TEST: self.lab_tests,
                ImportKind.PROCEDURE: self.procedures,
                ImportKind.SURGICAL_HISTORY: self.surgical_history,
            },
        )
        self.fhir_export = FhirExportService(ctx=self.ctx)
        # The demo clinic loads scans through the inbox (and prints a cover sheet).
        self.demo = DemoService(ctx=self.ctx, inbox=self.inbox, cover_sheets=self.cover_sheets)
        # Issue 15: the clinic server's workstations and the codes that join new ones.
        self.workstations = WorkstationService(
            ctx=self.ctx, kit=self._enrollment_kit, here=lambda: read_here(paths)
        )

    def __repr__(self) -> str:
        return f"Installation({self.store.description})"

    # ------------------------------------------------------------------ the high-water mark

    def _advance_mark(self, seq: int, link: str) -> None:
        mark = audit_mark.seal(self._audit_key, self.keyring.keyfile.install_id, seq, link)
        self._marks.submit(mark)

    def current_mark(self) -> audit_mark.Mark | None:
        """The high-water mark the key file holds (checked by ``verify`` and ``audit verify``)."""
        self._marks.flush()
        return audit_mark.read_from_keyfile(self.paths.keys)

    def _reset_mark(self, seq: int, link: str) -> None:
        """After a legitimate restore the trail is older than the mark: start from it again
        (the restore event records the mark of the trail it replaced)."""
        mark = audit_mark.seal(self._audit_key, self.keyring.keyfile.install_id, seq, link)
        self._marks.flush()
        audit_mark.write_into_keyfile(self.paths.keys, mark, force=True)

    # ------------------------------------------------------------------ workstations

    def _enrollment_kit(self) -> EnrollmentKit:
        """What an enrollment code hands a new workstation: the application account's address,
        this key file without this workstation's own slots (the recovery slot and the wrapped
        audit root stay, so the recovery key opens the new folder too), the high-water mark,
        and the master wrapping key they are wrapped under."""
        kf = self.keyring.keyfile
        shared = replace(
            kf,
            slots=tuple(s for s in kf.slots if s.kind == "recovery"),
            pending_nonce=None,
            pending_ciphertext=None,
        )
        return EnrollmentKit(
            server_url=self.paths.server_url_file.read_text().strip(),
            keyfile=dump_keyfile(shared, self.current_mark()),
            mwk=self.keyring.mwk_for_same_install(),
        )

    def _check_workstation(self) -> None:
        """On a server: refuse a removed workstation, note a known one as seen, and let a
        folder the server does not know record itself only while the server's list is empty
        (services.workstations says why; otherwise refused: join with a code). With a tampered
        trail nothing is recorded."""
        here = read_here(self.paths)
        state = check_on_open(self.store, here, self.ctx.now)
        if state.revoked_message is not None:
            assert here is not None
            if self.ctx.tampered is None:
                self.workstations.refuse_removed(here, state.revoked_message)
            raise WorkstationRevokedError(state.revoked_message)
        if state.known or self.ctx.tampered is not None:
            return
        me = here or new_here(self.ctx.workstation)
        self.workstations.register_self(me)
        write_here(self.paths, me)

    def _start_trail(self, root: bytes) -> None:
        with self.store.unit_of_work() as db:
            written = start_chain(db, self.ctx, self.keyring.keyfile.install_id, root)
        self.ctx.committed(written)

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
        server_ca: Path | None = None,
        owner_url: str | None = None,
        clinic: dict[str, str] | None = None,
        clock: Clock = utc_now,
        workstation_name: str | None = None,
    ) -> tuple[Installation, str]:
        """Create keys, database and administrator. Returns the installation and the recovery
        key, which is shown to the user once and stored nowhere.

        ``server_ca`` is the clinic's CA certificate, required for a server on another
        computer: it is copied into the data folder and checks the server from then on.
        ``owner_url`` (server only, used once and kept nowhere) is the database owner's
        account, which creates the tables; ``server_url`` is the application account the
        workstation works as from then on (db.server_roles). On a server this computer is the
        first on the list of workstations, as ``workstation_name`` (default: its host name)."""
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
        # Refused before anything is written or any connection is tried.
        ca_pem = check_server_choice(server_url, server_ca) if server_url else None
        if server_url and not owner_url:
            raise KnownError(NEEDS_OWNER)
        kr = KeyRing.create(KeyMaterial.generate())
        if passphrase:
            kr.set_passphrase_slot(passphrase)
        recovery = kr.new_recovery_key()
        # The audit root key: only the recovery key and the founding administrator's password
        # unwrap it; no workstation slot does (security.audit_root).
        root = new_root()
        kr.keyfile = replace(
            kr.keyfile, audit_root=wrap_root(root, rk.normalize(recovery), "recovery")
        )
        make_private_dir(paths.root)
        created: list[Path] = []
        try:
            if secret_store is not None:
                kr.set_keyring_slot(secret_store)
            save_keyfile(paths.keys, kr.keyfile)
            created.append(paths.keys)
            if server_url:
                ca_copy = None
                if ca_pem is not None:
                    created.append(paths.server_ca_file)
                    write_private_file(paths.server_ca_file, ca_pem)
                    ca_copy = paths.server_ca_file
                created.append(paths.server_url_file)
                write_private_file(paths.server_url_file, server_url.encode())
                assert owner_url is not None
                store = _app_store(server_url, ca_copy, shown_ca=server_ca)
                _create_tables(owner_url, ca_copy, server_ca, store)
            else:
                created.append(paths.database)
                engine = sqlcipher_engine(paths.database, kr.material.db_key, create=True)
                store = Store(engine, path=paths.database, key=kr.material.db_key)
                migrate.upgrade(store.engine)
            inst = cls(paths=paths, keyring=kr, store=store, clock=clock)
            inst._start_trail(root)
            first = inst.setup.create_first_admin(
                kr.keyfile.install_id,
                admin.username,
                admin.display_name,
                admin.password,
                audit_root=wrap_root(root, admin.password, "admin"),
            )
            if server_url:
                # The first of the clinic server's workstations (issue 15).
                me = new_here(workstation_name or inst.ctx.workstation)
                inst.workstations.register_self(me, founded_by=first.id)
                created.append(paths.workstation_file)
                write_here(paths, me)
        except BaseException:
            if "store" in locals():
                store.close()
            for path in created:
                for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    extra.unlink(missing_ok=True)
            Path(f"{paths.keys}.lock").unlink(missing_ok=True)
            raise
        if clinic:
            # Settings are written by the administrator who now exists.
            session = inst.auth.login(admin.username, admin.password)
            inst.setup.update_settings(session, clinic)
            inst.auth.logout(session)
        return inst, recovery

    @classmethod
    def open(
        cls,
        paths: DataPaths,
        how: Unlock,
        *,
        clock: Clock = utc_now,
        busy_timeout: float = 5.0,
        check_workstation: bool = True,
    ) -> Installation:
        """Unlock and open the data folder. On a server the folder's workstation is checked
        (``check_workstation``; off only while a workstation joins: services.workstation_join)."""
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
            ca = _server_ca(paths, url)
            store = _app_store(url, ca)
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
        inst: Installation | None = None
        try:
            if not server:
                try:
                    make_private_dir(paths.backups)
                except OSError:
                    pass  # a read-only folder: the database reports it in plain words below
            backup_path = migrate.ensure_current(
                store.engine,
                backup=None
                if server
                else (lambda dest: _copy_scrubbed(store.engine, key, kr.material.audit_key, dest)),
                backup_dir=None if server else paths.backups,
                upgrade_here=not server,
            )
            inst = cls(
                paths=paths, keyring=kr, store=store, clock=clock, upgrade_backup=backup_path
            )
            found = inst._stored_install_id()
            if found is not None and found != keyfile.install_id:
                raise KeyStoreError(
                    "The key file in this folder belongs to another medrec database. "
                    "Nothing was changed."
                )
            inst._check_mark()
            if server and check_workstation:
                inst._check_workstation()
        except BaseException:
            if inst is not None:
                inst._marks.close()
                if inst._in_use is not None:
                    inst._in_use.release()
            store.close()
            raise
        return inst

    def close(self) -> None:
        self._marks.close()
        self.store.close()
        if self._in_use is not None:
            self._in_use.release()

    @contextmanager
    def sole_user(self) -> Iterator[None]:
        """While the block runs no other window or program on this computer has the local
        file open (refused with db.inuse.IN_USE, nothing changed); this installation keeps
        its own connections (a move to a clinic server reads the file meanwhile)."""
        path = self.store.path
        if path is None:
            yield
            return
        if self._in_use is not None:
            self._in_use.release()
        try:
            with Exclusive(path):
                yield
        finally:
            self._in_use = InUse(path)

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
        self.store.close()
        if self._in_use is not None:
            self._in_use.release()
        try:
            with Exclusive(path):  # nobody else may have the file open while it is re-encrypted
                self.keyring.set_pending(new)
                save_keyfile(self.paths.keys, self.keyring.keyfile)
                rekey_file(path, old.db_key, new.db_key)
        except BaseException:
            # Refused (someone else has the file open) or interrupted: keep working with
            # whichever key the file now answers to; `open` finishes a rotation left pending.
            for key in (old.db_key, new.db_key):
                try:
                    self._reopen(key)
                    break
                except KnownError:
                    continue
            raise
        self.keyring.commit_pending()
        save_keyfile(self.paths.keys, self.keyring.keyfile)
        self._reopen(new.db_key)
        self.maintenance.authorize(
            session, "rekey: done; database key replaced, every key slot kept"
        )

    def _reopen(self, key: bytes) -> None:
        path = self.store.path
        assert path is not None
        self.store = Store(open_local_engine(path, key, 5.0), path=path, key=key)
        self.ctx.store = self.store
        self._in_use = InUse(path)

    def save_keys(self) -> None:
        save_keyfile(self.paths.keys, self.keyring.keyfile)

    def set_passphrase(self, session: UserSession, passphrase: str) -> None:
        """Add or replace the workstation passphrase slot (administrators), recorded."""
        had = self.keyring.keyfile.slot("passphrase") is not None
        what = "replaced" if had else "added"
        # Recorded first: a change that cannot be recorded is not made.
        self.maintenance.authorize(session, f"keys: workstation passphrase slot {what}")
        self.keyring.set_passphrase_slot(passphrase)
        self.save_keys()

    def new_recovery_key(self, session: UserSession, password: str | None) -> str:
        """Replace the recovery key (administrators); returns the new key, shown once.

        The audit root key moves to the new recovery key when the administrator's ``password``
        unwraps it; otherwise the new recovery key does not hold it (the old one must not).
        """
        root = self.audit.root_key(session, password) if password else None
        held = (
            "it holds the audit root key"
            if root is not None
            else "it does not hold the audit root key"
        )
        # Recorded before the old key stops working: if recording fails nothing has changed.
        self.maintenance.authorize(
            session, f"keys: recovery key replaced (the old one no longer opens); {held}"
        )
        key = self.keyring.new_recovery_key()
        wrapped = wrap_root(root, rk.normalize(key), "recovery") if root is not None else None
        self.keyring.keyfile = replace(self.keyring.keyfile, audit_root=wrapped)
        self.save_keys()
        return key

    def recover_here(self, secret_store: SecretStore | None, passphrase: str | None) -> None:
        """After unlocking with the recovery key on a new computer: give this computer its own
        way in (keyring, else a new workstation passphrase), recorded as the recovery key
        holder's act."""
        if secret_store is not None:
            what = "keyring slot for this computer set"
        elif passphrase is not None:
            what = "workstation passphrase slot set"
        else:
            raise KnownError("Choose the OS keyring or a new workstation passphrase.")
        # Recorded first: a change that cannot be recorded is not made.
        self.maintenance.record_key_change(
            RECOVERY_HOLDER, f"keys recover: unlocked with the recovery key; {what}"
        )
        if secret_store is not None:
            self.keyring.set_keyring_slot(secret_store)
        elif passphrase is not None:
            self.keyring.set_passphrase_slot(passphrase)
        self.save_keys()

    def verify_audit(
        self,
        session: UserSession,
        *,
        password: str | None = None,
        recovery_key: str | None = None,
        against: Sequence[Path | str] = (),
    ) -> ChainReport:
        """``audit verify``: with the administrator's password or the recovery key the
        forward-secure MACs are checked too; ``against`` takes backup files or printed marks."""
        root = self._root_from_recovery(recovery_key) if recovery_key is not None else None
        marks = [self._mark_from(item) for item in against]
        return self.audit.verify(session, password=password, root=root, against=marks)

    def verify_audit_unrecorded(
        self,
        username: str,
        password: str,
        *,
        full: bool = False,
        recovery_key: str | None = None,
        against: Sequence[Path | str] = (),
    ) -> ChainReport:
        """``audit verify`` when the trail is too damaged to record anything in (every audited
        call is refused): an administrator's credentials are checked without recording, and
        the same verification runs read-only, so the damage can still be named."""
        session = self._admin_offline(username, password)
        root = self._root_from_recovery(recovery_key) if recovery_key is not None else None
        marks = [self._mark_from(item) for item in against]
        with self.store.unit_of_work() as db:
            if full and root is None:
                user = db.get(User, session.user_id)
                if user is None or user.audit_root is None:
                    raise ValidationError(
                        "Your account does not hold the audit root key. Verify with the "
                        "recovery key (--recovery) instead.",
                        field="password",
                    )
                root = unwrap_root(user.audit_root, password)
            return verification(db, self.ctx, root=root, against=marks)

    def _root_from_recovery(self, recovery_key: str) -> bytes:
        blob = self.keyring.keyfile.audit_root
        if blob is None:
            raise KnownError(
                "This recovery key does not hold the audit root key (it was replaced "
                "without an administrator's password). Verify with an administrator's "
                "password instead."
            )
        try:
            return unwrap_root(blob, rk.normalize(recovery_key))
        except WrongKeyError as err:
            raise WrongKeyError("That recovery key does not fit this installation.") from err

    def _mark_from(self, item: Path | str) -> audit_mark.Mark:
        if isinstance(item, str) and not Path(item).exists():
            return audit_mark.parse_text(item)
        path = Path(item)
        manifest = read_manifest(path)
        if manifest.get("install_id") != self.keyring.keyfile.install_id:
            raise BackupError(f"{path.name} is a backup of another medrec installation.")
        mark = audit_mark.from_json(manifest.get("audit_mark"))
        if mark is None:
            raise BackupError(
                f"{path.name} carries no audit high-water mark (it was made by an older "
                "version of medrec-desktop)."
            )
        if not audit_mark.is_sealed(mark, self._audit_key, self.keyring.keyfile.install_id):
            raise BackupError(
                f"The audit high-water mark in {path.name} was altered: do not trust this copy."
            )
        return mark

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
        if self.store.is_server:
            try:
                self._backup_server(session, work / "backup.zip", progress)
                os.replace(work / "backup.zip", out)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            return out
        try:
            db_copy = work / "medrec.db"
            self.maintenance.copy_to(session, db_copy, progress)
            assert self.store.key is not None
            scrub_forward_key(db_copy, self.store.key, self._audit_key)
            assert self.store.key is not None
            install_id = self.keyring.keyfile.install_id
            report = verify_database_file(db_copy, self.keyring.material, install_id)
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
            if report.audit_mark is not None:
                # The trail's high-water mark at this moment, kept wherever the backup is
                # kept: `medrec audit verify --against BACKUP` checks the trail still holds it.
                seq, link = report.audit_mark
                manifest["audit_mark"] = audit_mark.seal(
                    self._audit_key, install_id, seq, link
                ).as_json()
            with backup_target_errors():
                write_backup_zip(work, out, db_copy, dump_keyfile(self.keyring.keyfile), manifest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return out

    def _backup_server(
        self, session: UserSession, zip_path: Path, progress: Progress | None
    ) -> None:
        """pg_dump the clinic's schema, encrypted, into ``zip_path``; check it in a scratch
        database; then add the manifest and key file (services/server_backup.py)."""
        server = server_from_url(self.store.engine.url)
        material = self.keyring.material
        install_id = self.keyring.keyfile.install_id
        taken: list[server_backup.Snapshot] = []

        def write() -> None:
            with backup_target_errors():
                taken.append(
                    server_backup.dump_into(
                        self.store.engine, server, material.db_key, zip_path, progress
                    )
                )

        self.maintenance.dump_server(session, write)
        snapshot = taken[0]
        report = server_backup.verify_in_scratch(
            zip_path, server, material.db_key, self._audit_key, install_id, snapshot
        )
        if not report.ok:
            raise BackupError("The backup copy did not verify: " + "; ".join(report.problems))
        seq, link = snapshot.head
        manifest: dict[str, object] = {
            "format": BACKUP_FORMAT,
            "version": 1,
            "kind": server_backup.KIND,
            "created": utc_now().isoformat(timespec="seconds"),
            "app_version": __version__,
            "schema": migrate.head_revision(),
            "install_id": install_id,
            "server_version": snapshot.server_version,
            "pg_schema": server.schema,
            "row_counts": report.row_counts,
            "audit_mark": audit_mark.seal(self._audit_key, install_id, seq, link).as_json(),
        }
        with backup_target_errors():
            server_backup.finish_manifest(zip_path, manifest, dump_keyfile(self.keyring.keyfile))

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
        server_url: str | None = None,
        owner_url: str | None = None,
    ) -> Installation:
        """Replace (or, on a new machine, create) the database from a verified backup file.

        Where a database already exists, an administrator must sign in to it first and the
        current file is kept in backups/ before being replaced. A server backup is restored
        into an empty database only (``server_url``, or this folder's server), by the database
        owner's account ``owner_url`` (used once, kept nowhere).
        """
        manifest = read_manifest(backup_file)
        if manifest.get("kind") == server_backup.KIND:
            return cls._restore_server(
                paths,
                backup_file.expanduser(),
                manifest,
                how,
                username,
                password,
                server_url,
                owner_url,
            )
        if server_url is not None or paths.server_url_file.exists():
            raise BackupError(
                f"{backup_file.name} is a backup of a one-computer database file, not of a "
                "clinic server. Restore it into an empty data folder on one computer (medrec "
                "--data-dir NEW restore FILE); nothing was changed."
            )
        manifest, keyfile_bytes, db_bytes_path, work = unpack_backup(paths, backup_file)
        try:
            backup_keys = parse_keyfile(keyfile_bytes, "backup's key file")
            current: Installation | None = None
            session: UserSession | None = None
            tampered: str | None = None
            replaced: audit_mark.Mark | None = None
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
                except AuditTamperedError as err:
                    # Nothing can be recorded in a tampered trail, and restoring the last good
                    # backup is the way out: check the administrator without recording.
                    try:
                        session = current._admin_offline(username, password)
                    except BaseException:
                        current.close()
                        raise
                    tampered = err.message
                except BaseException:
                    current.close()
                    raise
                replaced = current.current_mark()
            try:
                if current is not None and current.keyring.keyfile.install_id == (
                    backup_keys.install_id
                ):
                    backup_kr = KeyRing(backup_keys, current.keyring.mwk_for_same_install())
                else:
                    backup_kr = unlock_keyfile(backup_keys, how)
                material = backup_kr.material
                # The restored trail's forward-secure MACs continue from the audit root key
                # (copies never hold the evolving key), so it is needed before anything changes.
                root = _root_for_restore(current, username, password, how, backup_keys)
                report = verify_database_file(
                    db_bytes_path, material, backup_keys.install_id, root=root
                )
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
                    keep = paths.backups / f"pre-restore-{utc_now():%Y%m%dT%H%M%S%fZ}.medrec.db"
                    make_private_dir(paths.backups)
                    assert session is not None
                    if tampered is None:
                        current.maintenance.copy_to(session, keep)
                    else:
                        assert current.store.key is not None
                        copy_database(current.store.engine, current.store.key, keep)
                    assert current.store.key is not None
                    scrub_forward_key(keep, current.store.key, current._audit_key)
                    if material.db_key != target_kr.material.db_key:
                        rekey_file(db_bytes_path, material.db_key, target_kr.material.db_key)
                    current.close()
                else:
                    target_kr = backup_kr
                    make_private_dir(paths.root)
                # Nobody else may be working on the file being replaced: their work (and
                # their audit mark) would land in the old trail.
                try:
                    with Exclusive(paths.database):
                        for suffix in ("-wal", "-shm"):
                            Path(f"{paths.database}{suffix}").unlink(missing_ok=True)
                        os.replace(db_bytes_path, paths.database)
                except KnownError:
                    if current is not None:
                        keep.unlink(missing_ok=True)  # nothing was replaced: no copy to keep
                    raise
                if current is None:
                    save_keyfile(paths.keys, target_kr.keyfile)
            except BaseException:
                if current is not None:
                    current.close()
                raise
            inst = cls._open_with(paths, target_kr)
            inst._rebuild_forward_key(root)
            # The trail is now older than the mark outside the database: start the mark from
            # the restored trail, and record in it the mark of the trail it replaced.
            if report.audit_mark is not None:
                inst._reset_mark(*report.audit_mark)
            # The replaced trail's mark goes first, in a fixed form (services/audit.py reads it
            # back), and only when it is genuinely sealed; the file name comes last.
            restored_seq = report.audit_mark[0] if report.audit_mark is not None else 0
            what = "restore: done"
            if replaced is not None and audit_mark.is_sealed(
                replaced, inst._audit_key, inst.keyring.keyfile.install_id
            ):
                what += (
                    f"; replaced trail at #{replaced.seq} link {replaced.link}; "
                    f"restored trail at #{restored_seq}"
                )
            else:
                what += "; the replaced trail's mark was missing or not genuine"
            if tampered is not None:
                what += "; the replaced trail had been tampered with"
            what += f"; from {backup_file.name[:40]}"
            if session is not None:
                inst.maintenance.authorize(session, what)
            else:
                inst.maintenance.record_key_change(
                    RECOVERY_HOLDER if how.recovery_key else "restore without sign-in",
                    what + " into an empty data folder",
                )
            return inst
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @classmethod
    def _restore_server(
        cls,
        paths: DataPaths,
        backup_file: Path,
        manifest: dict[str, object],
        how: Unlock,
        username: str | None,
        password: str | None,
        server_url: str | None,
        owner_url: str | None,
    ) -> Installation:
        """Restore a server backup into an empty database, check it there, then open it.

        The whole file is decrypted (and authenticated) once before anything is restored; the
        restore is one transaction; a restored copy that fails the checks is removed again.
        """
        # A folder moved to its server keeps its old file beside server.url; it is a server's.
        if paths.database.exists() and not paths.server_url_file.exists():
            raise BackupError(
                f"{paths.root} holds a one-computer database file; a server backup is "
                "restored into a data folder of its own (--data-dir). Nothing was changed."
            )
        if server_url is None and paths.server_url_file.exists():
            server_url = paths.server_url_file.read_text().strip()
        if not server_url:
            raise BackupError(
                f"{backup_file.name} is a backup of a clinic server: say which empty database "
                "to restore it into (medrec restore FILE --server postgresql://user@host/db)."
            )
        if not owner_url:
            raise BackupError(
                "Restoring a server backup creates the clinic's tables, which only the "
                "database owner's account may do: give it with --owner "
                "postgresql://medrec_owner@host/database (medrec server setup creates it). "
                "Nothing was changed."
            )
        if not how.recovery_key and not (username and password):
            raise BackupError(
                "Restoring needs the audit root key, so that the restored audit trail stays "
                "verifiable: give the founding administrator's name and password (--user, "
                "MEDREC_PASSWORD) or the recovery key (MEDREC_RECOVERY_KEY). Nothing was changed."
            )
        try:
            with zipfile.ZipFile(backup_file) as zf:
                backup_keys = parse_keyfile(zf.read("medrec.keys"), "backup's key file")
        except (zipfile.BadZipFile, KeyError, OSError) as err:
            raise BackupError(f"{backup_file.name} is damaged or not a medrec backup.") from err
        install_id = backup_keys.install_id
        if paths.keys.exists():
            current_keys = load_keyfile(paths.keys)
            if current_keys.install_id != install_id:
                raise BackupError(
                    "This backup belongs to another medrec installation than this data folder's "
                    "key file; restore it into an empty data folder instead. Nothing was changed."
                )
            target_kr = unlock_keyfile(current_keys, how)
            backup_kr = KeyRing(backup_keys, target_kr.mwk_for_same_install())
        else:
            backup_kr = unlock_keyfile(backup_keys, how)
            target_kr = backup_kr
        material = backup_kr.material
        if target_kr.material.audit_key != material.audit_key:
            raise BackupError("This backup belongs to another medrec installation.")
        head = server_backup.manifest_mark(manifest, material.audit_key, install_id)
        counts = server_backup.manifest_counts(manifest)
        source_schema = str(manifest.get("pg_schema") or "public")
        # A cut or altered file is refused here, before anything reaches the server.
        server_backup.check_dump_file(backup_file, material.db_key)

        # The restore runs as the owner (a superuser acts as the owner for it), so what it
        # creates is the owner's and the application account gets its usual rights.
        ca = _server_ca(paths, server_url) if paths.server_ca_file.exists() else None
        # The workstations' account is checked first: a restore into a folder that would then
        # refuse to open (a superuser's or the owner's address) is refused before it starts.
        _app_store(server_url, ca).close()
        probe = postgres_engine(owner_url, ca_cert=ca)  # adds TLS for remote hosts
        try:
            with probe.begin() as conn:
                owner_role = server_roles.act_as_owner(conn)
        finally:
            probe.dispose()
        target = replace(server_from_url(probe.url), role=owner_role)
        found = pg_tables_in(target, target.schema)
        if found:
            raise BackupError(
                f"The database {_label(server_url)} is not empty: schema {target.schema} already "
                f"has {len(found)} tables (for example {found[0]}). A backup is restored only "
                "into an empty database, so nothing is overwritten. Create a new empty database "
                "and restore into it. Nothing was changed."
            )
        if source_schema != target.schema and pg_schema_exists(target, source_schema):
            raise BackupError(
                f"The database {_label(server_url)} already has a schema named "
                f"{source_schema}, which the backup would create. Restore into a new empty "
                "database. Nothing was changed."
            )
        target_existed = pg_schema_exists(target, target.schema)
        if source_schema == target.schema and target_existed:
            # The dump creates its schema itself; the empty one (checked above) makes way.
            pg_empty_schema(target, target.schema, recreate=False, cascade=False)
        restored_into = source_schema
        try:
            pg_restore_stream(target, server_backup.dump_chunks(backup_file, material.db_key))
            pg_move_schema(target, source_schema, target.schema)
            restored_into = target.schema
            if how.recovery_key:
                root = _root_for_restore(None, None, None, how, backup_keys)
            else:
                assert username is not None and password is not None
                root = server_backup.root_from_restored(target, username, password)
            report = server_backup.check_restored(
                target, material.audit_key, install_id, head, counts, root
            )
            if not report.ok:
                raise BackupError(
                    "The restored copy does not verify, so it was removed again: "
                    + "; ".join(report.problems)
                )
            _grant_app(owner_url, ca, server_url, target.schema)
        except BaseException:
            # Nothing stays behind: the database is as empty as it was found.
            if restored_into == target.schema:
                pg_empty_schema(target, target.schema, recreate=target_existed)
            else:
                pg_empty_schema(target, restored_into, recreate=False)
            raise
        make_private_dir(paths.root)
        if not paths.keys.exists():
            save_keyfile(paths.keys, target_kr.keyfile)
        write_private_file(paths.server_url_file, server_url.encode())
        store = _app_store(server_url, ca)
        inst = cls(paths=paths, keyring=target_kr, store=store)
        inst._rebuild_forward_key(root)
        inst._reset_mark(*head)
        what = f"restore: done; server backup, restored trail at #{head[0]}"
        what += f"; from {backup_file.name[:40]}"
        if username and password and not how.recovery_key:
            inst.maintenance.authorize(inst._admin_offline(username, password), what)
        else:
            inst.maintenance.record_key_change(RECOVERY_HOLDER, what + " into an empty database")
        inst._record_restoring_workstation()
        return inst

    def _record_restoring_workstation(self) -> None:
        """After a server restore: the folder the restore ran in is on the restored list (it
        records itself if the backup predates it: the restore is an administrator's act), so
        it opens; other folders the list does not hold join again with codes."""
        here = read_here(self.paths)
        state = check_on_open(self.store, here, self.ctx.now)
        if state.known or self.ctx.tampered is not None:
            return
        me = here or new_here(self.ctx.workstation)
        self.workstations.register_self(me, restored=True)
        write_here(self.paths, me)

    def _rebuild_forward_key(self, root: bytes) -> None:
        """Give a restored trail its forward-secure key again: the key for the next event
        follows from the audit root key and the number of events (security.audit_chain)."""
        with self.store.unit_of_work() as db:
            conn = db.connection()
            row = conn.execute(select(AuditHead.seq, AuditHead.mac)).first()
            if row is None:
                return
            key = root
            for _ in range(row[0]):
                key = fs_evolve(key)
            conn.execute(
                update(AuditHead)
                .where(AuditHead.id == 1)
                .values(
                    fs_key=key.hex(),
                    head_mac=head_mac(self._audit_key, row[0], row[1], key.hex()),
                )
            )

    def _check_mark(self) -> None:
        """Compare the trail with the high-water mark kept outside it, once, on opening.

        A trail that no longer holds the mark (an older file put back, events cut) or a mark
        removed or forged puts the installation in the tampered state: nothing more is
        recorded, so nothing is saved, and the mark is never overwritten, until an
        administrator restores a backup or resets the mark (``medrec audit reset-mark``).
        """
        mark = audit_mark.read_from_keyfile(self.paths.keys)
        problem: str | None = None
        if mark is None:
            problem = "the high-water mark kept outside the database is missing"
        elif not audit_mark.is_sealed(mark, self._audit_key, self.keyring.keyfile.install_id):
            problem = "the high-water mark kept outside the database was altered"
        else:
            try:
                with self.store.engine.connect() as conn:
                    here = conn.execute(
                        select(AuditEvent.mac).where(AuditEvent.seq == mark.seq)
                    ).scalar()
            except sa_exc.SQLAlchemyError:
                log.warning("the audit mark could not be compared on opening", exc_info=True)
                return  # a damaged file: `verify` names the damage
            if here is None:
                problem = (
                    f"the trail ends before event #{mark.seq}, which the high-water mark kept "
                    "outside the database names: the file was rolled back or cut"
                )
            elif not same_digest(mark.link, here):
                problem = (
                    f"event #{mark.seq} differs from the high-water mark kept outside the "
                    "database: the trail was rewritten or replaced"
                )
        self.ctx.tampered = problem

    def reset_mark(self, username: str, password: str, reason: str) -> audit_mark.Mark:
        """An administrator moves the mark to the trail as it is now (after a server restore
        with the server's own tools, or after investigating an alarm), recorded with the mark
        it replaced and the reason."""
        reason = reason.strip()
        if len(reason) < 10:
            raise ValidationError(
                "Say in a few words why the mark is reset (at least 10 characters); it is "
                "recorded.",
                field="reason",
            )
        session = self._admin_offline(username, password)
        old = audit_mark.read_from_keyfile(self.paths.keys)
        with self.store.engine.connect() as conn:
            row = conn.execute(select(AuditHead.seq, AuditHead.mac)).first()
        if row is None:
            raise AuditTamperedError(
                "The audit trail has no head record: restore the last good backup instead."
            )
        self._reset_mark(row[0], row[1])
        self.ctx.tampered = None
        was = f"#{old.seq} link {old.link}" if old is not None else "missing"
        try:
            self.maintenance.authorize(
                session, f"audit: high-water mark reset (it was {was}); reason: {reason}"[:200]
            )
        except KnownError:
            # Not recordable (the trail itself is damaged): undo, so nothing changes unrecorded.
            if old is not None:
                audit_mark.write_into_keyfile(self.paths.keys, old, force=True)
            self._check_mark()
            raise
        mark = self.current_mark()
        assert mark is not None
        return mark

    def _stored_install_id(self) -> str | None:
        """Which installation the database says it is, read without recording: opening must
        work on a trail too damaged to record in, so that it can be verified and restored."""
        with self.store.unit_of_work() as db:
            row = db.get(AppMeta, "install_id")
            return row.value if row is not None else None

    def _admin_offline(self, username: str, password: str) -> UserSession:
        """An administrator's credentials checked without writing to the (tampered) trail.

        Throttled like a sign-in, in a transaction that touches only the throttle table:
        otherwise breaking the trail on purpose would open unlimited, unrecorded guessing.
        Failures also go to the application log (no password, no patient data).
        """
        name = normalize_username(username)[:64]
        with self.store.unit_of_work() as db:
            now = self.ctx.now()
            throttle = db.get(LoginThrottle, name)
            wait = pause_left(now, throttle)
            if wait is not None:
                raise AccountLockedError(wait_message(wait))
            user = db.execute(select(User).where(User.username == name)).scalar()
            ok = passwords.verify_password(user.password_hash if user else None, password)
            failed = not ok or user is None or not user.active
            if failed:
                count_failure(db, now, name, throttle)
                log.warning("unrecorded administrator check failed (trail not recordable)")
            elif throttle is not None:
                db.delete(throttle)
            session = None
            if not failed and user is not None and Role(user.role) is Role.ADMIN:
                session = UserSession(
                    user_id=UserId(user.id),
                    username=user.username,
                    display_name=user.display_name,
                    role=Role.ADMIN,
                    started_at=utc_now(),
                )
        if failed:
            raise AuthenticationError(LOGIN_FAILED)
        if session is None:
            raise PermissionDeniedError(
                "Only an administrator can do this while the audit trail cannot record."
            )
        return session

    @classmethod
    def _open_with(cls, paths: DataPaths, kr: KeyRing) -> Installation:
        key = kr.material.db_key
        store = Store(open_local_engine(paths.database, key, 5.0), path=paths.database, key=key)
        return cls(paths=paths, keyring=kr, store=store)


def _root_for_restore(
    current: Installation | None,
    username: str | None,
    password: str | None,
    how: Unlock,
    backup_keys: KeyFile,
) -> bytes:
    """The audit root key, from the signing-in administrator's own copy or the recovery key."""
    if current is not None and username and password:
        with current.store.engine.connect() as conn:
            blob = conn.execute(
                select(User.audit_root).where(User.username == normalize_username(username))
            ).scalar()
        if blob is not None:
            try:
                return unwrap_root(blob, password)
            except WrongKeyError:
                pass  # a changed password without the copy following: try the recovery key
    wrapped = [backup_keys.audit_root]
    if current is not None:  # the recovery key may have been replaced since the backup
        wrapped.insert(0, current.keyring.keyfile.audit_root)
    if how.recovery_key:
        for blob in wrapped:
            if blob is None:
                continue
            try:
                return unwrap_root(blob, rk.normalize(how.recovery_key))
            except WrongKeyError:
                continue
    raise BackupError(
        "Restoring needs the audit root key, so that the restored audit trail stays "
        "verifiable: sign in as an administrator who holds it (the founding administrator) "
        "or give the recovery key (MEDREC_RECOVERY_KEY). Nothing was changed."
    )


def _copy_scrubbed(engine: Any, key: bytes, audit_key: bytes, dest: Path) -> None:
    copy_database(engine, key, dest)
    scrub_forward_key(dest, key, audit_key)


def check_server_choice(url: str, ca_cert: Path | None) -> bytes | None:
    """Check a server address and CA certificate file before anything is created (the
    wizard's server page and ``medrec init --server``): a KnownError in plain words for a bad
    address, a weaker sslmode to another computer, or a missing or unreadable CA certificate.
    Returns the certificate's bytes, to be copied into the data folder."""
    pem = None
    if ca_cert is not None:
        try:
            pem = ca_cert.read_bytes()
        except OSError as err:
            raise ServerConnectionError(server_tls.NOT_A_CA.format(ca=ca_cert)) from err
        server_tls.check_ca_certificate(pem, str(ca_cert))
    server_tls.server_target(url, ca_cert)
    return pem


NEEDS_OWNER = (
    "Creating the clinic's tables on the server needs the database owner's account as well as "
    "the application account: give it with --owner postgresql://medrec_owner@host/database "
    "(medrec server setup creates both). It is used once and kept nowhere."
)


def _app_store(url: str, ca: Path | None, *, shown_ca: Path | None = None) -> Store:
    """The day-to-day connection to a clinic server, refused (closed again) when its account
    could change or erase the audit trail (db.server_roles)."""
    store = Store(postgres_engine(url, ca_cert=ca, shown_ca=shown_ca), server_label=_label(url))
    try:
        with translated_errors(), store.engine.connect() as conn:
            server_roles.check_app_role(conn)
    except BaseException:
        store.close()
        raise
    return store


def upgrade_server(paths: DataPaths, owner_url: str) -> tuple[str, str]:
    """Migrate this folder's clinic server to this version's schema as the database owner
    (``medrec server upgrade``); the workstations' application account may not. Returns the
    schema revisions before and after."""
    url = paths.server_url_file.read_text().strip()
    ca = _server_ca(paths, url)
    check_server_choice(owner_url, ca)
    engine = postgres_engine(owner_url, ca_cert=ca)
    try:
        before = migrate.current_revision(engine)
        if before is None:
            raise DatabaseFileError(
                f"The database {_label(owner_url)} holds no medrec tables; nothing was changed. "
                "Check the address (a new clinic server is made with medrec init --server)."
            )
        if before not in migrate.known_revisions():
            raise SchemaTooNewError(
                f"The server's tables were made by a newer version of medrec (schema {before}); "
                "nothing was changed."
            )
        migrate.upgrade(engine)  # also locks the append-only tables down again
    finally:
        engine.dispose()
    return before, migrate.head_revision()


def _grant_app(owner_url: str, ca: Path | None, app_url: str, schema: str) -> None:
    """After a restore: the application account named by ``app_url`` may read and write the
    restored tables again (append-only ones: INSERT and SELECT only)."""
    from sqlalchemy.engine.url import make_url

    app = make_url(app_url).username
    if not app:
        raise BackupError(
            "The server address names no account; give the application account's address "
            "(postgresql://medrec_app@host/database). Nothing was changed."
        )
    owner = postgres_engine(owner_url, ca_cert=ca)
    try:
        with translated_errors(), owner.begin() as conn:
            server_roles.grant_app(conn, app, schema)
    finally:
        owner.dispose()


def _create_tables(owner_url: str, ca: Path | None, shown_ca: Path | None, app: Store) -> None:
    """Run the migrations as the owner, then make sure the application account sees them (the
    two addresses must name one database)."""
    check_server_choice(owner_url, shown_ca)
    owner = postgres_engine(owner_url, ca_cert=ca, shown_ca=shown_ca)
    try:
        migrate.upgrade(owner)
    finally:
        owner.dispose()
    if migrate.current_revision(app.engine) != migrate.head_revision():
        raise KnownError(
            "The owner's address and the application account's address name different "
            "databases (the application account does not see the tables the owner made). "
            "Give both the same host, port and database name."
        )
    with translated_errors(), app.engine.connect() as conn:
        server_roles.check_app_role(conn)


def with_password(address: str, password: str) -> str:
    """A server address with ``password`` put in, when it has none (typed apart in the wizard,
    so it is never shown); an address that does not parse is left for the checks to explain."""
    from sqlalchemy.engine.url import make_url

    if not address or not password:
        return address
    try:
        url = make_url(address)
    except Exception:
        return address
    if url.password is not None:
        return address
    return url.set(password=password).render_as_string(hide_password=False)


def _server_ca(paths: DataPaths, url: str) -> Path | None:
    """The data folder's copy of the clinic's CA certificate; its absence is said in plain
    words when the server is on another computer."""
    ca = paths.server_ca_file
    if ca.exists():
        return ca
    target = server_tls.server_target(url, ca)
    if target.remote:
        raise ServerConnectionError(server_tls.CA_MISSING.format(ca=ca, host=target.host))
    return None


def _label(url: str) -> str:
    """Server URL without credentials, for display."""
    from sqlalchemy.engine.url import make_url

    try:
        u = make_url(url)
        return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"
    except Exception:
        return "server"


__all__ = [
    "Installation",
    "NewAdmin",
    "Unlock",
    "check_server_choice",
    "unlock_keyfile",
    "upgrade_server",
    "with_password",
    "verify_database_file",
]
