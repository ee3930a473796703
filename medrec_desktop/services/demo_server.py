"""A throwaway clinic server for the screenshots (`make screenshots`): a database and its owner
and application accounts made as `medrec server setup --run` makes them (and the enrollment
account, if the server had none), on a PostgreSQL server the caller names with an
administrator's address, and removed again afterwards. Never used on a clinic's own server:
everything it makes is named for the demo (but the shared enrollment account's)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from medrec_desktop.db import server_roles

DATABASE = "medrec_demo_shots"
OWNER = "medrec_demo_owner"


@dataclass(frozen=True)
class DemoServer:
    app_url: str
    owner_url: str
    enroll_address: str  # as someone at a new computer types it (no account: medrec adds it)


@contextmanager
def demo_server(admin_url: str) -> Iterator[DemoServer]:
    """Make the demo database and accounts (an earlier run's leftovers are removed first),
    yield their addresses, then remove them. The application account is called medrec_app,
    as `medrec server setup` calls it, unless this server has one already."""
    import psycopg
    from sqlalchemy.engine.url import make_url

    admin = make_url(admin_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        roles = {str(r[0]) for r in conn.execute("SELECT rolname FROM pg_roles")}
        app = (
            server_roles.DEFAULT_APP if server_roles.DEFAULT_APP not in roles else "medrec_demo_app"
        )
        _drop(conn, app)
    # The enrollment role (medrec_enroll) is shared by the server's clinics: removed afterwards
    # only if this run made it.
    enroll_made = server_roles.DEFAULT_ENROLL not in roles
    plan = server_roles.Plan(
        database=DATABASE,
        owner=OWNER,
        app=app,
        owner_password=secrets.token_urlsafe(18),
        app_password=secrets.token_urlsafe(18),
    )
    server_roles.run_plan(conninfo, plan)
    base = admin.set(drivername="postgresql+psycopg", database=DATABASE)
    try:
        yield DemoServer(
            app_url=base.set(username=app, password=plan.app_password).render_as_string(
                hide_password=False
            ),
            owner_url=base.set(username=OWNER, password=plan.owner_password).render_as_string(
                hide_password=False
            ),
            enroll_address=base.set(
                drivername="postgresql", username=None, password=None
            ).render_as_string(),
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            _drop(conn, app)
            if enroll_made:
                conn.execute(f"DROP ROLE IF EXISTS {server_roles.DEFAULT_ENROLL}".encode())


def _drop(conn: Any, app: str) -> None:
    """The demo's database and its two accounts (``app`` is the demo's own: a medrec_app that
    was there before is never chosen)."""
    conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)".encode())
    for role in (app, OWNER):
        conn.execute(f"DROP ROLE IF EXISTS {role}".encode())


__all__ = ["DemoServer", "demo_server"]
