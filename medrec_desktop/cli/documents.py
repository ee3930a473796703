"""`medrec documents`: attach files to a chart, list a patient's documents, export one and
move one filed to the wrong patient (issue 12, item 6), for records specialists' scripts;
`documents settings` shows the size limit per file, and changes it for an administrator.
Everything goes through the document service, so each attach, listing, export and move is
checked and audited as in the application.

A file is read whole into memory (after its size on disk is checked against the clinic's
limit, so a huge file is refused unread) and handed to the service, which checks it from its
bytes and stores it inside the encrypted database: the command never copies it anywhere. Each file
is attached in its own transaction, so a refused file stops the command without undoing the
ones attached before it (they are listed, and the error names the refused file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _login, _open, _Parser
from medrec_desktop.domain.clinical import ItemId, ItemInfo
from medrec_desktop.domain.document_files import DocumentContent, read_within_limit
from medrec_desktop.domain.documents import DocumentData, DocumentInput, DocumentType, size_text
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.item_codec import to_plain
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.documents import MAX_MB_CEILING
from medrec_desktop.services.installation import Installation

MB = 1024 * 1024
GET_HELP = (
    "export one document's file (an audited export). The file written is patient data "
    "leaving the encrypted database: it is created readable by you only (mode 0600); keep it "
    "safe and delete it when done"
)


def add_parser(sub: Any) -> None:
    """`documents add|list|get|settings` under the main parser's sub-commands."""
    s = sub.add_parser("documents", help="attach, list and export a patient's documents")
    ds = s.add_subparsers(dest="documents_cmd", required=True, parser_class=_Parser)

    a = ds.add_parser(
        "add",
        help="attach files to a patient's chart, each as its own document",
        description="Attach each FILE (PDF, PNG, JPEG or TIFF, recognised from its content) "
        "to the patient's chart as its own document, keeping its file name. A refused file "
        "stops the command; the files attached before it stay attached.",
    )
    a.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    a.add_argument(
        "--type",
        required=True,
        dest="doc_type",
        choices=[t.value for t in DocumentType],
        metavar="TYPE",
        help="one of: " + ", ".join(t.value for t in DocumentType),
    )
    a.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the date written on the document (required; 'today' for today)",
    )
    a.add_argument("--from", dest="author", default="", metavar="AUTHOR", help="who sent it")
    a.add_argument("--description", default="", metavar="TEXT")
    a.add_argument(
        "--type-name",
        default="",
        metavar="NAME",
        help="the clinic's name for the kind of document (required with --type other)",
    )
    a.add_argument("files", nargs="+", metavar="FILE")

    li = ds.add_parser("list", help="list a patient's documents")
    li.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    li.add_argument("--all", action="store_true", help="include documents entered in error")

    g = ds.add_parser("get", help=GET_HELP, description=GET_HELP[0].upper() + GET_HELP[1:] + ".")
    g.add_argument("id", type=int, metavar="ID", help="the document's id (from 'list')")
    g.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    g.add_argument("--force", action="store_true", help="replace FILE if it exists")

    m = ds.add_parser(
        "refile",
        help="move a document filed to the wrong patient",
        description="Move document ID to another patient's chart: it is marked entered in "
        "error on this chart (with REASON, kept in its history) and filed on the other one, "
        "the same file. Needs the right to file documents on both charts.",
    )
    m.add_argument("id", type=int, metavar="ID", help="the document's id (from 'list')")
    m.add_argument("--to", required=True, metavar="MRN", help="the right patient's MRN")
    m.add_argument("--reason", required=True, metavar="TEXT", help="why it is moved")

    st = ds.add_parser(
        "settings",
        help="show or change the largest file a document may be (administrators change it)",
        description="Show the clinic's size limit per document file; --max-mb changes it "
        "(administrators). The Administration area's 'Documents and scanner inbox' page "
        "changes the same setting.",
    )
    st.add_argument(
        "--max-mb",
        type=int,
        metavar="N",
        help=f"the largest file accepted, in MB (1 to {MAX_MB_CEILING})",
    )
    s.set_defaults(func=cmd_documents)


