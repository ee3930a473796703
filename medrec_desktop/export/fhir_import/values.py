"""Reading FHIR's data types as this chart keeps them: codes by system, a concept's words,
dates of any precision, quantities, names and sensitivity labels.

The R4B models type ``dateTime`` as a datetime, but a value may hold a date or the text of a
year or month ("2015", "2015-03"): every date goes through :func:`when`, which reads all of
them and keeps the precision given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.quantity import Quantity

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.partial_dates import PartialDate

LOINC = frozenset({"http://loinc.org", "urn:oid:2.16.840.1.113883.6.1"})
SNOMED = frozenset({"http://snomed.info/sct", "urn:oid:2.16.840.1.113883.6.96"})
ICD10CM = frozenset({"http://hl7.org/fhir/sid/icd-10-cm", "urn:oid:2.16.840.1.113883.6.90"})
RXNORM = frozenset(
    {"http://www.nlm.nih.gov/research/umls/rxnorm", "urn:oid:2.16.840.1.113883.6.88"}
)
CVX = frozenset({"http://hl7.org/fhir/sid/cvx", "urn:oid:2.16.840.1.113883.12.292"})
CPT = frozenset({"http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.12"})
HCPCS = frozenset(
    {
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "urn:oid:2.16.840.1.113883.6.285",
    }
)
# US Core names ICD-10-PCS by the CMS page (the FHIR registry's URI is accepted too).
ICD10PCS = frozenset(
    {
        "http://www.cms.gov/Medicare/Coding/ICD10",
        "https://www.cms.gov/Medicare/Coding/ICD10",
        "http://hl7.org/fhir/sid/icd-10-pcs",
        "urn:oid:2.16.840.1.113883.6.4",
    }
)
NDC = frozenset({"http://hl7.org/fhir/sid/ndc"})
UCUM = "http://unitsofmeasure.org"

# Short names of code systems, for the "source codes" an imported item's history keeps.
_SYSTEM_NAMES = (
    (LOINC, "LOINC"),
    (SNOMED, "SNOMED CT"),
    (ICD10CM, "ICD-10-CM"),
    (RXNORM, "RxNorm"),
    (CVX, "CVX"),
    (CPT, "CPT"),
    (HCPCS, "HCPCS"),
    (ICD10PCS, "ICD-10-PCS"),
    (NDC, "NDC"),
)

_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
# meta.security codes that mean one of this chart's sensitivity labels, strictest first
# (42 CFR Part 2 substance use records above all).
_LABELS: tuple[tuple[str, frozenset[str], Sensitivity], ...] = (
    (_ACT_CODE, frozenset({"ETH", "SUD", "ETHUD", "OPIOIDUD"}), Sensitivity.SUBSTANCE_USE),
    (_ACT_CODE, frozenset({"HIV", "STD"}), Sensitivity.HIV_STI),
    (_ACT_CODE, frozenset({"PSY", "PSYTHPN", "MH", "BH"}), Sensitivity.BEHAVIORAL_HEALTH),
    (_ACT_CODE, frozenset({"SEX", "SDV"}), Sensitivity.REPRODUCTIVE),
    (_ACT_CODE, frozenset({"GDIS", "GENETIC"}), Sensitivity.GENETIC),
    (_CONFIDENTIALITY, frozenset({"R", "V"}), Sensitivity.CLINIC_DEFINED),
)


# ---------------------------------------------------------------------- codes and words


def codings(concept: CodeableConcept | None) -> list[Coding]:
    return list(concept.coding or []) if concept is not None else []


def coding_in(concept: CodeableConcept | None, systems: frozenset[str]) -> Coding | None:
    """The concept's first coding in one of ``systems`` that has a code."""
    for c in codings(concept):
        if c.system in systems and c.code:
            return c
    return None


def code_in(concept: CodeableConcept | None, systems: frozenset[str]) -> str | None:
    found = coding_in(concept, systems)
    return str(found.code).strip() if found is not None and found.code else None


def any_code(concept: CodeableConcept | None) -> str | None:
    """The concept's first code, whatever its system."""
    return next((str(c.code).strip() for c in codings(concept) if c.code), None)


def codes_of(concepts: Iterable[CodeableConcept | None]) -> set[str]:
    """Every code of the concepts, whatever the system (for status and category tests)."""
    return {str(c.code) for cc in concepts for c in codings(cc) if c.code}


def words(concept: CodeableConcept | None) -> str | None:
    """What a person reads for the concept: its text, else the first display, else code."""
    if concept is None:
        return None
    if concept.text and concept.text.strip():
        return " ".join(concept.text.split())
    for c in codings(concept):
        if c.display and c.display.strip():
            return " ".join(c.display.split())
    for c in codings(concept):
        if c.code:
            return str(c.code)
    return None


