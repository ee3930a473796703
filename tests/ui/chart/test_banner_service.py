"""The banner's one audited read, on SQLCipher and PostgreSQL: allergies, the dated "no known
allergies", "not recorded", the sensitivity flag per role and the first insurance."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import CoverageInfo, PatientDetails
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.chart_banner import AllergyState
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic


def register(c: Clinic) -> int:
    data = PatientInput(
        "Banner",
        "Bea",
        dt.date(1960, 2, 3),
        "female",
        details=PatientDetails(
            coverages=(
                CoverageInfo("Medicare", "M-1"),
                CoverageInfo("Blue Shield", "B-2"),
            )
        ),
    )
    return c.inst.patients.register(c.sessions[Role.RECORDS], data).id


def test_the_banner_says_not_recorded_then_no_known_then_the_allergies(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = register(clinic)
    banner = clinic.inst.chart_banner.banner(records, pid)
    assert banner.patient.family_name == "Banner"
    assert banner.allergy_text == "Allergies not recorded"
    assert banner.insurance == "Medicare"  # the primary coverage
    clinic.inst.allergy_statements.add(records, pid, AllergyStatementInput(stated_on="11/20/2026"))
    banner = clinic.inst.chart_banner.banner(records, pid)
    assert banner.allergy_state is AllergyState.NONE_KNOWN
    assert banner.allergy_text == "No known allergies (recorded 11/20/2026)"
    clinic.inst.allergies.add(records, pid, AllergyInput(substance="Latex", category="environment"))
    clinic.inst.allergies.add(
        records,
        pid,
        AllergyInput(substance="Sulfa", category="drug", status=ItemStatus.INACTIVE),
    )
    clinic.inst.allergies.add(records, pid, AllergyInput(substance="Peanut", category="food"))
    banner = clinic.inst.chart_banner.banner(records, pid)
    assert banner.allergy_text == "Latex, Peanut"
    assert not banner.sensitive_on_file and not banner.withheld


def test_labelled_items_are_counted_for_roles_without_access_and_flagged_for_others(
    clinic: Clinic,
) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = register(clinic)
    clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Opioid use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    clinic.inst.allergies.add(
        provider,
        pid,
        AllergyInput(
            substance="Buprenorphine", category="drug", sensitivity=Sensitivity.SUBSTANCE_USE
        ),
    )
    nurse = clinic.inst.chart_banner.banner(clinic.sessions[Role.NURSE], pid)
    assert nurse.withheld == {Sensitivity.SUBSTANCE_USE: 2}
    assert nurse.allergies == () and nurse.allergy_text == "1 withheld"
    seen = clinic.inst.chart_banner.banner(provider, pid)
    assert seen.sensitive_on_file and not seen.withheld
    assert seen.allergy_text == "Buprenorphine"
    # Front desk staff see who the patient is, no clinical facts at all.
    desk = clinic.inst.chart_banner.banner(clinic.sessions[Role.FRONT_DESK], pid)
    assert desk.allergy_state is AllergyState.NOT_SHOWN
    assert desk.allergies == () and not desk.withheld and not desk.sensitive_on_file
    assert desk.insurance == "Medicare"
