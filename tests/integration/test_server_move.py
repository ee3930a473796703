"""A clinic moved from its encrypted file to a clinic server (issue 15 item 1), on the real
local PostgreSQL: a demo clinic with every kind of record arrives whole (every row of every
table, documents' bytes included), its audit trail continues there and verifies, the folder
opens the server as the application account, people sign in and save as before; the file
keeps its records. A refusal, a cancel or a row the server refuses leaves the server with
nothing in it and the folder on its file."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine.url import make_url

from medrec_desktop.db import server_roles, table_copy
from medrec_desktop.db.inuse import IN_USE
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import (
    ClinicMovedError,
    KnownError,
    PermissionDeniedError,
    ServerConnectionError,
)
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.server_move import MoveCancelledError, MoveResult, MoveTarget
from medrec_desktop.models import Base, Patient
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.backup_files import open_local_engine
from medrec_desktop.services.demo import DEMO_USERS
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.server_move import move_to_server
from tests.conftest import (
    ADMIN_PASSWORD,
    PASSPHRASE,
    PG_URL,
    ROLE_PASSWORD,
    Clinic,
    pg_copy,
    username,
)
from tests.integration.server_move_clinic import clinic_folder, contents, opened
from tests.support import pg


class Recorder:
    """What the UI's Job is to a move: progress seen, and a cancel after ``cancel_after``
    batches."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.seen: list[tuple[int, int]] = []
        self.cancel_after = cancel_after

    @property
    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.seen) > self.cancel_after

    def progress(self, done: int, total: int) -> None:
        self.seen.append((done, total))


@pytest.fixture
def server_db() -> Iterator[str]:
    """A new, empty clinic database as `medrec server setup` makes one (the application
    account's address)."""
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "t_move_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


def server_objects(url: str) -> tuple[list[str], list[str]]:
    """(relations, functions) in the database's public schema, seen by the superuser."""
    with psycopg.connect(pg.admin_conninfo(make_url(url).database), autocommit=True) as conn:
        relations = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r','p','v','m','S','f')"
        ).fetchall()
        functions = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public'"
        ).fetchall()
    return sorted(str(r[0]) for r in relations), sorted(str(f[0]) for f in functions)


def target(url: str, **changes: Any) -> MoveTarget:
    return MoveTarget(app_url=url, owner_url=pg.owner_of(url), **changes)


def still_on_its_file(c: Clinic) -> None:
    """The folder opens its file again, which records and verifies as before."""
    assert not c.paths.server_url_file.exists() and not c.paths.server_ca_file.exists()
    inst = c.reopen()
    assert not inst.store.is_server
    records = inst.auth.login(username(Role.RECORDS), ROLE_PASSWORD)
    inst.patients.register(records, PatientInput("Stayed", "Here", _birth(), "male"))
    admin = inst.auth.login("admin", ADMIN_PASSWORD)
    assert inst.verify(admin).ok
    assert inst.verify_audit(admin, password=ADMIN_PASSWORD).ok


def _birth() -> dt.date:
    return dt.date(1971, 7, 7)


def column(table: str, name: str) -> int:
    """Where a column sits in the rows :func:`contents` reads."""
    return list(Base.metadata.tables[table].c.keys()).index(name)


def last_file_event(c: Clinic) -> Any:
    admin = c.inst.auth.login("admin", ADMIN_PASSWORD)
    events = c.inst.audit.events(admin, AuditFilter(action="admin"))
    return [e for e in events if e.entry_point == "ServerMoveService.move"][-1]


# ---------------------------------------------------------------------------- the move


