"""FHIR R4 import (issue 14, item 5): a US Core Bundle of the official examples previewed,
matched to the clinic's patients and imported in one transaction by a records specialist, read
back through the chart's own services; refused whole, naming entry and field, when it is not
valid R4 or when this chart's rules refuse an entry (nothing written: every table counted
before and after); labelled entries and roles without the right refused (only the records
specialist imports: nurses and providers chart, but do not import)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select, text

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dto import AuditEventInfo, PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.fhir_import import BundleRefusedError, ImportKind, mrn_system
from medrec_desktop.domain.immunizations import Administration
from medrec_desktop.domain.medications import DoseUnit, Route
from medrec_desktop.domain.procedures import ProcedureCodeSystem
from medrec_desktop.models import Base
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.support.fhir_bundles import bundle as make_bundle
from tests.support.fhir_bundles import (
    example,
    find,
    index_of,
    record_bundle,
    record_resources,
    to_bytes,
)

SOURCE = "Holy Family Hospital"
TODAY = "11/26/2026"  # the test clock's day
RECORD_COUNTS = {
    ImportKind.PROBLEM: 3,
    ImportKind.ALLERGY: 1,
    ImportKind.MEDICATION: 4,
    ImportKind.IMMUNIZATION: 1,
    ImportKind.VITALS: 1,
    ImportKind.LAB_TEST: 2,
    ImportKind.PROCEDURE: 2,
    ImportKind.OUTSIDE_VISIT: 1,
}
# Every table but the audit trail's (a refusal is audited) and the sign-in throttle.
_NOT_COUNTED = {"audit_event", "audit_head", "login_throttle"}


def rows(c: Clinic) -> dict[str, int]:
    with c.inst.store.unit_of_work() as db:
        return {
            t.name: db.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name not in _NOT_COUNTED
        }


def refused(c: Clinic, data: bytes, **kwargs: Any) -> BundleRefusedError:
    """The commit is refused and nothing at all was written."""
    before = rows(c)
    with pytest.raises(BundleRefusedError) as caught:
        c.inst.fhir_import.commit(
            c.sessions[Role.RECORDS], data, patient_id=kwargs.pop("patient_id", None), **kwargs
        )
    assert rows(c) == before
    return caught.value


def register(c: Clinic, family: str = "Baxter", given: str = "Amy V.") -> PatientId:
    return c.inst.patients.register(
        c.sessions[Role.RECORDS],
        PatientInput(family, given, dt.date(1987, 2, 20), "female", "555-555-5555"),
    ).id


# ---------------------------------------------------------------------- preview


def test_the_preview_says_what_would_be_imported_and_what_is_left_out(clinic: Clinic) -> None:
    before = rows(clinic)
    p = clinic.inst.fhir_import.preview(
        clinic.sessions[Role.RECORDS], to_bytes(record_bundle()), source=SOURCE
    )
    assert rows(clinic) == before
    assert dict(p.counts) == RECORD_COUNTS
    assert p.results == 16
    assert p.counts_text.startswith("3 problems, 1 allergy, 4 medications, 1 immunization")
    # The patient as the Patient resource says: the name in use now (not the old one other
    # entries' displays carry), sex from the US Core extension (the example has no gender).
    assert (p.patient.family_name, p.patient.given_names) == ("Baxter", "Amy V.")
    assert p.patient.birth_date == dt.date(1987, 2, 20)
    assert p.patient.sex == "female"
    assert p.source == SOURCE and p.bundle_type == "collection"
    skipped = {s.entry.resource_id: s.reason for s in p.skipped}
    assert set(skipped) == {"bmi", "bmp", "some-day-smoker", "goal-1", "careplan-ulcer-example"}
    assert "computes it from height and weight" in skipped["bmi"]
    assert skipped["goal-1"] == "this chart has no place for a Goal"
    assert p.used == 8  # practitioners, organizations, location, coverage, medication, specimen
    assert p.same_mrn is None and p.candidates == ()
    assert "new patient" in p.advice


def test_the_preview_finds_the_same_person_already_registered(clinic: Clinic) -> None:
    pid = register(clinic)
    p = clinic.inst.fhir_import.preview(clinic.sessions[Role.RECORDS], to_bytes(record_bundle()))
    assert [c.patient.id for c in p.candidates] == [pid]
    assert "same name and same date of birth" in p.candidates[0].reasons
    assert "same phone number" in p.candidates[0].reasons
    # The event names the patients the preview showed, and holds counts, not data.
    event = _last(clinic, "FhirImportService.preview")
    assert f"1 patient: {pid}" in (event.detail or "")
    assert "Baxter" not in (event.detail or "") and "Amy" not in (event.detail or "")


def test_a_bundle_exported_here_is_matched_by_its_mrn(clinic: Clinic) -> None:
    pid = register(clinic, "Someone-Else", "Renamed")
    mrn = clinic.inst.patients.get(clinic.sessions[Role.RECORDS], pid).mrn
    data = record_bundle(uuids=True)
    patient = find(data, "Patient", "example")
    assert clinic.inst.ctx.install_id is not None
    patient["identifier"].append({"system": mrn_system(clinic.inst.ctx.install_id), "value": mrn})
    p = clinic.inst.fhir_import.preview(clinic.sessions[Role.RECORDS], to_bytes(data))
    assert p.same_mrn is not None and p.same_mrn.id == pid
    assert mrn in p.advice


# ---------------------------------------------------------------------- importing


def test_a_new_patient_with_every_kind_read_back(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    inst = clinic.inst
    result = inst.fhir_import.commit(
        records, to_bytes(record_bundle(kind="transaction", uuids=True)), patient_id=None,
        source=SOURCE,
    )  # fmt: skip
    assert result.new_patient and not result.dry_run
    assert dict(result.counts) == RECORD_COUNTS
    pid = result.patient.id

    record = inst.patients.record(records, pid)
    assert (record.info.family_name, record.info.given_names) == ("Baxter", "Amy V.")
    assert record.info.birth_date == dt.date(1987, 2, 20) and record.info.sex == "female"
    assert record.info.phone == "(555) 555-5555"
    d = record.details
    assert d.previous_names == "Amy V. Shaw"
    assert (d.address_line1, d.city, d.state, d.postal_code) == (
        "183 MOUNTAIN VIEW ST", "MOUNDS", "OK", "74048",
    )  # fmt: skip
    assert (d.race, d.ethnicity, d.preferred_language) == ("Mixed", "Hispanic or Latino", "Spanish")
    [cov] = d.coverages
    assert (cov.payer, cov.member_id, cov.plan, cov.group_number) == (
        "Acme Health Plan", "88800933501", "Acme Gold Plan", "xyz",
    )  # fmt: skip

    problems = inst.problems.list(records, pid, include_inactive=True).items
    by_text = {p.data.description: p for p in problems}
    burn = by_text["Burnt Ear"]
    assert burn.data.icd10cm == "T20.21"
    # An encounter diagnosis without a clinical status waits off the active list.
    assert burn.status is ItemStatus.INACTIVE
    ulcers = [p for p in problems if p.data.description.startswith("Active Duodenal Ulcer")]
    assert {p.status for p in ulcers} == {ItemStatus.ACTIVE, ItemStatus.RESOLVED}
    # Coded in SNOMED CT only: the code is kept in the description.
    assert all("(SNOMED CT 51868009)" in p.data.description for p in ulcers)
    resolved = next(p for p in ulcers if p.status is ItemStatus.RESOLVED)
    assert (resolved.data.onset.storage, resolved.data.resolution.storage) == (  # type: ignore[union-attr]
        "2016-08-10", "2016-08-17",
    )  # fmt: skip
    active_ulcer = next(p for p in ulcers if p.status is ItemStatus.ACTIVE)

    [allergy] = inst.allergies.list(records, pid).items
    assert allergy.data.substance == "sulfonamide antibacterial"
    assert allergy.data.category.value == "drug" and allergy.data.severity.value == "mild"
    assert allergy.data.reaction is not None and allergy.data.reaction.startswith("skin rash")

    meds = {m.data.name: m for m in inst.medications.list(records, pid).items}
    assert len(inst.medications.list(records, pid).items) == 4
    axid = meds["Nizatidine 15 MG/ML Oral Solution"]
    assert (axid.data.dose, axid.data.dose_unit, axid.data.frequency) == (
        10.0, DoseUnit.ML, "twice daily",
    )  # fmt: skip
    assert axid.data.start is not None and axid.data.start.storage == "2008-04-05"
    assert axid.data.prescriber == "Dr Ronald Bone"  # the Practitioner's name, not the display
    assert axid.data.indication == "Active Duodenal Ulcer"
    branded = [m for m in inst.medications.list(records, pid).items if "[Axid]" in m.data.name]
    assert {m.data.route for m in branded} == {Route.ORAL}
    # The request that points at the ulcer's Condition is linked to the problem recorded.
    assert {m.data.indication_problem_id for m in branded} == {None, active_ulcer.id}
    assert meds["Tylenol PM Pill"].data.prescriber == "the patient"
    # RxNorm has no field here: the medication's history keeps it.
    [first] = inst.medications.history(records, axid.id)
    assert first.reason == (
        f"Imported on {TODAY} from {SOURCE} "
        "(FHIR MedicationRequest/medicationrequest-coded-oral-axid); source codes: RxNorm 476872"
    )

    [dose] = inst.immunizations.list(records, pid, include_inactive=True).items
    assert (dose.data.cvx, dose.data.administration) == ("197", Administration.HISTORICAL)
    assert dose.data.given_on is not None and dose.data.given_on.storage == "2020-11-19"
    assert (dose.data.lot_number, dose.data.given_by) == ("AAJN11K", "Dr Ronald Bone")
    assert dose.data.source is not None and dose.data.source.startswith("Holy Family Hospital")

    [vitals] = inst.vitals.list(records, pid).items
    v = vitals.data
    assert (v.systolic, v.diastolic, v.pulse, v.respirations, v.spo2) == (109, 44, 44, 26, 99)
    assert (v.temperature_c, v.height_cm, v.weight_kg, v.bmi) == (36.6, 111.5, 20.1, 16.2)
    assert v.taken_at.astimezone().date() == dt.date(1999, 7, 2)

    tests = {t.data.loinc: t for t in inst.lab_tests.list(records, pid).items}
    bmp = tests["24321-2"]
    assert bmp.data.name == "Basic Metabolic Panel (BMP)"
    assert len(bmp.data.results) == 8 and bmp.data.performing_lab == "Acme Labs"
    assert bmp.data.ordering_provider == "Dr Ronald Bone"  # from the ServiceRequest answered
    potassium = next(r for r in bmp.data.results if r.loinc == "2823-3")
    assert (potassium.value_text, potassium.unit, potassium.range_text) == (
        "5.4", "mmol/L", "3.5–5.5",
    )  # fmt: skip
    assert potassium.flag.value == "normal"
    assert bmp.data.notes is not None and f"Imported from {SOURCE}" in bmp.data.notes
    assert len(tests["58410-2"].data.results) == 8

    procedures = {p.data.code: p for p in inst.procedures.list(records, pid).items}
    rehab = procedures["HZ30ZZZ"].data
    assert rehab.code_system is ProcedureCodeSystem.PCS
    assert rehab.notes is not None and "SNOMED CT 24165007" in rehab.notes
    defib = procedures["33249"].data
    assert defib.code_system is ProcedureCodeSystem.CPT and defib.performed_by == "Dr Ronald Bone"
    assert defib.notes is not None and "Ventricular fibrillation" in defib.notes

    [visit] = inst.patients.notes(records, pid)
    assert visit.text.startswith("Outside visit: ")
    assert "Office Visit (ambulatory)" in visit.text and "Where: Holy Family Hospital" in visit.text
    assert visit.text.endswith(f"Imported from {SOURCE} (FHIR Encounter/example-1).")
    assert visit.author == "Test Records specialist"

    event = _last(clinic, "FhirImportService.commit")
    assert event.outcome == "success" and event.patient_id == pid
    assert event.detail == (
        "FHIR import into a new patient: 3 problem, 1 allergy, 4 medication, 1 immunization, "
        "1 vitals, 2 lab-test, 2 procedure, 1 outside-visit; 5 skipped, 8 used"
    )


def test_into_an_existing_patient_only_the_chart_grows(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    patients = rows(clinic)["patient"]
    version = clinic.inst.patients.get(records, pid).version
    result = clinic.inst.fhir_import.commit(records, to_bytes(record_bundle()), patient_id=pid)
    assert result.patient.id == pid and not result.new_patient
    assert rows(clinic)["patient"] == patients
    # The registration stays as it was: the Bundle's demographics are not applied.
    assert clinic.inst.patients.get(records, pid).version == version
    assert clinic.inst.patients.record(records, pid).details.coverages == ()
    assert len(clinic.inst.problems.list(records, pid, include_inactive=True).items) == 3


def test_a_new_patient_beside_a_likely_duplicate_needs_the_reason(clinic: Clinic) -> None:
    register(clinic)
    before = rows(clinic)
    with pytest.raises(ValidationError) as caught:
        clinic.inst.fhir_import.commit(
            clinic.sessions[Role.RECORDS], to_bytes(record_bundle()), patient_id=None
        )
    assert caught.value.field == "reason" and rows(clinic) == before
    result = clinic.inst.fhir_import.commit(
        clinic.sessions[Role.RECORDS],
        to_bytes(record_bundle()),
        patient_id=None,
        reason="Different person: checked her ID at the desk",
    )
    assert result.new_patient
    assert _last(clinic, "FhirImportService.commit").reason == (
        "Different person: checked her ID at the desk"
    )


def test_the_wrong_chart_is_refused(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    other = clinic.inst.patients.register(
        records, PatientInput("Unrelated", "Olga", dt.date(1950, 5, 5), "female")
    ).id
    mrn = clinic.inst.patients.get(records, other).mrn
    before = rows(clinic)
    with pytest.raises(ValidationError, match=f"does not look like MRN {mrn}"):
        clinic.inst.fhir_import.commit(records, to_bytes(record_bundle()), patient_id=other)
    assert rows(clinic) == before


def test_a_dry_run_keeps_nothing(clinic: Clinic) -> None:
    before = rows(clinic)
    result = clinic.inst.fhir_import.commit(
        clinic.sessions[Role.RECORDS], to_bytes(record_bundle()), patient_id=None, dry_run=True
    )
    assert result.dry_run and dict(result.counts) == RECORD_COUNTS
    assert rows(clinic) == before
    event = _last(clinic, "FhirImportService.commit")
    assert event.outcome == "success" and event.patient_id is None
    assert (event.detail or "").startswith("FHIR import (dry run, nothing kept)")


# ---------------------------------------------------------------------- refusals


def test_a_bundle_not_valid_as_r4_is_refused_naming_entry_and_field(clinic: Clinic) -> None:
    data = record_bundle()
    find(data, "Observation", "serum-potassium")["valueQuantity"]["value"] = "5.4 high"
    find(data, "Encounter", "example-1")["class"] = [find(data, "Encounter", "example-1")["class"]]
    err = refused(clinic, to_bytes(data))
    where = {(p.entry.resource_id if p.entry else None, p.field) for p in err.problems}
    assert ("serum-potassium", "valueQuantity.value") in where
    assert ("example-1", "class") in where  # R5's list where R4 has one Coding
    potassium = index_of(data, "Observation", "serum-potassium")
    assert (
        f"entry {potassium} (Observation, http://fhir.example.org/r4/Observation/"
        "serum-potassium), valueQuantity.value:" in err.message
    )
    assert err.message.startswith("Nothing was imported: the Bundle has 2 problems")
    assert "5.4 high" not in err.message  # the sender's data is never repeated


def test_an_official_example_without_its_narrative_is_not_valid_r4(clinic: Clinic) -> None:
    """The repository's CBC report has ``text`` without the ``div`` R4 requires."""
    resources = [r for r in record_resources() if r["id"] != "cbc"]
    data = make_bundle([*resources, example("diagnosticreport-cbc", as_published=True)])
    err = refused(clinic, to_bytes(data))
    [problem] = err.problems
    assert problem.entry is not None and problem.entry.resource_id == "cbc"
    assert problem.field == "text.div"


