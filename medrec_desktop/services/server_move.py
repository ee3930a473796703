"""Moving a clinic from its encrypted file to a clinic server (issue 15): ``medrec server
migrate`` and the Administration area's "Move to a clinic server…".

One run, by an administrator, into an EMPTY database made by ``medrec server setup``:

1. Checked first, nothing touched: the addresses (TLS with the clinic's CA for a server on
   another computer), that both name one database, that no other window or program on this
   computer has the file open (db.inuse), and, on the server, that the schema is empty.
2. The file is read while this call holds its write lock (one consistent moment, and nobody,
   this program's own background work included, writes to it meanwhile: what they would save
   would not reach the server).
3. On the server, in ONE transaction as the database owner: the migrations make the tables
   (the file's schema revision), every table is copied (db.table_copy, ids kept), the id
   sequences move past the copied ids, the application account gets its rights (INSERT and
   SELECT only on the append-only tables), and then, still inside the transaction, the copy is
   checked: rows per table equal the file's, the audit chain verifies from its genesis to the
   file's last event and holds the high-water mark kept in the key file, and the database's
   own guards (append-only tables, signed-note locks, row identity) are in place. A failure or
   a cancel rolls it all back: the server is as empty as it was found (checked, and anything
   left removed), the file stays in use, and the failure is recorded in the file's trail (a
   cancel as ``MoveCancelledError``, as a cancelled bulk export is).
4. After the commit the rows are counted again as the application account (what every
   workstation will see), the folder is switched to the server (server.url and a copy of the
   CA certificate, as ``medrec init --server`` writes them) and the move is recorded as the
   next event of the same trail, now on the server. A failure here removes the committed copy
   again as the owner; should that fail too (the owner's account refused meanwhile, the
   server gone), the user is told so, with the database IT must drop, never that the server
   was left empty.

The file stays where it is, its records as they were (the folder opens the server from now
on: server.url wins). One thing in it changes: the audit head's forward-secure key, which the
server's trail now continues from, is removed from the file, as from every copy the program
leaves behind (services.backup_files.scrub_forward_key): kept, it would let whoever holds the
file and this computer's keys forge the forward-secure MACs of every event the server records
after the move. That write goes in the same locked transaction that read the file.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select, text, update
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session

from medrec_desktop.db import migrate, server_roles, table_copy
from medrec_desktop.db.engine import postgres_engine
from medrec_desktop.db.errors import translated_errors
from medrec_desktop.db.store import Store
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, ServerConnectionError
from medrec_desktop.domain.server_move import (
    MoveCancelledError,
    MoveJob,
    MoveResult,
    MoveTarget,
)
from medrec_desktop.models import AuditHead
from medrec_desktop.paths import DataPaths, write_private_file
from medrec_desktop.security.audit_chain import head_mac
from medrec_desktop.services.audit import ChainCheck, check_chain
from medrec_desktop.services.base import Op, Service, WriteAtEnd, audited_reads_first
from medrec_desktop.services.context import ServiceContext
from medrec_desktop.services.installation import (
    Installation,
    _app_store,
    _label,
    check_server_choice,
)
from medrec_desktop.services.row_identity_guards import row_identity_problem
from medrec_desktop.services.signed_lock_guards import signed_lock_problem
from medrec_desktop.services.version_guards import version_guard_problem

log = logging.getLogger(__name__)

# One move into a database at a time (pg_advisory_xact_lock; "medrec-mv").
_MOVE_LOCK = 0x6D656472656D76

MOVED = (
    "This clinic has moved to the clinic server {where}: nothing more is saved in the "
    "encrypted file. Sign in again; medrec now works on the server."
)
NOT_EMPTY = (
    "The database {where} is not empty: {what}. A clinic is moved only into an empty "
    "database, so nothing there is overwritten. Create a new empty database (medrec server "
    "setup) and move into it. Nothing was changed."
)


@dataclass(frozen=True)
class Moved:
    """The move's report and the installation now working on the server (the caller closes
    the one on the file)."""

    result: MoveResult
    inst: Installation


def move_to_server(
    inst: Installation, session: UserSession, target: MoveTarget, job: MoveJob | None = None
) -> Moved:
    """Move ``inst``'s clinic to the server ``target`` (administrators; see the module's
    docstring). Afterwards ``inst`` must be closed and ``Moved.inst`` used instead."""
    return ServerMoveService(ctx=inst.ctx, inst=inst).move(session, target, job)


@dataclass(frozen=True)
class _Source:
    """The file as the move read it."""

    revision: str
    counts: dict[str, int]
    head: tuple[int, str, str | None]  # seq, chain MAC, forward-secure key


class ServerMoveService(Service):
    def __init__(self, *, ctx: ServiceContext, inst: Installation) -> None:
        super().__init__(ctx=ctx)
        self._inst = inst

    @audited_reads_first(Action.ADMIN, DataCategory.BACKUP)
    def move(self, op: Op, target: MoveTarget, job: MoveJob | None = None) -> WriteAtEnd[Moved]:
        """Copy the clinic into the empty server database, check it there, switch this data
        folder to it; the move's event goes into the server's trail (``WriteAtEnd.home``)."""
        inst = self._inst
        started = time.perf_counter()
        file = inst.store.path
        if inst.store.is_server or file is None:
            raise KnownError(
                f"This workstation already works on a clinic server ({inst.store.description}); "
                "there is no file to move."
            )
        app_url, owner_url, ca_pem = _checked(target)
        where = _label(app_url)
        # The account every workstation will work as answers, and is not one that could
        # rewrite the trail (db.server_roles.check_app_role), before anything is copied.
        _app_store(app_url, target.ca_cert).close()
        mark = inst.current_mark()
        paths = inst.paths
        audit_key = inst.keyring.material.audit_key
        with inst.sole_user(), _write_locked(inst.store) as source:
            src = _read_source(source)
            made = _copy_to_server(
                source,
                owner_url,
                target,
                src,
                job,
                audit_key=audit_key,
                install_id=inst.keyring.keyfile.install_id,
                marks=((mark.seq, mark.link),) if mark is not None else (),
            )
            switched = _Switched(url=False, ca=False)
            try:
                _count_as_app(app_url, target.ca_cert, src.counts)
                switched = _switch_folder(paths, app_url, ca_pem)
                # From here the file is no longer the record: whatever this program still has
                # queued for it is refused (services.audit_writer.check_head) instead of being
                # saved where the server never sees it. The write lock is held until then.
                inst.ctx.moved = MOVED.format(where=where)
                _scrub_forward_key(source, audit_key, src.head)
            except BaseException as err:
                inst.ctx.moved = None
                _switch_back(paths, switched)
                if not _leave_empty(owner_url, target.ca_cert, made) and isinstance(err, Exception):
                    raise _copy_left(owner_url, err) from err
                raise
        try:
            store = _app_store(app_url, paths.server_ca_file if ca_pem is not None else None)
            new = Installation(paths=paths, keyring=inst.keyring, store=store, clock=inst.ctx.clock)
        except BaseException as err:
            _undo(inst, switched, owner_url, target.ca_cert, made, src.head, err)
            raise
        rows = sum(src.counts.values())
        result = MoveResult(
            server=where,
            tables=len(src.counts),
            rows=rows,
            seconds=time.perf_counter() - started,
            row_counts=dict(src.counts),
            audit_summary=made.chain_summary,
            audit_events=src.head[0],
            file=file,
        )

        def record(op: Op) -> Moved:
            op.event.detail = (
                f"server move: moved from the local file to server {where}: {rows} rows in "
                f"{result.tables} tables; audit chain verified to #{src.head[0]}"
            )[:200]
            return Moved(result, new)

        def undo() -> None:
            # Runs while the failure that undoes the move is being handled (services.base).
            failure = sys.exception()
            new.close()
            _undo(inst, switched, owner_url, target.ca_cert, made, src.head, failure)

        return WriteAtEnd(record, undo=undo, home=new.ctx)


# ---------------------------------------------------------------------------- before anything


def _checked(target: MoveTarget) -> tuple[str, str, bytes | None]:
    """The two addresses and the CA certificate, checked in plain words before anything is
    read or connected to; returns (application URL, owner URL, the certificate's bytes)."""
    if not target.app_url.strip():
        raise ServerConnectionError(
            "Enter the application account's address (postgresql://medrec_app@host/medrec): "
            "every workstation works as that account from now on."
        )
    if not target.owner_url.strip():
        raise ServerConnectionError(
            "Enter the database owner's address (postgresql://medrec_owner@host/medrec): it "
            "creates the clinic's tables on the server, once, and is kept nowhere."
        )
    pem = check_server_choice(target.app_url, target.ca_cert)
    check_server_choice(target.owner_url, target.ca_cert)
    app, owner = make_url(target.app_url), make_url(target.owner_url)
    if (app.host or "localhost", app.port or 5432, app.database) != (
        owner.host or "localhost",
        owner.port or 5432,
        owner.database,
    ):
        raise ServerConnectionError(
            "The application account's address and the owner's name different databases "
            f"({_label(target.app_url)} and {_label(target.owner_url)}). Give both the same "
            "host, port and database name. Nothing was changed."
        )
    if not app.username:
        raise ServerConnectionError(
            "The application account's address names no account: give it as "
            "postgresql://medrec_app@host/database. Nothing was changed."
        )
    if app.username == owner.username:
        raise ServerConnectionError(
            "The application account and the owner account are the same account. Workstations "
            "must not work as the owner (it could change the audit trail): give the "
            "application account made by medrec server setup. Nothing was changed."
        )
    return target.app_url.strip(), target.owner_url.strip(), pem


@contextmanager
def _write_locked(store: Store) -> Iterator[Connection]:
    """A connection to the file holding its write lock (BEGIN IMMEDIATE) until the block ends:
    what it reads is one moment of the file, and no one writes meanwhile. Rolled back at the
    end unless the block committed."""
    with translated_errors():
        conn = store.engine.connect()
        try:
            conn.begin()
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            conn.close()


def _read_source(conn: Connection) -> _Source:
    found = table_copy.table_names(conn)
    unknown, missing = table_copy.unknown_tables(found)
    if unknown or missing:
        raise KnownError(
            "The file's tables are not the ones this version of medrec keeps ("
            + ", ".join([*(f"unknown {n}" for n in unknown), *(f"missing {n}" for n in missing)])
            + "); nothing was moved. Run 'medrec verify' and ask your support contact."
        )
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision != migrate.head_revision():
        raise KnownError(
            f"The file's schema ({revision}) is not this version's; open it once with this "
            "version (it upgrades itself), then move it. Nothing was moved."
        )
    head = conn.execute(select(AuditHead.seq, AuditHead.mac, AuditHead.fs_key)).first()
    if head is None:
        raise KnownError("The audit trail has no head record: run 'medrec verify' first.")
    counts = table_copy.count_rows(conn, (t.name for t in table_copy.tables()))
    return _Source(str(revision), counts, (int(head[0]), str(head[1]), head[2]))


# ---------------------------------------------------------------------------- on the server


@dataclass(frozen=True)
class _Made:
    """What the move found on the server before it began (to leave it that way again)."""

    functions: tuple[str, ...]
    chain_summary: str
    #: extensions already in the database (the migrations add pg_trgm where it is missing)
    extensions: tuple[str, ...] = ()


def _copy_to_server(
    source: Connection,
    owner_url: str,
    target: MoveTarget,
    src: _Source,
    job: MoveJob | None,
    *,
    audit_key: bytes,
    install_id: str,
    marks: tuple[tuple[int, str], ...],
) -> _Made:
    """Tables, rows, sequences, rights and checks in one owner's transaction, committed only
    if every check passes. On any failure the server is left as it was found."""
    total = sum(src.counts.values())
    done = 0

    def step(_table: str, rows: int) -> None:
        nonlocal done
        if job is not None and job.cancelled:
            raise MoveCancelledError()
        done += rows
        if job is not None:
            job.progress(min(done, total), total)

    owner = postgres_engine(owner_url, ca_cert=target.ca_cert)
    before: tuple[str, ...] | None = None
    extensions: tuple[str, ...] = ()
    try:
        with translated_errors(), owner.connect() as conn, conn.begin():
            server_roles.act_as_owner(conn)
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MOVE_LOCK})
            relations, functions = table_copy.schema_objects(conn)
            schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
            if relations or functions:
                what = (
                    f"schema {schema} already has {len(relations)} tables or other relations "
                    f"(for example {relations[0]})"
                    if relations
                    else f"schema {schema} already has {len(functions)} functions"
                )
                raise KnownError(NOT_EMPTY.format(where=_label(owner_url), what=what))
            before = tuple(functions)
            extensions = _extensions(conn)
            if job is not None:
                job.progress(0, total)
            migrate.upgrade_on(conn, src.revision)
            made = table_copy.table_names(conn)
            unknown, missing = table_copy.unknown_tables(made)
            if unknown or missing:
                raise KnownError(
                    "The server's tables after the migrations are not the file's; nothing was "
                    "moved. Ask your support contact."
                )
            copied = table_copy.tables()
            table_copy.set_triggers(conn, (t.name for t in copied), enabled=False)
            for table in copied:
                table_copy.copy_table(source, conn, table, step)
            table_copy.reset_sequences(conn, copied)
            table_copy.set_triggers(conn, (t.name for t in copied), enabled=True)
            app = make_url(target.app_url).username
            assert app is not None  # checked by _checked
            server_roles.grant_app(conn, app, schema)
            summary = _check_copy(conn, src, audit_key, install_id, marks)
        return _Made(before, summary, extensions)
    except BaseException:
        owner.dispose()  # a connection broken mid-way is closed: the server rolls it back
        if before is not None:
            # Nothing was committed, so the rollback already left the server as it was: this
            # only removes what a server might keep regardless (its result changes nothing
            # the user is told).
            _leave_empty(owner_url, target.ca_cert, _Made(before, "", extensions))
        raise
    finally:
        owner.dispose()


