"""The Patient resource (and its Coverage entries) as this chart registers a patient.

Sex: US Core Patients since 2025 may carry no ``gender`` at all; sex comes from the
``us-core-birthsex`` extension (a code: F, M, UNK), or ``us-core-sex`` /
``us-core-individual-sex`` (a SNOMED CT coding), then ``gender``; none of them: unknown.
Names come from the Patient resource only (other entries' reference displays may hold an old
name); the name in use now is the registered one, former ones go to "previous names".
"""

from __future__ import annotations

from collections.abc import Sequence

from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient

from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails
from medrec_desktop.domain.fhir_import import EntryProblem
from medrec_desktop.export.fhir_import.entries import BundleIndex, Entry
from medrec_desktop.export.fhir_import.plan import PatientFacts
from medrec_desktop.export.fhir_import.values import (
    SNOMED,
    first_text,
    joined,
    person_name,
    pick_name,
    when,
    words,
)

_US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
_BIRTH_SEX = {"F": "female", "M": "male", "UNK": "unknown"}
# SNOMED CT findings US Core's sex extensions use.
_SNOMED_SEX = {
    "248152002": "female",
    "248153007": "male",
    "32570691000036108": "intersex",
    "1220561009": "unknown",
}
_GENDER = {"female": "female", "male": "male", "other": "unknown", "unknown": "unknown"}
_RELATIONSHIP = {"self": "self", "spouse": "spouse", "child": "child", "parent": "parent"}


def patient_facts(entry: Entry, index: BundleIndex) -> PatientFacts:
    patient = entry.resource
    assert isinstance(patient, Patient)
    where = entry.ref
    problems: list[EntryProblem] = []
    name = pick_name(patient.name)
    family = first_text([name.family]) if name is not None else None
    given = first_text([" ".join(g for g in name.given or [] if g)]) if name else None
    if not family or not given:
        problems.append(
            EntryProblem(where, "name", "the patient has no family and given name in use")
        )
    born = when(patient.birthDate)
    birth = born.day if born is not None else None
    if birth is None:
        problems.append(
            EntryProblem(where, "birthDate", "the whole date of birth is needed to register")
        )
    phones = [t for t in patient.telecom or [] if t.system == "phone" and t.value]
    home = [t for t in phones if t.use != "mobile"]
    mobile = [t for t in phones if t.use == "mobile"]
    details = PatientDetails(
        previous_names=_previous(patient.name, name),
        gender_identity=_extension_words(patient.extension, "genderIdentity"),
        race=_category(patient.extension, "us-core-race"),
        ethnicity=_category(patient.extension, "us-core-ethnicity"),
        preferred_language=_language(patient),
        mobile_phone=_value(mobile),
        email=_value([t for t in patient.telecom or [] if t.system == "email"]),
        contacts=_contacts(patient),
        coverages=_coverages(patient, index),
        **_address(patient),
    )
    return PatientFacts(
        entry=where,
        family_name=family or "",
        given_names=given or "",
        birth_date=birth,
        sex=_sex(patient),
        phone=_value(home),
        details=details,
        identifiers=tuple(
            (str(i.system or ""), str(i.value)) for i in patient.identifier or [] if i.value
        ),
        problems=tuple(problems),
    )


def _value(points: Sequence[ContactPoint]) -> str | None:
    ranked = sorted(points, key=lambda t: t.rank or 99)
    return first_text(t.value for t in ranked)


def _sex(patient: Patient) -> str:
    for ext in patient.extension or []:
        url = str(ext.url or "")
        if url == _US_CORE + "us-core-birthsex" and ext.valueCode:
            return _BIRTH_SEX.get(str(ext.valueCode), "unknown")
    for ext in patient.extension or []:
        url = str(ext.url or "")
        if url in (_US_CORE + "us-core-sex", _US_CORE + "us-core-individual-sex"):
            coding = ext.valueCoding
            if coding is not None and coding.system in SNOMED and coding.code:
                return _SNOMED_SEX.get(str(coding.code), "unknown")
            if ext.valueCode:  # us-core-sex as a code (its early form)
                return _GENDER.get(str(ext.valueCode), "unknown")
    return _GENDER.get(str(patient.gender or "unknown"), "unknown")


