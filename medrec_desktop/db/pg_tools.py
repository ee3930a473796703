"""PostgreSQL's own dump and restore programs (pg_dump, pg_restore), run for server backups.

The password never goes on a command line or into a message: it travels in PGPASSWORD. What
the programs print on error may quote a row (a DETAIL or CONTEXT line), so only their own
"error:" lines, cut short, reach the user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine.url import URL, make_url

from medrec_desktop.domain.errors import BackupError

# The folder holding pg_dump/pg_restore when they are not on PATH (e.g. Windows installs).
PG_BIN_ENV = "MEDREC_PG_BIN"
_SEARCH_PATH = re.compile(r"(?:-c\s*|--)search_path\s*=\s*([^\s,]+)")


@dataclass(frozen=True)
class Server:
    """Where a clinic's data lives: connection settings without the password, the password
    apart, and the schema the clinic's tables are in (the URL's search_path, else public)."""

    conninfo: str
    password: str | None
    schema: str
    #: the role to act as once connected (a superuser restoring as the database's owner)
    role: str | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PGPASSWORD", None)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        conn = psycopg.connect(self.conninfo, password=self.password, autocommit=True)
        if self.role:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.role)))
        return conn

    def with_database(self, name: str, schema: str | None = None) -> Server:
        """The same server, another database (and search_path ``schema``)."""
        params = psycopg.conninfo.conninfo_to_dict(self.conninfo)
        params["dbname"] = name
        params.pop("options", None)
        if schema is not None:
            params["options"] = f"-csearch_path={schema}"
        return Server(make_conninfo("", **params), self.password, schema or "public", self.role)

    def sqlalchemy_url(self) -> URL:
        params = psycopg.conninfo.conninfo_to_dict(self.conninfo)
        query = {
            k: str(v)
            for k, v in params.items()
            if k not in ("host", "port", "user", "dbname") and v is not None
        }
        port = params.get("port")
        return URL.create(
            "postgresql+psycopg",
            username=str(params["user"]) if params.get("user") else None,
            password=self.password,
            host=str(params["host"]) if params.get("host") else None,
            port=int(str(port)) if port else None,
            database=str(params["dbname"]) if params.get("dbname") else None,
            query=query,
        )


def server_from_url(url: URL | str) -> Server:
    u = make_url(url) if isinstance(url, str) else url
    params: dict[str, str] = {}
    if u.host:
        params["host"] = u.host
    if u.port:
        params["port"] = str(u.port)
    if u.username:
        params["user"] = u.username
    if u.database:
        params["dbname"] = u.database
    for key, value in u.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    found = _SEARCH_PATH.search(params.get("options", ""))
    schema = found.group(1).strip('"') if found else "public"
    return Server(make_conninfo("", **params), u.password, schema)


# ---------------------------------------------------------------------------- the programs


def program(name: str) -> Path:
    folder = os.environ.get(PG_BIN_ENV)
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if found is None:
        where = f" in {folder} ({PG_BIN_ENV})" if folder else " on this computer"
        raise BackupError(
            f"{name} was not found{where}. Server backups use PostgreSQL's own {name}: "
            "install the PostgreSQL client programs of the server's version (on Debian or "
            f"Ubuntu the package postgresql-client-15), or set {PG_BIN_ENV} to their folder."
        )
    return Path(found)


def program_major(path: Path) -> int:
    out = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    found = re.search(r"\)\s*(\d+)", out)
    if found is None:
        raise BackupError(f"{path.name} at {path} did not say its version; is it PostgreSQL's?")
    return int(found.group(1))


def server_major(server: Server) -> int:
    with server.connect() as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(str(row[0])) // 10000


def checked_program(name: str, server: Server) -> Path:
    """``name`` (pg_dump or pg_restore) if its major version can handle the server's."""
    path = program(name)
    mine, theirs = program_major(path), server_major(server)
    if mine < theirs:
        raise BackupError(
            f"{name} at {path} is version {mine} but the server runs PostgreSQL {theirs}: "
            f"install the version {theirs} client programs (or set {PG_BIN_ENV} to their "
            "folder). Nothing was written."
        )
    return path


class _Drain(threading.Thread):
    """Reads a program's stderr while it runs, so a full pipe never stalls it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.text = b""

    def run(self) -> None:
        assert self.proc.stderr is not None
        self.text = self.proc.stderr.read()


def _safe_error(name: str, raw: bytes) -> str:
    """The program's own error lines, without DETAIL/CONTEXT lines that may quote a row."""
    lines = [
        line.strip()
        for line in raw.decode("utf-8", "replace").splitlines()
        if f"{name}: error:" in line
    ]
    text = "; ".join(line.split("error:", 1)[1].strip() for line in lines[:2])
    return (text or "it stopped with an error")[:300]


