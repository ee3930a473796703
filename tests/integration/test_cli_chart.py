"""`medrec patients show MRN` includes the chart (issue 9), run as a real process: problems
with their codes, allergies or "no known allergies" or "not recorded", current medications,
the latest vitals with their date in both units, immunizations due or recent, the social
history; labelled items only counted for roles without access, what others changed since the
user's last look; text and --json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.integration.test_cli import PASSPHRASE, PASSWORD, medrec


@dataclass
class Chart:
    data: Path
    mrns: dict[str, str]


def _open(data: Path) -> Installation:
    return Installation.open(DataPaths(data), Unlock(passphrase=PASSPHRASE))


@pytest.fixture
def chart(tmp_path: Path) -> Iterator[Chart]:
    """A clinic whose patients' charts were filled through the services."""
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
        for n, family in enumerate(("Charted", "Blank", "Nka")):
            p = inst.patients.register(
                doc,
                PatientInput(family, "Pat", dt.date(1960 + n, 1, 2), "female", f"555-010-{n:04d}"),
                duplicates_reviewed=True,
                reason="different people",
            )
            mrns[family] = p.mrn
        charted = inst.patients.find_by_mrn(doc, mrns["Charted"]).id
        inst.problems.add(
            doc,
            charted,
            ProblemInput(description="Type 2 diabetes", icd10cm="E11.9", chronic=True),
        )
        inst.problems.add(
            doc,
            charted,
            ProblemInput(
                description="Major depressive disorder",
                icd10cm="F33.1",
                sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
            ),
        )
        inst.allergies.add(
            doc, charted, AllergyInput(substance="Penicillin", category="drug", reaction="Hives")
        )
        inst.medications.add(
            doc,
            charted,
            MedicationInput(
                name="Metformin",
                strength="500 mg",
                dose="1",
                dose_unit="tablet",
                route="oral",
                frequency="twice daily",
            ),
        )
        inst.medications.add(
            doc, charted, MedicationInput(name="Warfarin", status=ItemStatus.INACTIVE)
        )
        inst.vitals.add(
            doc,
            charted,
            VitalsInput(
                taken_at=TAKEN, units=UnitSystem.US, systolic="128", diastolic="82", weight="154.3"
            ),
        )
        today = dt.date.today()
        inst.immunizations.add(
            doc, charted, ImmunizationInput(cvx="141", given_on=f"{today:%m/%d/%Y}")
        )
        inst.immunizations.add(
            doc, charted, ImmunizationInput(cvx="115", given_on=f"{today:%m/%d/%Y}")
        )
        inst.social_history.add(
            doc, charted, SocialHistoryInput(smoking_status="former", pack_years="20")
        )
        nka = inst.patients.find_by_mrn(doc, mrns["Nka"]).id
        inst.allergy_statements.add(doc, nka, AllergyStatementInput())
    finally:
        inst.close()
    yield Chart(data, mrns)


TAKEN = dt.datetime(2025, 11, 20, 14, 5, tzinfo=dt.UTC)


