"""Alembic migrations run in-process; the database is backed up before any upgrade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from medrec_desktop.db import server_roles
from medrec_desktop.db.errors import translated_errors
from medrec_desktop.domain.errors import DatabaseFileError, SchemaTooNewError, SchemaTooOldError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

# Alembic (with Mako and Pygments) takes about 0.3 s to import: it is imported when a
# database is opened, not when the program starts.


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with translated_errors(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction. On a server it runs as the database's owner (a superuser
    or member acts as the owner for it; anyone else is refused), and afterwards the append-only
    tables are locked down again for the application role (db.server_roles)."""
    with translated_errors(), engine.begin() as conn:
        upgrade_on(conn, revision)


def upgrade_on(conn: Connection, revision: str = "head") -> None:
    """:func:`upgrade` inside the caller's transaction on ``conn`` (a clinic moved to a server
    gets its tables and its rows in one transaction: db.table_copy)."""
    from alembic import command

    server = conn.dialect.name == "postgresql"
    if server:
        server_roles.act_as_owner(conn)
    command.upgrade(alembic_config(conn), revision)
    if server:
        server_roles.lock_down(conn)


def ensure_current(
    engine: Engine,
    *,
    backup: Callable[[Path], None] | None,
    backup_dir: Path | None,
    upgrade_here: bool = True,
) -> Path | None:
    """Bring the schema to the head revision, backing up first. Returns the backup's path.

    A database with no schema at all, or from a newer program version, is refused untouched.
    Without ``upgrade_here`` (a clinic server, where workstations have no right to change
    tables) an older schema is refused with what the administrator runs once instead.
    """
    current = current_revision(engine)
    if current is None:
        raise DatabaseFileError(
            "This file opens with the key but holds no medrec schema; it was left as it is."
        )
    if current not in known_revisions():
        raise SchemaTooNewError(
            "This database was last used by a newer version of medrec-desktop "
            f"(schema {current}). Install that version or newer; nothing was changed."
        )
    if current == head_revision():
        return None
    if not upgrade_here:
        raise SchemaTooOldError(
            f"The clinic server's database has schema {current}, older than this version of "
            "medrec needs. The administrator upgrades it once for every workstation: "
            "medrec server upgrade --owner postgresql://OWNER@host/database (the owner account "
            "made by medrec server setup). Nothing was changed."
        )
    backup_path: Path | None = None
    if backup is not None and backup_dir is not None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_path = backup_dir / f"pre-upgrade-{current}-{stamp}.medrec-backup"
        backup(backup_path)
    upgrade(engine)
    return backup_path