def test_an_entry_this_charts_rules_refuse_is_named(clinic: Clinic) -> None:
    data = record_bundle()
    find(data, "Observation", "heart-rate")["valueQuantity"]["value"] = 400
    err = refused(clinic, to_bytes(data))
    [problem] = err.problems
    assert problem.entry is not None and problem.entry.resource_id == "heart-rate"
    assert problem.field == "this chart's pulse"
    assert problem.message == "A pulse above 300/min is not possible; check the value."


def test_the_published_hematocrit_range_is_refused(clinic: Clinic) -> None:
    """The repository's hematocrit gives its range high to low (46 to 38 %)."""
    resources = [r for r in record_resources() if r["id"] != "cbc-hematocrit"]
    published = example("observation-cbc-hematocrit", as_published=True)
    err = refused(clinic, to_bytes(make_bundle([*resources, published])))
    [problem] = err.problems
    assert problem.entry is not None and problem.entry.resource_id == "cbc-hematocrit"
    assert "the reference low is above the reference high" in problem.message


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(type="document"), 'the Bundle type is "document"'),
        (
            lambda d: d["entry"].append({"resource": example("patient-example") | {"id": "p2"}}),
            "the Bundle holds 2 patients",
        ),
        (
            lambda d: find(d, "Condition", "condition-duodenal-ulcer")["subject"].update(
                reference="Patient/someone-else"
            ),
            "is about another patient than this Bundle's Patient",
        ),
        (
            lambda d: find(d, "Procedure", "rehab").pop("performedDateTime"),
            "the date the procedure was done is missing",
        ),
    ],
)
def test_what_cannot_be_mapped_is_refused(clinic: Clinic, change: Any, said: str) -> None:
    data = record_bundle()
    change(data)
    assert said in refused(clinic, to_bytes(data)).message


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"not json at all", "the file is not JSON"),
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "FHIR XML is not read"),
        (json.dumps(example("patient-example")).encode(), "a single Patient resource"),
    ],
)
def test_a_file_that_is_no_json_bundle_is_refused(clinic: Clinic, data: bytes, said: str) -> None:
    assert said in refused(clinic, data).message


