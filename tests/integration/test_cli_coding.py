"""`medrec coding` (issue 13, item 7), run as real processes: a coder lists the worklist (text
and --json, by scope and provider) and exports a date range's coded encounters for billing
(CSV and JSON, a private file written whole, recorded as a disclosure); an existing file is
not replaced without --force; an empty range, a missing folder and a role without the right
record nothing; usage mistakes are refused in plain words before anyone signs in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
)
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import keyslots, passwords
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.integration.coding.conftest import codes_dir, store  # noqa: F401
from tests.support.cli import PASSPHRASE, PASSWORD, medrec, one_plain_line

NOVEMBER = ("--since", "2026-11-01", "--until", "2026-11-30")


@dataclass
class Clinic:
    data: Path
    coded: list[int]  # marked coded, in date of service order
    to_code: list[int]
    provider_id: int

    def open(self) -> Installation:
        return Installation.open(DataPaths(self.data), Unlock(passphrase=PASSPHRASE))

    def disclosures(self) -> tuple[int, int]:
        inst = self.open()
        try:
            with inst.store.unit_of_work() as db:
                return (
                    db.execute(select(func.count()).select_from(Disclosure)).scalar_one(),
                    db.execute(select(func.count()).select_from(DisclosurePatient)).scalar_one(),
                )
        finally:
            inst.close()


def _visit(day: int) -> EncounterInput:
    return EncounterInput(
        starts_at=dt.datetime(2026, 11, day, 10, 0).astimezone().astimezone(dt.UTC),
        encounter_type=EncounterType.OFFICE,
        provider_id=None,
        location="Room 1",
        reason_for_visit="Follow-up",
        assessment="Stable.",
    )


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, store: CodeSetStore) -> Clinic:  # noqa: F811
    """A coder ("cora"), a provider ("paul") with signed visits in November 2026 (two coded,
    two still to code), a records specialist ("rita") and a nurse ("nina")."""
    data = tmp_path_factory.mktemp("cli-coding") / "clinic"
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
                ("cora", "Cora Coder", Role.CODER),
                ("paul", "Paul Provider", Role.PROVIDER),
                ("rita", "Rita Records", Role.RECORDS),
                ("nina", "Nina Nurse", Role.NURSE),
            ):
                inst.users.add_user(admin, name, full, role, PASSWORD, must_change_password=False)
            paul, cora = inst.auth.login("paul", PASSWORD), inst.auth.login("cora", PASSWORD)
            rita = inst.auth.login("rita", PASSWORD)
            coding = EncounterCodingService(ctx=inst.ctx, codes=CodeSets(store=store))
            patients = [
                inst.patients.register(
                    rita, PatientInput(family, "Ann", dt.date(1950 + n, 2, 3), "female", None)
                ).id
                for n, family in enumerate(("Coder-Cli", "=Formula"))
            ]
            ids = []
            for n, day in enumerate((3, 9, 17, 24)):
                added = inst.encounters.add(paul, patients[n % 2], _visit(day))
                inst.encounters.sign(paul, added.id, password=PASSWORD, expected_version=1)
                ids.append(added.id)
            hcpcs = CodedProcedure(
                ProcedureSystem.HCPCS, "G0008", "Flu shot", modifiers=("25",), pointers=(1,)
            )
            for eid in ids[:2]:
                coding.save(
                    cora,
                    eid,
                    CodingInput(diagnoses=(CodedDiagnosis("I10", ""),), procedures=(hcpcs,)),
                    expected_version=None,
                )
                coding.mark_coded(cora, eid, expected_version=1)
            coding.save(
                cora,
                ids[2],
                CodingInput(diagnoses=(CodedDiagnosis("J06.9", ""),)),
                expected_version=None,
            )
            provider_id = paul.user_id
        finally:
            inst.close()
    return Clinic(data, ids[:2], ids[2:], provider_id)


def run(c: Clinic, *args: str, user: str = "cora") -> subprocess.CompletedProcess[str]:
    return medrec("--data-dir", str(c.data), "--user", user, "coding", *args)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_worklist_as_text_and_json(clinic: Clinic) -> None:
    shown = ok(run(clinic, "worklist"))
    lines = shown.splitlines()
    assert lines[0].startswith("To code 2 · Returned 0 · Coded 2 · All signed 4")
    assert lines[1].split()[:4] == ["ID", "Date", "Patient", "MRN"]
    listed = [int(line.split()[0]) for line in lines[2:4]]
    assert listed == clinic.to_code
    assert "Being coded" in lines[2] and "Not started" in lines[3]
    assert lines[-1] == "Showing 1-2 of 2 (to code)."

    got = json.loads(ok(run(clinic, "worklist", "--scope", "coded", "--json")))
    assert [r["encounter_id"] for r in got["rows"]] == clinic.coded
    assert got["total"] == 2 and got["counts"]["all"] == 4 and got["withheld"] == 0
    first = got["rows"][0]
    assert (first["state"], first["coded_by"], first["date_of_service"]) == (
        "coded",
        "Cora Coder",
        "2026-11-03",
    )
    assert first["provider"] == "Paul Provider" and first["patient"] == "Coder-Cli, Ann"

    # Dates, provider by name or id, limit and offset.
    got = json.loads(
        ok(run(clinic, "worklist", "--scope", "all", "--since", "2026-11-09", "--json"))
    )
    assert [r["encounter_id"] for r in got["rows"]] == [*clinic.coded[1:], *clinic.to_code]
    for who in ("paul", "Paul Provider", str(clinic.provider_id)):
        got = json.loads(ok(run(clinic, "worklist", "--scope", "all", "--provider", who, "--json")))
        assert got["total"] == 4, who
    got = json.loads(
        ok(run(clinic, "worklist", "--scope", "all", "--limit", "1", "--offset", "1", "--json"))
    )
    assert [r["encounter_id"] for r in got["rows"]] == clinic.coded[1:2] and got["total"] == 4
    nobody = run(clinic, "worklist", "--provider", "Dr. Nobody")
    assert nobody.returncode == 1
    assert one_plain_line(nobody.stderr).startswith(
        "medrec: No active provider matches 'Dr. Nobody'. Providers: "
    )


def test_export_csv_is_a_private_file_recorded_as_a_disclosure(
    clinic: Clinic, tmp_path: Path
) -> None:
    before = clinic.disclosures()
    out = tmp_path / "november.csv"
    said = ok(run(clinic, "export", *NOVEMBER, "--out", str(out), "--recipient", "Acme Billing"))
    assert said.startswith("Exported 2 encounters, 2 lines, 2 patients (11/01/2026 to 11/30/2026)")
    assert "Recorded as disclosure" in said and "for payment to Acme Billing." in said
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [int(r["encounter_id"]) for r in rows] == clinic.coded
    assert [(r["dx_A"], r["procedure_code"], r["modifier_1"], r["pointers"]) for r in rows] == [
        ("I10", "G0008", "25", "A")
    ] * 2
    assert rows[1]["family_name"] == "'=Formula"  # never a live formula in a spreadsheet
    assert clinic.disclosures() == (before[0] + 1, before[1] + 2)
    assert [p.name for p in tmp_path.iterdir()] == ["november.csv"]  # no temporary left

    # Not replaced without --force; nothing more recorded.
    again = run(clinic, "export", *NOVEMBER, "--out", str(out))
    assert again.returncode == 1
    assert one_plain_line(again.stderr) == (
        f"medrec: {out} already exists; choose another file or add --force."
    )
    assert clinic.disclosures() == (before[0] + 1, before[1] + 2)
    out.chmod(0o644)
    got = json.loads(ok(run(clinic, "export", *NOVEMBER, "--out", str(out), "--force", "--json")))
    assert (got["encounters"], got["lines"], got["patients"], got["format"]) == (2, 2, 2, "csv")
    assert got["recipient"] == "Billing office" and got["size"] == out.stat().st_size
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert clinic.disclosures() == (before[0] + 2, before[1] + 4)


def test_export_json_from_the_file_name(clinic: Clinic, tmp_path: Path) -> None:
    out = tmp_path / "billing.json"
    ok(run(clinic, "export", "--since", "2026-11-01", "--until", "2026-11-05", "--out", str(out)))
    doc = json.loads(out.read_text(encoding="utf-8"))
    [one] = doc["encounters"]
    assert one["encounter_id"] == clinic.coded[0]
    assert one["lines"][0]["pointers"] == ["A"] and one["lines"][0]["modifiers"] == ["25"]


def test_exports_that_record_nothing(clinic: Clinic, tmp_path: Path) -> None:
    before = clinic.disclosures()
    october = ("--since", "2026-10-01", "--until", "2026-10-31")
    empty = run(clinic, "export", *october, "--out", str(tmp_path / "x.csv"))
    assert empty.returncode == 1
    assert one_plain_line(empty.stderr) == (
        "medrec: No coded encounters have a date of service from 10/01/2026 to 10/31/2026; "
        "nothing was exported or recorded."
    )
    missing = tmp_path / "no such folder" / "out.csv"
    gone = run(clinic, "export", *NOVEMBER, "--out", str(missing))
    assert gone.returncode == 1
    assert one_plain_line(gone.stderr) == f"medrec: The folder {missing.parent} does not exist."
    # A nurse has no export right; the administrator sees no clinical data.
    for user in ("nina", "admin"):
        refused = run(clinic, "export", *NOVEMBER, "--out", str(tmp_path / "r.csv"), user=user)
        assert refused.returncode == 1
        assert "This attempt was recorded." in one_plain_line(refused.stderr)
    assert clinic.disclosures() == before
    assert list(tmp_path.iterdir()) == []


def test_usage_mistakes_are_refused_before_signing_in(clinic: Clinic, tmp_path: Path) -> None:
    # No password in the environment is needed: the command stops before signing in.
    env = {"MEDREC_PASSWORD": ""}
    out = str(tmp_path / "x.csv")
    cases = [
        (("export", "--since", "11/01/2026", "--until", "2026-11-30", "--out", out), "--since"),
        (("export", "--since", "2026-11-30", "--until", "2026-11-01", "--out", out), "--until"),
        (("export", *NOVEMBER, "--out", str(tmp_path / "x.xlsx")), ".xlsx"),
        (("export", *NOVEMBER), "--out"),
        (("worklist", "--scope", "everything"), "--scope"),
        (("worklist", "--limit", "0"), "--limit"),
    ]
    for args, word in cases:
        bad = medrec("--data-dir", str(clinic.data), "coding", *args, env=env)
        assert bad.returncode == 2, args
        assert word in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    assert not os.listdir(tmp_path)
    # `codes` (the code-set lookup) is a command of its own beside `coding`.
    helped = medrec("--help")
    assert "coding" in helped.stdout and "codes" in helped.stdout