@contextmanager
def dump_stream(server: Server, snapshot: str | None) -> Iterator[Callable[[int], bytes]]:
    """Run pg_dump (custom format) of the server's clinic schema; yields a read function over
    its output. Raises BackupError if pg_dump fails."""
    path = checked_program("pg_dump", server)
    argv = [
        str(path),
        "--format=custom",
        "--no-password",
        f"--schema={server.schema}",
        # The search's trigram index (schema 0020) needs pg_trgm, which a dump of one schema
        # leaves out; named, it comes along (CREATE EXTENSION IF NOT EXISTS, in the schema it
        # was made in: the clinic's, by the migration).
        "--extension=pg_trgm",
        # The live chain head holds the forward-secure key for the next audit event; a copy
        # must not (services/backup_files.scrub_forward_key): it is rebuilt on restore.
        f"--exclude-table-data={server.schema}.audit_head",
        f"--dbname={server.conninfo}",
    ]
    if snapshot is not None:
        argv.append(f"--snapshot={snapshot}")
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server.env(),
    )
    drain = _Drain(proc)
    drain.start()
    assert proc.stdout is not None
    try:
        yield proc.stdout.read
    except BaseException:
        proc.kill()
        raise
    finally:
        proc.stdout.close()
        code = proc.wait()
        drain.join()
    if code != 0:
        raise BackupError(
            f"pg_dump could not dump the clinic's database: {_safe_error('pg_dump', drain.text)}."
        )


def restore_stream(server: Server, chunks: Iterable[bytes]) -> None:
    """Feed a custom-format dump into pg_restore, all in one transaction: a dump that fails
    halfway (or whose chunks stop authenticating) leaves nothing behind."""
    path = checked_program("pg_restore", server)
    argv = [
        str(path),
        "--no-password",
        "--single-transaction",
        "--exit-on-error",
        # Owners and grants name roles of the server the dump came from; the restoring account
        # owns what it restores (grant the application role its rights again afterwards).
        "--no-owner",
        "--no-privileges",
        *([f"--role={server.role}"] if server.role else []),
        f"--dbname={server.conninfo}",
    ]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=server.env(),
    )
    drain = _Drain(proc)
    drain.start()
    assert proc.stdin is not None
    try:
        for chunk in chunks:
            proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # pg_restore stopped early: its exit code and message say why
    except BaseException:
        proc.kill()  # its one transaction is rolled back with the connection
        proc.wait()
        drain.join()
        raise
    code = proc.wait()
    drain.join()
    if code != 0:
        raise BackupError(
            "pg_restore could not restore the dump, so nothing was restored: "
            f"{_safe_error('pg_restore', drain.text)}."
        )


# ---------------------------------------------------------------------------- databases


def tables_in(server: Server, schema: str) -> list[str]:
    with server.connect() as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
            (schema,),
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def schema_exists(server: Server, schema: str) -> bool:
    with server.connect() as conn:
        row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None


def move_schema(server: Server, restored: str, target: str) -> None:
    """Give the restored schema the target's name (the target, checked empty, is dropped; DROP
    without CASCADE refuses if anything has appeared in it)."""
    if restored == target:
        return
    with server.connect() as conn, conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {}").format(sql.Identifier(target)))
        conn.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(restored), sql.Identifier(target)
            )
        )


def empty_schema(server: Server, schema: str, *, recreate: bool, cascade: bool = True) -> None:
    """Remove ``schema`` (what a failed restore left in it; it was empty before), and with
    ``recreate`` put an empty one back. Without ``cascade`` the drop refuses a schema holding
    anything."""
    how = sql.SQL("CASCADE" if cascade else "RESTRICT")
    with server.connect() as conn, conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} {}").format(sql.Identifier(schema), how))
        if recreate:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))


@contextmanager
def scratch_database(server: Server) -> Iterator[Server]:
    """A new, empty database on the same server for checking a dump, dropped afterwards."""
    name = "medrec_verify_" + uuid.uuid4().hex[:12]
    try:
        with server.connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
            )
    except psycopg.errors.InsufficientPrivilege as err:
        raise BackupError(
            "The backup is checked by restoring it into a scratch database, and this account "
            "may not create databases. Run the backup with an account that may (CREATEDB), "
            "such as the owner account. Nothing was written."
        ) from err
    try:
        yield server.with_database(name)
    finally:
        with server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


__all__ = [
    "PG_BIN_ENV",
    "Server",
    "dump_stream",
    "empty_schema",
    "move_schema",
    "restore_stream",
    "scratch_database",
    "schema_exists",
    "server_from_url",
    "tables_in",
]
