"""Reading a US Core Bundle into chart inputs (export/fhir_import, no database): the patient's
sex and names as US Core gives them now, each kind's statuses and what is left out (listed
with the reason), units and grouping of vitals, lab values of every type, and refusals that
name the entry and the field without repeating the sender's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.fhir_import import BundleRefusedError, ImportKind
from medrec_desktop.domain.histories import SurgicalHistoryInput
from medrec_desktop.domain.immunizations import Administration, ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.result_flags import ValueKind
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.export.fhir_import import ImportPlan, read_bundle
from tests.support.fhir_bundles import bundle, example, to_bytes

TODAY = dt.date(2026, 11, 26)
PATIENT = {"reference": "Patient/example"}
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def plan_of(*resources: dict[str, Any], kind: str = "collection", **patient: Any) -> ImportPlan:
    p = example("patient-example") | patient
    return read_bundle(to_bytes(bundle([p, *resources], kind=kind)), today=TODAY)


def refusal(*resources: dict[str, Any]) -> BundleRefusedError:
    with pytest.raises(BundleRefusedError) as caught:
        plan_of(*resources)
    return caught.value


def only(plan: ImportPlan) -> Any:
    [item] = plan.items
    return item.input


def skipped(plan: ImportPlan) -> dict[str, str]:
    return {s.entry.resource_id or "": s.reason for s in plan.skipped}


def cc(code: str, system: str = SNOMED, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]} | ({"text": display} if display else {})


def obs(rid: str, code: str, category: str = "vital-signs", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [cc(category, "http://terminology.hl7.org/CodeSystem/observation-category")],
        "code": cc(code, LOINC, rid),
        "subject": PATIENT,
        "effectiveDateTime": "2024-05-06T10:00:00-05:00",
    } | fields


def qty(value: float, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": "http://unitsofmeasure.org", "code": code}


# ---------------------------------------------------------------------- the patient


_EXT = "http://hl7.org/fhir/us/core/StructureDefinition/"


@pytest.mark.parametrize(
    ("extensions", "gender", "sex"),
    [
        ([], None, "unknown"),  # the 2025 example without its extensions: nothing says
        ([], "male", "male"),
        ([{"url": _EXT + "us-core-birthsex", "valueCode": "F"}], "male", "female"),
        (
            [{"url": _EXT + "us-core-sex", "valueCoding": {"system": SNOMED, "code": "248153007"}}],
            None,
            "male",
        ),
        (
            [
                {
                    "url": _EXT + "us-core-individual-sex",
                    "valueCoding": {"system": SNOMED, "code": "248152002"},
                }
            ],
            "unknown",
            "female",
        ),
    ],
)
def test_sex_comes_from_the_us_core_extensions_first(
    extensions: list[dict[str, Any]], gender: str | None, sex: str
) -> None:
    changes: dict[str, Any] = {"extension": extensions}
    if gender is not None:
        changes["gender"] = gender
    assert plan_of(**changes).patient.sex == sex


def test_the_name_in_use_is_registered_and_the_old_one_remembered() -> None:
    facts = plan_of().patient
    assert (facts.family_name, facts.given_names) == ("Baxter", "Amy V.")
    assert facts.details.previous_names == "Amy V. Shaw"
    assert facts.identifiers == (("http://example.org/patient/identifiers", "1032702"),)


def test_a_patient_without_a_birth_date_can_be_previewed_not_registered() -> None:
    p = example("patient-example")
    del p["birthDate"]
    plan = read_bundle(to_bytes(bundle([p])), today=TODAY)
    [problem] = plan.patient.problems
    assert problem.field == "birthDate"


# ---------------------------------------------------------------------- conditions, allergies


def condition(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "subject": PATIENT,
        "code": cc("I10", "http://hl7.org/fhir/sid/icd-10-cm", "Essential hypertension"),
        "clinicalStatus": cc("active", "http://terminology.hl7.org/CodeSystem/condition-clinical"),
    } | fields


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", ItemStatus.ACTIVE),
        ("relapse", ItemStatus.ACTIVE),
        ("remission", ItemStatus.INACTIVE),
        ("resolved", ItemStatus.RESOLVED),
    ],
)
def test_condition_statuses(status: str, expected: ItemStatus) -> None:
    clinical = cc(status, "http://terminology.hl7.org/CodeSystem/condition-clinical")
    problem = only(plan_of(condition(clinicalStatus=clinical)))
    assert isinstance(problem, ProblemInput)
    assert (problem.status, problem.icd10cm, problem.description) == (
        expected, "I10", "Essential hypertension",
    )  # fmt: skip


@pytest.mark.parametrize("verification", ["entered-in-error", "refuted"])
def test_conditions_withdrawn_at_the_source_are_left_out(verification: str) -> None:
    system = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    plan = plan_of(condition(verificationStatus=cc(verification, system)))
    assert plan.items == () and "at the source" in skipped(plan)["c1"]


def test_a_provisional_condition_says_so() -> None:
    system = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    problem = only(plan_of(condition(verificationStatus=cc("provisional", system))))
    assert problem.description == "Essential hypertension [provisional]"


def allergy(code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": PATIENT,
        "code": code,
        "recordedDate": "2024-01-02",
    } | fields


def test_no_known_allergy_is_the_charts_statement() -> None:
    statement = only(plan_of(allergy(cc("716186003", display="No known allergy"))))
    assert isinstance(statement, AllergyStatementInput)
    assert statement.stated_on == "2024-01-02"


def test_a_narrower_negation_is_left_out() -> None:
    plan = plan_of(allergy(cc("409137002", display="No known drug allergy")))
    assert plan.items == () and "no known drug allergy" in skipped(plan)["a1"]


def test_a_food_allergy_with_its_worst_reaction() -> None:
    reactions = [
        {"manifestation": [cc("39579001", display="Anaphylaxis")], "severity": "severe"},
        {"manifestation": [cc("247472004", display="Hives")], "severity": "mild"},
    ]
    found = only(
        plan_of(allergy(cc("91935009", display="Peanut"), category=["food"], reaction=reactions))
    )
    assert isinstance(found, AllergyInput)
    assert (found.category, found.severity, found.reaction) == (
        "food", "severe", "Anaphylaxis, Hives",
    )  # fmt: skip


# ---------------------------------------------------------------------- medications


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def statement(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "status": "active",
        "subject": PATIENT,
        "medicationCodeableConcept": cc("197361", RXNORM, "Amlodipine 5 MG Oral Tablet"),
    } | fields


@pytest.mark.parametrize(
    ("repeat", "said"),
    [
        ({"frequency": 1, "period": 6, "periodUnit": "h"}, "every 6 hours"),
        ({"frequency": 3, "period": 1, "periodUnit": "d"}, "three times daily"),
        ({"frequency": 1, "period": 1, "periodUnit": "wk"}, "weekly"),
        ({"when": ["HS"]}, "at bedtime"),
    ],
)
def test_a_dosage_timing_in_words(repeat: dict[str, Any], said: str) -> None:
    med = only(plan_of(statement(dosage=[{"timing": {"repeat": repeat}}])))
    assert isinstance(med, MedicationInput) and med.frequency == said


def test_a_statement_with_its_period_dose_and_route() -> None:
    dosage = {
        "text": "1 tablet by mouth daily",
        "asNeededBoolean": True,
        "route": cc("26643006", display="Oral route"),
        "doseAndRate": [{"doseQuantity": qty(1, "{tbl}")}],
    }
    period = {"start": "2019-03", "end": "2024-02-01"}
    med = only(plan_of(statement(status="stopped", effectivePeriod=period, dosage=[dosage])))
    assert (med.status, med.start, med.stop) == (ItemStatus.INACTIVE, "2019-03", "2024-02-01")
    assert (med.dose, med.dose_unit, med.route, med.frequency) == (
        "1",
        "tablet",
        "oral",
        "as needed",
    )
    assert med.instructions == "1 tablet by mouth daily"


def test_a_dose_in_a_unit_the_chart_lacks_is_kept_in_words() -> None:
    dosage = {"doseAndRate": [{"doseQuantity": qty(2, "g")}]}
    med = only(plan_of(statement(dosage=[dosage])))
    assert (med.dose, med.dose_unit, med.instructions) == ("", None, "dose 2 g")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "not-taken"}, "the patient does not take it"),
        ({"status": "intended"}, "only intended"),
        ({"status": "entered-in-error"}, "entered in error at the source"),
    ],
)
def test_statements_of_a_drug_not_taken_are_left_out(changes: dict[str, Any], reason: str) -> None:
    plan = plan_of(statement(**changes))
    assert plan.items == () and reason in skipped(plan)["m1"]


def test_a_drug_named_nowhere_is_refused() -> None:
    med = statement(medicationReference={"reference": "Medication/elsewhere"})
    del med["medicationCodeableConcept"]
    [problem] = refusal(med).problems
    assert problem.field == "medication[x]"
    assert problem.message == "the medication is not named (nor in the Bundle)"


# ---------------------------------------------------------------------- immunizations


def dose(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": "i1",
        "status": "completed",
        "patient": PATIENT,
        "vaccineCode": cc("115", "http://hl7.org/fhir/sid/cvx", "Tdap"),
        "occurrenceString": "2019",
        "site": cc("LA", "http://terminology.hl7.org/CodeSystem/v3-ActSite"),
        "route": cc("IM", "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"),
    } | fields


def test_a_dose_given_elsewhere_is_historical_with_its_source() -> None:
    found = only(plan_of(dose()))
    assert isinstance(found, ImmunizationInput)
    assert (found.administration, found.given_on, found.cvx) == (
        Administration.HISTORICAL, "2019", "115",
    )  # fmt: skip
    assert (found.site, found.route) == ("left-deltoid", "IM")
    assert found.source == "another system (not named in the Bundle), outside record (FHIR import)"


def test_a_refusal_is_recorded_and_other_doses_not_given_left_out() -> None:
    reason = cc("PATOBJ", "http://terminology.hl7.org/CodeSystem/v3-ActReason", "Patient refused")
    given = dose(status="not-done", statusReason=reason, occurrenceDateTime="2024-10-01")
    del given["occurrenceString"]
    refused = only(plan_of(given))
    assert (refused.administration, refused.refusal_reason) == (
        Administration.REFUSED, "Patient refused",
    )  # fmt: skip
    other = cc("MEDPREC", "http://terminology.hl7.org/CodeSystem/v3-ActReason", "precaution")
    plan = plan_of(dose(status="not-done", statusReason=other))
    assert plan.items == () and "not the patient's refusal" in skipped(plan)["i1"]


# ---------------------------------------------------------------------- vitals


def test_vitals_of_one_moment_make_one_set_in_metric_units() -> None:
    plan = plan_of(
        obs("t", "8310-5", valueQuantity=qty(98.6, "[degF]")),
        obs("h", "8302-2", valueQuantity=qty(65, "[in_i]")),
        obs("w", "29463-7", valueQuantity=qty(154.3, "[lb_av]")),
        obs("p", "8867-4", valueQuantity=qty(72, "/min")),
        obs("p2", "8867-4", valueQuantity=qty(80, "/min")),  # a second reading: a second set
    )
    first, second = (i.input for i in plan.items)
    assert isinstance(first, VitalsInput)
    data = first.validated(TODAY)
    assert (data.temperature_c, data.height_cm, data.weight_kg, data.pulse) == (
        37.0, 165.1, 70.0, 72,
    )  # fmt: skip
    assert second.validated(TODAY).pulse == 80
    assert plan.items[0].entries[0].resource_id == "t"


def test_a_unit_not_read_is_refused_naming_the_element() -> None:
    [problem] = refusal(obs("w", "29463-7", valueQuantity=qty(70, "stone"))).problems
    assert (problem.entry.resource_id, problem.field) == ("w", "valueQuantity.code")  # type: ignore[union-attr]
    assert problem.message.startswith("the unit of this body weight is not one read here")


def test_a_pressure_missing_its_diastolic_is_refused_by_the_charts_rule() -> None:
    """The official example of an absent diastolic value."""
    [problem] = refusal(example("bp-data-absent")).problems
    assert problem.entry is not None and problem.entry.resource_id == "bp-data-absent"
    assert problem.field == "this chart's diastolic"


def test_vital_signs_the_chart_does_not_keep_are_listed() -> None:
    plan = plan_of(obs("bmi", "39156-5", valueQuantity=qty(24, "kg/m2")))
    assert skipped(plan) == {"bmi": "this chart keeps no BMI (this chart computes it from height "
                                    "and weight)"}  # fmt: skip


# ---------------------------------------------------------------------- labs


def test_a_lab_observation_alone_is_a_test_of_its_own() -> None:
    coded = obs(
        "covid",
        "94500-6",
        "laboratory",
        valueCodeableConcept=cc("260385009", display="Negative"),
        interpretation=[
            cc("N", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")
        ],
    )
    test = only(plan_of(coded))
    assert isinstance(test, LabTestInput)
    [row] = test.results
    assert (row.kind, row.code, row.value, row.abnormal) == (
        ValueKind.CODED, "260385009", "Negative", False,
    )  # fmt: skip
    assert test.collected_at == dt.datetime(2024, 5, 6, 15, 0, tzinfo=dt.UTC)


def test_a_long_text_result_goes_to_the_notes() -> None:
    long = "Fragments of benign breast tissue. " * 10
    test = only(plan_of(obs("path", "22637-3", "laboratory", valueString=long)))
    assert test.results[0].value == "(see the notes)"
    assert test.notes.startswith("path: Fragments of benign breast tissue.")


def test_a_censored_value_and_an_abnormal_flag_without_range() -> None:
    interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    plan = plan_of(
        obs("trop", "6598-7", "laboratory", valueQuantity=qty(0.01, "ng/mL") | {"comparator": "<"}),
        obs(
            "hcg",
            "2106-3",
            "laboratory",
            valueString="Positive",
            interpretation=[cc("POS", interpretation)],
        ),
    )
    trop, hcg = (i.input.results[0] for i in plan.items)
    assert (trop.value, trop.unit, trop.kind) == ("<0.01", "ng/mL", ValueKind.NUMERIC)
    assert (hcg.value, hcg.kind, hcg.abnormal) == ("Positive", ValueKind.TEXT, True)
    assert hcg.validated(1).flag.value == "abnormal"


def test_a_report_pointing_outside_the_bundle_is_refused() -> None:
    report = example("diagnosticreport-metabolic-panel")
    [problem] = refusal(report).problems
    assert problem.entry is not None and problem.entry.resource_id == "metabolic-panel"
    assert problem.field == "result[0]"
    assert problem.message == "points at an Observation that is not in the Bundle"


def test_an_imaging_report_is_left_out_with_its_findings() -> None:
    findings = obs("find", "24627-2", "imaging", valueString="No infiltrate")
    report = {
        "resourceType": "DiagnosticReport",
        "id": "xray",
        "status": "final",
        "category": [cc("RAD", "http://terminology.hl7.org/CodeSystem/v2-0074")],
        "code": cc("36643-5", LOINC, "Chest X-ray"),
        "subject": PATIENT,
        "result": [{"reference": "Observation/find"}],
    }
    plan = plan_of(report, findings)
    assert plan.items == ()
    assert skipped(plan)["xray"].startswith("not a laboratory report")
    assert skipped(plan)["find"].startswith("part of entry")


# ---------------------------------------------------------------------- procedures, visits


def test_a_procedure_known_only_by_its_year_is_a_past_surgery() -> None:
    proc = {
        "resourceType": "Procedure",
        "id": "appy",
        "status": "completed",
        "subject": PATIENT,
        "code": cc("80146002", display="Appendectomy"),
        "performedDateTime": "1998",
    }
    plan = plan_of(proc)
    [item] = plan.items
    assert item.kind is ImportKind.SURGICAL_HISTORY
    assert isinstance(item.input, SurgicalHistoryInput)
    assert (item.input.procedure, item.input.performed) == ("Appendectomy", "1998")
    assert "SNOMED CT 80146002" in item.input.notes


def test_a_planned_visit_is_left_out() -> None:
    visit = example("encounter-example-1") | {"status": "planned"}
    plan = plan_of(visit)
    assert plan.visits == () and skipped(plan)["example-1"].startswith("a planned visit")


# ---------------------------------------------------------------------- the Bundle


@pytest.mark.parametrize("kind", ["transaction", "batch", "collection", "searchset"])
def test_the_bundle_types_read(kind: str) -> None:
    assert plan_of(condition(), kind=kind).bundle_type == kind


def test_a_delete_in_a_transaction_is_listed_not_done() -> None:
    data = bundle([example("patient-example"), condition()], kind="transaction")
    data["entry"].append({"request": {"method": "DELETE", "url": "Condition/old"}})
    plan = read_bundle(to_bytes(data), today=TODAY)
    assert [s.reason for s in plan.skipped] == ["no resource (a delete or read request)"]


def test_one_refusal_lists_every_problem_without_the_senders_data() -> None:
    err = refusal(
        obs("p", "8867-4", valueQuantity=qty(400, "/min")),
        condition(id="c2", code=cc("12345", "http://hl7.org/fhir/sid/icd-10-cm", "Odd")),
        {"resourceType": "Basic", "id": "b", "code": cc("x"), "created": "2024-01-01"},
    )
    assert len(err.problems) == 2
    assert {p.entry.resource_id for p in err.problems if p.entry} == {"p", "c2"}
    assert "400" not in err.message and "12345" not in err.message
    assert err.message.endswith("check the value.")


def test_an_unknown_resource_type_is_named() -> None:
    data = bundle([example("patient-example")])
    data["entry"].append({"resource": {"resourceType": "Nope", "id": "x"}})
    with pytest.raises(BundleRefusedError) as caught:
        read_bundle(to_bytes(data), today=TODAY)
    [problem] = caught.value.problems
    assert (problem.entry.index, problem.field) == (1, "resource.resourceType")  # type: ignore[union-attr]
    assert problem.message == "this is not an R4 resource type"


def test_the_committed_bundles_are_the_builders() -> None:
    from tests.support.fhir_bundles import DATA, FILES

    for name, make in FILES.items():
        assert (DATA / name).read_bytes() == to_bytes(make()), name