def _check_copy(
    conn: Connection,
    src: _Source,
    audit_key: bytes,
    install_id: str,
    marks: tuple[tuple[int, str], ...],
) -> str:
    """The copy as the server holds it, inside the transaction that made it: rows per table,
    the audit chain (genesis to the file's last event, the mark outside the database), and the
    database's own guards. Raises, so the transaction rolls back, on any difference."""
    problems: list[str] = []
    counts = table_copy.count_rows(conn, src.counts)
    if counts != src.counts:
        differ = sorted(n for n in src.counts if counts.get(n) != src.counts[n])
        problems.append("the rows on the server differ from the file's in " + ", ".join(differ))
    with Session(bind=conn) as db:
        chain = check_chain(db, audit_key, ChainCheck(install_id=install_id, marks=marks))
    if not chain.ok:
        problems.append(chain.summary)
    elif (chain.last_seq, chain.last_mac) != src.head[:2]:
        problems.append("the audit trail on the server does not end where the file's does")
    for guard in (
        version_guard_problem(conn),
        signed_lock_problem(conn),
        row_identity_problem(conn),
    ):
        if guard is not None:
            problems.append(guard)
    if problems:
        raise KnownError(
            "The copy on the server did not check out, so nothing was moved (the server was "
            "left empty): " + "; ".join(problems)
        )
    return chain.summary