# ---------------------------------------------------------------------- who may


def test_roles_without_the_right_are_refused(clinic: Clinic) -> None:
    data = to_bytes(record_bundle())
    for role in (Role.FRONT_DESK, Role.CODER, Role.ADMIN):
        before = rows(clinic)
        with pytest.raises(PermissionDeniedError):
            clinic.inst.fhir_import.preview(clinic.sessions[role], data)
        with pytest.raises(PermissionDeniedError):
            clinic.inst.fhir_import.commit(clinic.sessions[role], data, patient_id=None)
        assert rows(clinic) == before
        assert _last(clinic, "FhirImportService.commit").outcome == "denied"


@pytest.mark.parametrize("role", [Role.NURSE, Role.PROVIDER])
def test_clinicians_may_chart_but_not_import(clinic: Clinic, role: Role) -> None:
    """The right to import is the records specialist's alone: a nurse or a provider, who
    record clinical data, is refused the preview and the import, and the refusal is audited."""
    data = to_bytes(record_bundle())
    before = rows(clinic)
    for call in (
        lambda: clinic.inst.fhir_import.preview(clinic.sessions[role], data),
        lambda: clinic.inst.fhir_import.commit(clinic.sessions[role], data, patient_id=None),
    ):
        with pytest.raises(PermissionDeniedError) as caught:
            call()
        assert "records specialist's job" in caught.value.message
        assert f"your role ({role.label})" in caught.value.message
    assert rows(clinic) == before
    for entry in ("FhirImportService.preview", "FhirImportService.commit"):
        assert _last(clinic, entry).outcome == "denied"


