"""What the import dialog says, in words, from the service's preview, result and refusals
(plain text: no Qt here, so the wording is tested on its own)."""

from __future__ import annotations

from itertools import groupby

from medrec_desktop.domain.dto import DuplicateCandidate, PatientInfo
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.fhir_import import (
    BundleRefusedError,
    ImportedPatient,
    ImportPreview,
    ImportResult,
)


def bundle_patient(p: ImportedPatient) -> str:
    """ "Baxter, Amy V.  ·  born 02/20/1987  ·  female" (the Bundle's Patient)."""
    born = f"born {p.birth_date:%m/%d/%Y}" if p.birth_date else "no date of birth"
    return f"{p.display_name}  ·  {born}  ·  {p.sex or 'sex not given'}"


def clinic_patient(p: PatientInfo) -> str:
    """ "Baxter, Amy V. (MRN 00000001, born 02/20/1987)"."""
    return f"{p.display_name} (MRN {p.mrn}, born {p.birth_date:%m/%d/%Y})"


def source_line(preview: ImportPreview) -> str:
    return f"A {preview.bundle_type} Bundle from {preview.source}"


def will_import(preview: ImportPreview) -> str:
    left = len(preview.skipped)
    text = f"Will import: {preview.counts_text}."
    if left:
        text += f" {left} entr{'ies' if left != 1 else 'y'} left out (below, with why)."
    return text


def details(preview: ImportPreview) -> str:
    """Every item the import would record, by kind, then what is left out and why."""
    lines: list[str] = []
    for kind, group in groupby(preview.lines, key=lambda line: line[0]):
        items = [_item(summary) for _k, summary in group]
        lines.append(f"{kind.label[0].upper()}{kind.label[1:]} ({len(items)})")
        lines += [f"   •  {s}" for s in items]
    if preview.skipped:
        lines.append(f"Left out ({len(preview.skipped)})")
        lines += [f"   •  {s.entry.text}: {s.reason}" for s in preview.skipped]
    if preview.used:
        lines.append(
            f"Read only for the names and codes of other entries: {preview.used} "
            f"entr{'ies' if preview.used != 1 else 'y'} (who, where, which medication)."
        )
    return "\n".join(lines)


# How the reader names each item ("Problem: Asthma"); under its kind's heading the kind is
# said once already.
_KIND_PREFIXES = (
    "Allergy: ",
    "Problem: ",
    "Immunization: ",
    "Test: ",
    "Medication: ",
    "Past surgery: ",
    "Procedure: ",
    "Outside visit: ",
    "Vitals: ",
)


def _item(summary: str) -> str:
    for prefix in _KIND_PREFIXES:
        if summary.startswith(prefix):
            return summary[len(prefix) :]
    return summary


def same_mrn_choice(p: PatientInfo) -> str:
    return f"Add to {clinic_patient(p)}: the Bundle carries this clinic's MRN"


def candidate_choice(c: DuplicateCandidate) -> str:
    why = ", ".join(c.reasons) if c.reasons else "looks alike"
    return f"Add to {clinic_patient(c.patient)}: {why}"


def done(result: ImportResult) -> str:
    into = "a new patient, " if result.new_patient else ""
    if result.dry_run:
        return (
            f"Checked: the import into {into}{clinic_patient(result.patient)} would record "
            f"{result.counts_text}. Nothing was kept."
        )
    return (
        f"Imported into {into}{clinic_patient(result.patient)}: {result.counts_text}. "
        "Each item's history says where it came from."
    )


def refusal(err: KnownError) -> str:
    """A refusal as a list, one entry and field a line (the service's message says the
    first twenty in one sentence; the box shows every one)."""
    if isinstance(err, BundleRefusedError):
        n = len(err.problems)
        head = f"Nothing was imported: the Bundle has {n} problem{'s' if n != 1 else ''}."
        return "\n".join([head, ""] + [f"•  {p.text}" for p in err.problems])
    return err.message


def escape(text: str) -> str:
    """A name shown on a button: "&" is a literal ampersand, never a mnemonic."""
    return text.replace("&", "&&")