def _extensions(conn: Connection) -> tuple[str, ...]:
    return tuple(str(n) for n in conn.execute(text("SELECT extname FROM pg_extension")).scalars())


def _leave_empty(owner_url: str, ca: Path | None, made: _Made) -> bool:
    """Remove whatever the move made on the server (it found the schema empty): after a
    failure the database is as it was found. Returns whether it is; if not (the owner's
    account could not connect or remove it), logged without data, and the caller says so."""
    try:
        engine = postgres_engine(owner_url, ca_cert=ca)
    except KnownError:
        log.warning("a failed move could not reach the server to remove what it made")
        return False
    try:
        with engine.begin() as conn:
            server_roles.act_as_owner(conn)
            relations, functions = table_copy.schema_objects(conn)
            new = [f for f in functions if f not in made.functions]
            if relations or new:
                table_copy.remove_objects(conn, relations, new)
            for name in set(_extensions(conn)) - set(made.extensions):
                conn.execute(text(f'DROP EXTENSION IF EXISTS "{name}"'))
        return True
    except Exception as err:
        log.warning("a failed move could not remove what it made on the server (%s)", _kind(err))
        return False
    finally:
        engine.dispose()


def _copy_left(owner_url: str, err: BaseException | None) -> KnownError:
    """The failure as the user is told it when the copy committed on the server could not be
    removed: what failed, then that the database holds the copy and what IT does about it
    (the database by name; never an address with a password)."""
    url = make_url(owner_url)
    said = (
        err.message
        if isinstance(err, KnownError)
        else "The move failed after the records were copied to the server."
    )
    return KnownError(
        f"{said} The copy of the clinic made on the server could NOT be removed: ask your IT "
        f'person to drop the database "{url.database}" on the server '
        f"{url.host or 'localhost'}:{url.port or 5432} (DROP DATABASE), and to create a new "
        "empty one with medrec server setup before the move is tried again. Nothing was "
        "moved: this computer keeps working on its file."
    )


