"""`medrec`: the administration and automation command line. Never imports Qt.

Exit codes: 0 ok, 1 a known problem (one plain line on stderr), 2 usage, 70 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import sys
from collections.abc import Sequence

from medrec_desktop import __version__, logs
from medrec_desktop.cli import coding_work as coding_cli
from medrec_desktop.cli import documents as documents_cli
from medrec_desktop.cli import exports as exports_cli
from medrec_desktop.cli import imports as imports_cli
from medrec_desktop.cli import inbox as inbox_cli
from medrec_desktop.cli import server as server_cli
from medrec_desktop.cli.admin import (
    cmd_audit,
    cmd_backup,
    cmd_init,
    cmd_keys,
    cmd_rekey,
    cmd_restore,
    cmd_users,
    cmd_verify,
)
from medrec_desktop.cli.codes import cmd_codes_import
from medrec_desktop.cli.common import (
    EXIT_BUG,
    EXIT_KNOWN,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    _Parser,
    merge_global_options,
)
from medrec_desktop.cli.records import cmd_demo, cmd_patients
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import resolve_data_dir

log = logging.getLogger("medrec.cli")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="medrec",
        description="medrec-desktop administration and automation. The options --data-dir, "
        "--user and --json work before or after the command.",
        top_level=True,
    )
    p.add_argument("--version", action="version", version=f"medrec {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("init", help="create a new encrypted database and its administrator")
    s.add_argument("--admin", default="admin", help="administrator user name (default: admin)")
    s.add_argument("--admin-name", help="administrator's full name")
    s.add_argument("--clinic-name", help="clinic name (letterhead)")
    s.add_argument(
        "--passphrase",
        action="store_true",
        help="protect the key with a workstation passphrase (MEDREC_PASSPHRASE) "
        "instead of the OS keyring",
    )
    s.add_argument(
        "--server",
        help="use a PostgreSQL server at this URL instead of a local file: the application "
        "account (its password may come from MEDREC_APP_PASSWORD)",
    )
    s.add_argument(
        "--ca-cert",
        metavar="FILE",
        help="the clinic's CA certificate (PEM), required with --server on another computer: "
        "copied into the data folder and used to check the server on every connection",
    )
    s.add_argument(
        "--owner",
        metavar="URL",
        help="with --server: the database owner's account, which creates the tables (used once, "
        "kept nowhere; password from MEDREC_OWNER_PASSWORD); see medrec server setup",
    )
    s.add_argument("--recovery-sheet", help="also write the printable recovery sheet (PDF)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("users", help="manage user accounts (administrators)")
    us = s.add_subparsers(dest="users_cmd", required=True, parser_class=_Parser)
    us.add_parser("list", help="list accounts")
    a = us.add_parser("add", help="add an account (password from MEDREC_NEW_PASSWORD)")
    a.add_argument("name")
    a.add_argument(
        "--role",
        required=True,
        help="front_desk, nurse, provider, records_specialist, coder or administrator",
    )
    a.add_argument("--full-name")
    for name, text in (
        ("disable", "disable an account"),
        ("enable", "enable a disabled account"),
        ("unlock", "clear failed sign-in pauses and lockout"),
        ("passwd", "set a temporary password (MEDREC_NEW_PASSWORD)"),
    ):
        us.add_parser(name, help=text).add_argument("name")
    s.set_defaults(func=cmd_users)

    s = sub.add_parser("audit", help="verify or export the audit trail")
    au = s.add_subparsers(dest="audit_cmd", required=True, parser_class=_Parser)
    v = au.add_parser("verify", help="check the tamper-evident chain")
    v.add_argument(
        "--full",
        action="store_true",
        help="also check the forward-secure MACs with your administrator password",
    )
    v.add_argument(
        "--recovery",
        action="store_true",
        help="also check the forward-secure MACs with the recovery key (MEDREC_RECOVERY_KEY)",
    )
    v.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="BACKUP|MARK",
        help="a backup file or a printed mark (SEQ:LINK) the trail must still hold; repeatable",
    )
    r = au.add_parser(
        "reset-mark",
        help="move the high-water mark to the trail as it is now (after a server restore or an "
        "investigated alarm; recorded)",
    )
    r.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    e = au.add_parser("export", help="export events (CSV by default, JSON with --json)")
    e.add_argument("--csv", dest="out", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    e.add_argument("--out", dest="out", metavar="FILE", help=argparse.SUPPRESS)
    e.add_argument("--since", help="first date, YYYY-MM-DD (UTC)")
    e.add_argument("--until", help="last date, YYYY-MM-DD (UTC, inclusive)")
    # Not --user: that one signs in, wherever it is written.
    e.add_argument("--by-user", dest="filter_user", metavar="NAME", help="only this user's events")
    e.add_argument("--patient", type=int, help="only events about this patient id")
    e.add_argument("--action", help="only this action (view, create, update, login, ...)")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("demo", help="create (or fill) a synthetic demo clinic")
    s.add_argument("--patients", type=int, default=200, help="how many patients (default 200)")
    s.add_argument("--seed", type=int, default=1, help="random seed (same seed, same clinic)")
    s.add_argument(
        "--coding",
        action="store_true",
        help="add the coders' work even if this workstation's code sets must be built first "
        "(added anyway when they are built)",
    )
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("patients", help="list or show patient records (login required)")
    ps = s.add_subparsers(dest="patients_cmd", required=True, parser_class=_Parser)
    pl = ps.add_parser("list", help="list patients (optionally matching a search)")
    pl.add_argument("--search", help="name fragments, date of birth, MRN or phone digits")
    pl.add_argument("--limit", type=int, default=100)
    ps.add_parser("show", help="show one patient's record").add_argument("mrn")
    s.set_defaults(func=cmd_patients)

    documents_cli.add_parser(sub)
    inbox_cli.add_parser(sub)
    coding_cli.add_parser(sub)
    imports_cli.add_parser(sub)
    exports_cli.add_parser(sub)
    server_cli.add_parser(sub)

    s = sub.add_parser("backup", help="write a verified, encrypted backup file")
    s.add_argument("--out", required=True, help="the new backup file")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="restore a backup file (verified first)")
    s.add_argument("file")
    s.add_argument(
        "--server",
        metavar="URL",
        help="a server backup: the EMPTY database to restore it into (default: this folder's)",
    )
    s.add_argument(
        "--owner",
        metavar="URL",
        help="a server backup: the database owner's account, which creates the tables "
        "(password from MEDREC_OWNER_PASSWORD)",
    )
    s.set_defaults(func=cmd_restore)

    sub.add_parser("verify", help="integrity checks and audit chain").set_defaults(func=cmd_verify)
    sub.add_parser("rekey", help="replace the database key").set_defaults(func=cmd_rekey)

    s = sub.add_parser("keys", help="key slots: status, recovery, passphrase, recovery key")
    ks = s.add_subparsers(dest="keys_cmd", required=True, parser_class=_Parser)
    ks.add_parser("status", help="show how this database can be unlocked")
    r = ks.add_parser("recover", help="unlock with the recovery key and enrol this computer")
    r.add_argument(
        "--passphrase",
        action="store_true",
        help="enrol with a new workstation passphrase instead of the keyring",
    )
    ks.add_parser("passphrase", help="set or change the workstation passphrase")
    n = ks.add_parser("new-recovery", help="issue a new recovery key (the old one stops working)")
    n.add_argument("--recovery-sheet", help="write the printable recovery sheet (PDF)")
    s.set_defaults(func=cmd_keys)

    try:
        codes_cli = importlib.import_module("medrec_desktop.coding.cli")
    except ModuleNotFoundError:  # the code-set commands arrive with issue 4
        codes_cli = None
    if codes_cli is not None:
        codes_cli.add_parser(sub, json_option=False).set_defaults(func=codes_cli.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this process writes (logs, exports, key file, temp copies) is owner-only.
    os.umask(0o077)
    try:
        try:
            return _main(argv)
        finally:
            # Output to a pipe is buffered: a reader that went away may only show here.
            sys.stdout.flush()
    except BrokenPipeError:
        # `medrec ... | head` closed its end: the reader has what it wanted, so this is no
        # error. As Python's documentation advises, point stdout at devnull so the
        # interpreter's own flush at exit does not fail again and print a traceback.
        _stdout_to_devnull()
        return EXIT_OK


def _stdout_to_devnull() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # stdout is no real file (an embedding host's); nothing will flush it at exit


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        merge_global_options(args)
        paths = resolve_data_dir(args.data_dir)
        # Logging goes into an existing data folder only: pointing at the wrong folder must not
        # leave anything behind there.
        if args.command != "codes" and paths.root.is_dir():
            logs.configure(paths)
        if args.command == "codes" and args.codes_command == "import":
            # Imports change the clinic's coding data: signed in, checked and audited.
            if paths.root.is_dir():
                logs.configure(paths)
            return cmd_codes_import(args, paths)
        result: int = args.func(args, paths) if args.command != "codes" else args.func(args)
        return result
    except UsageError as err:
        parser.print_usage(sys.stderr)
        print(f"medrec: usage error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KnownError as err:
        print(f"medrec: {err.message}", file=sys.stderr)
        return EXIT_KNOWN
    except BrokenPipeError:
        raise  # the reader stopped reading: see main()
    except KeyboardInterrupt:
        print("medrec: interrupted; nothing half-done was kept.", file=sys.stderr)
        return EXIT_KNOWN
    except Exception as err:
        # Frames and type names only, whichever handler takes it: with no data folder yet,
        # Python's last-resort handler would print the exception's message to stderr.
        log.error("unexpected error in medrec %s\n%s", args.command, logs.exception_outline(err))
        print(
            "medrec: internal error (a bug). Nothing half-done was saved. The details are in the "
            "log file (they hold no patient data); please report them.",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