def cmd_documents(args: argparse.Namespace, paths: DataPaths) -> int:
    # Usage is checked before the database is opened or anyone signs in.
    if args.documents_cmd == "add":
        when = _document_date(args.date)
        files = [_readable(f) for f in args.files]
    elif args.documents_cmd == "get":
        out = Path(args.out)
        if out.is_dir():
            raise UsageError(f"--out {args.out} is a folder; name the file to write")
        if out.exists() and not args.force:
            raise KnownError(f"{args.out} already exists; choose another file or add --force.")
    elif args.documents_cmd == "settings" and args.max_mb is not None:
        if not 1 <= args.max_mb <= MAX_MB_CEILING:
            raise UsageError(f"--max-mb must be from 1 to {MAX_MB_CEILING}, not {args.max_mb}")
    inst = _open(paths)
    try:
        session = _login(inst, args)
        if args.documents_cmd == "settings":
            return _settings(args, inst, session)
        if args.documents_cmd == "get":
            found = inst.documents.export_file(session, ItemId(args.id))
            if hashlib.sha256(found.content).hexdigest() != found.sha256:
                raise KnownError(
                    "The stored file does not match its checksum: restore the database from a"
                    " backup and tell the administrator."
                )
            _write_private(out, found.content, replace=args.force)
            data = {
                "id": args.id,
                "out": str(out),
                "content_type": found.content_type,
                "pages": found.page_count,
                "size": len(found.content),
                "sha256": found.sha256,
            }
            label = DocumentContent(found.content_type).label
            _emit(
                args,
                data,
                lambda: (
                    f"Exported document {args.id} ({label}, {_pages(found.page_count)}, "
                    f"{size_text(len(found.content))}) to {out} (readable by you only)."
                ),
            )
            return EXIT_OK
        if args.documents_cmd == "refile":
            return _refile(args, inst, session)
        patient = inst.patients.find_by_mrn(session, args.patient)
        if args.documents_cmd == "list":
            listed = inst.documents.list(session, patient.id, include_entered_in_error=args.all)
            # Newest document date first; documents of one date in the order attached.
            items = sorted(listed.items, key=lambda i: (-i.data.document_date.toordinal(), i.id))
            rows = [_row(i) for i in items]
            _emit(
                args,
                {"documents": rows, "withheld_notes": list(listed.withheld_notes)},
                lambda: _list_text(rows, listed.withheld_notes),
            )
            return EXIT_OK
        return _add(args, inst, session, patient.id, when, files)
    finally:
        inst.close()


def _add(
    args: argparse.Namespace,
    inst: Installation,
    session: UserSession,
    patient_id: PatientId,
    when: dt.date,
    files: list[Path],
) -> int:
    attached: list[dict[str, Any]] = []
    refused: KnownError | None = None
    limit = inst.documents.max_file_mb(session) * MB
    for n, path in enumerate(files):
        form = DocumentInput(
            doc_type=args.doc_type,
            type_name=args.type_name,
            document_date=when,
            author=args.author,
            description=args.description,
            file_name=path.name,
        )
        try:
            # Refused from its size on disk before it is read: a huge file is never loaded.
            content = read_within_limit(path, max_bytes=limit, shown_name=f"“{path.name}”")
            saved = inst.documents.attach(session, patient_id, form, content)
        except (KnownError, OSError) as err:
            refused = _refusal(err, path, files[n + 1 :])
            break
        attached.append(_row(saved) | {"path": str(path)})
    _emit(
        args,
        {"attached": attached},
        lambda: (
            "\n".join(
                f"Attached {r['path']} as document {r['id']} ({r['content']}, "
                f"{_pages(r['pages'])}, {r['size_text']})"
                for r in attached
            )
            or "Nothing was attached."
        ),
    )
    if refused is not None:
        sys.stdout.flush()  # what was attached first, then the error
        raise refused
    return EXIT_OK


def _refile(args: argparse.Namespace, inst: Installation, session: UserSession) -> int:
    current = inst.documents.get(session, ItemId(args.id))
    target = inst.patients.find_by_mrn(session, args.to)
    moved = inst.documents.refile(
        session, current.id, target.id, reason=args.reason, expected_version=current.version
    )
    _emit(
        args,
        {"entered_in_error": current.id, "document": _row(moved), "to": args.to},
        lambda: (
            f"Document {current.id} marked entered in error on its chart and filed to MRN "
            f"{args.to} as document {moved.id}."
        ),
    )
    return EXIT_OK


