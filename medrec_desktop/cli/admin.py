"""`medrec` commands for administrators: init, users, audit, backup, restore, verify, keys."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict
from dataclasses import fields as fields_of
from pathlib import Path
from typing import Any

from medrec_desktop import logs
from medrec_desktop.cli.common import (
    EXIT_KNOWN,
    EXIT_OK,
    UsageError,
    _emit,
    _login,
    _open,
    _secret,
    _unlock,
)
from medrec_desktop.cli.server import app_url, owner_url
from medrec_desktop.domain.dto import AuditEventInfo
from medrec_desktop.domain.errors import AuditTamperedError
from medrec_desktop.export.csv_cells import write_csv
from medrec_desktop.export.recovery_sheet import write_recovery_sheet
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.audit_chain import ChainReport
from medrec_desktop.security.keyslots import check_passphrase, unlock_with_secret
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.context import iso
from medrec_desktop.services.installation import (
    NEEDS_OWNER,
    Installation,
    NewAdmin,
    Unlock,
    check_server_choice,
)
from medrec_desktop.services.users import parse_role


def cmd_init(args: argparse.Namespace, paths: DataPaths) -> int:
    ca_cert = Path(args.ca_cert).expanduser() if args.ca_cert else None
    owner = owner_url(args.owner) if args.owner else None
    if args.server:  # a bad address or certificate is said before any password is asked
        args.server = app_url(args.server, "--server")
        check_server_choice(args.server, ca_cert)
        if owner is None:
            raise UsageError(NEEDS_OWNER)
    elif ca_cert is not None or owner is not None:
        raise UsageError("--ca-cert and --owner go with --server (a clinic PostgreSQL server).")
    store = None if args.passphrase else os_keyring_or_none()
    passphrase = None
    if store is None:
        passphrase = _secret("MEDREC_PASSPHRASE", "New workstation passphrase", confirm=True)
        check_passphrase(passphrase)
    password = _secret("MEDREC_PASSWORD", f"New password for {args.admin}", confirm=True)
    clinic = {"clinic_name": args.clinic_name} if args.clinic_name else None
    inst, recovery = Installation.create(
        paths,
        admin=NewAdmin(args.admin, args.admin_name or args.admin, password),
        secret_store=store,
        passphrase=passphrase,
        server_url=args.server,
        server_ca=ca_cert,
        owner_url=owner,
        clinic=clinic,
    )
    logs.configure(paths)
    try:
        if args.recovery_sheet:
            write_recovery_sheet(
                Path(args.recovery_sheet),
                recovery_key=recovery,
                clinic_name=args.clinic_name or "",
                install_id=inst.keyring.keyfile.install_id,
                created=dt.datetime.now(dt.UTC),
            )
        data = {
            "data_dir": str(paths.root),
            "database": inst.store.description,
            "key_protection": inst.keyring.keyfile.kinds,
            "administrator": args.admin,
            "recovery_key": recovery,
        }
        _emit(
            args,
            data,
            lambda: "\n".join(
                [
                    f"Created {inst.store.description}",
                    f"Administrator: {args.admin}",
                    "Key protection: " + ", ".join(inst.keyring.keyfile.kinds),
                    "",
                    "RECOVERY KEY (shown once; write it down or print the recovery sheet):",
                    f"    {recovery}",
                    *(
                        [f"Recovery sheet written to {args.recovery_sheet}"]
                        if args.recovery_sheet
                        else []
                    ),
                ]
            ),
        )
    finally:
        inst.close()
    return EXIT_OK


def cmd_users(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.users_cmd == "list":
            users = inst.users.list_users(session)
            _emit(
                args,
                [asdict(u) for u in users],
                lambda: "\n".join(
                    f"{u.username:<20} {u.role.label:<20} "
                    f"{'active' if u.active else 'disabled':<9}{' LOCKED' if u.locked else ''}"
                    f"  {u.display_name}"
                    for u in users
                ),
            )
            return EXIT_OK
        if args.users_cmd == "add":
            role = parse_role(args.role)
            pw = _secret("MEDREC_NEW_PASSWORD", f"Temporary password for {args.name}", confirm=True)
            info = inst.users.add_user(session, args.name, args.full_name or args.name, role, pw)
        elif args.users_cmd == "disable":
            info = inst.users.disable_user(session, args.name)
        elif args.users_cmd == "enable":
            info = inst.users.enable_user(session, args.name)
        elif args.users_cmd == "unlock":
            info = inst.users.unlock_user(session, args.name)
        else:  # passwd
            pw = _secret("MEDREC_NEW_PASSWORD", f"New password for {args.name}", confirm=True)
            info = inst.users.reset_password(session, args.name, pw)
        _emit(args, asdict(info), lambda: f"{args.users_cmd}: {info.username} ok")
        return EXIT_OK
    finally:
        inst.close()


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} must be a date like 2026-11-26, not {text!r}") from None


def _verify_audit(inst: Installation, args: argparse.Namespace) -> ChainReport:
    recovery = _secret("MEDREC_RECOVERY_KEY", "Recovery key") if args.recovery else None
    against = list(args.against)
    try:
        session = _login(inst, args)
    except AuditTamperedError as err:
        # Nothing can be recorded any more; still say exactly what is wrong.
        print(f"{err.message}\n", file=sys.stderr)
        return inst.verify_audit_unrecorded(
            args.user,
            args.signed_in_password,
            full=args.full,
            recovery_key=recovery,
            against=against,
        )
    return inst.verify_audit(
        session,
        password=args.signed_in_password if args.full else None,
        recovery_key=recovery,
        against=against,
    )


def cmd_audit(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        if args.audit_cmd == "reset-mark":
            if not args.user:
                raise UsageError("this command needs --user NAME (password from MEDREC_PASSWORD)")
            password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
            reset = inst.reset_mark(args.user, password, args.reason).text()
            _emit(
                args,
                {"mark": reset},
                lambda: f"High-water mark reset to {reset} (recorded in the audit trail).",
            )
            return EXIT_OK
        if args.audit_cmd == "verify":
            report = _verify_audit(inst, args)
            mark = f"{report.last_seq}:{report.last_mac}" if report.ok else None

            def report_text() -> str:
                if mark is None:
                    return report.summary
                return (
                    f"{report.summary}\nHigh-water mark: {mark}\n(Keep this line, printed or "
                    "written down, away from this computer: 'medrec audit verify --against "
                    "MARK' later shows whether the trail was rolled back or rewritten.)"
                )

            data = asdict(report) | {"summary": report.summary, "mark": mark}
            _emit(args, data, report_text)
            return EXIT_OK if report.ok else EXIT_KNOWN
        session = _login(inst, args)
        flt = AuditFilter(
            since=_date(args.since, "--since"),
            until=_date(args.until, "--until"),
            username=args.filter_user,
            patient_id=args.patient,
            action=args.action,
        )
        events = inst.audit.export(session, flt)
        # Times in the exact stored UTC form: an export is evidence for other systems.
        rows = [asdict(e) | {"ts": iso(e.ts)} for e in events]
        out = sys.stdout if args.out in (None, "-") else None
        if args.json:
            text = json.dumps(rows, indent=2)
            _write_text(args.out, text + "\n")
        else:
            fields = [f.name for f in fields_of(AuditEventInfo)]
            if out is None:
                fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                    _write_csv(fh, rows, fields)
            else:
                _write_csv(out, rows, fields)
        if out is None:
            print(f"Exported {len(rows):,} audit events to {args.out}", file=sys.stderr)
        return EXIT_OK
    finally:
        inst.close()


def _write_csv(fh: Any, rows: list[dict[str, Any]], fields: list[str]) -> None:
    write_csv(fh, fields, ([row[f] for f in fields] for row in rows))


def _write_text(dest: str | None, text: str) -> None:
    if dest in (None, "-"):
        sys.stdout.write(text)
        return
    fd = os.open(str(dest), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def cmd_verify(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        try:
            session = _login(inst, args)
        except AuditTamperedError as err:
            print(f"{err.message}\n", file=sys.stderr)
            chain = inst.verify_audit_unrecorded(args.user, args.signed_in_password)
            _emit(args, asdict(chain) | {"summary": chain.summary}, lambda: chain.summary)
            return EXIT_KNOWN
        report = inst.verify(session)
        _emit(args, asdict(report) | {"summary": report.summary}, lambda: report.summary)
        return EXIT_OK if report.ok else EXIT_KNOWN
    finally:
        inst.close()


def cmd_backup(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        out = inst.backup(session, Path(args.out))
        _emit(args, {"backup": str(out)}, lambda: f"Backup written and verified: {out}")
        return EXIT_OK
    finally:
        inst.close()


def cmd_restore(args: argparse.Namespace, paths: DataPaths) -> int:
    password = None
    server = getattr(args, "server", None)
    if Installation.exists(paths) and not paths.server_url_file.exists():
        if not args.user:
            raise UsageError("restoring over an existing database needs --user NAME")
        password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
    elif args.user:  # a server backup: the founding administrator's password holds the root
        password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
    inst = Installation.restore(
        paths,
        Path(args.file),
        _unlock(),
        username=args.user,
        password=password,
        server_url=app_url(server, "--server") if server else None,
        owner_url=owner_url(args.owner) if getattr(args, "owner", None) else None,
    )
    inst.close()
    _emit(args, {"restored": args.file}, lambda: f"Restored {args.file} into {paths.root}")
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        inst.rekey(session)
        _emit(args, {"rekeyed": True}, lambda: "Database key replaced; every key slot still works.")
        return EXIT_OK
    finally:
        inst.close()


def cmd_keys(args: argparse.Namespace, paths: DataPaths) -> int:
    if args.keys_cmd == "recover":
        # On a new computer: the recovery key opens the database, then this computer gets its
        # own way in (keyring, or a new workstation passphrase).
        from medrec_desktop.security.keyslots import load_keyfile

        recovery = _secret("MEDREC_RECOVERY_KEY", "Recovery key")
        kr = unlock_with_secret(load_keyfile(paths.keys), "recovery", recovery)
        inst = Installation.open(paths, Unlock(recovery_key=recovery))
        try:
            store = None if args.passphrase else os_keyring_or_none()
            pp = None
            if store is None:
                pp = _secret("MEDREC_NEW_PASSPHRASE", "New workstation passphrase", confirm=True)
            inst.recover_here(store, pp)
            del kr
            _emit(
                args,
                {"slots": inst.keyring.keyfile.kinds},
                lambda: (
                    "Unlocked with the recovery key. This computer can now open the "
                    "database with: " + ", ".join(inst.keyring.keyfile.kinds)
                ),
            )
        finally:
            inst.close()
        return EXIT_OK
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.keys_cmd == "status":
            inst.maintenance.authorize(session, "keys status")
            kinds = inst.keyring.keyfile.kinds
            _emit(
                args,
                {"install_id": inst.keyring.keyfile.install_id, "slots": kinds},
                lambda: (
                    f"Installation {inst.keyring.keyfile.install_id}\n"
                    f"Ways to unlock: {', '.join(kinds)}"
                ),
            )
        elif args.keys_cmd == "passphrase":
            pp = _secret("MEDREC_NEW_PASSPHRASE", "New workstation passphrase", confirm=True)
            check_passphrase(pp)
            inst.set_passphrase(session, pp)
            _emit(
                args, {"slots": inst.keyring.keyfile.kinds}, lambda: "Workstation passphrase set."
            )
        elif args.keys_cmd == "new-recovery":
            key = inst.new_recovery_key(session, args.signed_in_password)
            if args.recovery_sheet:
                write_recovery_sheet(
                    Path(args.recovery_sheet),
                    recovery_key=key,
                    clinic_name=inst.setup.clinic_settings().get("clinic_name", ""),
                    install_id=inst.keyring.keyfile.install_id,
                    created=dt.datetime.now(dt.UTC),
                )
            _emit(
                args,
                {"recovery_key": key},
                lambda: f"New RECOVERY KEY (the old one no longer works; shown once):\n    {key}",
            )
        return EXIT_OK
    finally:
        inst.close()
