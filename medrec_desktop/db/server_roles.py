"""The two accounts of a clinic server (DESIGN §4, issue 15): an owner and an application role.

The **owner** owns the clinic's database and its tables; it runs the migrations (``medrec init
--owner``, ``medrec server upgrade``) and restores, and is never kept on a workstation. The
**application role** is what every workstation connects as day to day: it may read and write
records, but on the append-only tables (the audit trail above all) only INSERT and SELECT; it
owns nothing, so it can neither alter nor drop a table nor switch a trigger off (that takes the
table's owner or a superuser). It may create databases (CREATEDB) only so that every backup is
proven by restoring it into a scratch database of its own, dropped afterwards; such a database
holds none of the clinic's tables.

The rights come from default privileges the setup gives the owner's future tables, and
:func:`lock_down`, run after every migration and restore, takes back what the append-only
tables must not allow. The app checks its own account on every start (:func:`check_app_role`)
and refuses one that could rewrite the trail.

A third, the **enrollment role**, lets a new workstation join (issue 15): it may connect and
call the enrollment functions (schema 0021), nothing else; it reads no table. Its password
is fixed and documented (:data:`ENROLL_PASSWORD`): it is no secret, since what it can do needs
an enrollment code an administrator shows once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine.url import URL, make_url

from medrec_desktop.domain.errors import KnownError, ServerRoleError

DEFAULT_DATABASE = "medrec"
DEFAULT_OWNER = "medrec_owner"
DEFAULT_APP = "medrec_app"
DEFAULT_ENROLL = "medrec_enroll"
#: the enrollment role's password: documented, not a secret (see the module's docstring)
ENROLL_PASSWORD = "medrec-enroll"
#: how many joining workstations may be connected at once: the password is public, so nobody
#: can take every connection slot of the server with it
ENROLL_CONNECTIONS = 4
#: functions that run as their owner (SECURITY DEFINER): their search_path is pinned to the
#: clinic's schema (:func:`lock_down`), so no object of another schema is found first
DEFINER_FUNCTIONS = (
    "medrec_enrollment_salt(text)",
    "medrec_claim_enrollment(text, bytea, bytea)",
    "medrec_enrollment_payload(text, bytea, bytea)",
)

#: tables whose rows are never changed nor removed once written (their triggers refuse it too):
#: the application role gets INSERT and SELECT on them, nothing else
APPEND_ONLY_TABLES = (
    "audit_event",
    "clinical_item_version",
    "disclosure",
    "disclosure_patient",
    "fhir_import_log",
)
#: tables only a migration writes: the application role reads them
READ_ONLY_TABLES = ("alembic_version",)

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_name(name: str, what: str) -> str:
    """Role and database names go into SQL as identifiers: plain lower-case names only, so the
    printed script reads the same as what runs."""
    if not _NAME.match(name):
        raise KnownError(
            f"{what} {name!r} is not a plain name: use lower-case letters, digits and "
            "underscores, starting with a letter (for example medrec_app)."
        )
    return name


def new_password() -> str:
    return secrets.token_urlsafe(24)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Plan:
    """What ``medrec server setup`` creates."""

    database: str = DEFAULT_DATABASE
    owner: str = DEFAULT_OWNER
    app: str = DEFAULT_APP
    owner_password: str | None = None
    app_password: str | None = None
    enroll: str = DEFAULT_ENROLL

    def __post_init__(self) -> None:
        check_name(self.database, "The database name")
        check_name(self.owner, "The owner account name")
        check_name(self.app, "The application account name")
        check_name(self.enroll, "The enrollment account name")
        if len({self.owner, self.app, self.enroll}) != 3:
            raise KnownError(
                "The owner, the application account and the enrollment account need "
                "different names."
            )

    def server_statements(self) -> list[str]:
        """Run on the server's maintenance database by an account that may create roles."""
        owner_pw = f" PASSWORD {_literal(self.owner_password)}" if self.owner_password else ""
        app_pw = f" PASSWORD {_literal(self.app_password)}" if self.app_password else ""
        return [
            f"CREATE ROLE {self.owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            f"NOREPLICATION NOBYPASSRLS{owner_pw}",
            # A member of no role. CREATEDB only for the scratch database each backup is
            # verified in (it owns that database, and so its public schema, and nothing else).
            f"CREATE ROLE {self.app} LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION "
            f"NOBYPASSRLS{app_pw}",
            enroll_role_statement(self.enroll),
            *enroll_role_settings(self.enroll),
            f"CREATE DATABASE {self.database} OWNER {self.owner} ENCODING 'UTF8' "
            "TEMPLATE template0",
        ]

    def database_statements(self) -> list[str]:
        return database_statements(self.database, self.owner, self.app, self.enroll)

    def script(self) -> str:
        """The whole setup as a psql script (``psql -U postgres -f setup.sql``)."""
        lines = [
            "-- medrec-desktop: the clinic server's accounts (medrec server setup).",
            "-- Run once as the server's administrator, e.g.: psql -U postgres -f this-file.sql",
            "-- Keep the owner's password with the clinic's IT records, not on workstations.",
            f"-- {self.enroll} only lets new workstations claim an enrollment code; its password "
            f"({ENROLL_PASSWORD}) is documented, not a secret.",
            *hba_advice(self.database, self.enroll),
            *(s + ";" for s in self.server_statements()),
            f"\\connect {self.database}",
            *(s + ";" for s in self.database_statements()),
        ]
        return "\n".join(lines) + "\n"