def _kind(err: BaseException) -> str:
    orig = getattr(err, "orig", None)
    return type(orig if orig is not None else err).__name__


def _count_as_app(app_url: str, ca: Path | None, expected: dict[str, int]) -> None:
    """Every copied row, counted as every workstation will see it: the application account,
    checked as it is on every start (db.server_roles.check_app_role)."""
    check = _app_store(app_url, ca)
    try:
        with translated_errors(), check.engine.connect() as conn:
            seen = table_copy.count_rows(conn, expected)
    finally:
        check.close()
    if seen != expected:
        differ = sorted(n for n in expected if seen.get(n) != expected[n])
        raise KnownError(
            "The application account does not see every row copied (tables "
            + ", ".join(differ[:5])
            + "): check its rights (medrec server setup). Nothing was moved."
        )


# ---------------------------------------------------------------------------- the folder


def _scrub_forward_key(
    source: Connection, audit_key: bytes, head: tuple[int, str, str | None]
) -> None:
    """The file's head without the forward-secure key (the server's trail continues from it),
    written in the transaction that read the file, then committed."""
    seq, mac, _key = head
    source.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(fs_key=None, head_mac=head_mac(audit_key, seq, mac, None))
    )
    source.commit()


def _put_forward_key_back(inst: Installation, head: tuple[int, str, str | None]) -> None:
    """After a move undone at the very end: the file continues its own trail again."""
    seq, mac, key = head
    audit_key = inst.keyring.material.audit_key
    try:
        with inst.store.unit_of_work() as db:
            db.execute(
                update(AuditHead)
                .where(AuditHead.id == 1, AuditHead.seq == seq, AuditHead.mac == mac)
                .values(fs_key=key, head_mac=head_mac(audit_key, seq, mac, key))
            )
    except KnownError:
        log.warning("the file's forward-secure key could not be put back after a failed move")


