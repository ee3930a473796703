"""`medrec demo` and `medrec patients`: the synthetic clinic and scripted record access."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from medrec_desktop import logs
from medrec_desktop.cli.chart import chart_data, chart_text
from medrec_desktop.cli.common import (
    EXIT_OK,
    UsageError,
    _emit,
    _login,
    _open,
    _secret,
)
from medrec_desktop.cli.visits import encounters_data, procedures_data, results_data, visits_text
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.installation import Installation, NewAdmin


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
    # The coders' work needs this workstation's code sets: used when built, built on --coding.
    from medrec_desktop.coding.schema import STORE_FILE, store_dir
    from medrec_desktop.services.coding import CodeSets

    codes = CodeSets() if args.coding or (store_dir() / STORE_FILE).exists() else None
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
            codes=codes,
        )
    finally:
        inst.close()
        if codes is not None:
            codes.close()
    coding = result.coding
    data = {
        "data_dir": str(paths.root),
        "administrator": admin_name,
        "password": created_password,
        "passphrase": created_passphrase,
        "recovery_key": recovery,
        "patients": result.patients,
        "users": result.users,
        "coding": asdict(coding) if coding is not None else None,
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
        if coding is not None:
            lines.append(
                f"Coding: {coding.coded} encounters coded, {coding.in_progress} being coded, "
                f"{coding.returned} returned; {coding.queries_open} open queries"
            )
        elif result.patients:
            lines.append(
                "Coding: none (this workstation has no code sets yet; --coding builds them)"
            )
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
        try:
            data["chart"] = chart_data(inst.chart.summary(session, info.id))
        except KnownError as err:
            data["chart"] = None
            data["chart_hidden"] = err.message
        sections: dict[str, Callable[[], dict[str, Any]]] = {
            "encounters": lambda: encounters_data(
                inst.encounters.list_for_patient(session, info.id)
            ),
            "results": lambda: results_data(inst.results.grid(session, info.id)),
            "procedures": lambda: procedures_data(inst.procedures.list(session, info.id)),
        }
        for key, load in sections.items():
            try:
                data[key] = load()
            except KnownError as err:
                data[key] = None
                data[f"{key}_hidden"] = err.message
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
            when = n["created_at"].astimezone()  # UTC instant, shown in local time
            lines.append(f"Note {when:%Y-%m-%d} by {n['author']}{flag}: {n['text']}")
    if data.get("chart") is None:
        lines.append(f"Chart: {data.get('chart_hidden', 'not available')}")
    else:
        lines += chart_text(data["chart"])
    lines += visits_text(data)
    for v in data["history"]:
        when = v["changed_at"].astimezone()
        lines.append(
            f"Version {v['version']} {when:%Y-%m-%d %H:%M} {v['changed_by']}: {v['summary']}"
        )
    return "\n".join(lines)
