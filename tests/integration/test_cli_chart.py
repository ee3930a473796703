"""`medrec patients show MRN` includes the chart (issue 9), run as a real process: problems
with their codes, allergies or "no known allergies" or "not recorded", labelled items only
counted for roles without access, what others changed since the user's last look; text and
--json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
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
        nka = inst.patients.find_by_mrn(doc, mrns["Nka"]).id
        inst.allergy_statements.add(doc, nka, AllergyStatementInput())
    finally:
        inst.close()
    yield Chart(data, mrns)


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
    ) in text
    assert "depress" not in text.lower() and "F33" not in text
    assert "Changed by others" not in text  # the nurse never opened this chart before

    doc = json.loads(show(chart, "pat", "Charted", "--json"))
    problems, allergies = doc["chart"]["sections"]
    assert problems["key"] == "problems" and problems["withheld"] == {}
    assert [i["data"]["icd10cm"] for i in problems["items"]] == ["E11.9", "F33.1"]
    assert problems["items"][0]["data"]["description"] == "Type 2 diabetes"
    assert allergies["items"][0]["data"]["substance"] == "Penicillin"
    assert allergies["lines"] == ["Penicillin (drug): Hives"]

    assert "Allergies:\n  Not recorded\n" in show(chart, "nina", "Blank")
    assert "Active problems:\n  None recorded\n" in show(chart, "nina", "Blank")
    today = dt.date.today().strftime("%m/%d/%Y")
    assert f"Allergies:\n  No known allergies (stated {today})\n" in show(chart, "nina", "Nka")


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
