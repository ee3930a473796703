"""`medrec server enroll | join | workstations | remove-workstation | enrollment-setup`: adding
workstations to the clinic's server with an enrollment code, and removing them (issue 15)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import (
    EXIT_OK,
    UsageError,
    _emit,
    _login,
    _open,
    _secret,
)
from medrec_desktop.paths import DataPaths, write_private_file
from medrec_desktop.security.keyslots import check_passphrase
from medrec_desktop.security.secret_store import os_keyring_or_none

CODE_ENV = "MEDREC_ENROLL_CODE"


def add_parsers(ss: Any) -> None:
    """The subcommands, under ``medrec server`` (cli/server.py calls this)."""
    e = ss.add_parser(
        "enroll",
        help="show an enrollment code that joins one new workstation (administrators)",
        description="Issue an enrollment code for a new workstation called NAME: valid for 15 "
        "minutes, once. Give it to the person at the new computer, who runs medrec server join "
        "(or the setup wizard's Join this clinic's server). The code is shown once and kept "
        "nowhere; issuing it is recorded in the audit trail.",
    )
    e.add_argument("--name", required=True, help="the new workstation's name, e.g. 'Front desk 2'")
    e.set_defaults(func=cmd_enroll)

    j = ss.add_parser(
        "join",
        help="join this computer to the clinic's server with an enrollment code",
        description="Join the clinic's server at ADDRESS (for example "
        "postgresql://db.clinic.lan/medrec; the enrollment account is filled in) into an empty "
        "data folder, with the code an administrator issued (medrec server enroll, or "
        f"Administration › Server). The code may come from {CODE_ENV} instead of --code.",
    )
    j.add_argument("address", help="the clinic server's address: postgresql://host[:port]/db")
    j.add_argument("--code", help=f"the enrollment code (or {CODE_ENV}, or a prompt)")
    j.add_argument("--ca-cert", metavar="FILE", help="the clinic's CA certificate (PEM)")
    j.add_argument(
        "--passphrase",
        action="store_true",
        help="protect the key with a workstation passphrase (MEDREC_PASSPHRASE) instead of "
        "the OS keyring",
    )
    j.add_argument("--name", help="this workstation's name on the list (default: the code's)")
    j.set_defaults(func=cmd_join)

    w = ss.add_parser("workstations", help="list the clinic server's workstations")
    w.set_defaults(func=cmd_workstations)

    r = ss.add_parser(
        "remove-workstation",
        help="remove a workstation: its data folder no longer opens (administrators)",
        description="Remove workstation ID (see medrec server workstations). The app refuses to "
        "open its data folder from then on. For a lost or stolen computer, also change the "
        "application account's password (see the README: Adding a workstation).",
    )
    r.add_argument("id", type=int)
    r.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    r.set_defaults(func=cmd_remove)

    s = ss.add_parser(
        "enrollment-setup",
        help="print (or run) the SQL adding the enrollment account to a server set up earlier",
        description="medrec server setup makes the enrollment account new workstations join "
        "with; a server set up by an older version lacks it. This prints the SQL that adds it "
        "(or runs it with --run ADMIN_URL as the server's administrator).",
    )
    s.add_argument("--database", default="medrec", help="database name (default: medrec)")
    s.add_argument("--enroll-role", default="medrec_enroll", help="default: medrec_enroll")
    s.add_argument("--run", metavar="ADMIN_URL", help="run it as this account instead of printing")
    s.add_argument("--out", metavar="FILE", help="write the SQL to FILE (private) not stdout")
    s.set_defaults(func=cmd_enrollment_setup)


def cmd_enroll(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        issued = inst.workstations.issue_code(session, args.name)
    finally:
        inst.close()
    local = issued.expires_at.astimezone()
    _emit(
        args,
        {
            "code": issued.code,
            "workstation": issued.workstation_name,
            "expires_at": issued.expires_at.isoformat(),
        },
        lambda: (
            f"Enrollment code for {issued.workstation_name} (valid until {local:%H:%M}, once):\n"
            f"\n    {issued.code}\n\n"
            "At the new computer: medrec server join ADDRESS --code CODE (or the setup "
            "wizard's Join this clinic's server)."
        ),
    )
    return EXIT_OK


def cmd_join(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop import logs
    from medrec_desktop.services.workstation_join import JoinRequest, join

    code = args.code or os.environ.get(CODE_ENV) or _secret(CODE_ENV, "Enrollment code")
    ca = Path(args.ca_cert).expanduser() if args.ca_cert else None
    store = None if args.passphrase else os_keyring_or_none()
    passphrase = None
    if store is None:
        passphrase = _secret("MEDREC_PASSPHRASE", "New workstation passphrase", confirm=True)
        check_passphrase(passphrase)
    inst = join(
        paths,
        JoinRequest(
            args.address,
            code,
            ca_cert=ca,
            secret_store=store,
            passphrase=passphrase,
            name=args.name,
        ),
    )
    logs.configure(paths)
    try:
        where = inst.store.description
        kinds = inst.keyring.keyfile.kinds
    finally:
        inst.close()
    from medrec_desktop.services.workstations import read_here

    here = read_here(paths)
    name = here.name if here is not None else ""
    _emit(
        args,
        {"data_dir": str(paths.root), "database": where, "workstation": name, "keys": kinds},
        lambda: (
            f"This computer joined {where} as the workstation {name}.\n"
            "Key protection: " + ", ".join(kinds) + "\n"
            "Users sign in with their own accounts, as on every workstation."
        ),
    )
    return EXIT_OK


def cmd_workstations(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        rows = inst.workstations.list_workstations(_login(inst, args))
    finally:
        inst.close()

    def when(value: Any) -> str:
        return f"{value.astimezone():%Y-%m-%d %H:%M}" if value is not None else "-"

    def line(w: Any) -> str:
        state = f"REMOVED {when(w.revoked_at)} by {w.revoked_by}" if w.revoked else "active"
        mark = " (this one)" if w.this_one else ""
        by = w.joined_by or "itself"
        return (
            f"{w.id:>4}  {w.name[:28]:<28} joined {when(w.joined_at)} by {by:<12} "
            f"last seen {when(w.last_seen_at)}  {state}{mark}"
        )

    _emit(
        args,
        [
            {
                "id": w.id,
                "name": w.name,
                "joined_at": w.joined_at,
                "joined_by": w.joined_by,
                "last_seen_at": w.last_seen_at,
                "revoked_at": w.revoked_at,
                "revoked_by": w.revoked_by,
                "revoke_reason": w.revoke_reason,
                "this_one": w.this_one,
            }
            for w in rows
        ],
        lambda: "\n".join(line(w) for w in rows) or "No workstations recorded.",
    )
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        found = [w for w in inst.workstations.list_workstations(session) if w.id == args.id]
        if not found:
            raise UsageError(f"there is no workstation {args.id} (see medrec server workstations)")
        done = inst.workstations.revoke(
            session, args.id, args.reason, expected_version=found[0].version
        )
    finally:
        inst.close()
    _emit(
        args,
        {"id": done.id, "name": done.name, "revoked_at": done.revoked_at},
        lambda: (
            f"{done.name} is removed: its data folder no longer opens. If the computer was lost "
            "or stolen, change the application account's password too (README: Adding a "
            "workstation)."
        ),
    )
    return EXIT_OK


def cmd_enrollment_setup(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop.db import server_roles
    from medrec_desktop.domain.errors import KnownError

    database = server_roles.check_name(args.database, "The database name")
    role = server_roles.check_name(args.enroll_role, "The enrollment account name")
    on_server = [server_roles.enroll_role_statement(role), *server_roles.enroll_role_settings(role)]
    on_database = server_roles.enroll_database_statements(database, role)
    statements = [*on_server, f"\\connect {database}", *on_database]
    hba = server_roles.hba_lines(database, role)
    if args.run:
        import psycopg
        from sqlalchemy.engine.url import make_url

        from medrec_desktop.cli.server import server_url

        admin = make_url(server_url(args.run, "--run")).set(drivername="postgresql")
        try:
            with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
                for statement in on_server:
                    c.execute(statement.encode())
            on_db = admin.set(database=database).render_as_string(hide_password=False)
            with psycopg.connect(on_db, autocommit=True) as c:
                for statement in on_database:
                    c.execute(statement.encode())
        except psycopg.Error as err:
            first = (str(err).strip().splitlines() or ["no reason given"])[0]
            raise KnownError(
                f"The server refused to add the enrollment account: {first}. Run it as the "
                "server's administrator, or print the SQL (without --run) for your IT person."
            ) from err
        _emit(
            args,
            {"enroll_role": role, "database": database, "created": True, "pg_hba": hba},
            lambda: (
                f"The enrollment account {role} may now connect to {database}.\nIn "
                f"pg_hba.conf, let {role} (its password is public) reach this database only: "
                "put these lines above any broader 'host all all' line, then reload the "
                "server:\n" + "\n".join("  " + line for line in hba)
            ),
        )
        return EXIT_OK
    script = (
        "-- medrec-desktop: the enrollment account new workstations join with.\n"
        f"-- Its password ({server_roles.ENROLL_PASSWORD}) is documented, not a secret.\n"
        + "".join(line + "\n" for line in server_roles.hba_advice(database, role))
        + "".join(s + ("\n" if s.startswith("\\") else ";\n") for s in statements)
    )
    if args.out:
        write_private_file(Path(args.out).expanduser(), script.encode())
        _emit(args, {"sql": args.out}, lambda: f"SQL written to {args.out}.")
    else:
        print(script, end="")
    return EXIT_OK


__all__ = ["add_parsers"]
