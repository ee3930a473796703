"""`medrec export fhir` and `medrec export bulk` as real processes on a demo clinic (issue 14,
item 7): the file or folder written privately, valid R4, recorded; usage errors before
anyone signs in (nothing opened, nothing created); an existing file needs --force, an
existing folder is refused; roles refused in one plain line."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from medrec_desktop.export.fhir import validate_bundle
from tests.support.built_once import copy_of
from tests.support.cli import medrec, medrec_in_process, one_plain_line

PATIENTS = 6


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_of(tmp_path_factory, "exports-demo", make_demo)


def make_demo(root: Path) -> None:
    made = medrec(
        "demo", "--patients", str(PATIENTS), "--seed", "5", "--user", "boss",
        "--data-dir", str(root),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def mrn(clinic: Path) -> str:
    listed = medrec("patients", "list", "--json", "--user", "rita", "--data-dir", str(clinic))
    assert listed.returncode == 0, listed.stderr
    return str(json.loads(listed.stdout)[0]["mrn"])


def test_export_fhir_writes_a_private_valid_bundle_and_records_it(
    clinic: Path, tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    who = mrn(clinic)
    done = medrec(
        "export", "fhir", "--patient", who, "--out", str(out), "--recipient", "Dr. Chen",
        "--purpose", "treatment", "--requester", "Valley Cardiology", "--json",
        "--user", "rita", "--data-dir", str(clinic),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    data = out.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert info["sha256"] == hashlib.sha256(data).hexdigest() and info["mrn"] == who
    assert info["recipient"] == "Dr. Chen" and info["purpose"] == "treatment"
    bundle = json.loads(data)
    validate_bundle(bundle)
    assert info["resources"] == len(bundle["entry"]) and info["disclosure_id"] >= 1

    # Only the sections asked for; the default recipient of a patient's own request.
    only = tmp_path / "problems.json"
    text = medrec(
        "export", "fhir", "--patient", who, "--out", str(only), "--sections", "problems",
        "--user", "rita", "--data-dir", str(clinic),
    )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "to The patient, for the patient's own request" in text.stdout
    kinds = {e["resource"]["resourceType"] for e in json.loads(only.read_bytes())["entry"]}
    assert kinds <= {"Patient", "Condition"}

    again = medrec(
        "export", "fhir", "--patient", who, "--out", str(out), "--user", "rita",
        "--data-dir", str(clinic),
    )  # fmt: skip
    assert again.returncode == 1 and "--force" in one_plain_line(again.stderr)
    forced = medrec(
        "export", "fhir", "--patient", who, "--out", str(out), "--force", "--user", "rita",
        "--data-dir", str(clinic),
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr


def test_usage_errors_come_before_anything_is_opened(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-clinic-here"
    # The first as a real process (its exit status), the rest by the same main() in-process.
    for n, (extra, said) in enumerate(
        (
            (("--sections", "problems,xrays"), "“xrays” is not a section"),
            (("--purpose", "legal"), "--recipient must name who receives it"),
            (("--since", "2026-13-01"), "--since must be a date"),
            (("--since", "2026-11-02", "--until", "2026-11-01"), "--until is before --since"),
            (("--purpose", "authorization", "--recipient", "x"), "--authorization"),
        )
    ):
        run = (medrec if n == 0 else medrec_in_process)(
            "export", "fhir", "--patient", "1", "--out", str(tmp_path / "x.json"), *extra,
            "--user", "rita", "--data-dir", str(nowhere),
        )  # fmt: skip
        assert run.returncode == 2, run.stderr
        assert said in run.stderr and "Traceback" not in run.stderr
    assert not nowhere.exists() and not (tmp_path / "x.json").exists()


def test_a_role_that_may_not_export_is_refused_in_one_line(clinic: Path, tmp_path: Path) -> None:
    out = tmp_path / "nurse.json"
    run = medrec(
        "export", "fhir", "--patient", mrn(clinic), "--out", str(out), "--user", "nina",
        "--data-dir", str(clinic),
    )  # fmt: skip
    assert run.returncode == 1
    assert "may not export clinical data" in one_plain_line(run.stderr)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_export_bulk_by_an_administrator(clinic: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    refused = medrec("export", "bulk", "--out", str(folder), "--user", "rita",
                     "--data-dir", str(clinic))  # fmt: skip
    assert refused.returncode == 1 and "may not export" in one_plain_line(refused.stderr)
    assert list(tmp_path.iterdir()) == []

    done = medrec("export", "bulk", "--out", str(folder), "--json", "--user", "boss",
                  "--data-dir", str(clinic))  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["patients"] == PATIENTS
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        == (info["manifest_sha256"])
    )
    for entry in manifest["output"]:
        data = (folder / entry["url"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert data.count(b"\n") == entry["count"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bulk"]  # no staging folder left

    again = medrec("export", "bulk", "--out", str(folder), "--user", "boss",
                   "--data-dir", str(clinic))  # fmt: skip
    assert again.returncode == 1 and "already exists" in one_plain_line(again.stderr)


def test_export_pdf_writes_only_the_sections_chosen_encrypted_and_records_it(
    clinic: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    out = tmp_path / "record.pdf"
    who = mrn(clinic)
    done = medrec(
        "export", "pdf", "--patient", who, "--out", str(out), "--sections", "problems,allergies",
        "--recipient", "County court clerk", "--purpose", "legal", "--json",
        "--user", "rita", "--data-dir", str(clinic),
        env={"MEDREC_PDF_PASSWORD": "court copy 2026"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert info["encrypted"] and info["sections"] == ["problems", "allergies"]
    assert info["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    reader = PdfReader(out)
    assert reader.is_encrypted and reader.decrypt("court copy 2026")
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "Problems" in text and "Allergies" in text
    assert "Medications" not in text and "Vital signs" not in text  # not chosen: not there
    bad = medrec(
        "export", "pdf", "--patient", who, "--out", str(tmp_path / "x.pdf"),
        "--sections", "problems,xrays", "--user", "rita", "--data-dir", str(clinic),
    )  # fmt: skip
    assert bad.returncode == 2 and "“xrays” is not a section of the record" in bad.stderr
    assert not (tmp_path / "x.pdf").exists()
