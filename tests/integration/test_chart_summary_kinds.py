"""The chart summary's sections for the kinds beyond problems and allergies, through the real
services on SQLCipher and PostgreSQL: current medications, the latest of each vital sign with
its date (both units), immunizations due or recent, the social history; labelled items only
counted for roles without access (and never concluded from); the histories' changes listed
since the last visit; and the summary still reads the same number of queries however long
the chart (issue 9)."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import MedicalHistoryInput
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.chart_sections import VITALS_READ
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient
from tests.integration.test_chart_summary import counted

UTC = dt.UTC


def local(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%m/%d/%Y %H:%M")


def lines(c: Clinic, role: Role, pid: int, key: str) -> tuple[str, ...]:
    found = c.inst.chart.summary(c.sessions[role], pid).section(key)  # type: ignore[arg-type]
    assert found is not None
    return found.text_lines


def test_current_medications_by_name_without_the_stopped_ones(clinic: Clinic) -> None:
    doc = clinic.sessions[Role.PROVIDER]
    meds = clinic.inst.medications
    pid, none = new_patient(clinic), new_patient(clinic)
    assert lines(clinic, Role.NURSE, none, "medications") == ("None recorded",)
    meds.add(
        doc,
        pid,
        MedicationInput(
            name="Metformin",
            strength="500 mg",
            dose="1",
            dose_unit="tablet",
            route="oral",
            frequency="twice daily",
        ),
    )
    meds.add(doc, pid, MedicationInput(name="Amoxicillin", strength="500 mg", stop="12/05/2026"))
    meds.add(doc, pid, MedicationInput(name="Prednisone", stop="11/01/2026"))  # ran out
    meds.add(doc, pid, MedicationInput(name="Lisinopril", status=ItemStatus.INACTIVE))
    assert lines(clinic, Role.NURSE, pid, "medications") == (
        "Amoxicillin 500 mg: until 12/05/2026",
        "Metformin 500 mg: 1 tablet, oral, twice daily",
    )
    only_stopped = new_patient(clinic)
    meds.add(doc, only_stopped, MedicationInput(name="Lisinopril", status=ItemStatus.RESOLVED))
    assert lines(clinic, Role.NURSE, only_stopped, "medications") == (
        "No current medications (1 stopped or completed)",
    )


def test_latest_of_each_vital_sign_under_its_date_in_both_units(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    vitals = clinic.inst.vitals
    pid, none = new_patient(clinic), new_patient(clinic)
    assert lines(clinic, Role.NURSE, none, "vitals") == ("None recorded",)
    spring = dt.datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    today = dt.datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    vitals.add(
        nurse,
        pid,
        VitalsInput(
            taken_at=spring, units=UnitSystem.US, systolic="150", diastolic="95", height="65"
        ),
    )
    vitals.add(
        nurse,
        pid,
        VitalsInput(taken_at=today, systolic="128", diastolic="82", pulse="72", temperature="37"),
    )
    # Entered later, taken earlier: the dates decide what is latest, not the order entered.
    vitals.add(
        nurse,
        pid,
        VitalsInput(
            taken_at=dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC),
            units=UnitSystem.US,
            systolic="110",
            diastolic="70",
            weight="154.3",
        ),
    )
    # A reading kept but not counted (a wrong cuff) is not the latest blood pressure.
    vitals.add(
        nurse,
        pid,
        VitalsInput(
            taken_at=today + dt.timedelta(minutes=5),
            systolic="210",
            diastolic="130",
            status=ItemStatus.INACTIVE,
        ),
    )
    assert lines(clinic, Role.NURSE, pid, "vitals") == (
        f"{local(today)}: BP 128/82 mmHg, pulse 72/min, temp 37.0 °C (98.6 °F)",
        f"{local(spring)}: height 5 ft 5 in (165.1 cm)",
        f"{local(dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC))}: weight 154.3 lb (70.0 kg)",
    )


def test_only_the_newest_sets_of_vitals_are_read(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    start = dt.datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(VITALS_READ + 5):
        clinic.inst.vitals.add(
            nurse,
            pid,
            VitalsInput(taken_at=start + dt.timedelta(days=7 * n), pulse=str(60 + n)),
        )
    found = clinic.inst.chart.summary(nurse, pid).section("vitals")
    last = VITALS_READ + 4
    assert found is not None
    assert found.lines == (f"{local(start + dt.timedelta(days=7 * last))}: pulse {60 + last}/min",)


def test_immunizations_due_or_recent_and_a_refusal_beside_what_is_due(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    shots = clinic.inst.immunizations
    pid = new_patient(clinic)  # an adult
    assert lines(clinic, Role.NURSE, pid, "immunizations") == (
        "Influenza due: none since 08/01/2026 (none recorded)",
        "Tetanus (Td/Tdap) due: none in the last 10 years (none recorded)",
    )
    shots.add(
        nurse,
        pid,
        ImmunizationInput(cvx="115", given_on="10/02/2026", dose_number="2", given_by="Nina"),
    )
    shots.add(
        nurse,
        pid,
        ImmunizationInput(
            vaccine="Influenza",
            cvx="141",
            administration="refused",
            given_on="10/02/2026",
            refusal_reason="prefers to wait",
        ),
    )
    shots.add(
        nurse,
        pid,
        ImmunizationInput(
            vaccine="MMR", administration="historical", given_on="1998", source="state registry"
        ),
    )
    said = lines(clinic, Role.NURSE, pid, "immunizations")
    assert said[0] == ("Influenza due: none since 08/01/2026 (none recorded); refused 10/02/2026")
    assert said[1].startswith("Tdap") and said[1].endswith("10/02/2026, dose 2")
    assert len(said) == 2  # the 1998 dose is neither due nor recent
    # Up to date: only the recent dose.
    done = new_patient(clinic)
    shots.add(nurse, done, ImmunizationInput(cvx="141", given_on="10/15/2026"))
    shots.add(nurse, done, ImmunizationInput(cvx="115", given_on="09/01/2020"))
    said = lines(clinic, Role.NURSE, done, "immunizations")
    assert len(said) == 1 and said[0].endswith("(CVX 141) 10/15/2026")


def test_a_withheld_dose_is_counted_and_never_concluded_from(clinic: Clinic) -> None:
    doc = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    clinic.inst.immunizations.add(
        doc,
        pid,
        ImmunizationInput(cvx="141", given_on="10/20/2026", sensitivity=Sensitivity.REPRODUCTIVE),
    )
    clinic.inst.immunizations.add(doc, pid, ImmunizationInput(cvx="115", given_on="01/05/2020"))
    seen = lines(clinic, Role.PROVIDER, pid, "immunizations")
    assert not any(line.startswith("Influenza due") for line in seen)
    hidden = lines(clinic, Role.NURSE, pid, "immunizations")
    # For the nurse nothing she may see says the influenza dose was given: it is due, and
    # the dose she may not see is only counted.
    assert hidden[0] == "Influenza due: none since 08/01/2026 (none recorded)"
    assert hidden[-1] == "1 item withheld (reproductive health)"
    assert not any("10/20/2026" in line for line in hidden)


def test_social_history_says_tobacco_alcohol_screen_and_needs(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid, none = new_patient(clinic), new_patient(clinic)
    assert lines(clinic, Role.NURSE, none, "social_history") == ("Not recorded",)
    clinic.inst.social_history.add(
        nurse,
        pid,
        SocialHistoryInput(
            smoking_status="former",
            packs_per_day="1",
            years_smoked="20",
            audit_c_frequency="2",
            audit_c_typical="1",
            audit_c_six_or_more="0",
            occupation="Teacher",
            housing="unstable",
            food_insecurity="yes",
            feels_safe="yes",
        ),
    )
    # Score 3: a positive screen for a woman (the test patients are female).
    assert lines(clinic, Role.NURSE, pid, "social_history") == (
        "Former smoker, 20 pack-years · AUDIT-C 3, positive screen · needs: housing "
        "unstable, food insecurity",
    )


def test_changes_to_the_histories_are_listed_since_the_last_visit(clinic: Clinic) -> None:
    nurse, doc = clinic.sessions[Role.NURSE], clinic.sessions[Role.PROVIDER]
    pid, elsewhere = new_patient(clinic), new_patient(clinic)
    clinic.inst.chart.summary(nurse, pid)
    clinic.inst.chart.summary(nurse, elsewhere)
    clinic.clock.advance(minutes=10)
    clinic.inst.medical_history.add(
        doc, pid, MedicalHistoryInput(condition="Appendicitis", icd10cm="K35.80", onset="1998")
    )
    clinic.clock.advance(minutes=1)
    clinic.inst.medications.add(doc, pid, MedicationInput(name="Metformin"))
    clinic.clock.advance(minutes=1)
    clinic.inst.vitals.add(
        doc, pid, VitalsInput(taken_at=clinic.clock.now - dt.timedelta(hours=1), pulse="70")
    )
    back = clinic.inst.chart.summary(nurse, pid)
    assert [(c.what, c.verb) for c in back.changes] == [
        ("Vitals", "added"),
        ("Medication", "added"),
        ("Past medical history", "added"),
    ]
    assert back.changes[-1].text == "Appendicitis (K35.80), 1998"


def test_queries_do_not_grow_with_a_long_chart_of_every_kind(clinic: Clinic) -> None:
    doc, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    small, large = new_patient(clinic), new_patient(clinic)
    for pid in (small, large):
        clinic.inst.chart.summary(nurse, pid)
    clinic.clock.advance(minutes=10)
    start = dt.datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    for pid, n in ((small, 1), (large, VITALS_READ + 10)):
        for i in range(n):
            clinic.inst.vitals.add(
                doc, pid, VitalsInput(taken_at=start + dt.timedelta(days=i), pulse=str(60 + i))
            )
            clinic.inst.medications.add(doc, pid, MedicationInput(name=f"Drug {i}"))
            clinic.inst.immunizations.add(
                doc,
                pid,
                ImmunizationInput(
                    vaccine=f"Vaccine {i}",
                    administration="historical",
                    given_on="2001",
                    source="card",
                ),
            )
            clinic.inst.medical_history.add(doc, pid, MedicalHistoryInput(condition=f"C{i}"))
    counts = []
    for pid in (small, large):
        with counted(clinic) as statements:
            clinic.inst.chart.summary(nurse, pid)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
