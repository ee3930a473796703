"""Test results through the real services, on SQLCipher and PostgreSQL: a panel saved and
corrected (the old value stays in the history), the results grid and a trend read in one
query whatever the number of tests, labelled tests withheld from roles without access, and
the clinic's own templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.panels import BMP, CBC, TSH, URINALYSIS, TemplateInput
from medrec_desktop.domain.results import Flag, LabTestInput, ResultInput
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient

COLLECTED = dt.datetime(2026, 11, 19, 8, 10, tzinfo=dt.UTC)
PANEL = SAMPLE_INPUTS["lab-test"]
assert isinstance(PANEL, LabTestInput)


def cbc(days_ago: int, hemoglobin: str, **more: object) -> LabTestInput:
    rows = tuple(
        replace(r, value={"WBC": "7.2", "Hemoglobin": hemoglobin, "Platelets": "250"}.get(
            r.analyte, ""
        ))
        for r in CBC.rows()
    )  # fmt: skip
    return LabTestInput(
        name=CBC.name,
        loinc=CBC.loinc or "",
        collected_at=COLLECTED - dt.timedelta(days=days_ago),
        results=rows,
        **more,  # type: ignore[arg-type]
    )


@contextmanager
def selects(c: Clinic) -> Iterator[list[str]]:
    """The SELECT statements run meanwhile on the clinic's database."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = c.inst.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_panel_is_saved_flagged_and_corrected_with_its_history(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    saved = clinic.inst.lab_tests.add(nurse, pid, PANEL)
    data = saved.data
    assert data.collected_at == COLLECTED and data.performing_lab == "Quest Diagnostics"
    potassium = next(r for r in data.results if r.analyte == "Potassium")
    assert (potassium.numeric, potassium.flag, potassium.loinc) == (5.8, Flag.HIGH, "2823-3")
    assert clinic.inst.lab_tests.get(nurse, saved.id) == saved

    # The lab called: the potassium was 6.8 (critical). The old value stays in the history.
    rows = tuple(replace(r, value="6.8") if r.analyte == "Potassium" else r for r in PANEL.results)
    corrected = clinic.inst.lab_tests.update(
        nurse,
        saved.id,
        replace(PANEL, results=rows),
        expected_version=1,
        reason="corrected value phoned by the lab",
    )
    assert next(r for r in corrected.data.results if r.analyte == "Potassium").flag is (
        Flag.CRITICAL_HIGH
    )
    first, second = clinic.inst.lab_tests.history(nurse, saved.id)
    assert second.reason == "corrected value phoned by the lab"
    [change] = second.changes
    assert change.label == "Results"
    assert "Potassium 5.8 mmol/L (H)" in change.before.splitlines()
    assert "Potassium 6.8 mmol/L (HH)" in change.after.splitlines()
    assert first.item.data == data