def enroll_role_statement(enroll: str) -> str:
    """The enrollment role, made only where it is missing: it has no rights of its own (each
    clinic's database grants it CONNECT), so clinics on one server may share it. It logs in
    with the documented password, at most a few connections at once."""
    create = (
        f"CREATE ROLE {enroll} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
        f"NOBYPASSRLS NOINHERIT CONNECTION LIMIT {ENROLL_CONNECTIONS} "
        f"PASSWORD {_literal(ENROLL_PASSWORD)}"
    )
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(enroll)}) "
        f"THEN {create}; END IF; END $$"
    )


#: what one session of the enrollment role may take (its password is public): a statement
#: (a claim is milliseconds), a transaction left open (it would hold a code's row lock and so
#: keep a real workstation from joining), and a connection left idle (one of its few slots)
ENROLL_SETTINGS = (
    ("statement_timeout", "10s"),
    ("idle_in_transaction_session_timeout", "10s"),
    ("idle_session_timeout", "60s"),
)


def enroll_role_settings(enroll: str) -> list[str]:
    """Limits on every session of the enrollment role (:data:`ENROLL_SETTINGS`); made again
    whenever setup runs, for a role made earlier too."""
    return [
        f"ALTER ROLE {enroll} SET {name} = {_literal(value)}" for name, value in ENROLL_SETTINGS
    ]


def hba_advice(database: str, enroll: str) -> list[str]:
    """Comment lines for the script: PostgreSQL lets every role connect to databases that grant
    CONNECT to PUBLIC (``postgres``, by default), so pg_hba.conf should let the enrollment role,
    whose password is public, reach the clinic's database only."""
    return [
        f"-- pg_hba.conf: let {enroll} (public password) reach the clinic's database only. Put",
        "-- these two lines above any broader 'host all all ...' line, then reload the server",
        "-- (SELECT pg_reload_conf();). Clinics sharing the role: one hostssl line per database.",
        *(f"--   {line}" for line in hba_lines(database, enroll)),
    ]


def hba_lines(database: str, enroll: str) -> list[str]:
    return [
        f"hostssl  {database}  {enroll}  all  scram-sha-256",
        f"host     all  {enroll}  all  reject",
    ]


def enroll_database_statements(database: str, enroll: str) -> list[str]:
    """The enrollment role may connect and see the schema's functions: no table rights, no
    temporary tables."""
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {enroll}",
        f"GRANT USAGE ON SCHEMA public TO {enroll}",
    ]


def database_statements(
    database: str, owner: str, app: str, enroll: str | None = None
) -> list[str]:
    """Inside the clinic's database: nobody but the owner creates anything; the application
    role reads and writes the tables the owner will create (default privileges), and uses
    their sequences; the enrollment role (if named) may only connect."""
    return [
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}",
        # The schema keeps its owner (a dump of it then restores into any new database);
        # only the owner may create in it.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        # UPDATE: the demo clinic moves the patient numbers past its own (setval)
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}",
        *(enroll_database_statements(database, enroll) if enroll else []),
    ]


def run_plan(admin_url: str, plan: Plan) -> None:
    """Create the accounts and the database with ``admin_url`` (a superuser, or an account with
    CREATEROLE and CREATEDB). One step fails, nothing stays: the roles and database made so far
    are dropped again."""
    import psycopg

    conninfo = _conninfo(admin_url)
    made: list[str] = []  # what this run created (an enrollment role made before is kept)
    enroll_made = enroll_role_statement(plan.enroll)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for statement in plan.server_statements():
                if statement == enroll_made:
                    # Made only where missing (clinics share it): dropped on failure only if
                    # this run made it.
                    had = _role_exists(conn, plan.enroll)
                    conn.execute(statement.encode())
                    if not had and _role_exists(conn, plan.enroll):
                        made.append(f"ROLE {plan.enroll}")
                    continue
                conn.execute(statement.encode())
                if statement.startswith("CREATE "):
                    made.append(statement.split()[1].upper() + " " + statement.split()[2])
        db_info = make_url(admin_url).set(database=plan.database)
        with psycopg.connect(_conninfo(db_info), autocommit=True) as conn:
            with conn.transaction():
                for statement in plan.database_statements():
                    conn.execute(statement.encode())
    except psycopg.Error as err:
        _undo(conninfo, plan, made)
        raise KnownError(
            "The server refused to create the accounts: " + _first_line(err) + ". Nothing was "
            "left behind. Run it as the server's administrator (for example the postgres "
            "account), or print the SQL (without --run) and give it to your IT person."
        ) from err


