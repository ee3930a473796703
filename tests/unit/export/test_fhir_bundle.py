"""The Bundle and its checks, without a database: stable ids scoped to the clinic, only the
sections chosen, references inside the export, and a validation failure that names the entry
and field but never the value."""

from __future__ import annotations

import copy
import datetime as dt
import json
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.fhir_export import MANIFEST, FhirInvalidError
from medrec_desktop.domain.record_release import RecordSection
from medrec_desktop.export.fhir import patient_bundle, patient_resources, validate_bundle
from medrec_desktop.export.fhir.ndjson import NdjsonWriter, manifest
from medrec_desktop.export.fhir.ucum import ucum_code
from medrec_desktop.export.files import PrivateFolder
from tests.unit.export.fhir_samples import CLINIC, VISIT, WHEN, extract

LATER = WHEN + dt.timedelta(days=3)


def bundle(**kw: Any) -> dict[str, Any]:
    made = patient_bundle(extract(**kw), clinic_system=CLINIC, generated_at=WHEN)
    validate_bundle(made)
    return made


def ids(b: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in b["entry"]]


def test_ids_are_stable_unique_and_the_clinics_own() -> None:
    first = bundle()
    again = patient_bundle(extract(), clinic_system=CLINIC, generated_at=LATER)
    other = patient_bundle(extract(), clinic_system="urn:uuid:0000-other", generated_at=WHEN)
    assert ids(first) == ids(again) and len(set(ids(first))) == len(ids(first))
    assert first["id"] != again["id"]  # the Bundle itself names this export
    assert not set(ids(first)) & set(ids(other))
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in first["entry"])


def test_only_the_sections_chosen_are_mapped() -> None:
    only = bundle(sections=(RecordSection.PROBLEMS,))
    kinds = [e["resource"]["resourceType"] for e in only["entry"]]
    assert kinds == ["Patient", "Condition", "Condition"]
    [patient] = [e["resource"] for e in only["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert "address" not in patient and "telecom" not in patient and "extension" in patient
    assert b"Mountain View" not in json.dumps(only).encode()
    coded = bundle(sections=(RecordSection.CODING,))
    kinds = [e["resource"]["resourceType"] for e in coded["entry"]]
    assert kinds == [
        "Organization",
        "Practitioner",
        "Patient",
        "Encounter",
        "Condition",
        "Procedure",
    ]
    [encounter] = [
        e["resource"] for e in coded["entry"] if e["resource"]["resourceType"] == "Encounter"
    ]
    assert "reasonReference" not in encounter  # the problems were not chosen
    # A visit not coded carries nothing of the coding section: it is left out.
    uncoded = replace(VISIT, item=replace(VISIT.item, id=ItemId(99)), coding=None)
    both = replace(extract(sections=(RecordSection.CODING,)), encounters=(VISIT, uncoded))
    made = list(patient_resources(both, clinic_system=CLINIC, generated_at=WHEN))
    assert [r["resourceType"] for r in made].count("Encounter") == 1


def test_a_failure_names_the_entry_and_field_never_the_value() -> None:
    b = bundle()
    n, condition = next(
        (n, e["resource"])
        for n, e in enumerate(b["entry"], 1)
        if e["resource"]["resourceType"] == "Condition"
    )
    condition["code"]["coding"][0]["code"] = "I10  SECRET"
    with pytest.raises(FhirInvalidError) as err:
        validate_bundle(b)
    assert f"entry {n} (Condition" in err.value.message
    assert "code.coding.0.code" in err.value.message and "SECRET" not in err.value.message


def test_references_must_stay_inside_the_bundle() -> None:
    b = bundle()
    without_patient = copy.deepcopy(b)
    without_patient["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Patient"]
    with pytest.raises(FhirInvalidError, match="not in the Bundle"):
        validate_bundle(without_patient)
    twice = copy.deepcopy(b)
    twice["entry"].append(copy.deepcopy(b["entry"][0]))
    with pytest.raises(FhirInvalidError, match="used by an earlier entry"):
        validate_bundle(twice)


def test_ndjson_files_shared_resources_once_and_nothing_left_after_remove(tmp_path: Path) -> None:
    made = list(
        patient_resources(extract(), clinic_system=CLINIC, generated_at=WHEN, relative=True)
    )
    assert all(
        r.get("subject", r.get("patient", {"reference": "Patient/"}))["reference"].startswith(
            "Patient/"
        )
        for r in made
        if r["resourceType"] not in ("Patient", "Organization", "Practitioner")
    )
    folder = tmp_path / "out"
    folder.mkdir()
    writer = NdjsonWriter(folder)
    first = writer.write(made)
    second = writer.write(made)  # "another patient" of the same clinic and provider
    assert first == len(made) and second == len(made) - 2  # the clinic and Dr. Osei once
    files = writer.finish()
    sha = writer.write_manifest(manifest(files=files, transaction_time="2026-11-20", extension={}))
    assert len(sha) == 64 and (folder / MANIFEST).exists()
    for f in files:
        assert stat.S_IMODE((folder / f.name).stat().st_mode) == 0o600
    writer.remove()
    assert list(folder.iterdir()) == []


def test_a_private_folder_appears_only_when_committed(tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    with pytest.raises(RuntimeError), PrivateFolder(out) as target:
        (target.path / "Patient.ndjson").write_text("{}\n")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with PrivateFolder(out) as target:
        assert stat.S_IMODE(target.path.stat().st_mode) == 0o700
        (target.path / "Patient.ndjson").write_text("{}\n")
        target.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["bulk"]
    with pytest.raises(KnownError, match="already exists"), PrivateFolder(out):
        pass


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("10³/µL", "10*3/uL"),
        ("mg/dL", "mg/dL"),
        ("mIU/L", "m[IU]/L"),
        ("bananas", None),
        (None, None),
    ],
)
def test_units_travel_in_ucum_only_when_certain(unit: str | None, code: str | None) -> None:
    assert ucum_code(unit) == code


def test_an_unknown_resource_type_is_named() -> None:
    from medrec_desktop.export.fhir import validate_resource

    with pytest.raises(FhirInvalidError, match="Chart is not a FHIR R4 resource type"):
        validate_resource({"resourceType": "Chart", "id": "x"}, "line 3")
