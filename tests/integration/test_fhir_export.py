"""FHIR R4 export of one patient (issue 14, item 5), on SQLCipher and PostgreSQL: a record
with every kind of item exports as a collection Bundle that validates with fhir.resources'
R4B models, whose references all resolve inside it; sections and dates not chosen, labelled
items not chosen and entered-in-error items are not in the file at all; the release is one
disclosure (medium fhir, purpose, recipient, requester, sections, dates, SHA-256) written with
the audit event, and nothing is written when the Bundle does not validate."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select, text

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.fhir_export import FhirInvalidError, FhirRelease
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.export.fhir import validate_bundle
from medrec_desktop.export.fhir.validate import references
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.integration.coding.conftest import codes_dir, store  # noqa: F401
from tests.integration.fhir_chart import ENTERED_IN_ERROR, LABELLED, FullChart, full_chart

EVERYTHING = RecordScope(tuple(RecordSection))


def request(scope: RecordScope = EVERYTHING, **kw: Any) -> ReleaseRequest:
    base: dict[str, Any] = {
        "recipient": "Dr. Lena Chen, Valley Cardiology",
        "purpose": DisclosurePurpose.TREATMENT,
        "requester": "Valley Cardiology front desk",
    }
    return ReleaseRequest(scope=scope, **(base | kw))


def export(c: Clinic, chart: FullChart, scope: RecordScope = EVERYTHING, **kw: Any) -> FhirRelease:
    return c.inst.fhir_export.export_patient(
        c.sessions[kw.pop("role", Role.RECORDS)], chart.patient_id, request(scope, **kw)
    )


def resources(release: FhirRelease) -> list[dict[str, Any]]:
    return [e["resource"] for e in json.loads(release.content)["entry"]]


def of_type(release: FhirRelease, kind: str) -> list[dict[str, Any]]:
    return [r for r in resources(release) if r["resourceType"] == kind]


def disclosures(c: Clinic) -> list[tuple[Disclosure, list[DisclosurePatient]]]:
    with c.inst.ctx.store.unit_of_work() as db:
        found = []
        for d in db.execute(select(Disclosure).order_by(Disclosure.id)).scalars():
            rows = list(
                db.execute(
                    select(DisclosurePatient).where(DisclosurePatient.disclosure_id == d.id)
                ).scalars()
            )
            db.expunge_all()
            found.append((d, rows))
        return found


@pytest.fixture
def chart(clinic: Clinic, store: CodeSetStore) -> FullChart:  # noqa: F811
    return full_chart(clinic, store)


def test_a_full_record_is_a_valid_r4_bundle_recorded_as_one_disclosure(
    clinic: Clinic, chart: FullChart
) -> None:
    release = export(clinic, chart)
    bundle = json.loads(release.content)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    validate_bundle(bundle)
    Bundle.model_validate(bundle)  # the whole Bundle at once, as a receiver would read it
    assert release.sha256 == hashlib.sha256(release.content).hexdigest()

    counts = Counter(r["resourceType"] for r in resources(release))
    assert dict(counts) == dict(release.counts)
    assert counts == {
        "Organization": 1,
        "Practitioner": 1,
        "Patient": 1,
        "Coverage": 2,
        "Encounter": 1,
        "DocumentReference": 3,  # the visit's note, the lab report, the authorization
        "Condition": 4,  # the problem, the medical history, two coded diagnoses
        "Procedure": 3,  # the procedure, the surgical history, the coded HCPCS line
        "FamilyMemberHistory": 1,
        "Observation": 4 + 6 + 9 + 8,  # social history; two vitals sets; the BMP
        "AllergyIntolerance": 2,
        "MedicationStatement": 2,
        "Immunization": 2,
        "DiagnosticReport": 1,
    }
    # Every reference points inside the Bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for r in resources(release):
        for target in references(r):
            assert target in urls
    # Labelled items not chosen and entered-in-error items are not in the file at all.
    assert LABELLED.encode() not in release.content
    assert ENTERED_IN_ERROR.encode() not in release.content
    assert release.withheld == {"problem": 1}

    [(disclosure, rows)] = disclosures(clinic)
    assert disclosure.medium == "fhir" and disclosure.purpose == "treatment"
    assert disclosure.recipient == "Dr. Lena Chen, Valley Cardiology"
    assert disclosure.requester == "Valley Cardiology front desk"
    assert disclosure.sections == ",".join(s.value for s in RecordSection)
    assert disclosure.sha256 == release.sha256 and disclosure.encrypted is False
    assert disclosure.patient_count == 1 and disclosure.id == release.disclosure_id
    assert [r.patient_id for r in rows] == [chart.patient_id]
    assert "resources" in rows[0].detail
    [event] = clinic.inst.audit.events(
        clinic.admin, AuditFilter(patient_id=chart.patient_id, action="export")
    )
    assert event.entry_point == "FhirExportService.export_patient"
    assert event.outcome == "success" and event.category == "clinical"
    assert f"disclosure {release.disclosure_id}" in (event.detail or "")


def test_what_the_resources_say(clinic: Clinic, chart: FullChart) -> None:
    release = export(clinic, chart)
    [patient] = of_type(release, "Patient")
    mrn = clinic.inst.patients.get(clinic.sessions[Role.RECORDS], chart.patient_id).mrn
    assert patient["identifier"][0]["value"] == mrn
    assert patient["identifier"][0]["system"].startswith("urn:medrec-desktop:")  # mrn_system
    assert patient["name"][0] == {
        "use": "official",
        "family": "Osei-Fhirtest",
        "given": ["Ama", "Grace"],
    }
    assert patient["gender"] == "female" and patient["birthDate"] == "1961-04-03"
    assert {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
            "valueCode": "F"} in patient["extension"]  # fmt: skip
    assert patient["address"][0]["city"] == "Springfield"
    assert {t["value"] for t in patient["telecom"]} == {
        "555-010-7788",
        "555-010-9911",
        "ama.osei@example.com",
    }
    coverages = of_type(release, "Coverage")
    assert [c["payor"][0]["display"] for c in coverages] == ["Acme Health", "Medicare"]
    assert coverages[1]["relationship"]["coding"][0]["code"] == "spouse"

    [encounter] = of_type(release, "Encounter")
    assert encounter["class"]["code"] == "AMB" and encounter["status"] == "finished"
    assert encounter["reasonCode"][0]["text"] == "Follow-up of blood pressure"
    assert [d["rank"] for d in encounter["diagnosis"]] == [1, 2]

    conditions = of_type(release, "Condition")
    dx = [c for c in conditions if c["category"][0]["coding"][0]["code"] == "encounter-diagnosis"]
    assert [c["code"]["coding"][0]["code"] for c in dx] == ["I10", "E11.9"]
    assert all(c["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm" for c in dx)
    assert dx[0]["code"]["coding"][0]["display"].startswith("Essential")
    assert all(c["verificationStatus"]["coding"][0]["code"] == "confirmed" for c in dx)
    problems = [c for c in conditions if c not in dx]
    assert problems[0]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert problems[0]["onsetDateTime"] == "2015"

    observations = of_type(release, "Observation")
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations if "coding" in o["code"]}
    bp = by_code["85354-9"]
    assert [c["valueQuantity"]["code"] for c in bp["component"]] == ["mm[Hg]", "mm[Hg]"]
    assert by_code["8310-5"]["valueQuantity"]["code"] == "Cel"
    assert by_code["2708-6"]["valueQuantity"]["value"] == 97
    potassium = by_code["2823-3"]
    assert potassium["valueQuantity"] == {
        "value": 5.8,
        "unit": "mmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "mmol/L",
    }
    assert potassium["interpretation"][0]["coding"][0]["code"] == "H"
    assert potassium["referenceRange"][0]["low"]["value"] == 3.5
    assert by_code["72166-2"]["valueCodeableConcept"]["coding"][0]["code"] == "8517006"

    procedures = of_type(release, "Procedure")
    systems = {p["code"]["coding"][0]["system"] for p in procedures if "coding" in p["code"]}
    assert systems == {
        "http://www.cms.gov/Medicare/Coding/ICD10",  # the chart's PCS procedure
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",  # the coder's line
    }
    immunizations = of_type(release, "Immunization")
    assert {i["status"] for i in immunizations} == {"completed", "not-done"}
    assert immunizations[0]["vaccineCode"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx",
        "code": "115",
    }
    docs = of_type(release, "DocumentReference")
    files = [d for d in docs if "data" not in d["content"][0]["attachment"]]
    assert {d["type"]["coding"][0]["code"] for d in files} == {
        "outside_lab",
        "release_authorization",
    }
    for d in files:
        attachment = d["content"][0]["attachment"]
        assert attachment["contentType"] == "application/pdf" and attachment["size"] > 0
        assert "hash" not in attachment  # FHIR's hash is SHA-1: ours goes in an extension
        [sha] = [x["valueString"] for x in attachment["extension"] if "sha256" in x["url"]]
        assert len(sha) == 64
    [note] = [d for d in docs if "data" in d["content"][0]["attachment"]]
    assert note["docStatus"] == "amended"  # signed, with an addendum
    import base64

    text_ = base64.b64decode(note["content"][0]["attachment"]["data"]).decode()
    assert "Hypertension, controlled." in text_ and "Patient called: BP 124/80." in text_


def test_sections_and_dates_not_chosen_are_not_in_the_file(
    clinic: Clinic, chart: FullChart
) -> None:
    only_problems = export(clinic, chart, RecordScope((RecordSection.PROBLEMS,)))
    validate_bundle(json.loads(only_problems.content))
    assert dict(only_problems.counts) == {"Patient": 1, "Condition": 1}
    [patient] = of_type(only_problems, "Patient")
    assert not {"address", "telecom", "contact", "communication"} & set(patient)
    for absent in (b"Elm Street", b"Acme", b"Metformin", b"Follow-up", b"Springfield"):
        assert absent not in only_problems.content

    coding_only = export(clinic, chart, RecordScope((RecordSection.CODING,)))
    validate_bundle(json.loads(coding_only.content))
    [encounter] = of_type(coding_only, "Encounter")
    assert "reasonCode" not in encounter and "diagnosis" in encounter
    assert not of_type(coding_only, "DocumentReference")  # the note is the encounters section's
    assert b"Follow-up of blood pressure" not in coding_only.content

    since = export(
        clinic,
        chart,
        RecordScope((RecordSection.RESULTS, RecordSection.VITALS), since=dt.date(2026, 11, 20)),
    )
    validate_bundle(json.loads(since.content))
    assert not of_type(since, "DiagnosticReport")  # collected on 11/19
    observations = of_type(since, "Observation")
    assert len(observations) == 6 + 9  # both vitals sets of 11/20, none of the BMP's results
    assert all(o["effectiveDateTime"] >= "2026-11-20" for o in observations)


def test_labelled_items_leave_only_when_chosen_and_allowed(
    clinic: Clinic, chart: FullChart
) -> None:
    scope = RecordScope((RecordSection.PROBLEMS,), labelled=True)
    release = export(clinic, chart, scope)
    assert LABELLED.encode() in release.content
    [labelled] = [c for c in of_type(release, "Condition") if c["code"].get("text") == LABELLED]
    assert {s["code"] for s in labelled["meta"]["security"]} == {"R", "ETH"}
    with pytest.raises(PermissionDeniedError):
        export(clinic, chart, scope, role=Role.NURSE)


def test_repeated_exports_give_the_same_resource_ids(clinic: Clinic, chart: FullChart) -> None:
    first = json.loads(export(clinic, chart).content)
    clinic.clock.advance(hours=2)
    second = json.loads(export(clinic, chart).content)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert first["id"] != second["id"] and first["timestamp"] != second["timestamp"]
    assert len(disclosures(clinic)) == 2


def test_who_may_export_and_under_which_authorization(clinic: Clinic, chart: FullChart) -> None:
    for role in (Role.NURSE, Role.CODER, Role.ADMIN, Role.FRONT_DESK):
        with pytest.raises(PermissionDeniedError):
            export(clinic, chart, role=role)
    assert export(clinic, chart, role=Role.PROVIDER).resource_count > 0
    under = request(
        purpose=DisclosurePurpose.AUTHORIZATION, authorization_document_id=chart.authorization_id
    )
    done = clinic.inst.fhir_export.export_patient(
        clinic.sessions[Role.RECORDS], chart.patient_id, under
    )
    assert disclosures(clinic)[-1][0].authorization_document_id == chart.authorization_id
    assert done.disclosure_id == disclosures(clinic)[-1][0].id
    wrong = request(
        purpose=DisclosurePurpose.AUTHORIZATION, authorization_document_id=chart.document_id
    )
    with pytest.raises(ValidationError, match="not as an authorization"):
        clinic.inst.fhir_export.export_patient(
            clinic.sessions[Role.RECORDS], chart.patient_id, wrong
        )
    with pytest.raises(ValidationError, match="who receives"):
        export(clinic, chart, recipient="  ")
    assert len(disclosures(clinic)) == 2


def test_nothing_is_recorded_when_the_bundle_does_not_validate(
    clinic: Clinic, chart: FullChart
) -> None:
    # A code stored before its shape was checked (written here past the service, as an
    # older version or another tool might have): FHIR's code type has no double spaces.
    with clinic.inst.ctx.store.unit_of_work() as db:
        db.execute(
            text("UPDATE problem SET icd10cm = 'I10  X' WHERE id = :id"),
            {"id": chart.problem_id},
        )
    with pytest.raises(FhirInvalidError) as refused:
        export(clinic, chart)
    message = refused.value.message
    assert "entry" in message and "Condition" in message and "code" in message
    assert "I10  X" not in message  # names the field, never the value
    assert disclosures(clinic) == []
    with clinic.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(func.count()).select_from(DisclosurePatient)).scalar() == 0
    [event] = clinic.inst.audit.events(
        clinic.admin, AuditFilter(patient_id=chart.patient_id, action="export")
    )
    assert event.outcome == "failure" and event.reason == "FhirInvalidError"


def test_export_import_export_round_trips(clinic: Clinic, chart: FullChart) -> None:
    """Our own Bundle reads back: the preview finds the patient by this clinic's MRN system;
    imported as a new patient (another system's copy), its problems, medications, allergies,
    immunizations, vitals and results export again as the same resources."""
    first = export(clinic, chart)
    records = clinic.sessions[Role.RECORDS]
    preview = clinic.inst.fhir_import.preview(records, first.content)
    assert preview.same_mrn is not None and preview.same_mrn.id == chart.patient_id
    made = clinic.inst.fhir_import.commit(
        records, first.content, patient_id=None, reason="round-trip test: a second copy"
    )
    again = clinic.inst.fhir_export.export_patient(records, made.patient.id, request(EVERYTHING))

    def coded(release: FhirRelease, kind: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for r in of_type(release, kind):
            concept = r.get("code") or r.get("vaccineCode") or {}
            codes = [c.get("code", "") for c in concept.get("coding", [])]
            found[codes[0] if codes else concept.get("text", "")] += 1
        return found

    assert coded(again, "Immunization") == coded(first, "Immunization")
    # Vital signs and laboratory results come back; the social history and the pain score
    # are not imported yet (the import lists them as skipped), so they are not compared.
    not_imported = {"72166-2", "401201003", "75626-2", "29762-2", "72514-3"}
    measured = coded(first, "Observation")
    for code in not_imported:
        measured.pop(code, None)
    back = coded(again, "Observation")
    assert {c: n for c, n in back.items() if c not in not_imported} == dict(measured)
    # The allergies come back; a "no known allergies" statement beside a recorded allergy is
    # left out on import (the chart refuses the contradiction), so it is not compared.
    allergies = coded(first, "AllergyIntolerance")
    allergies.pop(NO_KNOWN_ALLERGY, None)
    assert coded(again, "AllergyIntolerance") - Counter({NO_KNOWN_ALLERGY: 9}) == allergies
    # Problems come back as problems (encounter diagnoses are not problems on the chart).
    problems = {c for r in of_type(first, "Condition") for c in coded_problem(r)}
    assert problems <= {c for r in of_type(again, "Condition") for c in coded_problem(r)}
    assert Counter(
        m["medicationCodeableConcept"]["text"] for m in of_type(again, "MedicationStatement")
    ) == Counter(
        m["medicationCodeableConcept"]["text"] for m in of_type(first, "MedicationStatement")
    )


#: SNOMED CT "No known allergy"
NO_KNOWN_ALLERGY = "716186003"


def coded_problem(r: dict[str, Any]) -> list[str]:
    categories = [c["coding"][0]["code"] for c in r.get("category", []) if c.get("coding")]
    if "problem-list-item" not in categories:
        return []
    return [c["code"] for c in r["code"].get("coding", [])]