@dataclass
class Move:
    paths: DataPaths
    url: str
    result: MoveResult
    before: dict[str, list[tuple[Any, ...]]]
    file_after: dict[str, list[tuple[Any, ...]]]
    server_after: dict[str, list[tuple[Any, ...]]]
    progress: list[tuple[int, int]]
    old_refused: str


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Move]:
    """The clinic moved once for the module; what the file and the server held, read right
    after, for the tests to compare."""
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI always sets it)")
    name = "t_move_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        folder = clinic_folder(tmp_path_factory)
        with opened(folder) as c:
            key = c.inst.keyring.material.db_key
            with c.inst.store.engine.connect() as conn:
                before = contents(conn)
            job = Recorder()
            m = move_to_server(c.inst, c.admin, target(url), job)
            # The installation on the file refuses everything from now on.
            with pytest.raises(ClinicMovedError) as refused:
                c.inst.patients.list_all(c.sessions[Role.RECORDS])
        m.inst.close()
        engine = open_local_engine(c.paths.database, key, 5.0)
        try:
            with engine.connect() as conn:
                file_after = contents(conn)
        finally:
            engine.dispose()
        owner = create_engine(pg.owner_of(url))
        try:
            with owner.connect() as conn:
                server_after = contents(conn)
        finally:
            owner.dispose()
        yield Move(
            c.paths, url, m.result, before, file_after, server_after, job.seen,
            refused.value.message,
        )  # fmt: skip
    finally:
        pg.drop_database(name)


def test_every_row_of_every_table_arrives_as_it_was_in_the_file(moved: Move) -> None:
    before, after = moved.before, moved.server_after
    assert set(after) == {t.name for t in table_copy.tables()}
    # Workstations and their enrollment codes exist on a server only (issue 15 item 4).
    server_only = {"workstation", "enrollment"}
    assert all(before[name] for name in set(before) - server_only), "every kind of record"
    for name in before:
        if name in ("audit_event", "audit_head"):
            continue
        assert after[name] == before[name], name  # values, ids, documents' bytes
    # The trail continues on the server: the file's events, then the move's own.
    events = after["audit_event"]
    assert events[: len(before["audit_event"])] == before["audit_event"]
    [move_event] = events[len(before["audit_event"]) :]
    detail = move_event[column("audit_event", "detail")]
    assert detail.startswith("server move: moved from the local file to server 127.0.0.1")
    content = column("document_blob", "content")
    assert all(isinstance(row[content], bytes) and row[content] for row in after["document_blob"])


def test_the_report_counts_what_was_moved(moved: Move) -> None:
    r = moved.result
    assert r.tables == len(table_copy.tables())
    assert r.rows == sum(len(rows) for rows in moved.before.values())
    assert dict(r.row_counts) == {n: len(rows) for n, rows in moved.before.items()}
    assert r.audit_events == len(moved.before["audit_event"])
    assert r.audit_summary.startswith("Audit trail intact")
    assert r.file == moved.paths.database and r.seconds > 0
    done = [d for d, _ in moved.progress]
    assert done == sorted(done) and moved.progress[-1] == (r.rows, r.rows)


def test_the_file_keeps_its_records_and_loses_only_its_forward_key(moved: Move) -> None:
    for name, rows in moved.before.items():
        if name != "audit_head":
            assert moved.file_after[name] == rows, name
    fs_key = column("audit_head", "fs_key")
    [was] = moved.before["audit_head"]
    [now] = moved.file_after["audit_head"]
    assert was[fs_key] is not None and now[fs_key] is None
    assert now[:3] == was[:3]  # id, seq, chain MAC: the same trail, ending where it did


def test_the_old_installation_refuses_work_saying_where_the_clinic_went(moved: Move) -> None:
    assert "moved to the clinic server 127.0.0.1" in moved.old_refused
    assert "Sign in again" in moved.old_refused


def test_the_folder_opens_the_server_as_the_application_account(moved: Move) -> None:
    assert moved.paths.database.exists()  # kept where it was
    inst = Installation.open(moved.paths, Unlock(passphrase=PASSPHRASE))
    try:
        assert inst.store.is_server and inst.ctx.tampered is None
        with inst.store.engine.connect() as conn:
            assert server_roles.account(conn).name == pg.APP_ROLE
        admin = inst.auth.login("admin", ADMIN_PASSWORD)
        assert inst.verify(admin).ok
        chain = inst.verify_audit(admin, password=ADMIN_PASSWORD)
        assert chain.ok and chain.full  # forward-secure MACs too, genesis to now
    finally:
        inst.close()