@dataclass(frozen=True)
class _Switched:
    """Which files the move wrote into the data folder."""

    url: bool
    ca: bool


def _switch_folder(paths: DataPaths, app_url: str, ca_pem: bytes | None) -> _Switched:
    """The folder opens the server from now on (server.url wins over the file, which stays),
    with its own copy of the clinic's CA certificate, as ``medrec init --server`` writes them."""
    ca = False
    if ca_pem is not None:
        write_private_file(paths.server_ca_file, ca_pem)
        ca = True
    try:
        write_private_file(paths.server_url_file, app_url.encode())
    except BaseException:
        _switch_back(paths, _Switched(url=False, ca=ca))
        raise
    return _Switched(url=True, ca=ca)


def _switch_back(paths: DataPaths, switched: _Switched) -> None:
    if switched.url:
        paths.server_url_file.unlink(missing_ok=True)
    if switched.ca:
        paths.server_ca_file.unlink(missing_ok=True)


def _undo(
    inst: Installation,
    switched: _Switched,
    owner_url: str,
    ca: Path | None,
    made: _Made,
    head: tuple[int, str, str | None],
    failure: BaseException | None,
) -> None:
    """The move could not be recorded on the server: the folder goes back to the file, the
    server is emptied, the file takes its forward-secure key back and is the record again.
    If the server could not be emptied, raises what the user is told instead of
    ``failure``."""
    _switch_back(inst.paths, switched)
    left_empty = _leave_empty(owner_url, ca, made)
    inst.ctx.moved = None
    _put_forward_key_back(inst, head)
    if not left_empty and (failure is None or isinstance(failure, Exception)):
        raise _copy_left(owner_url, failure) from failure


__all__ = ["Moved", "ServerMoveService", "move_to_server"]