def _role_exists(conn: Any, role: str) -> bool:
    return conn.execute("SELECT FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _undo(conninfo: str, plan: Plan, made: list[str]) -> None:
    import psycopg

    if not made:
        return
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # Only what this run made: a role of the same name made before stays.
        for kind, name in reversed([m.split() for m in made]):
            force = " WITH (FORCE)" if kind == "DATABASE" else ""
            conn.execute(f"DROP {kind} IF EXISTS {name}{force}".encode())


def _conninfo(url: URL | str) -> str:
    u = make_url(url) if isinstance(url, str) else url
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or ["no reason given"])[0].rstrip(".")


# ---------------------------------------------------------------------------- after migrations


def act_as_owner(conn: Connection) -> str:
    """Make this transaction act as the database's owner (the account migrations and restores
    run as, so what they create is the owner's and the default privileges give the application
    role its rights). A superuser, or a member of the owner role, becomes the owner for the
    transaction; any other account is refused. Returns the owner's name."""
    row = conn.execute(
        text(
            "SELECT pg_get_userbyid(d.datdba), current_user, r.rolsuper, "
            "pg_has_role(current_user, d.datdba, 'MEMBER') "
            "FROM pg_database d, pg_roles r "
            "WHERE d.datname = current_database() AND r.rolname = current_user"
        )
    ).one()
    owner, me, is_super, member = str(row[0]), str(row[1]), bool(row[2]), bool(row[3])
    if owner == me:
        return owner
    if not (is_super or member):
        raise ServerRoleError(
            f"Creating or upgrading the clinic's tables needs the database's owner account "
            f"({owner}); {me} is not it. Give the owner's address with --owner "
            f"(postgresql://{owner}@host/database)."
        )
    conn.execute(text(f'SET LOCAL ROLE "{owner}"'))
    return owner


def lock_down(conn: Connection) -> None:
    """Take back from everyone but the owner any right to change or remove rows of the
    append-only tables (and to write the migrations' own table). Run as the owner, after every
    migration and restore: the default privileges grant UPDATE and DELETE on every new table."""
    for table in (*APPEND_ONLY_TABLES, *READ_ONLY_TABLES):
        if not _exists(conn, table):
            continue
        extra = ", INSERT" if table in READ_ONLY_TABLES else ""
        grantees = conn.execute(
            text(
                "SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
                "ELSE quote_ident(pg_get_userbyid(a.grantee)) END "
                "FROM pg_class c, aclexplode(c.relacl) a "
                "WHERE c.oid = to_regclass(:t) AND a.grantee <> c.relowner"
            ),
            {"t": table},
        ).scalars()
        for grantee in grantees:
            conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE{extra} ON {table} FROM {grantee}"))
    pin_functions(conn)


def pin_functions(conn: Connection) -> None:
    """Pin the search_path of the functions that run as their owner to the schema the clinic's
    tables are in now (a restore may have renamed it since the migration made them)."""
    for signature in DEFINER_FUNCTIONS:
        if conn.execute(text("SELECT to_regprocedure(:f) IS NULL"), {"f": signature}).scalar():
            continue
        conn.execute(
            text(
                f"ALTER FUNCTION {signature} SET search_path = "
                + str(conn.execute(text("SELECT quote_ident(current_schema())")).scalar_one())
                + ", pg_temp"
            )
        )


def grant_app(conn: Connection, app: str, schema: str = "public") -> None:
    """Give the application role its rights on what a restore has just made (as the owner):
    a restore re-creates the schema, and with it go the setup's grants and default
    privileges. The enrollment role gets its USAGE on the schema back too (found by its
    database rights: :func:`enrollment_roles`). :func:`lock_down` follows."""
    check_name(app, "The application account name")
    owner = act_as_owner(conn)
    s = f'"{schema}"'
    for statement in (
        f"GRANT USAGE ON SCHEMA {s} TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {app}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {s} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {s} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}",
    ):
        conn.execute(text(statement))
    # The enrollment role lost its USAGE on the schema with it: without it no workstation
    # could join the restored clinic.
    for enroll in enrollment_roles(conn, app):
        conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {enroll}"))
    lock_down(conn)