def test_labelled_entries_are_refused_naming_them(clinic: Clinic) -> None:
    """A records specialist may not record labelled items: the Bundle is refused whole,
    naming the labelled entries (nobody else imports, so the sender is asked for a record
    without them)."""
    data = record_bundle()
    find(data, "Procedure", "rehab").setdefault("meta", {})["security"] = [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "ETH"}
    ]
    before = rows(clinic)
    rehab = index_of(data, "Procedure", "rehab")
    for call in (
        lambda s: clinic.inst.fhir_import.preview(s, to_bytes(data)),
        lambda s: clinic.inst.fhir_import.commit(s, to_bytes(data), patient_id=None),
    ):
        with pytest.raises(PermissionDeniedError) as caught:
            call(clinic.sessions[Role.RECORDS])
        assert f"entry {rehab} (Procedure" in caught.value.message
        assert "(substance use disorder)" in caught.value.message
        assert "Ask the sender for the record without them" in caught.value.message
    assert rows(clinic) == before


def _last(c: Clinic, entry_point: str) -> AuditEventInfo:
    """The newest event of an entry point (the list comes oldest first)."""
    events = c.inst.audit.events(c.admin, AuditFilter(), limit=20)
    return next(e for e in reversed(events) if e.entry_point == entry_point)


def test_the_audit_trail_holds_counts_and_no_patient_data(clinic: Clinic) -> None:
    clinic.inst.fhir_import.commit(
        clinic.sessions[Role.RECORDS], to_bytes(record_bundle()), patient_id=None
    )
    with clinic.inst.store.unit_of_work() as db:
        details = db.execute(
            text("SELECT detail FROM audit_event WHERE entry_point LIKE 'FhirImport%'")
        ).scalars()
        joined = " ".join(d or "" for d in details)
    for word in ("Baxter", "Amy", "Nizatidine", "sulfonamide", "1987"):
        assert word not in joined
