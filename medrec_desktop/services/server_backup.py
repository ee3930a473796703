"""Backups of a clinic server (DESIGN §4): pg_dump's custom format, encrypted, in the same zip
as the file backups (manifest.json, medrec.keys) with ``medrec.pgdump`` in place of the
database file; checked by restoring it into a scratch database; restored only into an empty
database.

The dump is encrypted on its way out of pg_dump (security.stream_cipher, a key derived from
the database key in the key file), so no plaintext record ever reaches the disk; it is
decrypted on its way into pg_restore.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text

from medrec_desktop.db.backup import row_counts
from medrec_desktop.db.engine import postgres_engine
from medrec_desktop.db.pg_tools import (
    Server,
    dump_stream,
    empty_schema,
    restore_stream,
    schema_exists,
    scratch_database,
)
from medrec_desktop.db.store import Store
from medrec_desktop.domain.dto import IntegrityReport
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import BackupError, KnownError
from medrec_desktop.models import AuditHead, User
from medrec_desktop.security import audit_mark, passwords
from medrec_desktop.security.audit_chain import head_mac
from medrec_desktop.security.audit_root import unwrap_root
from medrec_desktop.security.stream_cipher import StreamDamaged, decrypt_stream, encrypt_stream
from medrec_desktop.services.audit import ChainCheck, check_chain

DUMP_ENTRY = "medrec.pgdump"
KIND = "postgresql"
PURPOSE = b"pg_dump backup v1"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Snapshot:
    """The source as pg_dump saw it: rows per table and the audit chain's head."""

    row_counts: dict[str, int]
    head: tuple[int, str]
    server_version: str


