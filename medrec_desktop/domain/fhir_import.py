"""Importing a US Core (FHIR R4) Bundle from another system (issue 14, item 5): what the
Bundle's entries become, what is left out and why, and the refusal that names the entry.

A Bundle is imported whole or not at all. An entry is either **imported** (as one of the
:class:`ImportKind` s), **used** (a Practitioner, Organization, Location, Medication or
Specimen read for the names and codes of the entries that point at it) or **skipped**, listed
with the reason: a resource type this chart has no place for, or an entry the sender itself
marks as not part of the record (entered in error, refuted, a cancelled visit, a draft order).
Anything else that cannot be read, or that this chart's own rules refuse, refuses the whole
Bundle with a :class:`BundleRefusedError` naming each entry and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.dto import DuplicateCandidate, PatientId, PatientInfo
from medrec_desktop.domain.errors import ValidationError

# The most entries a refusal spells out; the rest are counted.
PROBLEMS_SHOWN = 20


class ImportKind(StrEnum):
    """What an imported entry becomes, in the order they are written (a problem before the
    medications that treat it, "no known allergies" before any allergy)."""

    PROBLEM = "problem"
    ALLERGY_STATEMENT = "allergy-statement"
    ALLERGY = "allergy"
    MEDICATION = "medication"
    IMMUNIZATION = "immunization"
    VITALS = "vitals"
    LAB_TEST = "lab-test"
    PROCEDURE = "procedure"
    SURGICAL_HISTORY = "surgical-history"
    OUTSIDE_VISIT = "outside-visit"

    @property
    def label(self) -> str:
        """The plural for a count: "3 problems"."""
        return _LABELS[self]


_LABELS = {
    ImportKind.PROBLEM: "problems",
    ImportKind.ALLERGY_STATEMENT: '"no known allergies" statements',
    ImportKind.ALLERGY: "allergies",
    ImportKind.MEDICATION: "medications",
    ImportKind.IMMUNIZATION: "immunizations",
    ImportKind.VITALS: "sets of vitals",
    ImportKind.LAB_TEST: "tests",
    ImportKind.PROCEDURE: "procedures",
    ImportKind.SURGICAL_HISTORY: "past surgeries",
    ImportKind.OUTSIDE_VISIT: "outside visits (as notes)",
}


@dataclass(frozen=True)
class EntryRef:
    """One entry of the Bundle: its position in ``Bundle.entry`` (from 0, as FHIRPath counts)
    and what names it. Never holds the resource's content (refusals name entries, not data)."""

    index: int
    resource_type: str
    resource_id: str | None = None
    full_url: str | None = None

    @property
    def text(self) -> str:
        """ "entry 4 (Observation, urn:uuid:...)", "entry 4 (Observation/heart-rate)"."""
        if self.full_url:
            return f"entry {self.index} ({self.resource_type}, {self.full_url})"
        if self.resource_id:
            return f"entry {self.index} ({self.resource_type}/{self.resource_id})"
        return f"entry {self.index} ({self.resource_type})"

    @property
    def short(self) -> str:
        """ "Observation/heart-rate" (or the type alone): how an imported item names its
        source in its history."""
        if self.resource_id:
            return f"{self.resource_type}/{self.resource_id}"
        return self.resource_type


@dataclass(frozen=True)
class EntryProblem:
    """Why an entry (or the Bundle as a whole, ``entry`` None) cannot be imported. ``field``
    is the FHIR element ("valueQuantity.value") or this chart's field ("pulse")."""

    entry: EntryRef | None
    field: str | None
    message: str

    @property
    def text(self) -> str:
        where = self.entry.text if self.entry is not None else "the Bundle"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class BundleRefusedError(ValidationError):
    """Nothing of the Bundle was imported: ``problems`` says which entries, which fields and
    why (the message shows the first ones). No patient data is in the message."""

    def __init__(self, problems: tuple[EntryProblem, ...]) -> None:
        shown = problems[:PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = "; ".join(p.text.rstrip(".") for p in shown)
        tail = f"; and {more} more" if more else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"Nothing was imported: the Bundle has {len(problems)} {noun}: {lines}{tail}.",
            field="bundle",
        )
        self.problems = problems


@dataclass(frozen=True)
class SkippedEntry:
    """An entry left out on purpose, with the reason (shown in the preview and the result)."""

    entry: EntryRef
    reason: str


@dataclass(frozen=True)
class ImportedPatient:
    """The patient the Bundle is about, as its Patient resource says (never a reference's
    display text). ``identifiers``: (system, value) pairs."""

    family_name: str
    given_names: str
    birth_date: dt.date | None
    sex: str
    identifiers: tuple[tuple[str, str], ...] = ()

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_names}"


