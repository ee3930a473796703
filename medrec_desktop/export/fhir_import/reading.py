"""What every mapper needs while reading one entry: the Bundle's index, the patient it is
about, names of the people and places entries point at, the source and today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.relatedperson import RelatedPerson

from medrec_desktop.export.fhir_import.entries import BundleIndex, Entry, Unreadable
from medrec_desktop.export.fhir_import.values import first_text, person_name


@dataclass(frozen=True)
class Reading:
    index: BundleIndex
    patient: Entry
    source: str
    today: dt.date

    def require_patient(self, entry: Entry, reference: Reference | None, field: str) -> None:
        """Refuse an entry about another patient than the Bundle's (or about nobody)."""
        if reference is None or not (reference.reference or reference.identifier):
            raise Unreadable(field, "names no patient (every entry must be about the patient)")
        found = self.index.entry(reference)
        if found is None or found.resource is not self.patient.resource:
            raise Unreadable(
                field,
                "is about another patient than this Bundle's Patient (or one not in the "
                "Bundle); a Bundle holds one patient's record",
            )

    def who(self, reference: Reference | None, within: object = None) -> str | None:
        """The name of a person, organization or place an entry points at: from the
        resource in the Bundle, else the reference's own display text. The patient is "the
        patient" (names of patients come from the Patient resource only)."""
        if reference is None:
            return None
        found = self.index.resolve(reference, within)
        if isinstance(found, Patient):
            return "the patient"
        if isinstance(found, Practitioner | RelatedPerson):
            return person_name(found.name)
        if isinstance(found, PractitionerRole):
            return self.who(found.practitioner) or self.who(found.organization)
        if isinstance(found, Organization | Location):
            return first_text([found.name])
        if reference.reference and self._points_at_patient(reference):
            return "the patient"
        return first_text([reference.display])

    def names(self, references: list[Reference | None]) -> str | None:
        found = [n for n in (self.who(r) for r in references) if n]
        return ", ".join(dict.fromkeys(found)) or None

    def _points_at_patient(self, reference: Reference) -> bool:
        text = str(reference.reference or "")
        return text.startswith("Patient/") or "/Patient/" in text
