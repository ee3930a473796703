"""`medrec`: the administration and automation command line. Never imports Qt.

Exit codes: 0 ok, 1 a known problem (one plain line on stderr), 2 usage, 70 a bug.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from dataclasses import fields as fields_of
from pathlib import Path
from typing import Any, NoReturn

from medrec_desktop import __version__, logs
from medrec_desktop.domain.dto import AuditEventInfo, UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.export.recovery_sheet import write_recovery_sheet
from medrec_desktop.paths import DataPaths, resolve_data_dir
from medrec_desktop.security.keyslots import check_passphrase, unlock_with_secret
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.users import parse_role

log = logging.getLogger("medrec.cli")
EXIT_OK, EXIT_KNOWN, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


# ---------------------------------------------------------------- secrets from env or prompt


def _secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise KnownError(f"{prompt} is needed: set {env} or run this command in a terminal.")
    first = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass(f"{prompt} (again): ") != first:
        raise ValidationError("The two entries do not match.")
    return first


def _unlock() -> Unlock:
    return Unlock(
        secret_store=os_keyring_or_none(),
        passphrase=os.environ.get("MEDREC_PASSPHRASE") or None,
        recovery_key=os.environ.get("MEDREC_RECOVERY_KEY") or None,
    )


def _open(paths: DataPaths) -> Installation:
    how = _unlock()
    if how.secret_store is None and how.passphrase is None and how.recovery_key is None:
        if sys.stdin.isatty():
            how = Unlock(passphrase=getpass.getpass("Workstation passphrase: "))
    return Installation.open(paths, how)


def _login(inst: Installation, args: argparse.Namespace) -> UserSession:
    if not args.user:
        raise UsageError("this command needs --user NAME (password from MEDREC_PASSWORD)")
    password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
    return inst.auth.login(args.user, password)


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text())


# ---------------------------------------------------------------- commands


def cmd_init(args: argparse.Namespace, paths: DataPaths) -> int:
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


def cmd_demo(args: argparse.Namespace, paths: DataPaths) -> int:
    """A synthetic clinic: creates the database if there is none, then users and patients."""
    if args.patients < 0:
        raise UsageError("--patients must be 0 or more")
    created_password: str | None = None
    created_passphrase: str | None = None
    recovery: str | None = None
    if not Installation.exists(paths):
        admin_name = args.user or "admin"
        password = os.environ.get("MEDREC_PASSWORD") or None
        if password is None:
            password = created_password = _generated_secret()
        store = os_keyring_or_none()
        passphrase = os.environ.get("MEDREC_PASSPHRASE") or None
        if store is None and passphrase is None:
            passphrase = created_passphrase = _generated_secret()
        inst, recovery = Installation.create(
            paths,
            admin=NewAdmin(admin_name, "Demo Administrator", password),
            secret_store=store,
            passphrase=passphrase,
            clinic={
                "clinic_name": "Maple Street Family Clinic (DEMO)",
                "clinic_address": "1200 Maple Street, Portland, OR 97205",
                "clinic_phone": "(503) 555-0100",
            },
        )
        logs.configure(paths)
    else:
        inst = _open(paths)
        admin_name = args.user or ""
        password = _secret("MEDREC_PASSWORD", f"Password for {admin_name}")
    try:
        admin = inst.auth.login(admin_name, password)
        from medrec_desktop.services.demo import create_demo_clinic

        result = create_demo_clinic(
            inst.users,
            inst.demo,
            admin,
            inst.auth.login,
            patients=args.patients,
            seed=args.seed,
            password=password,
        )
    finally:
        inst.close()
    data = {
        "data_dir": str(paths.root),
        "administrator": admin_name,
        "password": created_password,
        "passphrase": created_passphrase,
        "recovery_key": recovery,
        "patients": result.patients,
        "users": result.users,
    }

    def text() -> str:
        lines = [f"Demo clinic in {paths.root}: {result.patients:,} synthetic patients."]
        lines.append(f"Administrator: {admin_name}")
        if created_password:
            lines.append(f"Password (all demo users): {created_password}")
        else:
            lines.append("Password (all demo users): the one you gave in MEDREC_PASSWORD")
        if created_passphrase:
            lines.append(f"Workstation passphrase: {created_passphrase}")
        if recovery:
            lines.append(f"Recovery key: {recovery}")
        lines.append("Demo users: " + ", ".join(f"{u} ({r})" for u, r in result.users.items()))
        return "\n".join(lines)

    _emit(args, data, text)
    return EXIT_OK


def _generated_secret() -> str:
    import secrets

    words = ("maple", "river", "cedar", "harbor", "meadow", "summit", "willow", "canyon")
    return "-".join(secrets.choice(words) for _ in range(3)) + f"-{secrets.randbelow(9000) + 1000}"


def cmd_patients(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.patients_cmd == "list":
            found = (
                inst.patients.search(session, args.search, limit=args.limit)
                if args.search
                else inst.patients.list_all(session, limit=args.limit)
            )
            _emit(
                args,
                [asdict(p) for p in found],
                lambda: "\n".join(
                    f"{p.mrn}  {p.display_name:<36} {p.birth_date:%Y-%m-%d}  {p.sex}" for p in found
                ),
            )
            return EXIT_OK
        info = inst.patients.find_by_mrn(session, args.mrn)
        record = inst.patients.record(session, info.id)
        data: dict[str, Any] = asdict(record)
        data["history"] = [asdict(v) for v in inst.patients.history(session, info.id)]
        try:
            data["notes"] = [asdict(n) for n in inst.patients.notes(session, info.id)]
        except KnownError as err:
            data["notes"] = None
            data["notes_hidden"] = err.message
        _emit(args, data, lambda: _record_text(data))
        return EXIT_OK
    finally:
        inst.close()


def _record_text(data: dict[str, Any]) -> str:
    p, d = data["info"], data["details"]
    lines = [
        f"{p['family_name']}, {p['given_names']}   MRN {p['mrn']}",
        f"Born {p['birth_date']}   Sex {p['sex']}   Phone {p['phone'] or '-'}",
    ]
    if data.get("merged_into"):
        lines.append(f"MERGED into patient id {data['merged_into']}")
    for key, value in d.items():
        if value and key not in ("contacts", "coverages"):
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    for c in d["contacts"]:
        lines.append(f"Contact: {c['name']} ({c['relationship']}) {c['phone'] or ''}".rstrip())
    for c in d["coverages"]:
        lines.append(
            f"Insurance {c['priority']}: {c['payer']} {c['plan'] or ''} member {c['member_id']}"
            f" group {c['group_number'] or '-'}"
        )
    if data.get("notes") is None:
        lines.append(f"Notes: {data.get('notes_hidden', 'not available')}")
    else:
        for n in data["notes"]:
            flag = " [entered in error]" if n["entered_in_error"] else ""
            lines.append(f"Note {n['created_at'][:10]} by {n['author']}{flag}: {n['text']}")
    for v in data["history"]:
        lines.append(
            f"Version {v['version']} {v['changed_at'][:16]} {v['changed_by']}: {v['summary']}"
        )
    return "\n".join(lines)


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


def cmd_audit(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.audit_cmd == "verify":
            report = inst.audit.verify(session)
            _emit(args, asdict(report) | {"summary": report.summary}, lambda: report.summary)
            return EXIT_OK if report.ok else EXIT_KNOWN
        flt = AuditFilter(
            since=_date(args.since, "--since"),
            until=_date(args.until, "--until"),
            username=args.filter_user,
            patient_id=args.patient,
            action=args.action,
        )
        events = inst.audit.export(session, flt)
        rows = [asdict(e) for e in events]
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
    writer = csv.DictWriter(fh, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)


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
        session = _login(inst, args)
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
    if Installation.exists(paths):
        if not args.user:
            raise UsageError("restoring over an existing database needs --user NAME")
        password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
    inst = Installation.restore(
        paths, Path(args.file), _unlock(), username=args.user, password=password
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
            if store is not None:
                inst.keyring.set_keyring_slot(store)
            else:
                pp = _secret("MEDREC_NEW_PASSPHRASE", "New workstation passphrase", confirm=True)
                inst.keyring.set_passphrase_slot(pp)
            inst.save_keys()
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
            inst.maintenance.authorize(session, "keys: set workstation passphrase")
            inst.keyring.set_passphrase_slot(pp)
            inst.save_keys()
            print("Workstation passphrase set.")
        elif args.keys_cmd == "new-recovery":
            inst.maintenance.authorize(session, "keys: new recovery key")
            key = inst.keyring.new_recovery_key()
            inst.save_keys()
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


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="medrec", description="medrec-desktop administration and automation.")
    p.add_argument("--version", action="version", version=f"medrec {__version__}")
    p.add_argument("--data-dir", help="data folder (default: MEDREC_DATA_DIR or the OS default)")
    p.add_argument("--user", help="sign in as this user (password from MEDREC_PASSWORD)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
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
    s.add_argument("--server", help="use a PostgreSQL server at this URL instead of a local file")
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
    au.add_parser("verify", help="check the tamper-evident chain")
    e = au.add_parser("export", help="export events (CSV by default, JSON with --json)")
    e.add_argument("--csv", dest="out", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    e.add_argument("--out", dest="out", metavar="FILE", help=argparse.SUPPRESS)
    e.add_argument("--since", help="first date, YYYY-MM-DD (UTC)")
    e.add_argument("--until", help="last date, YYYY-MM-DD (UTC, inclusive)")
    e.add_argument("--user", dest="filter_user", help="only this user's events")
    e.add_argument("--patient", type=int, help="only events about this patient id")
    e.add_argument("--action", help="only this action (view, create, update, login, ...)")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("demo", help="create (or fill) a synthetic demo clinic")
    s.add_argument("--patients", type=int, default=200, help="how many patients (default 200)")
    s.add_argument("--seed", type=int, default=1, help="random seed (same seed, same clinic)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("patients", help="list or show patient records (login required)")
    ps = s.add_subparsers(dest="patients_cmd", required=True, parser_class=_Parser)
    pl = ps.add_parser("list", help="list patients (optionally matching a search)")
    pl.add_argument("--search", help="name fragments, date of birth, MRN or phone digits")
    pl.add_argument("--limit", type=int, default=100)
    ps.add_parser("show", help="show one patient's record").add_argument("mrn")
    s.set_defaults(func=cmd_patients)

    s = sub.add_parser("backup", help="write a verified, encrypted backup file")
    s.add_argument("--out", required=True, help="the new backup file")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="restore a backup file (verified first)")
    s.add_argument("file")
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
        codes_cli.add_parser(sub).set_defaults(func=codes_cli.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this process writes (logs, exports, key file, temp copies) is owner-only.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        paths = resolve_data_dir(args.data_dir)
        # Logging goes into an existing data folder only: pointing at the wrong folder must not
        # leave anything behind there.
        if args.command != "codes" and paths.root.is_dir():
            logs.configure(paths)
        result: int = args.func(args, paths) if args.command != "codes" else args.func(args)
        return result
    except UsageError as err:
        parser.print_usage(sys.stderr)
        print(f"medrec: usage error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KnownError as err:
        print(f"medrec: {err.message}", file=sys.stderr)
        return EXIT_KNOWN
    except KeyboardInterrupt:
        print("medrec: interrupted; nothing half-done was kept.", file=sys.stderr)
        return EXIT_KNOWN
    except Exception:
        log.exception("unexpected error in medrec %s", args.command)
        print(
            "medrec: internal error (a bug). Nothing half-done was saved. The details are in the "
            "log file (they hold no patient data); please report them.",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
