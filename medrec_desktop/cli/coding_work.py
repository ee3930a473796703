"""`medrec coding`: the coder's worklist and the billing export, for scripts (issue 13, item 7).

``coding worklist`` lists signed encounters by date of service with their coding state and
the counts beside each filter, as the Coding work screen does; ``coding export`` writes the
coded encounters of a date range for the billing office (CSV or JSON) and records it as a
disclosure for payment. Both go through the services, so each is checked and audited as in
the application. (``medrec codes ...`` is the code-set lookup; this is the work on encounters.)
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _login, _open, _Parser
from medrec_desktop.domain.billing import DEFAULT_RECIPIENT, ExportFormat
from medrec_desktop.domain.coding_work import (
    WorklistFilter,
    WorklistPage,
    WorklistRow,
    WorklistScope,
)
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.export.files import PrivateFile
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.installation import Installation

MAX_LIMIT = 1000
EXPORT_HELP = (
    "write the coded encounters of a date range for the billing office (CSV: one row per "
    "procedure line; JSON: one object per encounter), recorded as a disclosure for payment. "
    "The file is patient data leaving the encrypted database: it is created readable by you "
    "only (mode 0600); keep it safe and delete it when done"
)


def add_parser(sub: Any) -> None:
    """`coding worklist|export` under the main parser's sub-commands."""
    s = sub.add_parser("coding", help="the coding worklist and the billing export (coders)")
    cs = s.add_subparsers(dest="coding_cmd", required=True, parser_class=_Parser)

    w = cs.add_parser(
        "worklist",
        help="list signed encounters by date of service with their coding state",
        description="Signed encounters by date of service, oldest first, with the counts "
        "beside each scope (to code, returned, coded) under the same dates and provider.",
    )
    w.add_argument("--since", metavar="YYYY-MM-DD", help="first date of service")
    w.add_argument("--until", metavar="YYYY-MM-DD", help="last date of service (inclusive)")
    w.add_argument("--provider", metavar="NAME|ID", help="only this provider's encounters")
    w.add_argument(
        "--scope",
        default=WorklistScope.TO_CODE.value,
        choices=[s.value for s in WorklistScope],
        help="which encounters (default: to_code)",
    )
    w.add_argument(
        "--limit", type=int, default=100, metavar="N", help=f"at most N rows (1-{MAX_LIMIT})"
    )
    w.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N rows")

    e = cs.add_parser(
        "export",
        help="write the coded encounters of a date range for the billing office (recorded "
        "as a disclosure for payment)",
        description=EXPORT_HELP[0].upper() + EXPORT_HELP[1:] + ".",
    )
    e.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="first date of service")
    e.add_argument(
        "--until", required=True, metavar="YYYY-MM-DD", help="last date of service (inclusive)"
    )
    e.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    e.add_argument(
        "--format",
        dest="fmt",
        choices=[f.value for f in ExportFormat],
        help="csv or json (default: from FILE's name, else csv)",
    )
    e.add_argument(
        "--recipient",
        default=DEFAULT_RECIPIENT,
        metavar="TEXT",
        help=f"who receives it, recorded with the disclosure (default: {DEFAULT_RECIPIENT})",
    )
    e.add_argument("--force", action="store_true", help="replace FILE if it exists")
    s.set_defaults(func=cmd_coding)


def cmd_coding(args: argparse.Namespace, paths: DataPaths) -> int:
    # Usage is checked before the database is opened or anyone signs in.
    since = _date(args.since, "--since")
    until = _date(args.until, "--until")
    if since is not None and until is not None and until < since:
        raise UsageError("--until is before --since; give the first date first")
    if args.coding_cmd == "worklist":
        if not 1 <= args.limit <= MAX_LIMIT:
            raise UsageError(f"--limit must be from 1 to {MAX_LIMIT}, not {args.limit}")
        if args.offset < 0:
            raise UsageError("--offset cannot be negative")
    else:
        fmt = _format(args.fmt, Path(args.out))
        if not args.recipient.strip():
            raise UsageError("--recipient must name who receives the export")
    inst = _open(paths)
    codes = CodeSets()
    try:
        session = _login(inst, args)
        if args.coding_cmd == "worklist":
            service = EncounterCodingService(ctx=inst.ctx, codes=codes)
            return _worklist(args, inst, service, session, since, until)
        assert since is not None and until is not None  # required by the parser
        return _export(args, inst, session, since, until, fmt)
    finally:
        codes.close()
        inst.close()


def _worklist(
    args: argparse.Namespace,
    inst: Installation,
    service: EncounterCodingService,
    session: UserSession,
    since: dt.date | None,
    until: dt.date | None,
) -> int:
    provider_id = _provider(inst, session, args.provider) if args.provider else None
    page = service.worklist(
        session,
        WorklistFilter(
            scope=WorklistScope(args.scope),
            since=since,
            until=until,
            provider_id=provider_id,
        ),
        offset=args.offset,
        limit=args.limit,
    )
    data = {
        "scope": args.scope,
        "rows": [_row(r) for r in page.rows],
        "total": page.total,
        "offset": args.offset,
        "counts": dict(page.counts),
        "withheld": page.withheld,
    }
    _emit(args, data, lambda: _worklist_text(page, args.offset, WorklistScope(args.scope)))
    return EXIT_OK


