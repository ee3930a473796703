"""`medrec export`: a patient's record, or every patient's, leaving the clinic as a file
(issue 14, item 7). One sub-command per format, each recorded as a disclosure by its service:

* ``export fhir --patient MRN --out FILE``: the record as a FHIR R4 Bundle (JSON);
* ``export bulk --out FOLDER``: every patient as FHIR NDJSON with a manifest
  (administrators).

A format is a sub-parser whose defaults name its ``export_run`` (``add_format`` below); the
shared options (sections, dates, recipient, purpose...) come from :func:`release_options`.
Usage is checked before the database is opened or anyone signs in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _login, _open, _Parser
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.fhir_export import BulkExport, FhirRelease
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
    parse_sections,
)
from medrec_desktop.export.files import PrivateFile, PrivateFolder
from medrec_desktop.paths import DataPaths

#: who receives a record the patient asked for, when no --recipient is given
THE_PATIENT = "The patient"
#: who receives a bulk export when no --recipient is given: the clinic's own copy
THE_CLINIC = "The clinic (administrator's bulk export)"
PRIVATE = (
    "The file is patient data leaving the encrypted database: it is created readable by you "
    "only; keep it safe and delete it when done."
)

Run = Callable[[argparse.Namespace, DataPaths], int]


def add_parser(sub: Any) -> Any:
    """`export fhir|bulk|pdf` under the main parser's sub-commands; returns the formats'
    sub-parsers, where another format (``pdf``) adds itself with :func:`add_format`."""
    s = sub.add_parser(
        "export",
        help="a patient's record (or every patient's) as a file, recorded as a disclosure",
    )
    formats = s.add_subparsers(dest="export_format", required=True, parser_class=_Parser)
    f = add_format(
        formats,
        "fhir",
        _fhir,
        help="one patient's record as a FHIR R4 Bundle (JSON)",
        description="One patient's record, the sections and dates chosen, as a FHIR R4 "
        "collection Bundle validated against the R4 models, recorded as a disclosure. " + PRIVATE,
    )
    one_patient_options(f, ".json")

    b = add_format(
        formats,
        "bulk",
        _bulk,
        help="every patient as FHIR NDJSON with a manifest (administrators)",
        description="Every patient's record as FHIR NDJSON, one file per resource type, "
        "with manifest.json giving each file's SHA-256 and line count, written into a new "
        "folder (owner only) and recorded as one disclosure. Ctrl-C stops it and removes "
        "the folder. " + PRIVATE,
    )
    b.add_argument("--out", required=True, metavar="FOLDER", help="a new folder to create")
    release_options(b, default_purpose=DisclosurePurpose.OPERATIONS)

    d = add_format(
        formats,
        "pdf",
        _pdf,
        help="one patient's record as a PDF (optionally password-protected)",
        description="One patient's record, the sections and dates chosen, as a PDF with the "
        "clinic's letterhead and the patient on every page, recorded as a disclosure. With "
        f"{PDF_PASSWORD_ENV} set, the PDF is encrypted (AES-256) with that password. " + PRIVATE,
    )
    one_patient_options(d, ".pdf")
    return formats


def add_format(formats: Any, name: str, run: Run, **kwargs: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = formats.add_parser(name, **kwargs)
    p.set_defaults(func=cmd_export, export_run=run)
    return p


def one_patient_options(p: argparse.ArgumentParser, suffix: str) -> None:
    """One patient's release to a file: who, where, the release's options, the authorization
    on file and whether an existing file may be replaced."""
    p.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    p.add_argument("--out", required=True, metavar="FILE", help=f"the file to write ({suffix})")
    release_options(p, default_purpose=DisclosurePurpose.PATIENT_REQUEST)
    p.add_argument(
        "--authorization",
        type=int,
        metavar="DOC_ID",
        help="the patient's signed authorization on file (a document id), required with "
        "--purpose authorization",
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")


def release_options(p: argparse.ArgumentParser, *, default_purpose: DisclosurePurpose) -> None:
    """What every release names: sections, dates, labelled items, to whom, why, who asked."""
    p.add_argument(
        "--sections",
        metavar="A,B,...",
        help="the sections to include (default: all): " + ", ".join(s.value for s in RecordSection),
    )
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first date of care")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last date of care (inclusive)")
    p.add_argument(
        "--labelled",
        action="store_true",
        help="include items with a sensitivity label (only for a role that may read them)",
    )
    p.add_argument("--recipient", metavar="TEXT", help="who receives it (recorded)")
    p.add_argument(
        "--purpose",
        default=default_purpose.value,
        choices=[p.value for p in DisclosurePurpose],
        help=f"why it leaves the clinic (default: {default_purpose.value})",
    )
    p.add_argument("--requester", default="", metavar="TEXT", help="who asked for it")
    p.add_argument("--note", default="", metavar="TEXT", help="what the purpose is (other)")


def cmd_export(args: argparse.Namespace, paths: DataPaths) -> int:
    run: Run = args.export_run
    return run(args, paths)


# ------------------------------------------------------------------ fhir


def _fhir(args: argparse.Namespace, paths: DataPaths) -> int:
    request = _request(args, (DisclosurePurpose.PATIENT_REQUEST, THE_PATIENT))
    out = Path(args.out)
    inst = _open(paths)
    try:
        session = _login(inst, args)
        patient = inst.patients.find_by_mrn(session, args.patient)
        # The file is made (empty, private) first: a folder that cannot be written stops the
        # export before it is recorded as a disclosure.
        with PrivateFile(out, replace=args.force) as target:
            done = inst.fhir_export.export_patient(session, patient.id, request)
            target.commit(done.content, disclosure=done.disclosure_id)
    finally:
        inst.close()
    _emit(args, _fhir_data(done, out, patient.mrn, request), lambda: _fhir_text(done, out, request))
    return EXIT_OK


def _fhir_data(done: FhirRelease, out: Path, mrn: str, request: ReleaseRequest) -> dict[str, Any]:
    return {
        "out": str(out),
        "mrn": mrn,
        "resources": done.resource_count,
        "counts": dict(done.counts),
        "size": len(done.content),
        "sha256": done.sha256,
        "disclosure_id": done.disclosure_id,
        "recipient": done.recipient,
        "purpose": DisclosurePurpose(request.purpose).value,
        "sections": [s.value for s in request.scope.sections],
        "withheld": dict(done.withheld),
    }


def _fhir_text(done: FhirRelease, out: Path, request: ReleaseRequest) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in done.counts.items())
    lines = [
        f"Exported {done.resource_count} FHIR R4 resources ({kinds}) to {out} (readable by "
        "you only).",
        f"Recorded as disclosure {done.disclosure_id}: to {done.recipient}, for "
        f"{DisclosurePurpose(request.purpose).label.lower()}.",
    ]
    if done.withheld:
        n = sum(done.withheld.values())
        lines.append(
            f"{n} labelled item{'s' if n != 1 else ''} left out (add --labelled to include "
            "them, if your role may)."
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ pdf

#: the PDF's password comes from the environment, never the command line (shell history)
PDF_PASSWORD_ENV = "MEDREC_PDF_PASSWORD"


def _pdf(args: argparse.Namespace, paths: DataPaths) -> int:
    request = _request(args, (DisclosurePurpose.PATIENT_REQUEST, THE_PATIENT))
    password = os.environ.get(PDF_PASSWORD_ENV)
    if password is not None and not password:
        raise UsageError(f"{PDF_PASSWORD_ENV} is set but empty; give the password or unset it")
    out = Path(args.out)
    inst = _open(paths)
    try:
        session = _login(inst, args)
        patient = inst.patients.find_by_mrn(session, args.patient)
        with PrivateFile(out, replace=args.force) as target:
            done = inst.releases.release_pdf(session, patient.id, request, password=password)
            target.commit(done.data, disclosure=done.disclosure_id)
    finally:
        inst.close()
    data = {
        "out": str(out),
        "mrn": patient.mrn,
        "size": len(done.data),
        "sha256": done.sha256,
        "encrypted": done.encrypted,
        "disclosure_id": done.disclosure_id,
        "recipient": request.recipient,
        "purpose": DisclosurePurpose(request.purpose).value,
        "sections": [s.value for s in request.scope.sections],
    }
    locked = " It opens with the password in MEDREC_PDF_PASSWORD." if done.encrypted else ""
    _emit(
        args,
        data,
        lambda: (
            f"Wrote the record PDF to {out} (readable by you only).{locked}\nRecorded as "
            f"disclosure {done.disclosure_id}: to {request.recipient}, for "
            f"{DisclosurePurpose(request.purpose).label.lower()}."
        ),
    )
    return EXIT_OK


# ------------------------------------------------------------------ bulk


class _Progress:
    """The bulk export's job on a terminal: a line on stderr now and then; Ctrl-C stops it."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self._last = -1

    @property
    def cancelled(self) -> bool:
        return False

    def progress(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if self.show and percent // 10 != self._last // 10:
            self._last = percent
            print(f"medrec: {done} of {total} patients exported", file=sys.stderr)


def _bulk(args: argparse.Namespace, paths: DataPaths) -> int:
    request = _request(args, (DisclosurePurpose.OPERATIONS, THE_CLINIC))
    out = Path(args.out)
    inst = _open(paths)
    try:
        session = _login(inst, args)
        with PrivateFolder(out) as target:
            done = inst.fhir_export.bulk_export(
                session, target.path, request, _Progress(sys.stderr.isatty() and not args.json)
            )
            target.commit(disclosure=done.disclosure_id)
    finally:
        inst.close()
    _emit(args, _bulk_data(done, out), lambda: _bulk_text(done, out))
    return EXIT_OK


def _bulk_data(done: BulkExport, out: Path) -> dict[str, Any]:
    return {
        "out": str(out),
        "patients": done.patients,
        "resources": done.resource_count,
        "files": [
            {"name": f.name, "type": f.resource_type, "count": f.count, "sha256": f.sha256}
            for f in done.files
        ],
        "manifest_sha256": done.manifest_sha256,
        "disclosure_id": done.disclosure_id,
        "withheld": dict(done.withheld),
    }


def _bulk_text(done: BulkExport, out: Path) -> str:
    return (
        f"Exported {done.patients} patients ({done.resource_count} FHIR R4 resources in "
        f"{len(done.files)} NDJSON files) to {out} (readable by you only); manifest.json lists "
        f"each file's SHA-256.\nRecorded as disclosure {done.disclosure_id}."
    )


# ------------------------------------------------------------------ arguments


def _request(args: argparse.Namespace, default: tuple[DisclosurePurpose, str]) -> ReleaseRequest:
    """The release the options describe, checked as the dialog would (a usage error names
    the option). ``default``: the purpose for which the recipient goes without saying, and
    that recipient (the patient asking for their own record; the clinic's own bulk copy)."""
    try:
        sections = parse_sections(args.sections) if args.sections else tuple(RecordSection)
    except ValidationError as err:
        raise UsageError(f"--sections: {err.message}") from None
    since = _date(args.since, "--since")
    until = _date(args.until, "--until")
    if since is not None and until is not None and until < since:
        raise UsageError("--until is before --since; give the first date first")
    purpose = DisclosurePurpose(args.purpose)
    recipient = args.recipient
    if recipient is None:
        if purpose is not default[0]:
            raise UsageError(f"--recipient must name who receives it (purpose {purpose.value})")
        recipient = default[1]
    request = ReleaseRequest(
        scope=RecordScope(sections, since, until, labelled=args.labelled),
        recipient=recipient,
        purpose=purpose,
        requester=args.requester,
        authorization_document_id=getattr(args, "authorization", None),
        note=args.note,
    )
    try:
        return request.validated()
    except ValidationError as err:
        option = {"authorization": "--authorization", "note": "--note"}.get(err.field or "")
        raise UsageError(f"{option or '--' + (err.field or 'recipient')}: {err.message}") from None


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-11-01, not {text!r}") from None