def show(c: Chart, user: str, family: str, *more: str) -> str:
    result = medrec(c.data, "--user", user, *more, "patients", "show", c.mrns[family])
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_show_includes_the_chart_as_text_and_json(chart: Chart) -> None:
    text = show(chart, "nina", "Charted")
    assert (
        "Active problems:\n"
        "  Type 2 diabetes (E11.9), chronic\n"
        "  1 item withheld (behavioral health)\n"
        "Allergies:\n"
        "  Penicillin (drug): Hives\n"
        "Current medications:\n"
        "  Metformin 500 mg: 1 tablet, oral, twice daily\n"
        "Latest vitals:\n"
        f"  {TAKEN.astimezone():%m/%d/%Y %H:%M}: BP 128/82 mmHg, weight 154.3 lb (70.0 kg)\n"
        "Immunizations due or recent:\n"
    ) in text
    shots = text.split("Immunizations due or recent:\n")[1].split("Social history:")[0]
    # Both given today: nothing due, both recent.
    assert sorted(line.split(" (CVX ")[1][:3] for line in shots.splitlines()) == ["115", "141"]
    assert " due" not in shots
    assert "Social history:\n  Former smoker, 20 pack-years\n" in text
    assert "Recent visits:\n  None recorded\n" in text
    assert "Recent results:\n  No abnormal results in the last 12 months\n" in text
    assert "Warfarin" not in text
    assert "depress" not in text.lower() and "F33" not in text
    assert "Changed by others" not in text  # the nurse never opened this chart before

    doc = json.loads(show(chart, "pat", "Charted", "--json"))
    sections = {s["key"]: s for s in doc["chart"]["sections"]}
    assert list(sections) == [
        "problems",
        "allergies",
        "medications",
        "vitals",
        "immunizations",
        "social_history",
        "encounters",
        "results",
    ]
    problems, allergies = sections["problems"], sections["allergies"]
    assert problems["key"] == "problems" and problems["withheld"] == {}
    assert [i["data"]["icd10cm"] for i in problems["items"]] == ["E11.9", "F33.1"]
    assert problems["items"][0]["data"]["description"] == "Type 2 diabetes"
    assert allergies["items"][0]["data"]["substance"] == "Penicillin"
    assert allergies["lines"] == ["Penicillin (drug): Hives"]
    assert [i["data"]["name"] for i in sections["medications"]["items"]] == ["Metformin"]
    [vitals] = sections["vitals"]["items"]
    assert vitals["data"]["systolic"] == 128 and vitals["data"]["units"] == "us"
    assert sorted(i["data"]["cvx"] for i in sections["immunizations"]["items"]) == ["115", "141"]
    assert sections["immunizations"]["reminders"] == []
    assert sections["social_history"]["items"][0]["data"]["smoking_status"] == "former"

    blank = show(chart, "nina", "Blank")
    assert "Allergies:\n  Not recorded\n" in blank
    assert "Active problems:\n  None recorded\n" in blank
    assert "Current medications:\n  None recorded\n" in blank
    assert "Latest vitals:\n  None recorded\n" in blank
    assert "Immunizations due or recent:\n  Influenza due: none since " in blank
    assert "Social history:\n  Not recorded\n" in blank
    today = dt.date.today().strftime("%m/%d/%Y")
    assert f"Allergies:\n  No known allergies (recorded {today})\n" in show(chart, "nina", "Nka")


def test_show_lists_what_others_changed_since_the_users_last_look(chart: Chart) -> None:
    show(chart, "nina", "Charted")  # her first look
    inst = _open(chart.data)
    try:
        doc = inst.auth.login("pat", PASSWORD)
        pid = inst.patients.find_by_mrn(doc, chart.mrns["Charted"]).id
        inst.problems.add(doc, pid, ProblemInput(description="Asthma", icd10cm="J45.909"))
        inst.problems.add(
            doc,
            pid,
            ProblemInput(description="Alcohol use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
        )
    finally:
        inst.close()
    text = show(chart, "nina", "Charted")
    changed = text.split("Changed by others since you last opened this chart:\n")[1]
    first, second = changed.splitlines()[:2]
    assert first.startswith("  Problem added by Dr. Patel ")
    assert first.endswith(": Asthma (J45.909)")
    assert second == "  1 change to withheld items"
    assert "Alcohol" not in text
    doc = json.loads(show(chart, "nina", "Charted", "--json"))["chart"]
    assert doc["changes"] == [] and doc["last_opened"] is not None  # seen at the last look


def test_front_desk_is_told_the_chart_is_not_theirs_to_see(chart: Chart) -> None:
    text = show(chart, "frank", "Charted")
    assert "Chart: Your role (Front desk) may not view clinical data" in text
    assert "diabetes" not in text
