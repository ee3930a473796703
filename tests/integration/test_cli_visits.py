"""`medrec patients show MRN` includes the visits (issue 10, item 9), run as a real process:
the encounters newest first (date, type, provider, reason, signed or not, addenda), the
latest result of each analyte with its flag (critical ones said so), the treatments and
procedures with their codes; labelled encounters only counted for a role without access;
text and --json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.integration.test_cli import PASSPHRASE, PASSWORD, medrec

VISIT = dt.datetime(2025, 3, 14, 16, 30, tzinfo=dt.UTC)
CALL = dt.datetime(2025, 6, 2, 17, 0, tzinfo=dt.UTC)
VIDEO = dt.datetime(2025, 9, 9, 18, 15, tzinfo=dt.UTC)
EARLIER = dt.datetime(2024, 3, 1, 15, 0, tzinfo=dt.UTC)


@dataclass
class Clinic:
    data: Path
    mrns: dict[str, str]


def _row(analyte: str, loinc: str, value: str, unit: str, *limits: str) -> ResultInput:
    low, high, critical_low, critical_high = (*limits, "", "", "", "")[:4]
    return ResultInput(
        analyte=analyte,
        loinc=loinc,
        value=value,
        unit=unit,
        low=low,
        high=high,
        critical_low=critical_low,
        critical_high=critical_high,
    )


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    """A patient with a signed visit (a test and a procedure recorded in it, an addendum),
    an unsigned call and a labelled video visit; another with nothing."""
    data = tmp_path / "clinic"
    inst, _ = Installation.create(
        DataPaths(data), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
    )
    try:
        admin = inst.auth.login("admin", PASSWORD)
        for name, full, role in (
            ("nina", "Nina Nurse", Role.NURSE),
            ("pat", "Dr. Patel", Role.PROVIDER),
            ("frank", "Frank Desk", Role.FRONT_DESK),
        ):
            inst.users.add_user(admin, name, full, role, PASSWORD, must_change_password=False)
        doc = inst.auth.login("pat", PASSWORD)
        mrns = {}
        for n, family in enumerate(("Visited", "Never")):
            p = inst.patients.register(
                doc,
                PatientInput(family, "Pat", dt.date(1950 + n, 5, 6), "male", f"555-020-{n:04d}"),
                duplicates_reviewed=True,
                reason="different people",
            )
            mrns[family] = p.mrn
        pid = inst.patients.find_by_mrn(doc, mrns["Visited"]).id
        knee = inst.problems.add(
            doc, pid, ProblemInput(description="Osteoarthritis of knee", icd10cm="M17.9")
        )
        visit = inst.encounters.add(
            doc,
            pid,
            EncounterInput(
                starts_at=VISIT,
                encounter_type=EncounterType.OFFICE,
                reason_for_visit="Knee pain",
                subjective="Right knee pain with stairs.",
                problems_addressed=(knee.id,),
            ),
        )
        inst.lab_tests.add(
            doc,
            pid,
            LabTestInput(
                name="Basic metabolic panel (BMP)",
                loinc="51990-0",
                collected_at=VISIT + dt.timedelta(minutes=20),
                resulted_at=VISIT + dt.timedelta(hours=5),
                results=(
                    _row("Glucose", "2345-7", "131", "mg/dL", "70", "99", "50", "400"),
                    _row("Sodium", "2951-2", "140", "mmol/L", "135", "145"),
                    _row("Potassium", "2823-3", "6.6", "mmol/L", "3.5", "5.1", "2.8", "6.2"),
                ),
                encounter_id=visit.id,
            ),
        )
        inst.lab_tests.add(  # an older potassium: the grid's latest is the visit's
            doc,
            pid,
            LabTestInput(
                name="Potassium",
                collected_at=EARLIER,
                results=(_row("Potassium", "2823-3", "4.1", "mmol/L", "3.5", "5.1"),),
            ),
        )
        inst.procedures.add(
            doc,
            pid,
            ProcedureInput(
                description="Corticosteroid injection, knee joint",
                code="3E0U33Z",
                performed_at=VISIT + dt.timedelta(minutes=30),
                performed_by="Dr. Patel",
                body_site="knee",
                laterality="right",
                outcome="completed as planned",
                problem_id=knee.id,
                encounter_id=visit.id,
            ),
        )
        signed = inst.encounters.sign(
            doc, visit.id, password=PASSWORD, expected_version=visit.version
        )
        inst.encounters.add_addendum(
            doc, signed.id, reason="Lab results received after signing", text="Potassium 6.6."
        )
        inst.encounters.add(
            doc,
            pid,
            EncounterInput(
                starts_at=CALL,
                encounter_type=EncounterType.PHONE,
                reason_for_visit="Medication refill request",
            ),
        )
        inst.encounters.add(
            doc,
            pid,
            EncounterInput(
                starts_at=VIDEO,
                encounter_type=EncounterType.TELEHEALTH,
                reason_for_visit="Anxiety follow-up",
                sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
            ),
        )
    finally:
        inst.close()
    yield Clinic(data, mrns)


def show(c: Clinic, user: str, family: str, *more: str) -> str:
    result = medrec(c.data, "--user", user, *more, "patients", "show", c.mrns[family])
    assert result.returncode == 0, result.stderr
    return result.stdout


def local(moment: dt.datetime) -> str:
    return f"{moment.astimezone():%m/%d/%Y %H:%M}"


def test_show_lists_encounters_results_and_procedures(clinic: Clinic) -> None:
    text = show(clinic, "pat", "Visited")
    assert (
        "Encounters (3):\n"
        f"  {local(VIDEO)}  Telehealth visit, Dr. Patel: Anxiety follow-up [unsigned]\n"
        f"  {local(CALL)}  Phone call, Dr. Patel: Medication refill request [unsigned]\n"
        f"  {local(VISIT)}  Office visit, Dr. Patel: Knee pain [signed, 1 addendum]\n"
    ) in text
    collected = local(VISIT + dt.timedelta(minutes=20))[:10]
    assert (
        "Results (latest of each; 2 tests):\n"
        "  Basic metabolic panel (BMP):\n"
        f"    Glucose 131 mg/dL (H), range 70–99, {collected}\n"
        f"    Sodium 140 mmol/L, range 135–145, {collected}\n"
        f"    Potassium 6.6 mmol/L (HH, critical), range 3.5–5.1, {collected}\n"
    ) in text
    done = local(VISIT + dt.timedelta(minutes=30))[:10]
    assert (
        "Treatments and procedures:\n"
        f"  {done} Corticosteroid injection, knee joint, 3E0U33Z (ICD-10-PCS), right knee: "
        "completed as planned\n"
    ) in text

    doc = json.loads(show(clinic, "pat", "Visited", "--json"))
    rows = doc["encounters"]["rows"]
    assert [r["encounter_type"] for r in rows] == ["telehealth", "phone", "office"]
    office = rows[-1]
    assert office["signed"] is True and office["addenda"] == 1
    assert office["provider"] == "Dr. Patel" and office["type_label"] == "Office visit"
    assert dt.datetime.fromisoformat(office["starts_at"]) == VISIT
    assert rows[1]["signed"] is False and rows[1]["signed_at"] is None
    latest = {r["analyte"]: r for r in doc["results"]["latest"]}
    assert latest["Potassium"]["flag"] == "critical-high" and latest["Potassium"]["critical"]
    assert latest["Potassium"]["value"] == "6.6" and latest["Glucose"]["symbol"] == "H"
    assert latest["Sodium"]["flag"] == "normal" and latest["Sodium"]["symbol"] == ""
    assert doc["results"]["tests"] == 2 and len(doc["results"]["columns"]) == 2
    [procedure] = doc["procedures"]["items"]
    assert procedure["data"]["code"] == "3E0U33Z" and procedure["data"]["code_system"] == "pcs"
    assert procedure["data"]["encounter_id"] == office["id"]


def test_a_nurse_sees_labelled_visits_only_counted(clinic: Clinic) -> None:
    text = show(clinic, "nina", "Visited")
    assert "Encounters (2):\n" in text
    assert "  1 encounter withheld (behavioral health)\n" in text
    assert "Anxiety" not in text
    doc = json.loads(show(clinic, "nina", "Visited", "--json"))
    assert doc["encounters"]["withheld"] == {"behavioral-health": 1}
    assert len(doc["encounters"]["rows"]) == 2


def test_nothing_recorded_and_roles_that_may_not_look(clinic: Clinic) -> None:
    text = show(clinic, "nina", "Never")
    assert "Encounters:\n  None recorded\n" in text
    assert "Results:\n  None recorded\n" in text
    assert "Treatments and procedures:\n  None recorded\n" in text
    desk = show(clinic, "frank", "Visited")
    assert "Encounters: Your role (Front desk) may not view clinical data" in desk
    assert "Results: Your role (Front desk) may not view clinical data" in desk
    assert "Knee" not in desk and "Potassium" not in desk
    doc = json.loads(show(clinic, "frank", "Visited", "--json"))
    assert doc["encounters"] is None and doc["results"] is None and doc["procedures"] is None
    assert doc["procedures_hidden"].startswith("Your role (Front desk)")
