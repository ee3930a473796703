"""What a release of a patient's record holds and why it leaves (issue 14, DESIGN §8).

Minimum necessary: a release names the sections it carries; what is not chosen is not read,
not rendered and not in the file at all. Every release outside the clinic is a disclosure with
its purpose; the HIPAA accounting of disclosures (45 CFR 164.528) lists those a patient may
ask about, so each purpose says whether it is accountable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from medrec_desktop.domain.errors import ValidationError

RECIPIENT_MAX = 200
REQUESTER_MAX = 200
#: the accounting of disclosures covers the six years before the request (164.528(a)(3))
ACCOUNTING_YEARS = 6


class RecordSection(StrEnum):
    """The parts of a record a release may carry, in the order a record prints them."""

    DEMOGRAPHICS = "demographics"
    PROBLEMS = "problems"
    HISTORIES = "histories"
    MEDICATIONS = "medications"
    ALLERGIES = "allergies"
    IMMUNIZATIONS = "immunizations"
    VITALS = "vitals"
    RESULTS = "results"
    PROCEDURES = "procedures"
    ENCOUNTERS = "encounters"
    CODING = "coding"
    DOCUMENTS = "documents"

    @property
    def label(self) -> str:
        return SECTION_LABELS[self]


SECTION_LABELS = {
    RecordSection.DEMOGRAPHICS: "Demographics and insurance",
    RecordSection.PROBLEMS: "Problems",
    RecordSection.HISTORIES: "Medical, surgical, family and social history",
    RecordSection.MEDICATIONS: "Medications",
    RecordSection.ALLERGIES: "Allergies",
    RecordSection.IMMUNIZATIONS: "Immunizations",
    RecordSection.VITALS: "Vital signs",
    RecordSection.RESULTS: "Test results",
    RecordSection.PROCEDURES: "Treatments and procedures",
    RecordSection.ENCOUNTERS: "Encounters with signed notes and addenda",
    RecordSection.CODING: "Coded diagnoses and procedures",
    RecordSection.DOCUMENTS: "List of documents",
}


class DisclosurePurpose(StrEnum):
    TREATMENT = "treatment"
    PAYMENT = "payment"
    OPERATIONS = "operations"
    PATIENT_REQUEST = "patient_request"
    AUTHORIZATION = "authorization"
    LEGAL = "legal"
    PUBLIC_HEALTH = "public_health"
    RESEARCH = "research"
    OTHER = "other"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]

    @property
    def accountable(self) -> bool:
        """Listed in the HIPAA accounting a patient may request: not treatment, payment or
        operations, not the patient's own request, not one made under their authorization."""
        return self not in _NOT_ACCOUNTABLE


PURPOSE_LABELS = {
    DisclosurePurpose.TREATMENT: "Treatment (another provider)",
    DisclosurePurpose.PAYMENT: "Payment",
    DisclosurePurpose.OPERATIONS: "Health care operations",
    DisclosurePurpose.PATIENT_REQUEST: "The patient's own request",
    DisclosurePurpose.AUTHORIZATION: "Under the patient's signed authorization",
    DisclosurePurpose.LEGAL: "Legal (subpoena, court order, law enforcement)",
    DisclosurePurpose.PUBLIC_HEALTH: "Public health reporting",
    DisclosurePurpose.RESEARCH: "Research (waiver of authorization)",
    DisclosurePurpose.OTHER: "Other (say what in the description)",
}
_NOT_ACCOUNTABLE = frozenset(
    {
        DisclosurePurpose.TREATMENT,
        DisclosurePurpose.PAYMENT,
        DisclosurePurpose.OPERATIONS,
        DisclosurePurpose.PATIENT_REQUEST,
        DisclosurePurpose.AUTHORIZATION,
    }
)


class Medium(StrEnum):
    """How a disclosure left the clinic."""

    CSV = "csv"
    JSON = "json"
    PDF = "pdf"
    FHIR = "fhir"
    NDJSON = "ndjson"
    PRINT = "print"


def parse_sections(text: str) -> tuple[RecordSection, ...]:
    """``"problems,medications"`` (a CLI argument, a stored disclosure) -> the sections, in
    record order; an unknown name is refused naming it and the known ones."""
    wanted: set[RecordSection] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        try:
            wanted.add(RecordSection(part))
        except ValueError:
            known = ", ".join(s.value for s in RecordSection)
            raise ValidationError(
                f"“{part}” is not a section of the record; choose from {known}.",
                field="sections",
            ) from None
    if not wanted:
        raise ValidationError("Choose at least one section of the record.", field="sections")
    return tuple(s for s in RecordSection if s in wanted)


