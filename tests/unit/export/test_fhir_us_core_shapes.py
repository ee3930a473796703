"""The exported resources take their codes, code systems, categories and UCUM units from the
official US Core examples (copied in tests/data/fhir/us-core, CC0), and the validator the
export uses accepts those examples as they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medrec_desktop.export.fhir import patient_bundle, validate_bundle, validate_resource
from tests.unit.export.fhir_samples import CLINIC, WHEN, extract

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "fhir" / "us-core"


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def ours() -> list[dict[str, Any]]:
    bundle = patient_bundle(extract(), clinic_system=CLINIC, generated_at=WHEN)
    validate_bundle(bundle)
    return [e["resource"] for e in bundle["entry"]]


def codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c["code"]) for c in concept.get("coding", [])}


def profile(resource: dict[str, Any]) -> str:
    return resource["meta"]["profile"][0].split("|")[0]


def find(ours: list[dict[str, Any]], kind: str, code: str | None = None) -> dict[str, Any]:
    for r in ours:
        if r["resourceType"] != kind:
            continue
        if code is None or code in {c for _, c in codes(r.get("code", {}))}:
            return r
    raise AssertionError(f"no {kind} {code or ''}")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_the_validator_accepts_the_us_core_examples(path: Path) -> None:
    validate_resource(json.loads(path.read_text("utf-8")), path.stem)


@pytest.mark.parametrize(
    "name",
    [
        "blood-pressure",
        "heart-rate",
        "respiratory-rate",
        "temperature",
        "oxygen-saturation",
        "height",
        "weight",
        "bmi",
    ],
)
def test_vital_signs_as_us_core_writes_them(ours: list[dict[str, Any]], name: str) -> None:
    theirs = example(name)
    [code] = [c for _, c in codes(theirs["code"])][:1]
    mine = find(ours, "Observation", code)
    assert profile(mine) == profile(theirs)
    assert codes(mine["code"]) >= codes(theirs["code"])
    assert codes(mine["category"][0]) == codes(theirs["category"][0])
    if "component" in theirs:
        for a, b in zip(mine["component"], theirs["component"], strict=True):
            assert codes(a["code"]) == codes(b["code"])
            assert a["valueQuantity"]["code"] == b["valueQuantity"]["code"]
            assert a["valueQuantity"]["system"] == b["valueQuantity"]["system"]
    else:
        assert mine["valueQuantity"]["code"] == theirs["valueQuantity"]["code"]
        assert mine["valueQuantity"]["system"] == theirs["valueQuantity"]["system"]
        assert mine["valueQuantity"]["value"] == theirs["valueQuantity"]["value"]


def test_a_lab_result_as_us_core_writes_it(ours: list[dict[str, Any]]) -> None:
    theirs = example("observation-serum-potassium")
    mine = find(ours, "Observation", "2823-3")
    assert profile(mine) == profile(theirs)
    assert codes(mine["code"]) == codes(theirs["code"])
    assert codes(mine["category"][0]) == codes(theirs["category"][0])
    for key in ("system", "code", "unit"):
        assert mine["valueQuantity"][key] == theirs["valueQuantity"][key]
    theirs_range, mine_range = theirs["referenceRange"][0], mine["referenceRange"][0]
    assert codes(mine_range["type"]) == codes(theirs_range["type"])
    assert mine_range["low"]["code"] == theirs_range["low"]["code"]
    # The example's value is normal; ours is above the range: same system, its own code.
    [(system, flag)] = codes(mine["interpretation"][0])
    assert system == next(iter(codes(theirs["interpretation"][0])))[0] and flag == "H"
    report = find(ours, "DiagnosticReport")
    assert report["result"] == [{"reference": f"urn:uuid:{mine['id']}"}]


def test_conditions_as_us_core_writes_them(ours: list[dict[str, Any]]) -> None:
    problem_example = example("condition-duodenal-ulcer-resolved")
    dx_example = example("condition-encounter-diagnosis-example1")
    conditions = [r for r in ours if r["resourceType"] == "Condition"]
    [dx] = [c for c in conditions if profile(c) == profile(dx_example)]
    assert codes(dx["category"][0]) == codes(dx_example["category"][0])
    assert ("http://hl7.org/fhir/sid/icd-10-cm", "I10") in codes(dx["code"])
    assert {s for s, _ in codes(dx_example["code"])} >= {s for s, _ in codes(dx["code"])}
    problems = [c for c in conditions if profile(c) == profile(problem_example)]
    assert len(problems) == 2
    for p in problems:
        assert codes(p["category"][0]) == codes(problem_example["category"][0])
        system = next(iter(codes(problem_example["clinicalStatus"])))[0]
        assert codes(p["clinicalStatus"]) == {(system, "active")}
    assert problems[0]["onsetDateTime"] == "2015-03"
    # A labelled item is marked so: restricted, behavioral health.
    assert {s["code"] for s in problems[1]["meta"]["security"]} == {"R", "BH"}


def test_the_other_resources_use_us_core_systems(ours: list[dict[str, Any]]) -> None:
    imm = find(ours, "Immunization")
    assert codes(imm["vaccineCode"]) == {("http://hl7.org/fhir/sid/cvx", "197")}
    assert imm["primarySource"] is True and imm["occurrenceDateTime"] == "2020-11-19"
    allergy, theirs = find(ours, "AllergyIntolerance"), example("allergyintolerance-example")
    for key in ("clinicalStatus", "verificationStatus"):
        assert codes(allergy[key]) == codes(theirs[key])
    assert allergy["category"] == theirs["category"] == ["medication"]
    assert allergy["reaction"][0]["severity"] == theirs["reaction"][0]["severity"] == "mild"
    procedure = find(ours, "Procedure", "HZ30ZZZ")
    assert codes(procedure["code"]) <= codes(example("procedure-rehab")["code"])
    coverage, theirs = find(ours, "Coverage"), example("coverage-example")
    assert codes(coverage["identifier"][0]["type"]) == codes(theirs["identifier"][0]["type"])
    assert codes(coverage["relationship"]) == codes(theirs["relationship"])
    assert {codes(c["type"]).pop() for c in coverage["class"]} == {
        codes(c["type"]).pop() for c in theirs["class"]
    }
    encounter = find(ours, "Encounter")
    assert encounter["class"] == example("encounter-example-1")["class"]
    patient, theirs = find(ours, "Patient"), example("patient-example")
    assert codes(patient["identifier"][0]["type"]) == codes(theirs["identifier"][0]["type"])
    assert profile(patient) == profile(theirs)
    assert patient["identifier"][0]["system"] == CLINIC
    smoking, theirs = find(ours, "Observation", "72166-2"), example("some-day-smoker")
    assert codes(smoking["valueCodeableConcept"]) == codes(theirs["valueCodeableConcept"])
    assert codes(smoking["category"][0]) == codes(theirs["category"][0])
    pack_years, theirs = find(ours, "Observation", "401201003"), example("packs-years-example")
    assert codes(pack_years["code"]) == codes(theirs["code"])
    assert pack_years["valueQuantity"]["code"] == theirs["valueQuantity"]["code"]
    assert profile(pack_years) == profile(theirs)
    family, theirs = find(ours, "FamilyMemberHistory"), example("familymemberhistory-example")
    assert codes(family["relationship"]) == codes(theirs["relationship"])