def _settings(args: argparse.Namespace, inst: Installation, session: UserSession) -> int:
    if args.max_mb is not None:
        mb = inst.documents.set_max_file_mb(session, args.max_mb)
        verb = "is now"
    else:
        mb = inst.documents.max_file_mb(session)
        verb = "is"
    _emit(args, {"max_file_mb": mb}, lambda: f"The size limit per document file {verb} {mb} MB.")
    return EXIT_OK


def _refusal(err: KnownError | OSError, path: Path, rest: list[Path]) -> KnownError:
    """One message: which file, why, and which files were not tried."""
    if isinstance(err, OSError):
        why = f"{path}: cannot be read ({err.strerror or 'read error'})."
    elif isinstance(err, ValidationError) and err.field == "file":
        why = err.message  # it names the file already
    else:
        why = f"{path}: {err.message}"
    if rest:
        why += " Not tried: " + ", ".join(str(p) for p in rest) + "."
    return KnownError(why)


def _document_date(text: str | None) -> dt.date:
    if text is None:
        raise UsageError(
            "--date is required: the date written on the document, like --date 2026-11-02 "
            "(or --date today)"
        )
    if text.strip().lower() == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--date must be a date like 2026-11-02, not {text!r}") from None


def _readable(name: str) -> Path:
    # Checked for every file before any is attached: a mistyped name should not leave the
    # first half of a batch attached.
    path = Path(name)
    if not path.is_file():
        raise KnownError(f"{name}: no such file (nothing was attached).")
    if not os.access(path, os.R_OK):
        raise KnownError(f"{name}: you may not read this file (nothing was attached).")
    return path


def _write_private(out: Path, content: bytes, *, replace: bool) -> None:
    """Write ``content`` to ``out`` readable by its owner only; a failed write leaves no
    partial file behind."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(out, flags, 0o600)
    except FileExistsError:
        raise KnownError(f"{out} already exists; choose another file or add --force.") from None
    except OSError as err:
        raise KnownError(f"Cannot write {out}: {err.strerror or 'write error'}.") from None
    try:
        # A replaced file keeps its old mode unless told otherwise.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        out.unlink(missing_ok=True)
        full = err.errno == errno.ENOSPC
        raise KnownError(
            f"Cannot write {out}: " + ("the disk is full." if full else f"{err.strerror}.")
        ) from None


def _pages(n: int) -> str:
    return f"{n} page{'s' if n != 1 else ''}"


def _row(item: ItemInfo[DocumentData]) -> dict[str, Any]:
    d = item.data
    return {
        "id": item.id,
        "date": d.document_date.isoformat(),
        "type": d.doc_type.value,
        "type_label": d.type_text,
        "from": d.author,
        "description": d.description,
        "file_name": d.file_name,
        "content_type": d.content_type,
        "content": DocumentContent(d.content_type).label,
        "pages": d.page_count,
        "size": d.size,
        "size_text": size_text(d.size),
        "sha256": d.sha256,
        "entered_in_error": item.entered_in_error,
        "sensitivity": to_plain(item.sensitivity),
        "version": item.version,
    }


def _list_text(rows: list[dict[str, Any]], withheld: tuple[str, ...]) -> str:
    lines = []
    if rows:
        head = f"{'ID':>6}  {'Date':<10}  {'Type':<24} {'From':<28} Pages  Size     "
        lines.append(head + "Description")
    for r in rows:
        flag = " [entered in error]" if r["entered_in_error"] else ""
        lines.append(
            f"{r['id']:>6}  {r['date']:<10}  {r['type_label'][:24]:<24} "
            f"{(r['from'] or '-')[:28]:<28} {r['pages']:>5}  {r['size_text']:<8} "
            f"{r['description'] or '-'}{flag}"
        )
    if not rows and not withheld:
        lines.append("No documents.")
    lines += list(withheld)
    return "\n".join(lines)
