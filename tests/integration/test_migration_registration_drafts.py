"""Migration 0010 on a database left by 0009, on SQLCipher and PostgreSQL: the drafts already
kept survive the upgrade unchanged, a draft may now name no patient (a new registration),
and the table's other rules (one draft per user and form, a real patient when one is named)
still hold after SQLite's copy of the table."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from medrec_desktop.db import migrate
from medrec_desktop.db.engine import postgres_engine, sqlcipher_engine
from tests.conftest import BACKENDS
from tests.support import pg


@pytest.fixture(params=BACKENDS)
def at_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with the schema as revision 0009 left it."""
    if request.param == "postgresql":
        # migrations are the owner's on a server
        engine = postgres_engine(pg.owner_of(request.getfixturevalue("pg_schema_url")))
    else:
        engine = sqlcipher_engine(tmp_path / "old.db", os.urandom(32), create=True)
    migrate.upgrade(engine, "0009")
    yield engine
    engine.dispose()


def _filler(column: Any, n: int) -> object:
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Date):
        return dt.date(1980, 1, 1)
    if isinstance(column.type, Integer):
        return 1
    if isinstance(column.type, Float):
        return 1.0
    return f"v{n}"[: getattr(column.type, "length", None) or 32]


def _insert(engine: Engine, table: str, values: dict[str, object], n: int = 1) -> int:
    """A row of ``table`` as the schema stands: ``values``, and a placeholder for every
    other required column (this test is about the drafts, not about users or patients)."""
    with engine.begin() as conn:
        t = Table(table, MetaData(), autoload_with=conn)
        row = dict(values)
        for c in t.columns:
            if c.name not in row and not (c.nullable or c.primary_key or c.server_default):
                row[c.name] = _filler(c, n)
        return int(conn.execute(t.insert().values(row).returning(t.c.id)).scalar_one())


def _drafts(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        t = Table("form_draft", MetaData(), autoload_with=conn)
        return [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))]


def test_upgrading_from_0009_keeps_the_drafts_and_allows_a_registration_draft(
    at_0009: Engine,
) -> None:
    engine = at_0009
    user = _insert(engine, "app_user", {"username": "nina"})
    patient = _insert(engine, "patient", {"mrn": "00000001"})
    typed = '{"description": "Chest pain on exertion"}'
    for key, item_type, item_id, base in (
        (f"problem:new:patient={patient}", "problem", None, None),
        (f"demographics:{patient}", "demographics", patient, 3),
    ):
        values = {
            "user_id": user,
            "form_key": key,
            "patient_id": patient,
            "item_type": item_type,
            "item_id": item_id,
            "base_version": base,
            "data_json": typed,
            "saved_at": "2026-03-02T14:02:00.000000Z",
        }
        _insert(engine, "form_draft", values)
    before = _drafts(engine)

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _drafts(engine) == before
    columns = {c["name"]: c for c in inspect(engine).get_columns("form_draft")}
    assert columns["patient_id"]["nullable"]
    indexes = {i["name"] for i in inspect(engine).get_indexes("form_draft")}
    assert "ix_form_draft_patient_id" in indexes
    new = {
        "user_id": user,
        "form_key": "registration:new",
        "patient_id": None,
        "item_type": "registration",
        "data_json": '{"family_name": "Rivera"}',
        "saved_at": "2026-03-02T14:03:00.000000Z",
    }
    _insert(engine, "form_draft", new)
    assert len(_drafts(engine)) == 3
    with pytest.raises(IntegrityError):  # still one draft per user and form
        _insert(engine, "form_draft", new)
    with pytest.raises(IntegrityError):  # a named patient must exist
        _insert(engine, "form_draft", new | {"form_key": "problem:new", "patient_id": 999})