@dataclass(frozen=True)
class EarlierImport:
    """An earlier import of the very same file (same SHA-256): when, by whom (display name),
    from which sender and into which record: its MRN, the patient's name only for a role
    that may see demographics, and ``kept_mrn``, the record it was since merged into."""

    imported_at: dt.datetime
    imported_by: str
    patient_id: PatientId
    mrn: str
    source: str
    item_count: int
    patient_name: str | None = None
    kept_mrn: str | None = None

    @property
    def where(self) -> str:
        """ "MRN 00000149 (Baxter, Amy V.; since merged into MRN 00000150)"."""
        notes = [n for n in (self.patient_name, self.merged_text) if n]
        return f"MRN {self.mrn}" + (f" ({'; '.join(notes)})" if notes else "")

    @property
    def merged_text(self) -> str | None:
        return f"since merged into MRN {self.kept_mrn}" if self.kept_mrn else None

    @property
    def day(self) -> str:
        """The local day it was imported, as the clinic writes dates."""
        return f"{self.imported_at.astimezone():%m/%d/%Y}"

    @property
    def text(self) -> str:
        """ "into MRN 00000149 (Baxter, Amy V.) on 11/30/2026 by Rita Records (21 items from
        Holy Family Hospital)"."""
        items = f"{self.item_count} item{'s' if self.item_count != 1 else ''}"
        return f"into {self.where} on {self.day} by {self.imported_by} ({items} from {self.source})"


class RepeatImportError(ValidationError):
    """The same file was imported before into this record (or one merged with it), or, for
    a new patient, into anyone: importing it again records every item (or the person) twice.
    Raised unless the caller says to import it again; nothing was imported."""

    def __init__(self, earlier: EarlierImport, *, new_patient: bool) -> None:
        # The MRN and the sender's name only: never the patient's name (no PHI in errors).
        where = f"MRN {earlier.mrn}" + (f" ({earlier.merged_text})" if earlier.kept_mrn else "")
        said = (
            "registering a new patient from it would record the same person twice (import it "
            "into that record instead)"
            if new_patient
            else "importing it again would record every item twice"
        )
        super().__init__(
            f"This same Bundle was imported into {where} on {earlier.day} by "
            f"{earlier.imported_by}: {said}. Nothing was imported.",
            field="bundle",
        )
        self.earlier = earlier


@dataclass(frozen=True)
class ImportPreview:
    """What an import of the Bundle would do (nothing is written): the patient it is about,
    how many items of each kind it makes, what it leaves out, and the clinic's patients it
    may belong to. ``same_mrn``: the patient whose MRN the Bundle carries under this clinic's
    own identifier system (a Bundle exported here); ``candidates``: likely matches by name
    and date of birth, phone or insurance (the registration's duplicate check); ``earlier``:
    imports of this very file already recorded, newest first."""

    source: str
    bundle_type: str
    patient: ImportedPatient
    counts: Mapping[ImportKind, int]
    results: int
    skipped: tuple[SkippedEntry, ...]
    used: int
    same_mrn: PatientInfo | None = None
    candidates: tuple[DuplicateCandidate, ...] = ()
    lines: tuple[tuple[ImportKind, str], ...] = field(default=(), repr=False)
    earlier: tuple[EarlierImport, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counts_text(self) -> str:
        """ "3 problems, 2 allergies, 1 test (8 results)"."""
        return counts_text(self.counts, self.results)

    @property
    def earlier_text(self) -> str | None:
        """The warning when this very file was imported before (None when it was not)."""
        if not self.earlier:
            return None
        times = "once" if len(self.earlier) == 1 else f"{len(self.earlier)} times"
        shown = "; ".join(e.text for e in self.earlier[:3])
        more = f"; and {len(self.earlier) - 3} more" if len(self.earlier) > 3 else ""
        return (
            f"This same Bundle was imported {times} already: {shown}{more}. Importing it again "
            "would record every item twice."
        )

    @property
    def advice(self) -> str:
        """Which choice to make, in words (the CLI's and the dialog's last line)."""
        if self.same_mrn is not None:
            return (
                f"The Bundle carries this clinic's MRN {self.same_mrn.mrn}: import it into "
                "that patient."
            )
        if self.candidates:
            mrns = ", ".join(c.patient.mrn for c in self.candidates)
            return (
                f"Existing patients look like the same person (MRN {mrns}): import into the "
                "right one, or into a new patient with the reason they are different."
            )
        return "No existing patient matches: import into a new patient."


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, ``dry_run``, would have done: nothing was kept)."""

    patient: PatientInfo
    new_patient: bool
    counts: Mapping[ImportKind, int]
    results: int
    skipped: tuple[SkippedEntry, ...]
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counts_text(self) -> str:
        return counts_text(self.counts, self.results)


def counts_text(counts: Mapping[ImportKind, int], results: int = 0) -> str:
    parts = []
    for kind in ImportKind:
        n = counts.get(kind, 0)
        if not n:
            continue
        label = kind.label if n != 1 else _SINGULAR.get(kind, kind.label.rstrip("s"))
        part = f"{n} {label}"
        if kind is ImportKind.LAB_TEST and results:
            part += f" ({results} result{'s' if results != 1 else ''})"
        parts.append(part)
    return ", ".join(parts) if parts else "nothing"


_SINGULAR = {
    ImportKind.ALLERGY_STATEMENT: '"no known allergies" statement',
    ImportKind.ALLERGY: "allergy",
    ImportKind.VITALS: "set of vitals",
    ImportKind.SURGICAL_HISTORY: "past surgery",
    ImportKind.OUTSIDE_VISIT: "outside visit (as a note)",
}


def mrn_system(install_id: str) -> str:
    """The identifier system of this clinic's MRNs in FHIR: one per installation, so a
    Bundle from another clinic running this program never matches by MRN alone."""
    return f"urn:medrec-desktop:{install_id}:mrn"
