"""Administrator maintenance: integrity verification, backups, key rotation records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine

from medrec_desktop.db.backup import (
    checking_connection,
    copy_database,
    row_counts,
    sqlite_integrity_problems,
)
from medrec_desktop.domain.dto import IntegrityReport
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import BackupError
from medrec_desktop.security.audit_chain import ChainReport
from medrec_desktop.services.audit import (
    ChainCheck,
    check_chain,
    check_chain_on_driver_connection,
    outside_marks,
)
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.row_identity_guards import row_identity_problem
from medrec_desktop.services.signed_lock_guards import signed_lock_problem
from medrec_desktop.services.version_guards import version_guard_problem

Progress = Callable[[int, int], None]


def integrity_report(
    op_db_engine_problems: list[str], counts: dict[str, int], chain: str, chain_ok: bool
) -> IntegrityReport:
    problems = list(op_db_engine_problems)
    if not chain_ok:
        problems.append(chain)
    return IntegrityReport(not problems, tuple(problems), counts, chain)


def _local_chain(engine: Engine, key: bytes, check: ChainCheck) -> ChainReport:
    with checking_connection(engine) as conn:
        try:
            return check_chain_on_driver_connection(conn, key, check)
        except sqlcipher.Error as err:
            return ChainReport(
                False, 0, None, f"the audit events could not be read ({err})", unreadable=True
            )


class MaintenanceService(Service):
    @audited(Action.QUERY, DataCategory.BACKUP)
    def verify_database(self, op: Op) -> IntegrityReport:
        store = op.ctx.store
        conn = op.db.connection()
        marks, mark_problem = outside_marks(op.ctx)
        check = ChainCheck(install_id=op.ctx.install_id, marks=marks)
        if store.is_server:
            problems: list[str] = []
            chain = check_chain(op.db, op.ctx.audit_key, check)
        else:
            # Every check that may meet a damaged page runs on a connection of its own and
            # reports what it found, so the report names the damage and this transaction
            # stays able to record the audit event (see db.backup.checking_connection).
            problems = sqlite_integrity_problems(conn)
            chain = _local_chain(store.engine, op.ctx.audit_key, check)
        if chain.ok and mark_problem is not None:
            chain = replace(chain, ok=False, problem=mark_problem)
        # Clinical item versions are append-only too, signed notes locked, and neither is
        # replaced under its id.
        for guard in (
            version_guard_problem(conn),
            signed_lock_problem(conn),
            row_identity_problem(conn),
        ):
            if guard is not None:
                problems.append(guard)
        report = integrity_report(problems, row_counts(conn), chain.summary, chain.ok)
        op.event.detail = "ok" if report.ok else f"{len(report.problems)} problems"
        return report

    @audited(Action.EXPORT, DataCategory.BACKUP)
    def copy_to(self, op: Op, dest: Path, progress: Progress | None = None) -> None:
        """Write an encrypted copy of the database to ``dest`` (a new file).

        Runs while this call's transaction holds the write lock, so the copy is one consistent
        moment and includes everything committed before it.
        """
        store = op.ctx.store
        if store.is_server or store.key is None:
            raise BackupError(
                "This workstation uses a PostgreSQL server: back the server up with its own "
                "tools (pg_dump / your server's backup). See the README."
            )
        copy_database(store.engine, store.key, dest, progress)
        op.event.detail = "backup written"  # only once it is: a failed copy says nothing

    @audited(Action.EXPORT, DataCategory.BACKUP)
    def dump_server(self, op: Op, write: Callable[[], None]) -> None:
        """Record a server backup (pg_dump, services/server_backup.py): ``write`` dumps the
        clinic's schema while this administrator's act is checked and recorded."""
        if not op.ctx.store.is_server:
            raise BackupError("This workstation keeps its records in a file: use copy_to.")
        write()
        op.event.detail = "server backup written"

    @audited(Action.ADMIN, DataCategory.BACKUP, anonymous=True)
    def record_key_change(self, op: Op, who: str, what: str) -> None:
        """Record a key operation done without a signed-in user (the recovery key on a new
        computer): names who did it and what changed."""
        op.event.username = who[:64]
        op.event.detail = what[:200]

    @audited(Action.ADMIN, DataCategory.BACKUP)
    def authorize(self, op: Op, what: str) -> None:
        """Check and record an administrator's maintenance act done outside one transaction
        (key rotation, restore); the act's completion is recorded by a second call."""
        op.event.detail = what[:200]
