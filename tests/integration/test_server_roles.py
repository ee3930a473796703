"""The clinic server's least-privilege accounts (issue 15 item 2, db.server_roles).

The attacker here is an insider at a workstation: the data folder's server.url holds the
application account's address (and password), so they can connect with psql or psycopg as
that account and try to rewrite the trail. The server itself refuses. The app, for its part,
refuses to work day to day as an account that could do it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine.url import make_url

from medrec_desktop.db import migrate, server_roles
from medrec_desktop.db.engine import postgres_engine
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import KnownError, SchemaTooOldError, ServerRoleError
from medrec_desktop.paths import DataPaths, write_private_file
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, Unlock, upgrade_server
from tests.conftest import PASSPHRASE, PG_URL, Clinic
from tests.integration.chart_samples import new_patient
from tests.support import pg
from tests.support.cli import medrec_in_process

pytestmark = pytest.mark.skipif(not PG_URL, reason="MEDREC_TEST_PG_URL is not set (CI sets it)")


@pytest.fixture
def server_clinic(request: pytest.FixtureRequest) -> Iterator[Clinic]:
    from tests.conftest import pg_copy

    with pg_copy(
        request.getfixturevalue("_pg_template"),
        request.getfixturevalue("tmp_path"),
        request.getfixturevalue("clock"),
    ) as c:
        yield c


def _as_app(c: Clinic) -> psycopg.Connection[tuple[object, ...]]:
    """What the insider does with the address in server.url."""
    url = make_url(c.paths.server_url_file.read_text().strip()).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


ATTACKS = [
    "UPDATE audit_event SET username = 'someone else' WHERE seq = 1",
    "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)",
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
    "DROP TRIGGER audit_event_no_change ON audit_event",
    "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END $$",
    "DROP TABLE audit_event",
    "ALTER TABLE audit_event RENAME TO audit_event_old",
    "CREATE TABLE audit_event_copy (seq int)",
    "SET session_replication_role = replica",
    "UPDATE clinical_item_version SET data_json = '{}'",
    "DELETE FROM clinical_item_version",
    "UPDATE disclosure SET recipient = 'nobody'",
    "DELETE FROM disclosure_patient",
    "UPDATE fhir_import_log SET source = 'x'",
    "UPDATE alembic_version SET version_num = '0001'",
    "CREATE SCHEMA elsewhere",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_application_account_cannot_rewrite_the_trail_or_its_guards(
    server_clinic: Clinic, attack: str
) -> None:
    c = server_clinic
    new_patient(c)  # something in every table's neighbourhood
    with _as_app(c) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(attack.encode())
    assert c.inst.audit.verify(c.admin).ok
    assert c.inst.maintenance.verify_database(c.admin).ok


def test_it_can_still_read_and_append_as_the_app_does(server_clinic: Clinic) -> None:
    c = server_clinic
    with _as_app(c) as conn:
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone() is not None
        grants = {
            (str(t), str(p))
            for t, p in conn.execute(
                "SELECT table_name, privilege_type FROM information_schema.table_privileges "
                "WHERE grantee = current_user AND table_name = 'audit_event'"
            )
        }
        # Handing itself more is a no-op (a warning, nothing granted).
        conn.execute("GRANT UPDATE, DELETE ON audit_event TO PUBLIC")
        widened = conn.execute(
            "SELECT has_table_privilege('audit_event', 'UPDATE'), "
            "has_table_privilege('audit_event', 'DELETE')"
        ).fetchone()
    assert {p for _, p in grants} == {"INSERT", "SELECT"}
    assert widened == (False, False)
    nurse = c.sessions[Role.NURSE]
    pid = new_patient(c)
    assert c.inst.patients.record(nurse, pid).info.id == pid
    assert c.inst.audit.verify(c.admin).ok


@pytest.mark.parametrize("who", ["superuser", "owner"])
def test_the_app_refuses_a_superuser_or_the_owner_day_to_day(
    server_clinic: Clinic, who: str
) -> None:
    c = server_clinic
    app_url = c.server_url
    c.inst.close()
    if who == "superuser":
        assert PG_URL
        strong = make_url(PG_URL).set(database=make_url(app_url).database)
        name = strong.username
    else:
        strong = make_url(pg.owner_of(app_url))
        name = pg.OWNER_ROLE
    write_private_file(
        c.paths.server_url_file, strong.render_as_string(hide_password=False).encode()
    )
    with pytest.raises(ServerRoleError) as refused:
        Installation.open(c.paths, Unlock(passphrase=PASSPHRASE))
    message = refused.value.message
    assert name in message and "medrec server setup" in message
    assert ("superuser" if who == "superuser" else "owner") in message
    # What the message says to do works: connect as the application account.
    result = medrec_in_process("--data-dir", str(c.paths.root), "server", "connect", app_url)
    assert result.returncode == 0, result.stderr
    assert c.paths.server_url_file.read_text() == app_url
    inst = c.reopen()
    events = inst.audit.events(c.admin, AuditFilter())
    assert any("server connect" in (e.detail or "") for e in events)


def test_connect_refuses_a_too_powerful_account_and_keeps_the_old_address(
    server_clinic: Clinic,
) -> None:
    c = server_clinic
    before = c.paths.server_url_file.read_bytes()
    c.inst.close()
    result = medrec_in_process(
        "--data-dir", str(c.paths.root), "server", "connect", pg.owner_of(c.server_url)
    )
    assert result.returncode != 0 and "owner of the clinic's database" in result.stderr
    assert "Traceback" not in result.stderr
    assert c.paths.server_url_file.read_bytes() == before
    c.reopen()


def test_an_older_server_schema_is_refused_until_the_owner_upgrades_it(
    tmp_path: Path,
) -> None:
    name = "t_" + uuid.uuid4().hex[:12]
    app_url = pg.new_database(name)
    try:
        owner = postgres_engine(pg.owner_of(app_url))
        try:
            migrate.upgrade(owner, "0018")
        finally:
            owner.dispose()
        app = postgres_engine(app_url)
        try:
            with pytest.raises(SchemaTooOldError, match="medrec server upgrade --owner"):
                migrate.ensure_current(app, backup=None, backup_dir=None, upgrade_here=False)
            assert migrate.current_revision(app) == "0018"
            # The application account may not do it itself.
            with pytest.raises(ServerRoleError, match="owner account"):
                migrate.upgrade(app)
            paths = DataPaths(tmp_path / "folder")
            paths.root.mkdir(parents=True)
            write_private_file(paths.server_url_file, app_url.encode())
            before, after = upgrade_server(paths, pg.owner_of(app_url))
            assert (before, after) == ("0018", migrate.head_revision())
            assert migrate.current_revision(app) == migrate.head_revision()
            with app.connect() as conn:
                assert not server_roles.account(conn).too_powerful  # still locked down
        finally:
            app.dispose()
    finally:
        pg.drop_database(name)


def test_setup_prints_the_sql_and_runs_it_for_a_working_clinic(tmp_path: Path) -> None:
    """`medrec server setup` without --run prints a psql script; with --run it makes the two
    accounts and the database, and a clinic is created on them with init --owner."""
    suffix = uuid.uuid4().hex[:8]
    database, owner, app = f"t_setup_{suffix}", f"t_owner_{suffix}", f"t_app_{suffix}"
    enroll = f"t_enroll_{suffix}"  # its own: the server's other clinics may share theirs
    names = ("--database", database, "--owner-role", owner, "--app-role", app)
    names += ("--enroll-role", enroll)
    printed = medrec_in_process("server", "setup", *names)
    assert printed.returncode == 0, printed.stderr
    script = printed.stdout
    assert f"CREATE ROLE {owner} LOGIN NOSUPERUSER" in script
    assert f"CREATE DATABASE {database} OWNER {owner}" in script
    assert f"\\connect {database}" in script
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}" in script
    assert "PASSWORD '" in script  # generated, shown once to whoever runs it
    # The enrollment account's password is public: its sessions are limited, and the script
    # says how pg_hba.conf keeps it to the clinic's database.
    assert f"ALTER ROLE {enroll} SET statement_timeout = '10s';" in script
    assert f"ALTER ROLE {enroll} SET idle_in_transaction_session_timeout" in script
    assert f"ALTER ROLE {enroll} SET idle_session_timeout" in script
    assert f"--   hostssl  {database}  {enroll}  all  scram-sha-256" in script
    assert f"--   host     all  {enroll}  all  reject" in script
    assert PG_URL
    admin_url = make_url(PG_URL).render_as_string(hide_password=False)
    try:
        ran = medrec_in_process(
            "server",
            "setup",
            *names,
            "--run",
            admin_url,
            env={"MEDREC_OWNER_PASSWORD": "owner pw 1", "MEDREC_APP_PASSWORD": "app pw 1"},
        )
        assert ran.returncode == 0, ran.stderr
        assert f"hostssl  {database}  {enroll}" in ran.stdout
        with psycopg.connect(pg.admin_conninfo(), autocommit=True) as conn:
            settings = conn.execute(
                "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r "
                "ON r.oid = s.setrole WHERE r.rolname = %s AND s.setdatabase = 0",
                (enroll,),
            ).fetchone()
        assert settings is not None
        assert {"statement_timeout=10s", "idle_in_transaction_session_timeout=10s"} <= set(
            settings[0]
        )
        # Made again: refused in plain words, nothing half made (the enrollment account this
        # run did not make stays).
        again = medrec_in_process("server", "setup", *names, "--run", admin_url)
        assert again.returncode != 0 and "refused to create the accounts" in again.stderr
        assert _role_exists(enroll)
        base = make_url(PG_URL).set(database=database, password=None)
        app_url = base.set(username=app).render_as_string(hide_password=False)
        owner_url = base.set(username=owner).render_as_string(hide_password=False)
        data = tmp_path / "data"
        made = medrec_in_process(
            "--data-dir", str(data), "init", "--passphrase", "--server", app_url,
            "--owner", owner_url,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        listed = medrec_in_process("--data-dir", str(data), "--user", "admin", "verify")
        assert listed.returncode == 0, listed.stderr
        # Without --owner, init says what it needs before asking for anything.
        bare = medrec_in_process(
            "--data-dir", str(tmp_path / "other"), "init", "--passphrase", "--server", app_url
        )
        assert bare.returncode != 0 and "--owner" in bare.stderr
        with psycopg.connect(pg.admin_conninfo(database), autocommit=True) as conn:
            row = conn.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'"
            ).fetchone()
        assert row is not None and row[0] == owner
    finally:
        pg.admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (app, owner, enroll):
            pg.admin(f"DROP ROLE IF EXISTS {role}")


def _role_exists(role: str) -> bool:
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as conn:
        found = conn.execute("SELECT FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    return found is not None


def test_a_failed_setup_removes_the_enrollment_account_only_if_it_made_it() -> None:
    """Setup fails at its last step (the database exists already): the roles it made are
    dropped, its new enrollment account too, but an enrollment account that was there before
    (another clinic's on the same server) is kept."""
    assert PG_URL
    admin_url = make_url(PG_URL).render_as_string(hide_password=False)
    existing = make_url(PG_URL).database
    assert existing
    for enroll, had in ((f"t_enroll_{uuid.uuid4().hex[:8]}", False), (pg.ENROLL_ROLE, True)):
        pg.ensure_roles()
        suffix = uuid.uuid4().hex[:8]
        plan = server_roles.Plan(
            database=existing, owner=f"t_owner_{suffix}", app=f"t_app_{suffix}", enroll=enroll
        )
        try:
            with pytest.raises(KnownError, match="Nothing was left behind"):
                server_roles.run_plan(admin_url, plan)
            assert not _role_exists(plan.owner) and not _role_exists(plan.app)
            assert _role_exists(enroll) == had
        finally:
            for role in (plan.app, plan.owner, *(() if had else (enroll,))):
                pg.admin(f"DROP ROLE IF EXISTS {role}")


def test_a_name_that_is_not_plain_is_refused_before_anything_runs() -> None:
    result = medrec_in_process("server", "setup", "--app-role", "app; DROP DATABASE x")
    assert result.returncode != 0 and "not a plain name" in result.stderr
    assert "Traceback" not in result.stderr


ESCALATIONS = {
    "createrole": "CREATEROLE",
    "server programs": "IN ROLE pg_execute_server_program",
    "server files": "IN ROLE pg_write_server_files",
    "admin of the owner": f"IN ROLE {pg.OWNER_ROLE}",
}


@pytest.mark.parametrize("how", list(ESCALATIONS))
def test_the_app_refuses_an_account_that_could_make_itself_the_owner(
    server_clinic: Clinic, how: str
) -> None:
    """CREATEROLE can grant itself the owner's role and switch the triggers off; the server's
    program and file roles act as the server's own OS account. Each is refused day to day."""
    c = server_clinic
    database = make_url(c.server_url).database
    role = "t_esc_" + uuid.uuid4().hex[:8]
    grant = ESCALATIONS[how]
    if how == "admin of the owner":  # a member who may hand the owner's role on
        pg.admin(f"CREATE ROLE {role} LOGIN NOINHERIT")
        pg.admin(f"GRANT {pg.OWNER_ROLE} TO {role} WITH ADMIN OPTION")
        pg.admin(f"ALTER ROLE {role} NOINHERIT")
    else:
        pg.admin(f"CREATE ROLE {role} LOGIN {grant}")
    try:
        pg.admin(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        pg.admin(f"GRANT USAGE ON SCHEMA public TO {role}", database)
        c.inst.close()
        write_private_file(
            c.paths.server_url_file,
            make_url(c.server_url)
            .set(username=role)
            .render_as_string(hide_password=False)
            .encode(),
        )
        with pytest.raises(ServerRoleError) as refused:
            Installation.open(c.paths, Unlock(passphrase=PASSPHRASE))
        assert role in refused.value.message and "medrec server setup" in refused.value.message
    finally:
        pg.admin(f'REVOKE ALL ON DATABASE "{database}" FROM {role}')
        pg.admin(f"DROP OWNED BY {role}", database)
        pg.admin(f"DROP ROLE {role}")


def test_connect_takes_the_application_password_from_the_environment(
    server_clinic: Clinic,
) -> None:
    """Kept off the command line (other users can see it in the process list): the address
    without its password, the password in MEDREC_APP_PASSWORD; the folder's private server.url
    gets both, as the app needs them."""
    c = server_clinic
    c.inst.close()
    bare = make_url(c.server_url)._replace(password=None).render_as_string()
    result = medrec_in_process(
        "--data-dir",
        str(c.paths.root),
        "server",
        "connect",
        bare,
        env={"MEDREC_APP_PASSWORD": "from the environment 1"},
    )
    assert result.returncode == 0, result.stderr
    assert make_url(c.paths.server_url_file.read_text()).password == "from the environment 1"
    assert "from the environment" not in result.stdout + result.stderr
    c.reopen()
