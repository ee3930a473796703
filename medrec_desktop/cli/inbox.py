"""`medrec inbox`: the scanner inbox for scripts (issue 12, item 6): list the scans waiting,
file one to a patient, mark one not ours, split a batch into parts, pick scans up from the
scanner folder once, and the clinic's inbox settings. Everything goes through the inbox
service, so each step is checked and audited as in the application.

``scan`` runs the same crash-safe pick-up as the application's folder watcher
(``services.inbox_intake``): it looks at the folder, waits ``--settle`` seconds and takes
only the files that did not change meanwhile (a scanner still writing one is left for
later); a file is deleted from the folder only after its stored copy was read back.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _login, _open, _Parser
from medrec_desktop.cli.documents import _document_date, _pages
from medrec_desktop.domain.document_files import DocumentContent
from medrec_desktop.domain.documents import DocumentInput, DocumentType, size_text
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.inbox import InboxEntry, InboxStatus
from medrec_desktop.domain.inbox_split import parse_parts
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.inbox_intake import FolderMemory, IntakeReport, pick_up_folder
from medrec_desktop.services.installation import Installation

#: how long `scan` watches the files before taking them, unless told
DEFAULT_SETTLE = 2.0
MAX_SETTLE = 600.0


def add_parser(sub: Any) -> None:
    """`inbox list|file|reject|split|scan|settings` under the main parser's sub-commands."""
    s = sub.add_parser("inbox", help="the scanner inbox: list, file, reject, split, pick up")
    ins = s.add_subparsers(dest="inbox_cmd", required=True, parser_class=_Parser)

    li = ins.add_parser("list", help="list the scans waiting to be filed (records specialists)")
    li.add_argument("--all", action="store_true", help="also those filed, split or marked not ours")

    f = ins.add_parser(
        "file",
        help="file a waiting scan to a patient's chart as a document",
        description="File the scan ID (from 'list') to the patient's chart as a document of "
        "the given type; the scan leaves the inbox.",
    )
    f.add_argument("id", type=int, metavar="ID", help="the scan's id (from 'list')")
    f.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    f.add_argument(
        "--type",
        required=True,
        dest="doc_type",
        choices=[t.value for t in DocumentType],
        metavar="TYPE",
        help="one of: " + ", ".join(t.value for t in DocumentType),
    )
    f.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the date written on the document ('today' for today; default: the day the "
        "scan arrived)",
    )
    f.add_argument("--from", dest="author", default="", metavar="AUTHOR", help="who sent it")
    f.add_argument("--description", default="", metavar="TEXT")
    f.add_argument(
        "--type-name",
        default="",
        metavar="NAME",
        help="the clinic's name for the kind of document (required with --type other)",
    )
    f.add_argument("--encounter", type=int, metavar="ID", help="the patient's visit it belongs to")

    r = ins.add_parser("reject", help="mark a waiting scan not ours, with the reason")
    r.add_argument("id", type=int, metavar="ID", help="the scan's id (from 'list')")
    r.add_argument("--reason", required=True, help="why it is not ours (kept with the scan)")

    sp = ins.add_parser(
        "split",
        help="split a waiting multi-page scan into parts that are filed one by one",
        description="Split the scan ID into parts, each its own scan waiting to be filed. "
        "Give every page to exactly one part, in page order, like --pages 1-3,4,5-6.",
    )
    sp.add_argument("id", type=int, metavar="ID", help="the scan's id (from 'list')")
    sp.add_argument("--pages", required=True, metavar="RANGES", help="for example 1-3,4-6")

    sc = ins.add_parser(
        "scan",
        help="pick scans up from the scanner folder once",
        description="Take every finished scan in the clinic's scanner folder (or --folder) "
        "into the inbox and delete it from the folder once its stored copy is checked. "
        "Files the clinic cannot keep stay in the folder and are listed with the reason.",
    )
    sc.add_argument("--folder", metavar="PATH", help="this folder instead of the clinic's")
    sc.add_argument(
        "--settle",
        type=float,
        default=DEFAULT_SETTLE,
        metavar="SECONDS",
        help="take only files unchanged for this long (default %(default)s; 0: take every "
        "file now, when nothing is writing into the folder)",
    )

    se = ins.add_parser(
        "settings",
        help="show or change the scanner folder and when waiting scans are highlighted "
        "(changes: administrators)",
    )
    where = se.add_mutually_exclusive_group()
    where.add_argument("--folder", metavar="PATH", help="the folder the scanner writes into")
    where.add_argument(
        "--no-folder", action="store_true", help="stop picking scans up from any folder"
    )
    se.add_argument(
        "--highlight-days",
        type=int,
        metavar="N",
        help="highlight scans still waiting after N days (1-90)",
    )
    s.set_defaults(func=cmd_inbox)


