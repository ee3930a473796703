"""``medrec codes ...``: search, validate, import, info. No login, no patient database.

Exit codes: 0 ok, 1 a known problem (one plain line on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from medrec_desktop.domain.errors import KnownError

SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _columns(text: str) -> dict[str, str]:
    pairs = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    if set(pairs) != {"code", "title"}:
        raise argparse.ArgumentTypeError("use code=COLUMN,title=COLUMN")
    return pairs


def add_parser(
    subparsers: Any, *, json_option: bool = True, imports: bool = True
) -> argparse.ArgumentParser:
    """Register ``codes`` and its sub-commands on an argparse subparsers object.

    ``imports``: the ``import`` command, which ``medrec`` runs through the audited
    CodingService (cli/codes.py). This module on its own answers look-ups only.

    ``json_option=False`` when the caller's parsers already give every command ``--json``
    (the ``medrec`` command line does, before or after the command name).
    """
    codes: argparse.ArgumentParser = subparsers.add_parser(
        "codes", help="code sets: search, validate, import, info"
    )
    sub = codes.add_subparsers(dest="codes_command", required=True)

    s = sub.add_parser("search", help="search codes by code or words")
    s.add_argument("query", help="what to look for; '-' reads one query per line from stdin")
    s.add_argument("--system", choices=SYSTEMS)
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--dos", type=_date, help="date of service (YYYY-MM-DD); default today")
    s.add_argument("--billable-only", action="store_true")

    v = sub.add_parser("validate", help="check codes of one claim, in claim order")
    v.add_argument("codes", nargs="+")
    v.add_argument("--dos", type=_date)
    v.add_argument("--age", type=int)
    v.add_argument("--sex", choices=("F", "M", "f", "m"))
    v.add_argument(
        "--setting",
        choices=("outpatient", "inpatient"),
        default="outpatient",
        help="office/outpatient (default: first-listed rules) or inpatient (the whole MCE)",
    )

    leaves = [s, v]
    if imports:
        leaves.append(_import_parser(sub))
    n = sub.add_parser("info", help="releases held, their dates and counts")
    leaves.append(n)
    if json_option:
        for leaf in leaves:
            leaf.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    return codes


def _import_parser(sub: Any) -> argparse.ArgumentParser:
    i: argparse.ArgumentParser = sub.add_parser(
        "import", help="import official or licensed code files (signed in, audited)"
    )
    i.add_argument("files", nargs="+", type=Path)
    i.add_argument("--system", choices=SYSTEMS)
    i.add_argument("--valid-from", type=_date)
    i.add_argument("--valid-to", type=_date)
    i.add_argument("--cpt-columns", type=_columns, help="code=COLUMN,title=COLUMN")
    i.add_argument(
        "--force",
        action="store_true",
        help="import a file even if it looks incomplete (much smaller than the release in use)",
    )
    return i


def _hit_json(hit: Any) -> dict[str, object]:
    return {
        "code": hit.code,
        "title": hit.title,
        "billable": hit.billable,
        "system": hit.system.value,
    }


def release_json(rel: Any) -> dict[str, object]:
    return {
        "system": rel.system.value,
        "name": rel.name,
        "valid_from": rel.valid_from.isoformat(),
        "valid_to": rel.valid_to.isoformat() if rel.valid_to else None,
        "code_count": rel.code_count,
        "billable_count": rel.billable_count,
        "source": rel.source,
    }


def run(args: argparse.Namespace) -> int:
    # A closed pipe (BrokenPipeError) is left to the caller: ending quietly needs stdout
    # pointed at devnull, which only the process's entry point should do.
    try:
        return _run(args)
    except KnownError as exc:
        print(f"medrec: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from medrec_desktop.coding.store import CodeSetStore

    store = CodeSetStore()
    try:
        cmd = args.codes_command
        if cmd == "search":
            if args.limit < 1:
                print("medrec: --limit must be at least 1", file=sys.stderr)
                return 2
            kw: dict[str, Any] = {
                "system": args.system,
                "dos": args.dos,
                "limit": args.limit,
                "billable_only": args.billable_only,
            }
            if args.query == "-":
                for line in sys.stdin:
                    hits = store.search(line.strip(), **kw)
                    print(json.dumps([_hit_json(h) for h in hits]), flush=True)
                return 0
            found = store.find(args.query, **kw)
            hits = list(found.hits)
            if getattr(args, "json", False):
                print(json.dumps([_hit_json(h) for h in hits], indent=1))
            else:
                # how the query was read goes to stderr: stdout stays one code per line
                if found.corrected:
                    print(
                        f"Showing results for \u201c{found.corrected}\u201d \u2014 no codes match"
                        f" \u201c{args.query}\u201d.",
                        file=sys.stderr,
                    )
                for note in found.understood:
                    print(note, file=sys.stderr)
                for h in hits:
                    flag = " " if h.billable else "H"
                    print(f"{h.code:<9}{flag} {h.title}")
            return 0
        if cmd == "validate":
            from medrec_desktop.coding.types import Setting

            setting = Setting(args.setting)
            dos = args.dos or dt.date.today()
            sex = args.sex.upper() if args.sex else None
            findings = store.validate(args.codes, dos, args.age, sex, setting)
            if getattr(args, "json", False):
                out = {
                    "setting": setting.value,
                    "dos": dos.isoformat(),
                    "findings": [f.as_json() for f in findings],
                }
                print(json.dumps(out, indent=1))
            else:
                print(f"Setting: {setting.value}; date of service {dos}")
                for f in findings:
                    print(f"{f.severity.value.upper():<8}{f.rule_id:<26}{f.message}")
                if not findings:
                    print("No findings.")
            return 0
        as_json = getattr(args, "json", False)
        releases = store.releases()
        if as_json:
            print(json.dumps([release_json(r) for r in releases], indent=1))
            return 0
        for rel in releases:
            to = rel.valid_to.isoformat() if rel.valid_to else "open"
            print(
                f"{rel.system.value:<9} {rel.name}\n          effective {rel.valid_from}"
                f" to {to}; {rel.code_count:,} codes, {rel.billable_count:,} billable;"
                f" source: {rel.source}"
            )
        return 0
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="medrec")
    add_parser(parser.add_subparsers(dest="command", required=True), imports=False)
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
