"""`medrec server ...`: the clinic server's accounts, schema upgrades, and this workstation's
connection to it (issue 15)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine.url import make_url

from medrec_desktop.cli import server_join, server_migrate
from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _open, _Parser
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths, write_private_file

OWNER_PASSWORD_ENV = "MEDREC_OWNER_PASSWORD"
APP_PASSWORD_ENV = "MEDREC_APP_PASSWORD"


def add_parser(sub: Any) -> None:
    s = sub.add_parser("server", help="the clinic PostgreSQL server: accounts, upgrades")
    ss = s.add_subparsers(dest="server_cmd", required=True, parser_class=_Parser)

    a = ss.add_parser(
        "setup",
        help="print (or run) the SQL creating the owner and application accounts",
        description="Print the SQL that creates the clinic's database, its owner account "
        "(runs migrations and restores; keep its password with the IT records) and the "
        "application account every workstation connects as (reads and writes records; only "
        "INSERT and SELECT on the audit trail; no DDL). With --run ADMIN_URL it is run on the "
        "server as that account (the server's administrator, e.g. postgres). Passwords are "
        "generated unless MEDREC_OWNER_PASSWORD / MEDREC_APP_PASSWORD are set.",
    )
    a.add_argument("--database", default="medrec", help="database name (default: medrec)")
    a.add_argument("--owner-role", default="medrec_owner", help="default: medrec_owner")
    a.add_argument("--app-role", default="medrec_app", help="default: medrec_app")
    a.add_argument(
        "--enroll-role",
        default="medrec_enroll",
        help="the account new workstations join with (default: medrec_enroll)",
    )
    a.add_argument("--host", default="localhost", help="the server's name, for the addresses")
    a.add_argument("--port", type=int, default=5432)
    a.add_argument("--run", metavar="ADMIN_URL", help="run it as this account instead of printing")
    a.add_argument("--out", metavar="FILE", help="write the SQL to FILE (private) not stdout")
    a.set_defaults(func=cmd_setup)

    u = ss.add_parser(
        "upgrade",
        help="upgrade the server's tables to this version (owner account)",
        description="Run this version's migrations on the clinic server as the database "
        "owner, once for every workstation. The owner's password may come from "
        f"{OWNER_PASSWORD_ENV}.",
    )
    u.add_argument("--owner", required=True, metavar="URL", help="the database owner's address")
    u.set_defaults(func=cmd_upgrade)

    c = ss.add_parser(
        "connect",
        help="make this workstation connect with another server address or account",
        description="Point this data folder at the clinic server with URL (for example the "
        "application account made by medrec server setup). The server must hold this "
        "clinic's database and the account must be the least-privilege one. The password "
        "may come from MEDREC_APP_PASSWORD instead of the address.",
    )
    c.add_argument("url")
    c.add_argument("--ca-cert", metavar="FILE", help="the clinic's CA certificate (PEM)")
    c.set_defaults(func=cmd_connect)
    server_join.add_parsers(ss)  # enroll, join, workstations, remove-workstation (issue 15)
    server_migrate.add_parser(ss)  # move a one-computer clinic onto the server


def server_url(value: str, what: str) -> str:
    try:
        url = make_url(value)
    except Exception as err:
        raise UsageError(
            f"{what} is not a server address; it looks like postgresql://user@host/database"
        ) from err
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def app_url(value: str, what: str) -> str:
    """The application account's address, with the password from MEDREC_APP_PASSWORD when
    the address has none (kept off the command line; it is written into the data folder's
    private server.url, as the app needs it there)."""
    url = make_url(server_url(value, what))
    secret = os.environ.get(APP_PASSWORD_ENV)
    if url.password is None and secret:
        url = url.set(password=secret)
    return url.render_as_string(hide_password=False)


def owner_url(value: str) -> str:
    """The owner's address, with the password from MEDREC_OWNER_PASSWORD when the address has
    none (so it need not be typed on a command line other users can see)."""
    try:
        url = make_url(value)
    except Exception as err:
        raise UsageError(
            "--owner is not a server address; it looks like postgresql://medrec_owner@host/db"
        ) from err
    secret = os.environ.get(OWNER_PASSWORD_ENV)
    if url.password is None and secret:
        url = url.set(password=secret)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def cmd_setup(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop.db import server_roles

    plan = server_roles.Plan(
        database=args.database,
        owner=args.owner_role,
        app=args.app_role,
        enroll=args.enroll_role,
        owner_password=os.environ.get("MEDREC_OWNER_PASSWORD") or server_roles.new_password(),
        app_password=os.environ.get("MEDREC_APP_PASSWORD") or server_roles.new_password(),
    )
    where = f"{args.host}:{args.port}/{plan.database}"
    urls = {
        "owner_url": f"postgresql://{plan.owner}@{where}",
        "app_url": f"postgresql://{plan.app}@{where}",
    }
    after = (
        f"Owner account (migrations, restores; keep it off workstations): {urls['owner_url']}\n"
        f"Application account (every workstation): {urls['app_url']}\n"
        "Passwords: in the SQL above (PASSWORD '...'); give the application account's to "
        "the first workstation, e.g.\n"
        f"  MEDREC_OWNER_PASSWORD=... medrec init --server postgresql://{plan.app}:PASSWORD@"
        f"{where} --owner {urls['owner_url']}"
    )
    if args.run:
        server_roles.run_plan(server_url(args.run, "--run"), plan)
        hba = server_roles.hba_lines(plan.database, plan.enroll)
        _emit(
            args,
            {**urls, "created": True, "pg_hba": hba},
            lambda: (
                f"Created {plan.owner}, {plan.app} and the database {plan.database} (and "
                f"{plan.enroll}, the enrollment account, if it was missing).\n"
                + after.replace("in the SQL above (PASSWORD '...')", "as set or generated")
                + f"\nIn pg_hba.conf, let {plan.enroll} (its password is public) reach this "
                "database only: put these lines above any broader 'host all all' line, then "
                "reload the server:\n" + "\n".join("  " + line for line in hba)
            ),
        )
        if not args.json and not (
            os.environ.get("MEDREC_OWNER_PASSWORD") and os.environ.get("MEDREC_APP_PASSWORD")
        ):
            print(
                f"Generated passwords (shown once): {plan.owner}: {plan.owner_password}  "
                f"{plan.app}: {plan.app_password}"
            )
        return EXIT_OK
    script = plan.script()
    if args.out:
        write_private_file(Path(args.out).expanduser(), script.encode())
        _emit(args, {**urls, "sql": args.out}, lambda: f"SQL written to {args.out}.\n" + after)
    else:
        print(script)
        if not args.json:
            print("-- " + after.replace("\n", "\n-- "))
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop.services.installation import upgrade_server

    if not paths.server_url_file.exists():
        raise UsageError(
            f"{paths.root} is not connected to a clinic server; a one-computer database "
            "upgrades itself when the app opens it."
        )
    before, after = upgrade_server(paths, owner_url(args.owner))
    inst = _open(paths)  # records the upgrade in the trail, as the application account
    try:
        inst.maintenance.record_key_change(
            "server owner account", f"server upgrade: schema {before} to {after}"
        )
    finally:
        inst.close()
    _emit(
        args,
        {"from": before, "to": after},
        lambda: (
            f"The server's tables are at schema {after}"
            + (" already." if before == after else f" (were {before}).")
        ),
    )
    return EXIT_OK


def cmd_connect(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop.services.installation import check_server_choice

    if not paths.server_url_file.exists():
        raise KnownError(
            f"{paths.root} holds a one-computer database, not a clinic server connection; "
            "move it to the server with medrec server migrate."
        )
    ca = Path(args.ca_cert).expanduser() if args.ca_cert else None
    args.url = app_url(args.url, "URL")
    pem = check_server_choice(args.url, ca)
    old_url = paths.server_url_file.read_bytes()
    old_ca = paths.server_ca_file.read_bytes() if paths.server_ca_file.exists() else None
    write_private_file(paths.server_url_file, args.url.encode())
    if pem is not None:
        write_private_file(paths.server_ca_file, pem)
    try:
        inst = _open(paths)  # the new account is checked (and the key file's install id)
    except BaseException:
        write_private_file(paths.server_url_file, old_url)
        if old_ca is not None:
            write_private_file(paths.server_ca_file, old_ca)
        elif pem is not None:
            paths.server_ca_file.unlink(missing_ok=True)
        raise
    try:
        inst.maintenance.record_key_change(
            "workstation", f"server connect: now {inst.store.description}"[:200]
        )
        where = inst.store.description
    finally:
        inst.close()
    _emit(args, {"database": where}, lambda: f"This workstation now uses {where}.")
    return EXIT_OK
