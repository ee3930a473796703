"""Alembic migrations run in-process; the database is backed up before any upgrade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from medrec_desktop.db.errors import translated_errors
from medrec_desktop.domain.errors import DatabaseFileError, SchemaTooNewError

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
    from alembic import command

    with translated_errors(), engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def ensure_current(
    engine: Engine, *, backup: Callable[[Path], None] | None, backup_dir: Path | None
) -> Path | None:
    """Bring the schema to the head revision, backing up first. Returns the backup's path.

    A database with no schema at all, or from a newer program version, is refused untouched.
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
    backup_path: Path | None = None
    if backup is not None and backup_dir is not None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_path = backup_dir / f"pre-upgrade-{current}-{stamp}.medrec-backup"
        backup(backup_path)
    upgrade(engine)
    return backup_path
