"""`medrec import fhir FILE`: a US Core (FHIR R4) Bundle from another system (issue 14, item 7).

Without --patient or --new it previews: what would be imported, what is left out and why,
and which of the clinic's patients the Bundle may be about (then says which to choose).
``--patient MRN`` imports into that patient, ``--new`` into a new patient registered from the
Bundle (with ``--reason`` when existing patients look like the same person); ``--dry-run``
does all of it and keeps nothing. A Bundle that is not valid R4, or that this chart's rules
refuse, is refused naming each entry and field, and nothing of it is imported (exit 1). The
same file imported before into that patient (or, with --new, into anyone) is refused too
(exit 1), saying when and by whom, unless ``--again``; the preview lists earlier imports.
Through the service, so it is checked and audited as in the application.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from medrec_desktop.cli.common import EXIT_OK, UsageError, _emit, _login, _open, _Parser
from medrec_desktop.domain.dto import DuplicateCandidate, PatientInfo
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.fhir_import import (
    EarlierImport,
    ImportKind,
    ImportPreview,
    ImportResult,
    RepeatImportError,
    SkippedEntry,
)
from medrec_desktop.paths import DataPaths

DESCRIPTION = (
    "Import a patient's record sent by another system as a FHIR R4 (US Core) Bundle in JSON: "
    "a transaction, batch, collection or searchset Bundle holding one Patient. Without "
    "--patient or --new, show what would be imported and which existing patients match. "
    "Nothing of a Bundle is imported unless all of it can be."
)


def add_parser(sub: Any) -> None:
    s = sub.add_parser("import", help="import records from another system (FHIR R4 Bundle)")
    kinds = s.add_subparsers(dest="import_cmd", required=True, parser_class=_Parser)
    f = kinds.add_parser(
        "fhir",
        help="import a US Core Bundle (JSON) into a patient's chart",
        description=DESCRIPTION,
    )
    f.add_argument("file", metavar="FILE", help="the Bundle (JSON)")
    target = f.add_mutually_exclusive_group()
    target.add_argument("--patient", metavar="MRN", help="import into this existing patient")
    target.add_argument(
        "--new", action="store_true", help="import into a new patient registered from the Bundle"
    )
    f.add_argument(
        "--reason",
        metavar="TEXT",
        help="with --new: why the Bundle's patient is not one of the matching existing ones",
    )
    f.add_argument(
        "--from",
        dest="source",
        metavar="NAME",
        help="who sent it, kept with every imported item (default: as the Bundle says)",
    )
    f.add_argument(
        "--dry-run", action="store_true", help="do and check everything, then keep nothing"
    )
    f.add_argument(
        "--again",
        action="store_true",
        help="import it even though this same file was imported before (records it twice)",
    )
    s.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, paths: DataPaths) -> int:
    # Usage and the file are checked before the database is opened or anyone signs in.
    if args.reason is not None and not args.new:
        raise UsageError("--reason goes with --new (why the new patient is a different person)")
    if args.again and args.patient is None and not args.new:
        raise UsageError("--again goes with --patient MRN or --new")
    if args.patient is not None and not args.patient.strip():
        raise UsageError("--patient needs the patient's MRN")
    data = _read(Path(args.file))
    inst = _open(paths)
    try:
        session = _login(inst, args)
        service = inst.fhir_import
        if args.patient is None and not args.new:
            preview = service.preview(session, data, source=args.source)
            _emit(args, _preview_data(preview), lambda: _preview_text(preview))
            return EXIT_OK
        patient_id = None
        if args.patient is not None:
            patient_id = inst.patients.find_by_mrn(session, args.patient).id
        try:
            result = service.commit(
                session,
                data,
                patient_id=patient_id,
                source=args.source,
                reason=args.reason,
                dry_run=args.dry_run,
                again=args.again,
            )
        except RepeatImportError as err:
            # The service's words, and how to go ahead here if the user means it.
            raise KnownError(f"{err.message} Add --again to import it anyway.") from None
        _emit(args, _result_data(result), lambda: _result_text(result))
        return EXIT_OK
    finally:
        inst.close()


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise KnownError(f"{path}: no such file (nothing was imported).")
    if not os.access(path, os.R_OK):
        raise KnownError(f"{path}: you may not read this file (nothing was imported).")
    try:
        return path.read_bytes()
    except OSError as err:
        raise KnownError(f"Cannot read {path}: {err.strerror or 'read error'}.") from None


# ------------------------------------------------------------------ output


def _counts(counts: dict[ImportKind, int] | Any) -> dict[str, int]:
    return {k.value: n for k, n in counts.items()}


def _skipped(skipped: tuple[SkippedEntry, ...]) -> list[dict[str, Any]]:
    return [
        {
            "entry": s.entry.index,
            "resource_type": s.entry.resource_type,
            "id": s.entry.resource_id,
            "full_url": s.entry.full_url,
            "reason": s.reason,
        }
        for s in skipped
    ]


def _patient(p: PatientInfo) -> dict[str, Any]:
    return {
        "id": p.id,
        "mrn": p.mrn,
        "name": p.display_name,
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex,
    }


def _candidate(c: DuplicateCandidate) -> dict[str, Any]:
    return {**_patient(c.patient), "reasons": list(c.reasons)}


def _preview_data(p: ImportPreview) -> dict[str, Any]:
    born = p.patient.birth_date
    return {
        "bundle_type": p.bundle_type,
        "source": p.source,
        "patient": {
            "name": p.patient.display_name,
            "birth_date": born.isoformat() if born else None,
            "sex": p.patient.sex,
            "identifiers": [{"system": s, "value": v} for s, v in p.patient.identifiers],
        },
        "counts": _counts(p.counts),
        "results": p.results,
        "skipped": _skipped(p.skipped),
        "used": p.used,
        "same_mrn": _patient(p.same_mrn) if p.same_mrn else None,
        "candidates": [_candidate(c) for c in p.candidates],
        "earlier": [_earlier(e) for e in p.earlier],
        "advice": p.advice,
        "items": [{"kind": k.value, "summary": s} for k, s in p.lines],
    }


def _earlier(e: EarlierImport) -> dict[str, Any]:
    return {
        "imported_at": e.imported_at.isoformat(),
        "imported_by": e.imported_by,
        "patient_id": e.patient_id,
        "mrn": e.mrn,
        "name": e.patient_name,
        "merged_into_mrn": e.kept_mrn,
        "source": e.source,
        "items": e.item_count,
    }


def _preview_text(p: ImportPreview) -> str:
    born = f"{p.patient.birth_date:%m/%d/%Y}" if p.patient.birth_date else "no date of birth"
    lines = [
        f"FHIR Bundle ({p.bundle_type}) from {p.source}: {p.patient.display_name}, born {born}, "
        f"{p.patient.sex}.",
        f"Would import: {p.counts_text}.",
    ]
    if p.skipped:
        lines.append(f"Left out ({len(p.skipped)}):")
        lines += [f"  {s.entry.text}: {s.reason}" for s in p.skipped]
    if p.used:
        lines.append(f"Read for names and codes only: {p.used} entries.")
    if p.same_mrn is not None:
        lines.append(f"Same MRN: {_one(p.same_mrn)}")
    for c in p.candidates:
        lines.append(f"Looks like: {_one(c.patient)} ({', '.join(c.reasons)})")
    if p.earlier_text is not None:
        lines.append(f"Warning: {p.earlier_text}")
    lines.append(p.advice)
    lines.append(_choice(p))
    return "\n".join(lines)


def _one(p: PatientInfo) -> str:
    return f"MRN {p.mrn} {p.display_name}, born {p.birth_date:%m/%d/%Y}"


def _choice(p: ImportPreview) -> str:
    again = " (and --again to import this same file once more)" if p.earlier else ""
    if p.same_mrn is not None:
        return f"Run again with --patient {p.same_mrn.mrn} to import{again}."
    if p.candidates:
        mrns = " or ".join(f"--patient {c.patient.mrn}" for c in p.candidates)
        return f'Run again with {mrns}, or --new --reason "why this is someone else"{again}.'
    return f"Run again with --new to import into a new patient{again}."


def _result_data(r: ImportResult) -> dict[str, Any]:
    return {
        "patient": _patient(r.patient),
        "new_patient": r.new_patient,
        "dry_run": r.dry_run,
        "counts": _counts(r.counts),
        "results": r.results,
        "skipped": _skipped(r.skipped),
    }


def _result_text(r: ImportResult) -> str:
    into = "a new patient, " if r.new_patient else ""
    verb = "Would import (dry run, nothing was kept)" if r.dry_run else "Imported"
    lines = [f"{verb} into {into}{_one(r.patient)}: {r.counts_text}."]
    if r.skipped:
        lines.append(f"Left out ({len(r.skipped)}):")
        lines += [f"  {s.entry.text}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)