@dataclass(frozen=True)
class RecordScope:
    """Which part of the record: the sections, and optionally the dates of care (items dated
    outside them are left out; undated ones, like an allergy, are kept). ``labelled``: items
    with a sensitivity label are included (only when chosen, and only for a role that may
    read them)."""

    sections: tuple[RecordSection, ...]
    since: dt.date | None = None
    until: dt.date | None = None
    labelled: bool = False

    def validated(self) -> RecordScope:
        if not self.sections:
            raise ValidationError("Choose at least one section of the record.", field="sections")
        if self.since and self.until and self.since > self.until:
            raise ValidationError("The first date is after the last one; swap them.", field="since")
        ordered = tuple(s for s in RecordSection if s in set(self.sections))
        return RecordScope(ordered, self.since, self.until, self.labelled)

    def covers(self, day: dt.date | None) -> bool:
        """Whether an item dated ``day`` is in the dates (an undated item always is)."""
        if day is None:
            return True
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True)
class ReleaseRequest:
    """A release of information: who asked, who receives it, why, under which
    authorization (a scanned document of the patient), and what of the record."""

    scope: RecordScope
    recipient: str
    purpose: DisclosurePurpose | str
    requester: str = ""
    authorization_document_id: int | None = None
    note: str = ""

    def validated(self) -> ReleaseRequest:
        recipient = " ".join(self.recipient.split())
        if not recipient:
            raise ValidationError("Say who receives the record.", field="recipient")
        if len(recipient) > RECIPIENT_MAX:
            raise ValidationError(
                f"The recipient is {len(recipient)} characters; at most {RECIPIENT_MAX}.",
                field="recipient",
            )
        requester = " ".join(self.requester.split())
        if len(requester) > REQUESTER_MAX:
            raise ValidationError(
                f"The requester is {len(requester)} characters; at most {REQUESTER_MAX}.",
                field="requester",
            )
        try:
            purpose = DisclosurePurpose(self.purpose)
        except ValueError:
            known = ", ".join(p.value for p in DisclosurePurpose)
            raise ValidationError(
                f"“{self.purpose}” is not a purpose; choose from {known}.", field="purpose"
            ) from None
        if purpose is DisclosurePurpose.AUTHORIZATION and self.authorization_document_id is None:
            raise ValidationError(
                "A release under the patient's authorization names the signed authorization "
                "on file (scan it into the chart first).",
                field="authorization",
            )
        note = " ".join(self.note.split())
        if purpose is DisclosurePurpose.OTHER and not note:
            raise ValidationError("Say what the purpose is.", field="note")
        return ReleaseRequest(
            scope=self.scope.validated(),
            recipient=recipient,
            purpose=purpose,
            requester=requester,
            authorization_document_id=self.authorization_document_id,
            note=note,
        )


@dataclass(frozen=True)
class DisclosureRow:
    """One disclosure of a patient's information, as the accounting lists it."""

    disclosure_id: int
    disclosed_at: dt.datetime
    disclosed_by: str
    recipient: str
    purpose: str
    purpose_label: str
    accountable: bool
    description: str
    detail: str
    medium: str | None = None
    requester: str | None = None
    sections: tuple[str, ...] = ()
    period_since: dt.date | None = None
    period_until: dt.date | None = None
    encrypted: bool | None = None


@dataclass(frozen=True)
class Accounting:
    """A patient's accounting of disclosures from ``since`` to ``until`` (the six years before
    the request), newest first; ``rows`` holds every recorded disclosure, each saying whether
    HIPAA requires it in the accounting given to the patient (``accountable``)."""

    since: dt.date
    until: dt.date
    rows: tuple[DisclosureRow, ...]

    @property
    def accountable(self) -> tuple[DisclosureRow, ...]:
        return tuple(r for r in self.rows if r.accountable)


def purpose_label(purpose: str) -> str:
    """A stored purpose as words (one written before the purposes were fixed: as stored)."""
    try:
        return DisclosurePurpose(purpose).label
    except ValueError:
        return purpose


def purpose_accountable(purpose: str) -> bool:
    try:
        return DisclosurePurpose(purpose).accountable
    except ValueError:
        return True  # unknown: listed, rather than hidden from the patient