def dump_into(
    engine: Engine,
    server: Server,
    db_key: bytes,
    zip_path: Path,
    progress: Progress | None = None,
) -> Snapshot:
    """pg_dump the clinic's schema, encrypted, into a new zip at ``zip_path`` (owner-only).

    The rows are counted and the head read in a transaction whose snapshot pg_dump then uses,
    so the counts are exactly what the dump holds while saves go on.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            counts = row_counts(conn)
            head = conn.execute(select(AuditHead.seq, AuditHead.mac)).first()
            if head is None:
                raise BackupError("The audit trail has no head record; run 'medrec verify'.")
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            estimate = int(
                conn.execute(
                    text(
                        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "WHERE c.relnamespace = current_schema()::regnamespace "
                        "AND c.relkind = 'r'"
                    )
                ).scalar_one()
            )
            fd = os.open(zip_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with (
                os.fdopen(fd, "wb") as fh,
                zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf,
                zf.open(DUMP_ENTRY, "w", force_zip64=True) as entry,
                dump_stream(server, snapshot_id) as read,
            ):
                done = 0
                total = max(estimate, 1)

                def counted(size: int) -> bytes:
                    nonlocal done
                    data: bytes = read(size)
                    done += len(data)
                    if progress is not None:
                        progress(min(done, total - 1), total)
                    return data

                encrypt_stream(counted, entry, db_key, PURPOSE)  # type: ignore[arg-type]
    if progress is not None:
        progress(total, total)
    counts["audit_head"] = 1  # its one row is rebuilt on restore (pg_tools.dump_stream)
    return Snapshot(counts, (int(head[0]), str(head[1])), version)


def dump_chunks(zip_path: Path, db_key: bytes) -> Iterator[bytes]:
    """The decrypted dump, chunk by chunk, straight from the zip (never to disk)."""
    try:
        with zipfile.ZipFile(zip_path) as zf, zf.open(DUMP_ENTRY) as src:
            yield from decrypt_stream(src, db_key, PURPOSE)  # type: ignore[arg-type]
    except StreamDamaged as err:
        raise BackupError(
            f"{zip_path.name} is damaged or was not made with this clinic's key ({err}); "
            "nothing was restored."
        ) from err
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise BackupError(f"{zip_path.name} is damaged or not a medrec backup.") from err


def check_dump_file(zip_path: Path, db_key: bytes) -> None:
    """Decrypt the whole dump once, keeping nothing: a cut or altered file is refused before
    anything is restored anywhere."""
    for _ in dump_chunks(zip_path, db_key):
        pass


def finish_manifest(zip_path: Path, manifest: dict[str, object], keyfile: bytes) -> None:
    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        zf.writestr("medrec.keys", keyfile)
    with zip_path.open("rb") as written:
        os.fsync(written.fileno())


def _url(server: Server) -> str:
    return server.sqlalchemy_url().render_as_string(hide_password=False)


def put_head(conn: Connection, audit_key: bytes, head: tuple[int, str]) -> None:
    """The chain head a dump leaves out, rebuilt without the forward-secure key (a copy's)."""
    seq, mac = head
    conn.execute(
        insert(AuditHead).values(
            id=1, seq=seq, mac=mac, head_mac=head_mac(audit_key, seq, mac, None), fs_key=None
        )
    )


def check_restored(
    server: Server,
    audit_key: bytes,
    install_id: str,
    head: tuple[int, str],
    expected: dict[str, int],
    root: bytes | None = None,
) -> IntegrityReport:
    """Put the head back in a restored schema and check it: rows per table as the manifest
    says, and the audit chain from genesis to that head."""
    store = Store(postgres_engine(_url(server)), server_label="restore check")
    try:
        try:
            with store.unit_of_work() as db:
                put_head(db.connection(), audit_key, head)
            with store.unit_of_work() as db:
                counts = row_counts(db.connection())
                chain = check_chain(
                    db, audit_key, ChainCheck(install_id=install_id, root=root, copy=True)
                )
        except KnownError as err:
            return IntegrityReport(False, (err.message,), {}, "not checked")
    finally:
        store.close()
    problems: list[str] = []
    if counts != expected:
        differ = sorted(n for n in set(counts) | set(expected) if counts.get(n) != expected.get(n))
        problems.append(
            "the restored rows differ from the backup's manifest in " + ", ".join(differ[:5])
        )
    if not chain.ok:
        problems.append(chain.summary)
    elif (chain.last_seq, chain.last_mac) != head:
        problems.append("the restored audit trail does not end where the manifest says")
    mark = (chain.last_seq, chain.last_mac) if chain.ok else None
    return IntegrityReport(not problems, tuple(problems), counts, chain.summary, mark)


def verify_in_scratch(
    zip_path: Path,
    server: Server,
    db_key: bytes,
    audit_key: bytes,
    install_id: str,
    snapshot: Snapshot,
) -> IntegrityReport:
    """Restore the dump into a scratch database on the same server, check it, drop it."""
    with scratch_database(server) as scratch:
        # The dump creates its schema (it was dumped by name), so a new database's own
        # empty public schema makes way (the scratch database is this account's).
        if schema_exists(scratch, server.schema):
            empty_schema(scratch, server.schema, recreate=False, cascade=False)
        restore_stream(scratch, dump_chunks(zip_path, db_key))
        inside = scratch.with_database(_dbname(scratch), server.schema)
        return check_restored(inside, audit_key, install_id, snapshot.head, snapshot.row_counts)


def _dbname(server: Server) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(server.conninfo)["dbname"])


def root_from_restored(server: Server, username: str, password: str) -> bytes:
    """The audit root key from the restored copy of an administrator's account (the password
    checked against the restored hash)."""
    engine = postgres_engine(_url(server))
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(User.password_hash, User.role, User.active, User.audit_root).where(
                    User.username == username.strip().lower()
                )
            ).first()
    finally:
        engine.dispose()
    if row is None or not passwords.verify_password(row[0], password) or not row[2]:
        raise BackupError(
            "That administrator name and password do not match the backup's accounts; "
            "nothing was restored."
        )
    if row[1] != Role.ADMIN.value or row[3] is None:
        raise BackupError(
            "This account does not hold the audit root key: restore with the founding "
            "administrator's password or the recovery key (MEDREC_RECOVERY_KEY)."
        )
    return unwrap_root(row[3], password)


def manifest_mark(
    manifest: dict[str, object], audit_key: bytes, install_id: str
) -> tuple[int, str]:
    mark = audit_mark.from_json(manifest.get("audit_mark"))
    if mark is None or not audit_mark.is_sealed(mark, audit_key, install_id):
        raise BackupError(
            "The backup's audit high-water mark is missing or was altered: do not trust this "
            "copy; nothing was restored."
        )
    return mark.seq, mark.link


def manifest_counts(manifest: dict[str, object]) -> dict[str, int]:
    counts = manifest.get("row_counts")
    if not isinstance(counts, dict):
        raise BackupError("The backup's manifest has no row counts; nothing was restored.")
    return {str(k): int(v) for k, v in counts.items()}