def _previous(names: Sequence[HumanName] | None, current: HumanName | None) -> str | None:
    former = [n for n in names or [] if n is not current and n.use in ("old", "maiden")]
    return joined((person_name([n]) for n in former), "; ") or None


def _extension(extensions: Sequence[Extension] | None, name: str) -> Extension | None:
    for ext in extensions or []:
        if str(ext.url or "").endswith(name):
            return ext
    return None


def _extension_words(extensions: Sequence[Extension] | None, name: str) -> str | None:
    ext = _extension(extensions, name)
    if ext is None:
        return None
    return words(ext.valueCodeableConcept) or first_text([ext.valueString])


def _category(extensions: Sequence[Extension] | None, name: str) -> str | None:
    """US Core race or ethnicity: its text, else its OMB categories' displays."""
    ext = _extension(extensions, name)
    if ext is None:
        return None
    parts = ext.extension or []
    text = first_text(p.valueString for p in parts if p.url == "text")
    if text:
        return text
    shown = [p.valueCoding.display for p in parts if p.url == "ombCategory" and p.valueCoding]
    return joined(shown, ", ") or None


def _language(patient: Patient) -> str | None:
    spoken = list(patient.communication or [])
    preferred = [c for c in spoken if c.preferred] or spoken
    return first_text(words(c.language) for c in preferred)


def _address(patient: Patient) -> dict[str, str | None]:
    current = [
        a
        for a in patient.address or []
        if a.use not in ("old", "temp", "billing") and not (a.period and a.period.end)
    ]
    if not current:
        return {}
    a = current[0]
    lines = [line for line in a.line or [] if line and line.strip()]
    return {
        "address_line1": lines[0] if lines else None,
        "address_line2": ", ".join(lines[1:]) or None,
        "city": first_text([a.city]),
        "state": first_text([a.state]),
        "postal_code": first_text([a.postalCode]),
    }


def _contacts(patient: Patient) -> tuple[ContactInfo, ...]:
    found = []
    for c in patient.contact or []:
        name = person_name([c.name]) if c.name is not None else None
        if not name:
            continue  # an organization as a contact: not a related person
        relation = first_text(words(r) for r in c.relationship or []) or "other"
        codes = {str(x.code) for r in c.relationship or [] for x in r.coding or []}
        phone = _value([t for t in c.telecom or [] if t.system == "phone"])
        found.append(ContactInfo(name, relation, phone, "C" in codes or "EP" in codes))
    return tuple(found)


def _coverages(patient: Patient, index: BundleIndex) -> tuple[CoverageInfo, ...]:
    found: list[CoverageInfo] = []
    for entry in index:
        cov = entry.resource
        if not isinstance(cov, Coverage) or cov.status not in ("active", None):
            continue
        if index.resolve(cov.beneficiary) is not patient:
            continue
        payer = None
        for ref in cov.payor or []:
            org = index.resolve(ref)
            payer = org.name if isinstance(org, Organization) and org.name else ref.display
            if payer:
                break
        member = next(
            (
                i.value
                for i in cov.identifier or []
                if i.value and any(c.code == "MB" for c in (i.type.coding if i.type else []) or [])
            ),
            cov.subscriberId,
        )
        classes = {
            str(c.type.coding[0].code): c
            for c in cov.class_fhir or []
            if c.type and c.type.coding and c.type.coding[0].code
        }
        plan = classes.get("plan")
        group = classes.get("group")
        relation = next(
            (str(c.code) for c in (cov.relationship.coding if cov.relationship else []) or []),
            "self",
        )
        subscriber = index.resolve(cov.subscriber)
        found.append(
            CoverageInfo(
                payer=first_text([payer]) or "",
                member_id=first_text([member]) or "",
                plan=first_text([plan.name, plan.value]) if plan else None,
                group_number=first_text([group.value]) if group else None,
                subscriber_name=(
                    person_name(getattr(subscriber, "name", None))
                    if subscriber is not None and subscriber is not patient
                    # A subscriber named only in the reference (no resource of their own in
                    # the Bundle, as our own export writes it): the name it displays.
                    else (cov.subscriber.display if cov.subscriber and subscriber is None else None)
                ),
                subscriber_relationship=_RELATIONSHIP.get(relation, "other"),
                priority=len(found) + 1,
            )
        )
    return tuple(found)
