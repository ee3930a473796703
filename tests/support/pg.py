"""The test server's clinic databases, made as `medrec server setup` makes a clinic's: owned by
an owner role, used day to day by a least-privilege application role, joined through an
enrollment role that may only connect (db.server_roles).

The three roles are the server's (roles are cluster-wide), made once and kept; each test's
database is new. The test server trusts local connections, so the passwords go unchecked.
"""

from __future__ import annotations

import os

import psycopg
from sqlalchemy.engine.url import make_url

from medrec_desktop.db import server_roles

PG_URL = os.environ.get("MEDREC_TEST_PG_URL")
OWNER_ROLE = "medrec_test_owner"
APP_ROLE = "medrec_test_app"
ENROLL_ROLE = "medrec_test_enroll"
_ROLES_LOCK = 0x6D6564726563  # "medrec": one process at a time makes the roles
#: in the application account's addresses, as a clinic's carry one (an enrollment code hands
#: the address on, and a code is refused for an address without a password); the test server
#: trusts local connections and does not check it
APP_PASSWORD = "unchecked-by-the-test-server"


def admin_conninfo(database: str | None = None) -> str:
    """The test server's superuser (MEDREC_TEST_PG_URL), on ``database`` or its own."""
    assert PG_URL
    url = make_url(PG_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def admin(sql: str, database: str | None = None) -> None:
    """One statement as the superuser, outside any transaction (CREATE/DROP DATABASE)."""
    with psycopg.connect(admin_conninfo(database), autocommit=True) as conn:
        conn.execute(sql.encode())


def ensure_roles() -> None:
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ROLES_LOCK,))
        try:
            have = {
                r[0]
                for r in conn.execute(
                    "SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)",
                    (OWNER_ROLE, APP_ROLE),
                )
            }
            plan = server_roles.Plan(database="unused", owner=OWNER_ROLE, app=APP_ROLE)
            for statement in plan.server_statements()[:2]:
                role = statement.split()[2]
                if role not in have:
                    conn.execute(statement.encode())
            conn.execute(server_roles.enroll_role_statement(ENROLL_ROLE).encode())  # if missing
            for statement in server_roles.enroll_role_settings(ENROLL_ROLE):
                conn.execute(statement.encode())  # as setup limits its sessions
            # The test server's parallel workers all join as this one role: no limit here.
            conn.execute(f"ALTER ROLE {ENROLL_ROLE} CONNECTION LIMIT -1".encode())
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ROLES_LOCK,))


def url_for(database: str, role: str = APP_ROLE) -> str:
    assert PG_URL
    return (
        make_url(PG_URL)
        .set(database=database, username=role, password=APP_PASSWORD if role == APP_ROLE else None)
        .render_as_string(hide_password=False)
    )


def owner_of(url: str) -> str:
    """The owner's address for the database an application-account address names."""
    owner = make_url(url)._replace(password=None).set(username=OWNER_ROLE)
    return owner.render_as_string(hide_password=False)


def new_database(name: str, *, template: str | None = None) -> str:
    """A clinic database owned by the owner role, ready for migrations (or copied from
    ``template``, which already is); returns the application account's address."""
    ensure_roles()
    if template is None:
        admin(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE} TEMPLATE template0')
        with psycopg.connect(admin_conninfo(name), autocommit=True) as conn:
            for statement in server_roles.database_statements(
                name, OWNER_ROLE, APP_ROLE, ENROLL_ROLE
            ):
                conn.execute(statement.encode())
    else:
        admin(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE} TEMPLATE "{template}"')
        # database-level grants (and setup's revoke from PUBLIC) are not copied with the template
        admin(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        admin(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO {APP_ROLE}')
        admin(f'GRANT CONNECT ON DATABASE "{name}" TO {ENROLL_ROLE}')
    return url_for(name)


def drop_database(name: str) -> None:
    # FORCE: a connection a test left open does not stop it
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_database(name: str) -> str:
    """A database with nothing in it yet, for restores (the owner role owns it)."""
    return new_database(name)
