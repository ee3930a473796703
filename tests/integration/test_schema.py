"""Migrations match the models, upgrades back up first, and the audit table is append-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from medrec_desktop.db import migrate
from medrec_desktop.db.engine import sqlcipher_engine
from medrec_desktop.models import Base
from medrec_desktop.models.patient import SERVER_ONLY_INDEXES
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.audit_chain import (
    FIELDS,
    GENESIS,
    GENESIS_ENTRY,
    event_mac,
    head_mac,
)
from medrec_desktop.security.audit_mark import seal, write_into_keyfile
from medrec_desktop.security.keyslots import load_keyfile, unlock_with_secret
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic


def test_migrations_create_exactly_the_models(clinic: Clinic) -> None:
    with clinic.inst.store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The server's own search indexes (schema 0020: trigrams, INCLUDE) are not in the models,
    # which describe both backends: they are on the server, and only there.
    server_only = {
        change[1].name
        for change in diff
        if change[0] == "remove_index" and change[1].name in SERVER_ONLY_INDEXES
    }
    assert server_only == (SERVER_ONLY_INDEXES if clinic.backend == "postgresql" else set())
    assert [c for c in diff if c[0] != "remove_index" or c[1].name not in server_only] == []


def test_audit_rows_cannot_be_changed_or_deleted_by_the_database_itself(clinic: Clinic) -> None:
    for statement in (
        "UPDATE audit_event SET username = 'someone' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
    ):
        with pytest.raises(SADatabaseError, match="append-only"):
            with clinic.insider() as insider, insider.begin() as conn:
                conn.execute(text(statement))
    assert clinic.inst.audit.verify(clinic.admin).ok


def test_an_older_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "d")
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "Ada", ADMIN_PASSWORD), passphrase=PASSPHRASE
    )
    key = inst.keyring.material.db_key
    audit_key = inst.keyring.material.audit_key
    install_id = inst.keyring.keyfile.install_id
    inst.close()
    # Make a database as the first release left it: schema 0001 only, its trail begun (a
    # genesis event and the head as that release sealed them, without forward-secure MACs).
    paths.database.unlink()
    engine = sqlcipher_engine(paths.database, key, create=True)
    migrate.upgrade(engine, "0001")
    values = (
        1,
        "2026-01-05T10:00:00.000000Z",
        None,
        "",
        "ws",
        None,
        "audit",
        "admin",
        "success",
        GENESIS_ENTRY,
        None,
        False,
        f"installation {install_id}; root x",
    )
    mac = event_mac(audit_key, GENESIS, values)
    with engine.begin() as conn:
        marks = ", ".join(f":{n}" for n in FIELDS)
        conn.execute(
            text(f"INSERT INTO audit_event ({', '.join(FIELDS)}, mac) VALUES ({marks}, :mac)"),
            dict(zip(FIELDS, values, strict=True)) | {"mac": mac},
        )
        conn.execute(
            text("INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, 1, :m, :h)"),
            {"m": mac, "h": head_mac(audit_key, 1, mac)},
        )
    engine.dispose()
    # The key file's high-water mark as that trail left it.
    write_into_keyfile(paths.keys, seal(audit_key, install_id, 1, mac), force=True)
    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE))
    try:
        assert inst.upgrade_backup is not None and inst.upgrade_backup.exists()
        assert oct(inst.upgrade_backup.stat().st_mode & 0o777) == "0o600"
        assert migrate.current_revision(inst.store.engine) == migrate.head_revision()
        # The pre-upgrade copy is the old schema, encrypted with the same key.
        old = sqlcipher_engine(inst.upgrade_backup, key)
        assert migrate.current_revision(old) == "0001"
        old.dispose()
        # The old trail goes on after the upgrade (its events have no forward-secure MAC).
        inst.setup.clinic_settings()
        with inst.store.engine.connect() as conn:
            seqs = conn.execute(text("SELECT seq FROM audit_event ORDER BY seq")).scalars().all()
        assert seqs[0] == 1 and len(seqs) >= 2
    finally:
        inst.close()
    kr = unlock_with_secret(load_keyfile(paths.keys), "passphrase", PASSPHRASE)
    assert kr.material.db_key == key
