"""The chart summary's "Recent visits" and "Recent results" (issue 10), through the real
services on SQLCipher and PostgreSQL: the last three visits newest first with their signed
mark and the count of unsigned notes; each analyte's latest abnormal result of the last 12
months with its flag's mark; labelled visits and tests only counted for roles without access;
visits and tests named in "changed since you last opened"; all in the one audited opening,
in a number of statements that does not grow with the chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.results import LabTestInput, ResultInput
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient
from tests.integration.test_chart_summary import counted

VISIT = SAMPLE_INPUTS["encounter"]
assert isinstance(VISIT, EncounterInput)


def visit(c: Clinic, pid: int, days_ago: int, reason: str, **more: object) -> int:
    at = c.clock.now - dt.timedelta(days=days_ago)
    typed = replace(VISIT, starts_at=at, reason_for_visit=reason, **more)  # type: ignore[arg-type]
    return c.inst.encounters.add(c.sessions[Role.PROVIDER], pid, typed).id


def sign(c: Clinic, eid: int) -> None:
    c.inst.encounters.sign(
        c.sessions[Role.PROVIDER], eid, password=ROLE_PASSWORD, expected_version=1
    )


def potassium(c: Clinic, pid: int, days_ago: int, value: str, **more: object) -> None:
    typed = LabTestInput(
        name="Potassium",
        collected_at=c.clock.now - dt.timedelta(days=days_ago),
        results=(
            ResultInput(analyte="Potassium", value=value, unit="mmol/L", low="3.5", high="5.1",
                        critical_high="6.2"),
            ResultInput(analyte="Sodium", value="128", unit="mmol/L", low="135", high="145"),
        ),
        **more,  # type: ignore[arg-type]
    )  # fmt: skip
    c.inst.lab_tests.add(c.sessions[Role.PROVIDER], pid, typed)


def day(c: Clinic, days_ago: int) -> str:
    return f"{(c.clock.now - dt.timedelta(days=days_ago)).astimezone():%m/%d/%Y}"


def section(c: Clinic, role: Role, pid: int, key: str) -> tuple[str, ...]:
    opening = c.inst.chart.open(c.sessions[role], pid)  # type: ignore[arg-type]
    assert opening.summary is not None
    found = opening.summary.section(key)
    assert found is not None
    return found.text_lines


def test_the_last_three_visits_newest_first_and_the_unsigned_notes(clinic: Clinic) -> None:
    pid, none = new_patient(clinic), new_patient(clinic)
    assert section(clinic, Role.NURSE, none, "encounters") == ("None recorded",)
    old = visit(clinic, pid, 200, "Old unsigned visit")
    for n, days in enumerate((90, 30, 5)):
        eid = visit(clinic, pid, days, f"Visit {n}")
        if days != 5:
            sign(clinic, eid)
    assert old
    assert section(clinic, Role.NURSE, pid, "encounters") == (
        "✎ 2 unsigned notes",
        f"{day(clinic, 5)} office visit, Visit 2, ✎ unsigned",
        f"{day(clinic, 30)} office visit, Visit 1, ✔ signed",
        f"{day(clinic, 90)} office visit, Visit 0, ✔ signed",
    )


def test_a_labelled_visit_is_counted_not_shown(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    visit(clinic, pid, 10, "Plain visit")
    visit(clinic, pid, 2, "Counselling", sensitivity=Sensitivity.BEHAVIORAL_HEALTH)
    nurse = section(clinic, Role.NURSE, pid, "encounters")
    # The labelled note is neither shown nor counted among the unsigned ones.
    assert nurse == (
        "✎ 1 unsigned note",
        f"{day(clinic, 10)} office visit, Plain visit, ✎ unsigned",
        "1 item withheld (behavioral health)",
    )
    assert section(clinic, Role.PROVIDER, pid, "encounters")[0] == "✎ 2 unsigned notes"


def test_the_latest_abnormal_result_of_each_analyte_in_the_last_year(clinic: Clinic) -> None:
    pid, none = new_patient(clinic), new_patient(clinic)
    empty = ("No abnormal results in the last 12 months",)
    assert section(clinic, Role.NURSE, none, "results") == empty
    potassium(clinic, pid, 400, "7.0")  # over a year ago: not said
    potassium(clinic, pid, 40, "5.6")
    potassium(clinic, pid, 20, "6.5")
    potassium(clinic, pid, 3, "4.2")  # back in range; the sodium still low
    assert section(clinic, Role.NURSE, pid, "results") == (
        f"Potassium 6.5 mmol/L HH ‼, {day(clinic, 20)} (normal {day(clinic, 3)})",
        f"Sodium 128 mmol/L L ↓, {day(clinic, 3)}",
    )


def test_a_labelled_abnormal_test_is_counted_not_shown(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    potassium(clinic, pid, 5, "5.5", sensitivity=Sensitivity.HIV_STI)
    assert section(clinic, Role.NURSE, pid, "results") == ("1 item withheld (HIV/STI)",)
    assert section(clinic, Role.PROVIDER, pid, "results")[0].startswith("Potassium 5.5 mmol/L H ↑")


def test_visits_and_tests_are_named_among_the_changes(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid, elsewhere = new_patient(clinic), new_patient(clinic)
    clinic.inst.chart.summary(nurse, pid)
    clinic.inst.chart.summary(nurse, elsewhere)  # this visit of the chart ended
    clinic.clock.advance(minutes=10)
    visit(clinic, pid, 1, "Cough")
    clinic.clock.advance(minutes=1)
    potassium(clinic, pid, 1, "5.6")
    back = clinic.inst.chart.summary(nurse, pid)
    assert [(c.what, c.verb, c.text) for c in back.changes] == [
        ("Lab test", "added", f"Potassium, collected {day(clinic, 1)}, 2 abnormal"),
        ("Encounter", "added", f"{day(clinic, 1)} office visit, Cough, ✎ unsigned"),
    ]


def test_the_opening_reads_visits_and_results_in_statements_that_do_not_grow(
    clinic: Clinic,
) -> None:
    nurse = clinic.sessions[Role.NURSE]
    small, large = new_patient(clinic), new_patient(clinic)
    for pid, n in ((small, 1), (large, 12)):
        for i in range(n):
            visit(clinic, pid, 10 + i, f"Visit {i}")
            potassium(clinic, pid, 10 + i, str(5.2 + i / 10))
    counts = []
    for pid in (small, large):
        with counted(clinic) as statements:
            clinic.inst.chart.open(nurse, pid)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