def enrollment_roles(conn: Connection, app: str) -> list[str]:
    """The clinic's enrollment role(s), by what the database allows them, since a restore does
    not say its name: roles that may CONNECT to this database and nothing more there (no
    TEMPORARY, no CREATE), log in, are no superuser, and are neither its owner nor the
    application role. That is exactly what setup (:func:`database_statements`) and
    ``medrec server enrollment-setup`` grant them; database-level grants are not in a dump,
    so they outlive the schema a restore re-creates. Names are returned quoted."""
    rows = conn.execute(
        text(
            "SELECT quote_ident(r.rolname) "
            "FROM pg_database d, aclexplode(d.datacl) a, pg_roles r "
            "WHERE d.datname = current_database() AND a.grantee = r.oid "
            "AND r.oid <> d.datdba AND r.rolname <> :app AND r.rolcanlogin AND NOT r.rolsuper "
            "GROUP BY r.rolname "
            "HAVING bool_and(a.privilege_type = 'CONNECT') "
            "ORDER BY r.rolname"
        ),
        {"app": app},
    ).scalars()
    return [str(r) for r in rows]


def _exists(conn: Connection, table: str) -> bool:
    return bool(conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar_one())


# ---------------------------------------------------------------------------- day to day


@dataclass(frozen=True)
class Account:
    """What the server says about the account a workstation connects as."""

    name: str
    superuser: bool
    owns_database: bool
    can_create: bool
    can_rewrite_audit: bool
    #: may make itself the owner or reach the server's files and programs (CREATEROLE, ADMIN
    #: OPTION on the owner role, pg_execute_server_program and the file roles)
    can_escalate: bool = False

    @property
    def too_powerful(self) -> bool:
        return (
            self.superuser
            or self.owns_database
            or self.can_create
            or self.can_rewrite_audit
            or self.can_escalate
        )


def account(conn: Connection) -> Account:
    row: Any = conn.execute(
        text(
            "SELECT current_user, r.rolsuper OR r.rolbypassrls, "
            "pg_has_role(current_user, d.datdba, 'MEMBER'), "
            "has_schema_privilege(current_user, current_schema(), 'CREATE'), "
            "CASE WHEN to_regclass('audit_event') IS NULL THEN false ELSE "
            "has_table_privilege(current_user, 'audit_event', 'UPDATE') OR "
            "has_table_privilege(current_user, 'audit_event', 'DELETE') OR "
            "has_table_privilege(current_user, 'audit_event', 'TRUNCATE') OR "
            "pg_has_role(current_user, (SELECT relowner FROM pg_class "
            "WHERE oid = to_regclass('audit_event')), 'MEMBER') END, "
            # CREATEROLE may grant itself the owner role; ADMIN OPTION on the owner likewise;
            # the server-program and server-file roles act as the server's OS account.
            "r.rolcreaterole "
            "OR pg_has_role(current_user, d.datdba, 'MEMBER WITH ADMIN OPTION') "
            "OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') "
            "OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER') "
            "OR pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') "
            "FROM pg_roles r, pg_database d "
            "WHERE r.rolname = current_user AND d.datname = current_database()"
        )
    ).one()
    return Account(
        str(row[0]), bool(row[1]), bool(row[2]), bool(row[3]), bool(row[4]), bool(row[5])
    )


def check_app_role(conn: Connection) -> Account:
    """Refuse, in plain words, an account that could change or erase the audit trail."""
    acct = account(conn)
    if not acct.too_powerful:
        return acct
    if acct.superuser:
        why = "a superuser of the server"
    elif acct.owns_database:
        why = "the owner of the clinic's database"
    elif acct.can_rewrite_audit:
        why = "allowed to change or delete audit events"
    elif acct.can_escalate:
        why = (
            "allowed to create roles, grant itself the owner's role, or run programs and "
            "reach files on the server"
        )
    else:
        why = "allowed to create tables in the clinic's database"
    raise ServerRoleError(
        f"medrec connects to the clinic server as {acct.name}, which is {why}: with it the "
        "audit trail's protections could be switched off, so medrec does not work day to day "
        "as that account. Create the two accounts once with 'medrec server setup' (it prints "
        "the SQL for the server's administrator), then connect this workstation as the "
        "application account it creates: medrec server connect "
        f"postgresql://{DEFAULT_APP}@host/{DEFAULT_DATABASE}."
    )


__all__ = [
    "APPEND_ONLY_TABLES",
    "DEFAULT_ENROLL",
    "ENROLL_PASSWORD",
    "Account",
    "Plan",
    "ServerRoleError",
    "account",
    "act_as_owner",
    "check_app_role",
    "database_statements",
    "enroll_role_settings",
    "enrollment_roles",
    "hba_lines",
    "grant_app",
    "lock_down",
    "new_password",
    "run_plan",
]