def cmd_inbox(args: argparse.Namespace, paths: DataPaths) -> int:
    # Usage is checked before the database is opened or anyone signs in.
    when: dt.date | None = None
    if args.inbox_cmd == "file" and args.date is not None:
        when = _document_date(args.date)
    if args.inbox_cmd == "split":
        try:
            parts = parse_parts(args.pages)
        except ValidationError as err:
            raise UsageError(f"--pages: {err.message}") from None
    if args.inbox_cmd == "scan" and not 0 <= args.settle <= MAX_SETTLE:
        raise UsageError(f"--settle must be from 0 to {MAX_SETTLE:.0f} seconds")
    if args.inbox_cmd == "reject" and not args.reason.strip():
        raise UsageError("--reason must say why the scan is not ours")
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.inbox_cmd == "list":
            return _list(args, inst, session)
        if args.inbox_cmd == "scan":
            return _scan(args, inst, session)
        if args.inbox_cmd == "settings":
            return _settings(args, inst, session)
        entry = _waiting(inst, session, args.id)
        if args.inbox_cmd == "file":
            return _file(args, inst, session, entry, when)
        if args.inbox_cmd == "reject":
            closed = inst.inbox.reject(
                session, entry.id, args.reason, expected_version=entry.version
            )
            _emit(
                args,
                _row(closed),
                lambda: f"Marked inbox item {closed.id} not ours: {closed.close_reason}",
            )
            return EXIT_OK
        made = inst.inbox.split(session, entry.id, parts, expected_version=entry.version)
        _emit(
            args,
            {"split": entry.id, "parts": [_row(p) for p in made]},
            lambda: (
                f"Split inbox item {entry.id} into "
                + ", ".join(f"{p.id} (pages {p.pages_of_parent})" for p in made)
                + "."
            ),
        )
        return EXIT_OK
    finally:
        inst.close()


def _waiting(inst: Installation, session: UserSession, inbox_id: int) -> InboxEntry:
    """The scan, still waiting: a script is told plainly when it was dealt with already."""
    entry = inst.inbox.get(session, inbox_id)
    if entry.status is not InboxStatus.UNFILED:
        raise KnownError(
            f"Inbox item {entry.id} is no longer waiting ({entry.status.label.lower()})."
        )
    return entry


def _list(args: argparse.Namespace, inst: Installation, session: UserSession) -> int:
    entries = inst.inbox.entries(session, include_closed=args.all)
    days = inst.inbox.settings(session).highlight_days
    now = dt.datetime.now(dt.UTC)
    rows = [_row(e) | {"old": e.is_old(now, days)} for e in entries]
    _emit(args, {"inbox": rows, "highlight_days": days}, lambda: _list_text(rows, days))
    return EXIT_OK


def _file(
    args: argparse.Namespace,
    inst: Installation,
    session: UserSession,
    entry: InboxEntry,
    when: dt.date | None,
) -> int:
    patient = inst.patients.find_by_mrn(session, args.patient)
    form = DocumentInput(
        doc_type=args.doc_type,
        type_name=args.type_name,
        document_date=when or entry.arrived_at.astimezone().date(),
        author=args.author,
        description=args.description,
        encounter_id=args.encounter,
    )
    saved = inst.inbox.file(session, entry.id, patient.id, form, expected_version=entry.version)
    data = {
        "inbox_id": entry.id,
        "document_id": saved.id,
        "patient": patient.mrn,
        "type": saved.data.doc_type.value,
        "date": saved.data.document_date.isoformat(),
        "pages": saved.data.page_count,
        "sha256": saved.data.sha256,
    }
    _emit(
        args,
        data,
        lambda: (
            f"Filed inbox item {entry.id} as document {saved.id} ({saved.data.type_text}, "
            f"{saved.data.document_date.isoformat()}, {_pages(saved.data.page_count)}) "
            f"for MRN {patient.mrn}."
        ),
    )
    return EXIT_OK