def test_a_refused_row_saves_nothing_and_its_message_names_the_row(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    rows = list(PANEL.results)
    rows[4] = replace(rows[4], value="five point eight")
    with pytest.raises(ValidationError) as refused:
        clinic.inst.lab_tests.add(nurse, pid, replace(PANEL, results=tuple(rows)))
    assert refused.value.message == "Result 5 (Potassium): type the value as a number."
    assert clinic.inst.lab_tests.list(nurse, pid, include_inactive=True).items == ()


def test_the_grid_reads_every_test_in_one_query_newest_first(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    svc = clinic.inst.lab_tests
    svc.add(nurse, pid, PANEL)
    svc.add(nurse, pid, cbc(30, "13.9"))
    svc.add(nurse, pid, cbc(400, "6.4"))
    set_aside = svc.add(nurse, pid, cbc(5, "2.0"))  # hemolysed: not counted
    svc.update(nurse, set_aside.id, cbc(5, "2.0", status=ItemStatus.INACTIVE), expected_version=1)
    with selects(clinic) as few:
        grid = clinic.inst.results.grid(nurse, pid)
    assert grid.tests == 3
    assert grid.columns == (
        COLLECTED,
        COLLECTED - dt.timedelta(days=30),
        COLLECTED - dt.timedelta(days=400),
    )
    assert [name for name, _rows in grid.panels()] == [BMP.name, CBC.name]
    by_name = {r.analyte: r for r in grid.rows}
    hemoglobin = by_name["Hemoglobin"]
    assert [c.text if c else "" for c in hemoglobin.cells] == ["", "13.9", "6.4"]
    assert [c.flag if c else None for c in hemoglobin.cells] == [
        None,
        Flag.NORMAL,
        Flag.CRITICAL_LOW,
    ]
    cell = by_name["Potassium"].cells[0]
    assert cell is not None and cell.test.performing_lab == "Quest Diagnostics"
    assert (cell.flag.symbol, cell.result.range_text, cell.result.unit) == (
        "H",
        "3.5–5.1",
        "mmol/L",
    )
    # Ten more tests cost no more statements: no query per test or per result.
    for n in range(10):
        svc.add(nurse, pid, cbc(60 + n, "12.1"))
    with selects(clinic) as more:
        assert clinic.inst.results.grid(nurse, pid).tests == 13
    assert len(more) == len(few)

    trend = clinic.inst.results.trend(nurse, pid, hemoglobin.key)
    assert (trend.title, trend.unit, trend.low, trend.high) == ("Hemoglobin", "g/dL", 12.0, 17.5)
    assert trend.points[0].value == 6.4 and trend.points[0].flag == "LL"
    assert [p.at for p in trend.points] == sorted(p.at for p in trend.points)
    assert len(trend.points) == 12
    with pytest.raises(NotFoundError):
        clinic.inst.results.trend(nurse, pid, "name:color")
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    read = [e for e in events if e.entry_point.startswith("ResultsService.")]
    assert {e.entry_point for e in read} == {"ResultsService.grid", "ResultsService.trend"}
    assert all(e.patient_id == pid and e.action == "view" for e in read)
    assert any(e.detail == "results grid: 13 tests, 11 analytes" for e in read)


def test_labelled_tests_are_withheld_from_roles_without_access(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    clinic.inst.lab_tests.add(provider, pid, cbc(10, "13.0"))
    hiv = LabTestInput(
        name="HIV-1/2 antigen and antibodies",
        collected_at=COLLECTED,
        results=(ResultInput(analyte="HIV-1/2 Ag+Ab", value="Nonreactive"),),
        sensitivity=Sensitivity.HIV_STI,
    )
    clinic.inst.lab_tests.add(provider, pid, hiv)
    seen = clinic.inst.results.grid(provider, pid)
    assert seen.tests == 2 and "HIV-1/2 Ag+Ab" in {r.analyte for r in seen.rows}
    hidden = clinic.inst.results.grid(nurse, pid)
    assert hidden.tests == 1 and "HIV-1/2 Ag+Ab" not in {r.analyte for r in hidden.rows}
    assert hidden.withheld == {Sensitivity.HIV_STI: 1}
    assert hidden.withheld_notes == ("1 test withheld (HIV/STI)",)
    assert len(hidden.columns) == 1  # not even the date of the withheld test
    with pytest.raises(NotFoundError):
        clinic.inst.results.trend(nurse, pid, "name:hiv-1/2 ag+ab")
    assert clinic.inst.lab_tests.list(nurse, pid).withheld == {Sensitivity.HIV_STI: 1}


def test_the_clinic_adds_and_retires_its_own_templates(clinic: Clinic) -> None:
    nurse, records = clinic.sessions[Role.NURSE], clinic.sessions[Role.RECORDS]
    svc = clinic.inst.lab_tests
    bundled = svc.templates(nurse)
    assert [t.key for t in bundled] == ["cbc", "bmp", "cmp", "lipids", "hba1c", "urinalysis", "tsh"]
    typed = TemplateInput(
        name="Iron studies",
        specimen="Serum",
        analytes=(
            ResultInput(analyte="Iron", loinc="2498-4", unit="µg/dL", low="60", high="170"),
            ResultInput(analyte="Ferritin", loinc="2276-4", unit="ng/mL", low="24", high="336"),
        ),
    )
    added = svc.add_template(nurse, typed)
    assert (added.key, added.added_by, added.bundled) == (
        f"clinic-{added.template_id}",
        "Test Nurse",
        False,
    )
    assert added.analytes[1].high == 336.0
    assert svc.templates(records)[-1] == added
    with pytest.raises(ValidationError, match="exists") as taken:
        svc.add_template(records, replace(typed, name="iron STUDIES"))
    assert taken.value.field == "name"
    with pytest.raises(ValidationError, match="exists"):
        svc.add_template(records, replace(typed, name="Lipid panel"))
    assert template_id(added.template_id) == added.template_id
    retired = svc.retire_template(records, template_id(added.template_id))
    assert retired.retired
    assert added not in svc.templates(nurse)
    assert retired in svc.templates(nurse, include_retired=True)
    with pytest.raises(ValidationError, match="retired already"):
        svc.retire_template(records, template_id(added.template_id))
    with pytest.raises(PermissionDeniedError):
        svc.add_template(clinic.sessions[Role.FRONT_DESK], replace(typed, name="Other"))
    events = clinic.inst.audit.events(clinic.admin, AuditFilter())
    writes = [e for e in events if e.entry_point.endswith("_template")]
    assert [(e.action, e.outcome) for e in writes] == [
        ("create", "success"),
        ("create", "failure"),
        ("create", "failure"),
        ("update", "success"),
        ("update", "failure"),
        ("create", "denied"),
    ]


def template_id(found: int | None) -> int:
    assert found is not None
    return found


def test_a_merged_record_keeps_its_tests(clinic: Clinic) -> None:
    records, nurse = clinic.sessions[Role.RECORDS], clinic.sessions[Role.NURSE]
    keep, gone = new_patient(clinic), new_patient(clinic)
    clinic.inst.lab_tests.add(nurse, gone, PANEL)
    clinic.inst.patients.merge(records, keep, gone, reason="registered twice")
    assert clinic.inst.results.grid(nurse, PatientId(keep)).tests == 1
    assert clinic.inst.results.grid(nurse, PatientId(gone)).tests == 0


def test_censored_values_and_coded_answers_are_judged_when_saved(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    tsh = TSH.rows()[0]
    for days_ago, value in ((60, "2.1"), (0, "<0.01")):
        clinic.inst.lab_tests.add(
            nurse,
            pid,
            LabTestInput(
                name=TSH.name,
                collected_at=COLLECTED - dt.timedelta(days=days_ago),
                results=(replace(tsh, value=value),),
            ),
        )
    nitrite = next(r for r in URINALYSIS.rows() if r.analyte == "Nitrite")
    # The form's tick says normal; the answer is one the template calls abnormal.
    urine = replace(nitrite, value="Positive", code="10828004", abnormal=False)
    saved = clinic.inst.lab_tests.add(
        nurse,
        pid,
        LabTestInput(name=URINALYSIS.name, collected_at=COLLECTED, results=(urine,)),
    )
    assert saved.data.results[0].abnormal and saved.data.abnormal_count == 1
    grid = clinic.inst.results.grid(nurse, pid)
    row = next(r for r in grid.rows if r.analyte == "TSH")
    newest = row.cells[0]
    assert newest is not None and (newest.text, newest.flag) == ("<0.01", Flag.LOW)
    assert newest.result.comparator == "<"
    trend = clinic.inst.results.trend(nurse, pid, row.key)
    assert [(p.value, p.flag) for p in trend.points] == [(2.1, ""), (0.01, "L")]
