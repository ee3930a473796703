"""What reading a Bundle produces: the patient it is about, the chart items to record (each
an ordinary form input of its kind, so this chart's own rules check it), the outside visits
(kept as notes) and the entries left out, with their reasons."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import ItemInput, Sensitivity
from medrec_desktop.domain.dto import PatientDetails
from medrec_desktop.domain.fhir_import import (
    EntryProblem,
    EntryRef,
    ImportedPatient,
    ImportKind,
    SkippedEntry,
)

REASON_MAX = 500  # domain.clinical.REASON_MAX: the history's "why" of a version


@dataclass(frozen=True)
class PatientFacts:
    """The Patient resource as this chart's registration reads it. ``problems``: what stops
    registering it as a new patient (a missing birth date...); an import into an existing
    patient does not need them."""

    entry: EntryRef
    family_name: str
    given_names: str
    birth_date: dt.date | None
    sex: str
    phone: str | None = None
    details: PatientDetails = field(default_factory=PatientDetails)
    identifiers: tuple[tuple[str, str], ...] = ()
    problems: tuple[EntryProblem, ...] = ()

    @property
    def summary(self) -> ImportedPatient:
        return ImportedPatient(
            self.family_name, self.given_names, self.birth_date, self.sex, self.identifiers
        )


@dataclass(frozen=True)
class PlannedItem:
    """One chart item to record. ``entries``: the Bundle entries it is made of (a set of
    vitals or a test gathers several); ``sources`` names, for such an item, the entry each
    of its form fields came from (so a refusal names the right one); ``problem``: the
    Condition entry it treats (linked once that problem is recorded); ``codes``: the source
    codes this chart has no field for, kept in the item's history."""

    kind: ImportKind
    input: ItemInput[Any]
    entries: tuple[EntryRef, ...]
    summary: str
    codes: tuple[str, ...] = ()
    sources: Mapping[str, EntryRef] = field(default_factory=dict)
    problem: EntryRef | None = None
    results: int = 0

    def entry_for(self, form_field: str | None) -> EntryRef:
        return self.sources.get(form_field or "", self.entries[0])


@dataclass(frozen=True)
class PlannedVisit:
    """A visit at another clinic, recorded as a note on the chart: this chart's encounters
    are visits here, with a provider of this clinic who signs the note."""

    entry: EntryRef
    text: str
    summary: str
    sensitivity: Sensitivity | None = None


@dataclass(frozen=True)
class ImportPlan:
    bundle_type: str
    source: str
    patient: PatientFacts
    items: tuple[PlannedItem, ...]
    visits: tuple[PlannedVisit, ...]
    skipped: tuple[SkippedEntry, ...]
    used: int

    @property
    def counts(self) -> dict[ImportKind, int]:
        found = Counter(i.kind for i in self.items)
        if self.visits:
            found[ImportKind.OUTSIDE_VISIT] = len(self.visits)
        return {k: found[k] for k in ImportKind if found[k]}

    @property
    def results(self) -> int:
        return sum(i.results for i in self.items)

    @property
    def labelled(self) -> tuple[tuple[EntryRef, Sensitivity], ...]:
        """The entries that carry a sensitivity label (recording them needs the right to)."""
        found = [(i.entries[0], i.input.sensitivity) for i in self.items if i.input.sensitivity]
        found += [(v.entry, v.sensitivity) for v in self.visits if v.sensitivity]
        return tuple((e, s) for e, s in found if s is not None)

    @property
    def lines(self) -> tuple[tuple[ImportKind, str], ...]:
        return tuple((i.kind, i.summary) for i in self.items) + tuple(
            (ImportKind.OUTSIDE_VISIT, v.summary) for v in self.visits
        )

    def provenance(self, item: PlannedItem, day: dt.date) -> str:
        """The reason of the item's first version: where and when it came from, and the
        source codes this chart has no field for (one line, within the reason's limit)."""
        names = ", ".join(e.short for e in item.entries[:3])
        if len(item.entries) > 3:
            names += f" and {len(item.entries) - 3} more"
        text = f"Imported on {day:%m/%d/%Y} from {self.source} (FHIR {names})"
        if item.codes:
            text += "; source codes: " + ", ".join(dict.fromkeys(item.codes))
        text = " ".join(text.split())
        return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"