def _scan(args: argparse.Namespace, inst: Installation, session: UserSession) -> int:
    if args.folder:
        folder = Path(args.folder)
    else:
        chosen = inst.inbox.settings(session).folder
        if chosen is None:
            raise KnownError(
                "No scanner folder is set for this clinic: give --folder PATH, or ask an "
                "administrator to set one (medrec inbox settings --folder PATH)."
            )
        folder = Path(chosen)
    memory = FolderMemory(settle_seconds=args.settle)
    report = pick_up_folder(inst.inbox, session, folder, memory=memory)
    if args.settle > 0 and not report.problems:
        # The first look only notes each file's size and time; what is unchanged after the
        # settle period is complete and taken by the second.
        time.sleep(args.settle)
        report = pick_up_folder(inst.inbox, session, folder, memory=memory)
    _emit(args, _report_data(report), lambda: _report_text(report))
    if report.problems:
        raise KnownError(" ".join(report.problems))
    return EXIT_OK


def _settings(args: argparse.Namespace, inst: Installation, session: UserSession) -> int:
    changed = []
    if args.folder is not None or args.no_folder:
        folder = None if args.no_folder else args.folder
        if folder is not None and not Path(folder).is_dir():
            # Set anyway (a share may be down right now) but say so.
            changed.append(f"Note: {folder} is not a folder this computer can reach now.")
        inst.inbox.set_folder(session, folder)
    if args.highlight_days is not None:
        inst.inbox.set_highlight_days(session, args.highlight_days)
    settings = inst.inbox.settings(session)
    _emit(
        args,
        dataclasses.asdict(settings),
        lambda: "\n".join(
            [
                f"Scanner folder: {settings.folder or '(none: scans are not picked up)'}",
                f"Highlight scans waiting {settings.highlight_days} days or more",
                *changed,
            ]
        ),
    )
    return EXIT_OK


def _row(e: InboxEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.source_name,
        "arrived_at": e.arrived_at.isoformat(),
        "status": e.status.value,
        "status_label": e.status.label,
        "content_type": e.content_type,
        "content": DocumentContent(e.content_type).label,
        "pages": e.page_count,
        "size": e.size,
        "size_text": size_text(e.size),
        "sha256": e.sha256,
        "note": e.note,
        "version": e.version,
        "closed_at": e.closed_at.isoformat() if e.closed_at else None,
        "closed_by": e.closed_by,
        "close_reason": e.close_reason,
        "document_id": e.document_id,
        "parent_id": e.parent_id,
        "pages_of_parent": e.pages_of_parent,
    }


def _list_text(rows: list[dict[str, Any]], days: int) -> str:
    if not rows:
        return "No scans are waiting."
    lines = [f"{'ID':>6}  {'Arrived':<16}  Pages  Size      {'Status':<20} Name"]
    for r in rows:
        arrived = dt.datetime.fromisoformat(r["arrived_at"]).astimezone()
        extra = []
        if r["old"]:
            extra.append(f"waiting {days}+ days")
        if r["pages_of_parent"]:
            extra.append(f"pages {r['pages_of_parent']} of item {r['parent_id']}")
        if r["note"]:
            extra.append(r["note"])
        if r["close_reason"]:
            extra.append(r["close_reason"])
        if r["document_id"]:
            extra.append(f"document {r['document_id']}")
        tail = f"  [{'; '.join(extra)}]" if extra else ""
        lines.append(
            f"{r['id']:>6}  {arrived:%Y-%m-%d %H:%M}  {r['pages']:>5}  {r['size_text']:<8}  "
            f"{r['status_label'][:20]:<20} {r['name']}{tail}"
        )
    return "\n".join(lines)


def _report_data(report: IntakeReport) -> dict[str, Any]:
    return {
        "folder": str(report.folder),
        "taken": [dataclasses.asdict(t) for t in report.taken],
        "already_taken": list(report.cleared),
        "refused": [{"name": r.name, "reason": r.reason} for r in report.refused],
        "still_being_written": report.waiting,
        "problems": list(report.problems),
    }


def _report_text(report: IntakeReport) -> str:
    lines = [
        f"Took {t.name} as inbox item {t.inbox_id}"
        + (f", filed by its cover sheet as document {t.document_id}" if t.document_id else "")
        for t in report.taken
    ]
    lines += [f"Removed {name} (already in the inbox)" for name in report.cleared]
    lines += [f"Left {r.name} in the folder: {r.reason}" for r in report.refused]
    if report.waiting:
        lines.append(f"{report.waiting} file(s) still being written: run again later.")
    if not lines:
        lines.append(f"No scans in {report.folder}.")
    return "\n".join(lines)
