"""Patients and one valid input per clinical item kind, shared by the chart item tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic

_NAMES = itertools.count(1)

# One valid input per item type: a new kind adds its line, or the tests over every kind fail.
SAMPLE_INPUTS: dict[str, ItemInput[Any]] = {
    "problem": ProblemInput(description="Essential hypertension", icd10cm="I10", onset="2015"),
    "allergy": AllergyInput(substance="Penicillin", category="drug", reaction="Hives"),
    "allergy-statement": AllergyStatementInput(stated_on="11/20/2026"),
}


def new_patient(c: Clinic, family: str | None = None) -> PatientId:
    """A patient registered by the records specialist (a different person each call)."""
    n = next(_NAMES)
    data = PatientInput(
        family or f"Testperson{n}",
        "Pat",
        dt.date(1950, 1, 1) + dt.timedelta(days=400 * n),
        "female",
        f"555-010-{n:04d}",
    )
    return c.inst.patients.register(
        c.sessions[Role.RECORDS], data, duplicates_reviewed=True, reason="checked: different"
    ).id


def services(c: Clinic) -> dict[str, ClinicalItemService[Any, Any]]:
    """Each item type's service on this clinic's installation."""
    inst = c.inst
    return {
        "problem": inst.problems,
        "allergy": inst.allergies,
        "allergy-statement": inst.allergy_statements,
    }
