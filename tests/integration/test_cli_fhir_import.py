"""`medrec import fhir FILE` (issue 14, item 7), run as real processes by a records specialist:
the preview says what would be imported and which patient to choose; --patient MRN and --new
import (text and --json); --dry-run keeps nothing; a Bundle that is not valid R4 is refused in
one plain line naming entry and field, importing nothing (exit 1); usage mistakes are refused
before anyone signs in (exit 2); a front-desk user or a nurse may not import."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from medrec_desktop.domain.enums import Role
from medrec_desktop.models import ClinicalNote, LabTest, Patient, Problem
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import keyslots, passwords
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.support.cli import PASSPHRASE, PASSWORD, medrec, medrec_in_process, one_plain_line
from tests.support.fhir_bundles import DATA, find, index_of, record_bundle, to_bytes

EXISTING_MRN = "00000001"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic with a records specialist ("rita"), a front-desk user ("fran"), a nurse
    ("nina") and one
    patient who is the Bundle's patient (registered here before)."""
    data = tmp_path_factory.mktemp("cli-fhir") / "clinic"
    with pytest.MonkeyPatch.context() as cheap:
        # Test-sized Argon2id, as tests/test_cli_inbox.py explains.
        cheap.setattr(keyslots, "KDF_MEMORY_KIB", 8 * 1024)
        cheap.setattr(keyslots, "KDF_TIME", 1)
        cheap.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        )
        inst, _ = Installation.create(
            DataPaths(data), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            for name, full, role in (
                ("rita", "Rita Records", Role.RECORDS),
                ("fran", "Fran Desk", Role.FRONT_DESK),
                ("nina", "Nina Nurse", Role.NURSE),
            ):
                inst.users.add_user(admin, name, full, role, PASSWORD, must_change_password=False)
            rita = inst.auth.login("rita", PASSWORD)
            registered = inst.patients.register(
                rita, PatientInput("Baxter", "Amy V.", dt.date(1987, 2, 20), "female")
            )
            assert registered.mrn == EXISTING_MRN
        finally:
            inst.close()
    return data


@pytest.fixture
def clinic(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "clinic"
    shutil.copytree(template, copy)
    return copy


def bundle_file(tmp_path: Path, data: dict[str, object] | None = None) -> Path:
    path = tmp_path / "record.json"
    path.write_bytes(to_bytes(data if data is not None else record_bundle()))
    return path


def run(clinic: Path, *args: str, user: str = "rita") -> subprocess.CompletedProcess[str]:
    return medrec("--data-dir", str(clinic), "--user", user, "import", "fhir", *args)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def counts(clinic: Path) -> dict[str, int]:
    inst = Installation.open(DataPaths(clinic), Unlock(passphrase=PASSPHRASE))
    try:
        with inst.store.unit_of_work() as db:
            return {
                m.__tablename__: db.execute(select(func.count()).select_from(m)).scalar_one()
                for m in (Patient, Problem, LabTest, ClinicalNote)
            }
    finally:
        inst.close()


def test_the_preview_says_which_patient_to_choose(clinic: Path, tmp_path: Path) -> None:
    before = counts(clinic)
    shown = ok(run(clinic, str(bundle_file(tmp_path)), "--from", "Holy Family Hospital"))
    lines = shown.splitlines()
    assert lines[0] == (
        "FHIR Bundle (collection) from Holy Family Hospital: Baxter, Amy V., born 02/20/1987, "
        "female."
    )
    assert lines[1] == (
        "Would import: 3 problems, 1 allergy, 4 medications, 1 immunization, 1 set of vitals, "
        "2 tests (16 results), 2 procedures, 1 outside visit (as a note)."
    )
    assert "Left out (5):" in lines
    assert any("(Goal, http://fhir.example.org/r4/Goal/goal-1): this chart has no place" in x
               for x in lines)  # fmt: skip
    assert f"Looks like: MRN {EXISTING_MRN} Baxter, Amy V., born 02/20/1987 (same name and " \
        "same date of birth)" in lines  # fmt: skip
    assert lines[-1] == (
        f'Run again with --patient {EXISTING_MRN}, or --new --reason "why this is someone else".'
    )
    assert counts(clinic) == before

    got = json.loads(ok(run(clinic, str(bundle_file(tmp_path)), "--json")))
    assert got["counts"] == {
        "problem": 3, "allergy": 1, "medication": 4, "immunization": 1, "vitals": 1,
        "lab-test": 2, "procedure": 2, "outside-visit": 1,
    }  # fmt: skip
    assert got["results"] == 16 and got["used"] == 8 and len(got["skipped"]) == 5
    assert [c["mrn"] for c in got["candidates"]] == [EXISTING_MRN]
    assert got["patient"]["name"] == "Baxter, Amy V." and got["patient"]["sex"] == "female"


def test_import_into_the_patient_chosen(clinic: Path) -> None:
    """The test Bundle file as kept in tests/data/fhir (a transaction, urn:uuid references)."""
    before = counts(clinic)
    path = DATA / "us-core-record-transaction.json"
    got = json.loads(ok(run(clinic, str(path), "--patient", EXISTING_MRN, "--json")))
    assert got["patient"]["mrn"] == EXISTING_MRN and got["new_patient"] is False
    assert got["dry_run"] is False and got["counts"]["lab-test"] == 2
    after = counts(clinic)
    assert after["patient"] == before["patient"]
    assert after["problem"] == before["problem"] + 3
    assert after["lab_test"] == before["lab_test"] + 2
    assert after["clinical_note"] == before["clinical_note"] + 1


def test_import_into_a_new_patient_needs_the_reason_beside_a_match(
    clinic: Path, tmp_path: Path
) -> None:
    path = str(bundle_file(tmp_path))
    before = counts(clinic)
    refused = run(clinic, path, "--new")
    assert refused.returncode == 1
    assert "give the reason" in one_plain_line(refused.stderr)
    assert counts(clinic) == before
    shown = ok(run(clinic, path, "--new", "--reason", "A different Amy Baxter (checked ID)"))
    assert shown.splitlines()[0].startswith("Imported into a new patient, MRN 00000002 Baxter")
    assert counts(clinic)["patient"] == before["patient"] + 1


def test_a_dry_run_keeps_nothing(clinic: Path, tmp_path: Path) -> None:
    before = counts(clinic)
    shown = ok(run(clinic, str(bundle_file(tmp_path)), "--patient", EXISTING_MRN, "--dry-run"))
    assert shown.startswith("Would import (dry run, nothing was kept) into MRN 00000001")
    assert counts(clinic) == before


def test_a_bundle_not_valid_as_r4_is_refused_naming_entry_and_field(
    clinic: Path, tmp_path: Path
) -> None:
    data = record_bundle()
    find(data, "Observation", "serum-potassium")["valueQuantity"]["value"] = "five"
    at = index_of(data, "Observation", "serum-potassium")
    before = counts(clinic)
    for args in ((), ("--patient", EXISTING_MRN)):
        refused = run(clinic, str(bundle_file(tmp_path, data)), *args)
        assert refused.returncode == 1
        line = one_plain_line(refused.stderr)
        assert line.startswith("medrec: Nothing was imported: the Bundle has 1 problem: ")
        assert (
            f"entry {at} (Observation, http://fhir.example.org/r4/Observation/serum-potassium), "
            "valueQuantity.value: " in line
        )
        assert refused.stdout == ""
    assert counts(clinic) == before


def test_the_same_file_again_is_refused_unless_again(clinic: Path, tmp_path: Path) -> None:
    path = str(bundle_file(tmp_path))
    before = counts(clinic)
    ok(run(clinic, path, "--patient", EXISTING_MRN, "--from", "Holy Family Hospital"))
    once = counts(clinic)
    assert once["problem"] == before["problem"] + 3

    # The preview says it was imported before, and how to import it once more.
    got = json.loads(ok(run(clinic, path, "--json")))
    [earlier] = got["earlier"]
    assert (earlier["mrn"], earlier["name"], earlier["imported_by"]) == (
        EXISTING_MRN, "Baxter, Amy V.", "Rita Records",
    )  # fmt: skip
    assert (earlier["source"], earlier["items"], earlier["merged_into_mrn"]) == (
        "Holy Family Hospital", 15, None,
    )  # fmt: skip
    day = f"{dt.datetime.fromisoformat(earlier['imported_at']).astimezone():%m/%d/%Y}"
    lines = ok(run(clinic, path)).splitlines()
    assert (
        f"Warning: This same Bundle was imported once already: into MRN {EXISTING_MRN} "
        f"(Baxter, Amy V.) on {day} by Rita Records (15 items from Holy Family Hospital). "
        "Importing it again would record every item twice." in lines
    )
    assert lines[-1].endswith("(and --again to import this same file once more).")

    for args in (("--patient", EXISTING_MRN), ("--patient", EXISTING_MRN, "--dry-run")):
        refused = run(clinic, path, *args)
        assert refused.returncode == 1 and refused.stdout == ""
        assert one_plain_line(refused.stderr) == (
            f"medrec: This same Bundle was imported into MRN {EXISTING_MRN} on {day} by Rita "
            "Records: importing it again would record every item twice. Nothing was imported. "
            "Add --again to import it anyway."
        )
    refused = run(clinic, path, "--new", "--reason", "someone else")
    assert refused.returncode == 1
    assert "registering a new patient from it would record the same person twice" in (
        one_plain_line(refused.stderr)
    )
    assert counts(clinic) == once

    shown = ok(run(clinic, path, "--patient", EXISTING_MRN, "--again"))
    assert shown.startswith(f"Imported into MRN {EXISTING_MRN}")
    assert counts(clinic)["problem"] == once["problem"] + 3


def test_usage_mistakes_are_refused_before_signing_in(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "no-clinic-here")
    path = str(bundle_file(tmp_path))
    # The first as a real process (its exit status), the rest by the same main() in-process.
    for run_it, args, said in (
        (medrec, ("--patient", EXISTING_MRN, "--new"), "not allowed with argument"),
        (medrec_in_process, ("--reason", "because"), "--reason goes with --new"),
        (medrec_in_process, ("--again",), "--again goes with --patient MRN or --new"),
    ):
        result = run_it("--data-dir", nowhere, "import", "fhir", path, *args)
        assert result.returncode == 2, result.stderr
        assert said in result.stderr
    missing = medrec_in_process(
        "--data-dir", nowhere, "import", "fhir", str(tmp_path / "absent.json")
    )
    assert missing.returncode == 1
    assert "absent.json: no such file (nothing was imported)." in one_plain_line(missing.stderr)
    assert not Path(nowhere).exists()


@pytest.mark.parametrize(
    ("user", "said"),
    [
        ("fran", "Your role (Front desk) may not create clinical data"),
        # A nurse charts, but importing another system's record is the records specialist's.
        ("nina", "Importing records from another system is the records specialist's job"),
    ],
)
def test_a_front_desk_user_or_a_nurse_may_not_import(
    clinic: Path, tmp_path: Path, user: str, said: str
) -> None:
    before = counts(clinic)
    refused = run(clinic, str(bundle_file(tmp_path)), "--new", user=user)
    assert refused.returncode == 1
    assert said in one_plain_line(refused.stderr)
    assert counts(clinic) == before