def test_people_sign_in_and_a_new_save_appears_in_the_chart(moved: Move) -> None:
    inst = Installation.open(moved.paths, Unlock(passphrase=PASSPHRASE))
    try:
        doctor = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
        records = inst.auth.login(username(Role.RECORDS), ROLE_PASSWORD)
        new = inst.patients.register(records, PatientInput("Arrived", "After", _birth(), "male"))
        highest = max(row[0] for row in moved.before["patient"])
        assert new.id > highest  # the id sequence moved past the copied ids
        pid = moved.before["patient"][0][0]
        saved = inst.problems.add(doctor, pid, ProblemInput(description="Gout", icd10cm="M10.9"))
        listed = inst.problems.list(doctor, pid).items
        assert saved.id in [p.id for p in listed]
        with inst.store.unit_of_work() as db:
            assert db.execute(select(func.count()).select_from(Patient)).scalar_one() == (
                len(moved.before["patient"]) + 1
            )
    finally:
        inst.close()


# ---------------------------------------------------------------------------- refusals


def test_a_database_with_tables_is_refused_and_left_as_it_was(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    owner = create_engine(pg.owner_of(server_db))
    try:
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE someone_elses (note text)"))
            conn.execute(text("INSERT INTO someone_elses VALUES ('keep me')"))
    finally:
        owner.dispose()
    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(KnownError, match="is not empty: schema public already has 1 tables"):
            move_to_server(c.inst, c.admin, target(server_db))
        assert server_objects(server_db) == (["someone_elses"], [])
        assert last_file_event(c).outcome == "failure"
        still_on_its_file(c)


def test_a_cancel_after_the_first_batches_leaves_the_server_empty(
    tmp_path_factory: pytest.TempPathFactory, server_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_copy, "BATCH_ROWS", 25)  # many batches from a small clinic
    job = Recorder(cancel_after=4)
    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(MoveCancelledError):
            move_to_server(c.inst, c.admin, target(server_db), job)
        assert len(job.seen) == 5 and 0 < job.seen[-1][0] < job.seen[-1][1]
        assert server_objects(server_db) == ([], [])
        event = last_file_event(c)
        assert (event.outcome, event.reason) == ("failure", "MoveCancelledError")
        still_on_its_file(c)


def test_a_row_the_server_refuses_leaves_it_empty_and_is_named_without_its_value(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    with opened(clinic_folder(tmp_path_factory)) as c:
        # As an insider with the file's key: a value the file's column may hold (SQLite does
        # not enforce lengths) and the server's may not.
        with c.insider() as engine, engine.begin() as conn:
            conn.execute(text("UPDATE patient SET phone = :p WHERE id = 3"), {"p": "5" * 60})
        with pytest.raises(KnownError) as err:
            move_to_server(c.inst, c.admin, target(server_db))
        assert "table patient (string data right truncation, 22001)" in err.value.message
        assert "5555" not in err.value.message
        assert server_objects(server_db) == ([], [])
        still_on_its_file(c)


def test_a_table_the_server_makes_unwritable_mid_copy_leaves_it_empty(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    """A server-side insider (its superuser) has every new procedure table refuse its rows:
    the move fails part-way through the copy, after many tables were made and filled."""
    database = make_url(server_db).database
    with psycopg.connect(pg.admin_conninfo(database), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA insider")  # not the clinic's: the move checks that is empty
        conn.execute(
            "CREATE FUNCTION insider.refuse_procedures() RETURNS event_trigger LANGUAGE plpgsql "
            "AS $$ "
            "BEGIN IF to_regclass('public.procedure') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            "pg_constraint WHERE conname = 'no_rows_here') THEN ALTER TABLE public.procedure "
            "ADD CONSTRAINT no_rows_here CHECK (false) NOT VALID; END IF; END $$"
        )
        conn.execute(
            "CREATE EVENT TRIGGER unwritable ON ddl_command_end WHEN TAG IN ('CREATE TABLE') "
            "EXECUTE FUNCTION insider.refuse_procedures()"
        )
    job = Recorder()
    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(KnownError) as err:
            move_to_server(c.inst, c.admin, target(server_db), job)
        assert "table procedure (check violation, 23514)" in err.value.message
        assert job.seen[-1][0] > 0  # rows of other tables were copied first
        assert server_objects(server_db) == ([], [])
        still_on_its_file(c)


def test_a_failure_after_the_commit_empties_the_server_again(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    """The application account loses its right to connect while the rows are copied (an
    insider on the server): the copy commits, the count as that account fails, and what
    was committed is removed again."""
    database = make_url(server_db).database

    class Revoking(Recorder):
        def progress(self, done: int, total: int) -> None:
            super().progress(done, total)
            if len(self.seen) == 2:
                pg.admin(f'REVOKE CONNECT ON DATABASE "{database}" FROM {pg.APP_ROLE}')

    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(KnownError, match="no CONNECT right there"):
            move_to_server(c.inst, c.admin, target(server_db), Revoking())
        assert server_objects(server_db) == ([], [])
        with c.inst.store.engine.connect() as conn:
            fs_key = conn.execute(text("SELECT fs_key FROM audit_head")).scalar()
        assert fs_key is not None  # the file keeps its trail's forward key
        assert last_file_event(c).outcome == "failure"
        still_on_its_file(c)


def test_a_copy_that_cannot_be_removed_after_the_commit_is_said_with_the_database_to_drop(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    """An insider on the server (its superuser) takes the CONNECT right from both the
    application account and the owner while the rows are copied: the copy commits on the
    owner's connection already open, the count as the application account fails, and the
    owner cannot connect again to remove the copy. The user is told the copy is still there
    and which database IT must drop, not that the server was left empty."""
    database = make_url(server_db).database
    assert database is not None

    class Revoking(Recorder):
        def progress(self, done: int, total: int) -> None:
            super().progress(done, total)
            if len(self.seen) == 2:
                for role in (pg.APP_ROLE, pg.OWNER_ROLE):
                    pg.admin(f'REVOKE CONNECT ON DATABASE "{database}" FROM {role}')

    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(KnownError) as err:
            move_to_server(c.inst, c.admin, target(server_db), Revoking())
        said = err.value.message
        assert "no CONNECT right there" in said  # what failed first
        assert "could NOT be removed" in said
        assert f'drop the database "{database}" on the server 127.0.0.1:5432' in said
        assert "left empty" not in said and "postgresql://" not in said
        assert "this computer keeps working on its file" in said
        relations, _functions = server_objects(server_db)
        assert "patient" in relations and "audit_event" in relations  # it is still there
        with c.inst.store.engine.connect() as conn:
            fs_key = conn.execute(text("SELECT fs_key FROM audit_head")).scalar()
        assert fs_key is not None  # the file keeps its trail's forward key
        assert last_file_event(c).outcome == "failure"
        still_on_its_file(c)


def test_a_workstation_account_that_could_rewrite_the_trail_is_refused_first(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    superuser = make_url(PG_URL or "").set(database=make_url(server_db).database)
    with opened(clinic_folder(tmp_path_factory)) as c:
        app_url = superuser.render_as_string(hide_password=False)
        with pytest.raises(KnownError, match="a superuser of the server"):
            move_to_server(c.inst, c.admin, MoveTarget(app_url, pg.owner_of(server_db)))
        assert server_objects(server_db) == ([], [])
        assert not c.paths.server_url_file.exists()


def test_only_an_administrator_moves_a_clinic_and_a_refusal_is_recorded(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(PermissionDeniedError):
            move_to_server(c.inst, c.sessions[Role.RECORDS], target(server_db))
        assert server_objects(server_db) == ([], [])
        assert last_file_event(c).outcome == "denied"
        still_on_its_file(c)


def test_another_window_on_the_file_stops_the_move(
    tmp_path_factory: pytest.TempPathFactory, server_db: str
) -> None:
    with opened(clinic_folder(tmp_path_factory)) as c:
        other = Installation.open(c.paths, Unlock(passphrase=PASSPHRASE))
        try:
            with pytest.raises(KnownError) as err:
                move_to_server(c.inst, c.admin, target(server_db))
            assert err.value.message == IN_USE
        finally:
            other.close()
        assert server_objects(server_db) == ([], [])
        still_on_its_file(c)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"owner_url": ""}, "Enter the database owner's address"),
        ({"app_url": "  "}, "Enter the application account's address"),
        ({"owner_url": "postgresql://medrec_owner@127.0.0.1/another"}, "different databases"),
        ({"owner_url": "postgresql://medrec_app@127.0.0.1/medrec"}, "are the same account"),
        ({"app_url": "postgresql://127.0.0.1/medrec"}, "names no account"),
        ({"ca_cert": Path("/nonexistent/ca.pem")}, "ca.pem"),
    ],
)
def test_addresses_are_checked_before_anything_is_touched(
    tmp_path_factory: pytest.TempPathFactory, change: dict[str, Any], said: str
) -> None:
    base = MoveTarget(
        app_url="postgresql://medrec_app@127.0.0.1/medrec",
        owner_url="postgresql://medrec_owner@127.0.0.1/medrec",
    )
    with opened(clinic_folder(tmp_path_factory)) as c:
        fields = {"app_url": base.app_url, "owner_url": base.owner_url, **change}
        with pytest.raises(ServerConnectionError, match=said):
            move_to_server(c.inst, c.admin, MoveTarget(**fields))
        assert not c.paths.server_url_file.exists()


def test_a_folder_already_on_a_server_has_no_file_to_move(
    request: pytest.FixtureRequest, tmp_path: Path, server_db: str
) -> None:
    from tests.support.clock import FakeClock

    template = request.getfixturevalue("_pg_template")
    with pg_copy(template, tmp_path, FakeClock()) as on_server:
        with pytest.raises(KnownError, match="already works on a clinic server"):
            move_to_server(on_server.inst, on_server.admin, target(server_db))
    assert server_objects(server_db) == ([], [])


@pytest.mark.parametrize(
    ("app_account", "database", "said"),
    [
        (pg.APP_ROLE, "no_such_clinic_db", "The server has no database of the name"),
        ("nobody_of_that_name", None, "The server has no account of the name"),
    ],
)
def test_an_address_the_server_refuses_is_said_in_plain_words(
    tmp_path_factory: pytest.TempPathFactory,
    server_db: str,
    app_account: str,
    database: str | None,
    said: str,
) -> None:
    url = make_url(server_db).set(username=app_account)
    if database is not None:
        url = url.set(database=database)
    app_url = url.render_as_string(hide_password=False)
    with opened(clinic_folder(tmp_path_factory)) as c:
        with pytest.raises(ServerConnectionError, match=said):
            move_to_server(c.inst, c.admin, MoveTarget(app_url, pg.owner_of(app_url)))
        assert server_objects(server_db) == ([], [])
        assert last_file_event(c).outcome == "failure"


def test_the_moved_clinic_backs_up_and_restores_as_any_server_clinic(
    tmp_path_factory: pytest.TempPathFactory, server_db: str, tmp_path: Path
) -> None:
    """The server's first backup after the move, and its restore into a new empty database
    from the same folder (the old file beside server.url does not stand in the way)."""
    name = "t_move_again_" + uuid.uuid4().hex[:8]
    with opened(clinic_folder(tmp_path_factory)) as c:
        moved = move_to_server(c.inst, c.admin, target(server_db))
        c.inst.close()
        c.inst = moved.inst
        admin = c.inst.auth.login("admin", ADMIN_PASSWORD)
        backup = c.inst.backup(admin, tmp_path / "after-the-move.medrec-backup")
        c.inst.close()
        again = pg.new_database(name)
        try:
            c.inst = Installation.restore(
                c.paths,
                backup,
                Unlock(passphrase=PASSPHRASE),
                username="admin",
                password=ADMIN_PASSWORD,
                server_url=again,
                owner_url=pg.owner_of(again),
            )
            assert c.paths.server_url_file.read_text() == again
            admin = c.inst.auth.login("admin", ADMIN_PASSWORD)
            assert c.inst.verify(admin).ok
            chain = c.inst.verify_audit(admin, password=ADMIN_PASSWORD)
            assert chain.ok and chain.full
        finally:
            c.inst.close()
            pg.drop_database(name)