def display_in(concept: CodeableConcept | None, systems: frozenset[str]) -> str | None:
    found = coding_in(concept, systems)
    if found is not None and found.display and found.display.strip():
        return " ".join(found.display.split())
    return None


def source_codes(concept: CodeableConcept | None) -> list[str]:
    """ "SNOMED CT 51868009", "RxNorm 476872": the codes of known systems, as kept in an
    imported item's history."""
    found = []
    for c in codings(concept):
        if not c.code:
            continue
        for systems, name in _SYSTEM_NAMES:
            if c.system in systems:
                found.append(f"{name} {c.code}")
                break
    return found


def first_text(values: Iterable[str | None]) -> str | None:
    for v in values:
        if v and v.strip():
            return " ".join(v.split())
    return None


def joined(values: Iterable[str | None], sep: str = "; ") -> str:
    return sep.join(dict.fromkeys(" ".join(v.split()) for v in values if v and v.strip()))


# ---------------------------------------------------------------------- dates and moments


@dataclass(frozen=True)
class When:
    """A FHIR date or dateTime: the date as written, with its precision (``partial``), and
    the instant when a time was given (``moment``, aware)."""

    partial: PartialDate
    moment: dt.datetime | None = None

    @property
    def storage(self) -> str:
        """ "2015", "2015-03", "2015-03-04": what a partial date field reads."""
        return self.partial.storage

    @property
    def day(self) -> dt.date | None:
        """The calendar day as written (in the sender's own time zone), if given."""
        if self.partial.precision != "day":
            return None
        return self.partial.earliest

    def instant(self) -> dt.datetime | None:
        """The instant; a whole day without a time is noon there, local time, so its day is
        the day written wherever the chart is read; None for a year or month alone."""
        if self.moment is not None:
            return self.moment
        day = self.day
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time(12)).astimezone()


def when(value: object) -> When | None:
    """A FHIR date, dateTime or instant as the models hold it (a datetime, a date, or the
    text of a year or a month); None when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.astimezone()
        return When(PartialDate.of(value.date()), moment)
    if isinstance(value, dt.date):
        return When(PartialDate.of(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 4:
                return When(PartialDate(int(text)))
            if len(text) == 7 and text[4] == "-":
                return When(PartialDate(int(text[:4]), int(text[5:])))
            if len(text) == 10:
                return When(PartialDate.of(dt.date.fromisoformat(text)))
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when(moment)
    return None


def first_when(*values: object) -> When | None:
    for v in values:
        found = when(v)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------- numbers and names


def number(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def number_text(value: Decimal | float | int) -> str:
    """A decimal as written (Decimal keeps the sender's digits: "5.40" stays "5.40")."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    return str(value)


def unit_of(q: Quantity) -> str:
    """The quantity's unit: its UCUM code when coded in UCUM (to compute with), else its
    printed unit."""
    if q.system == UCUM and q.code:
        return str(q.code).strip()
    return (q.unit or q.code or "").strip()


def printed_unit(q: Quantity) -> str:
    """The unit as the sender prints it ("K/uL"), else its code."""
    return " ".join((q.unit or q.code or "").split())


def person_name(names: Sequence[HumanName] | None) -> str | None:
    """ "Dr Ronald Bone": an official or usual name (else the first), as written."""
    chosen = pick_name(names)
    if chosen is None:
        return None
    if chosen.text and chosen.text.strip():
        return " ".join(chosen.text.split())
    parts = [*(chosen.prefix or []), *(chosen.given or []), chosen.family, *(chosen.suffix or [])]
    return first_text([" ".join(p for p in parts if p)])


def pick_name(names: Sequence[HumanName] | None) -> HumanName | None:
    """The name in use now: official, then usual, then one without a use; never an old,
    maiden, temporary or anonymous one when another is given; the latest by period."""
    candidates = [n for n in names or [] if n.use not in ("old", "maiden", "anonymous", "temp")]
    if not candidates:
        candidates = list(names or [])
    if not candidates:
        return None
    rank = {"official": 0, "usual": 1, None: 2, "nickname": 3}

    def key(n: HumanName) -> tuple[int, str]:
        start = n.period.start if n.period is not None and n.period.start else None
        started = when(start)
        return (rank.get(n.use, 4), "" if started is None else _negated(started.storage))

    return sorted(candidates, key=key)[0]


def _negated(storage: str) -> str:
    # The latest period first within a rank: sort by the start date descending.
    return "".join(chr(0x10FFFF - ord(ch)) for ch in storage)


# ---------------------------------------------------------------------- labels


def sensitivity(resource: Any) -> Sensitivity | None:
    """This chart's sensitivity label for a resource's ``meta.security`` codes, if any."""
    meta = getattr(resource, "meta", None)
    security = list(getattr(meta, "security", None) or [])
    if not security:
        return None
    present = {(c.system, str(c.code)) for c in security if c.code}
    for system, codes, label in _LABELS:
        if any((system, code) in present for code in codes):
            return label
    return None