def _export(
    args: argparse.Namespace,
    inst: Installation,
    session: UserSession,
    since: dt.date,
    until: dt.date,
    fmt: ExportFormat,
) -> int:
    out = Path(args.out)
    # The file is made (empty, private) first: a folder that cannot be written stops the
    # export before it is recorded as a disclosure.
    with PrivateFile(out, replace=args.force) as target:
        done = inst.billing.export(session, since, until, fmt=fmt, recipient=args.recipient)
        target.commit(done.content, disclosure=done.disclosure_id)
    p = done.preview
    data = {
        "out": str(out),
        "format": fmt.value,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "encounters": p.encounters,
        "lines": p.lines,
        "patients": p.patients,
        "withheld": p.withheld,
        "recipient": done.recipient,
        "disclosure_id": done.disclosure_id,
        "size": len(done.content),
    }

    def text() -> str:
        said = (
            f"Exported {p.label} ({since:%m/%d/%Y} to {until:%m/%d/%Y}) to {out} (readable by "
            f"you only). Recorded as disclosure {done.disclosure_id} for payment to "
            f"{done.recipient}."
        )
        return f"{said}\n{p.withheld_note}" if p.withheld else said

    _emit(args, data, text)
    return EXIT_OK


# ------------------------------------------------------------------ arguments


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    raw = text.strip()
    if raw.lower() == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-11-01, not {text!r}") from None


def _format(given: str | None, out: Path) -> ExportFormat:
    if given is not None:
        return ExportFormat(given)
    suffix = out.suffix.lower().lstrip(".")
    if suffix in (f.value for f in ExportFormat):
        return ExportFormat(suffix)
    if suffix:
        raise UsageError(
            f"--out ends in .{suffix}; name a .csv or .json file, or give --format csv|json"
        )
    return ExportFormat.CSV


def _provider(inst: Installation, session: UserSession, wanted: str) -> int:
    """A provider by id or by name (whole, or a part only one provider's name holds)."""
    providers = inst.encounters.providers(session)
    text = wanted.strip()
    if text.isdigit():
        if any(pid == int(text) for pid, _ in providers):
            return int(text)
    else:
        folded = text.casefold()
        exact = [pid for pid, name in providers if name.casefold() == folded]
        part = [pid for pid, name in providers if folded in name.casefold()]
        if len(exact) == 1 or len(part) == 1:
            return (exact or part)[0]
        if len(part) > 1:
            names = ", ".join(name for pid, name in providers if pid in part)
            raise ValidationError(
                f"More than one provider matches {wanted!r}: {names}. Give more of the name "
                "or the id.",
                field="provider",
            )
    known = "; ".join(f"{pid} {name}" for pid, name in providers) or "none"
    raise ValidationError(
        f"No active provider matches {wanted!r}. Providers: {known}.", field="provider"
    )


# ------------------------------------------------------------------ output


def _row(r: WorklistRow) -> dict[str, Any]:
    return {
        "encounter_id": r.encounter_id,
        "patient_id": r.patient_id,
        "mrn": r.mrn,
        "patient": r.patient_name,
        "starts_at": r.starts_at.isoformat(),
        "date_of_service": r.starts_at.astimezone().date().isoformat(),
        "encounter_type": r.encounter_type,
        "provider": r.provider,
        "state": r.state.value if r.state is not None else None,
        "state_label": r.state_label,
        "errors": r.error_count,
        "open_queries": r.open_queries,
        "coded_by": r.coded_by,
        "coded_at": r.coded_at.isoformat() if r.coded_at is not None else None,
        "coding_version": r.coding_version,
    }


def _worklist_text(page: WorklistPage, offset: int, scope: WorklistScope) -> str:
    c = page.counts
    lines = [
        f"To code {c.get('to_code', 0)} · Returned {c.get('returned', 0)} · "
        f"Coded {c.get('coded', 0)} · All signed {c.get('all', 0)} · "
        f"With an open query {c.get('open_query', 0)} · With errors {c.get('errors', 0)}"
    ]
    if page.rows:
        lines.append(
            f"{'ID':>7}  {'Date':<10}  {'Patient':<26} {'MRN':<12} {'Type':<11} "
            f"{'Provider':<18} {'State':<21} Err  Qry  Coded by"
        )
    for r in page.rows:
        lines.append(
            f"{r.encounter_id:>7}  {r.starts_at.astimezone():%m/%d/%Y}  "
            f"{r.patient_name[:26]:<26} {r.mrn[:12]:<12} {r.encounter_type[:11]:<11} "
            f"{r.provider[:18]:<18} {r.state_label[:21]:<21} {r.error_count:>3}  "
            f"{r.open_queries:>3}  {r.coded_by or '-'}"
        )
    if page.rows:
        lines.append(
            f"Showing {offset + 1}-{offset + len(page.rows)} of {page.total} "
            f"({scope.label.lower()})."
        )
    else:
        lines.append(f"No encounters ({scope.label.lower()}).")
    if page.withheld:
        n = page.withheld
        lines.append(
            f"{n} labelled encounter{'s' if n != 1 else ''} your role may not see "
            f"{'is' if n == 1 else 'are'} not listed."
        )
    return "\n".join(lines)
