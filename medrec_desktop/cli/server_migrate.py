"""`medrec server migrate APP_URL --owner OWNER_URL`: move this data folder's clinic from its
encrypted file to an empty clinic server database (services/server_move.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, _emit, _login, _open
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths


def add_parser(ss: Any) -> None:
    """``medrec server migrate``, registered by cli/server.py."""
    m = ss.add_parser(
        "migrate",
        help="move this clinic from its encrypted file to an empty clinic server database",
        description="Copy every table of this folder's encrypted file into an EMPTY database "
        "made by medrec server setup, in one run: the owner account creates the tables and "
        "copies the rows in one transaction (a failure or Ctrl+C leaves the server empty and "
        "this folder on its file), the rows and the audit trail are checked on the server, "
        "and the move is recorded in the trail, which continues there. Afterwards this folder "
        "works on the server as the application account APP_URL; the encrypted file stays "
        "where it is, as it was at the move, no longer used. An administrator signs in "
        "(--user, password from MEDREC_PASSWORD); the owner's password may come from "
        "MEDREC_OWNER_PASSWORD. Everyone else must close medrec first.",
    )
    m.add_argument("url", metavar="APP_URL", help="the application account's address")
    m.add_argument("--owner", required=True, metavar="URL", help="the database owner's address")
    m.add_argument(
        "--ca-cert",
        metavar="FILE",
        help="the clinic's CA certificate (PEM), required for a server on another computer: "
        "copied into the data folder",
    )
    m.set_defaults(func=cmd_migrate)


class _Progress:
    """Progress lines on stderr every tenth of the rows (not with --json)."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet
        self._shown = -1

    @property
    def cancelled(self) -> bool:
        return False  # Ctrl+C stops it (KeyboardInterrupt); the transaction rolls back

    def progress(self, done: int, total: int) -> None:
        tenth = 10 if total <= 0 else done * 10 // total
        if self._quiet or tenth == self._shown:
            return
        self._shown = tenth
        print(f"medrec: {done:,} of {total:,} rows copied", file=sys.stderr, flush=True)


def cmd_migrate(args: argparse.Namespace, paths: DataPaths) -> int:
    from medrec_desktop.cli.server import app_url, owner_url
    from medrec_desktop.domain.server_move import MoveTarget
    from medrec_desktop.services.server_move import move_to_server

    if paths.server_url_file.exists():
        raise KnownError(
            f"{paths.root} already works on a clinic server; there is no file to move. "
            "(medrec server connect points it at another address.)"
        )
    target = MoveTarget(
        app_url=app_url(args.url, "APP_URL"),
        owner_url=owner_url(args.owner),
        ca_cert=Path(args.ca_cert).expanduser() if args.ca_cert else None,
    )
    inst = _open(paths)
    try:
        session = _login(inst, args)
        moved = move_to_server(inst, session, target, _Progress(quiet=args.json))
    finally:
        inst.close()
    moved.inst.close()
    r = moved.result
    _emit(
        args,
        {
            "server": r.server,
            "tables": r.tables,
            "rows": r.rows,
            "seconds": round(r.seconds, 3),
            "rows_per_second": round(r.rows_per_second),
            "audit": r.audit_summary,
            "row_counts": dict(r.row_counts),
            "file_kept": str(r.file),
        },
        lambda: (
            f"Moved the clinic to the server {r.server}: {r.rows:,} rows in {r.tables} tables "
            f"in {r.seconds:,.1f} s ({r.rows_per_second:,.0f} rows/s).\n"
            f"Checked on the server: every table's rows as in the file. {r.audit_summary}\n"
            f"This folder ({paths.root}) now works on the server. The encrypted file {r.file} "
            "is kept, with its records as they were at the move, and is no longer used: keep "
            "it until the server's first backup is made.\n"
            "Other workstations join with a one-time code: medrec server enroll --name NAME "
            "here, then medrec server join (or the set-up wizard) there."
        ),
    )
    return EXIT_OK
