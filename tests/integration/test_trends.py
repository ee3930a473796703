"""Trends of vital signs through the real service, on SQLCipher and PostgreSQL: the counted
sets only, oldest first, in the units the clinic typed; labelled sets left out for whoever
may not see them; every read, print and export an audit event."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.vital_trends import VitalSign
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.trends import UNNAMED_ANALYTE
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

START = dt.datetime(2026, 6, 1, 8, 30, tzinfo=dt.UTC)


def _vitals(clinic: Clinic) -> int:
    pid = new_patient(clinic)
    typed = [
        VitalsInput(taken_at=START, units="us", systolic="118", diastolic="76", weight="154.3"),
        VitalsInput(
            taken_at=START + dt.timedelta(days=60),
            units="us",
            systolic="146",
            diastolic="92",
            temperature="100.4",
        ),
        VitalsInput(
            taken_at=START + dt.timedelta(days=30),
            units="metric",
            systolic="88",
            diastolic="58",
            weight="71",
        ),
        # Not counted (a wrong cuff), and entered in error: neither is on the trend.
        VitalsInput(
            taken_at=START + dt.timedelta(days=31),
            systolic="200",
            diastolic="60",
            status=ItemStatus.INACTIVE,
        ),
        VitalsInput(taken_at=START + dt.timedelta(days=32), systolic="201", diastolic="60"),
        # Labelled: only for who may see sensitive data.
        VitalsInput(
            taken_at=START + dt.timedelta(days=90),
            units="us",
            systolic="131",
            diastolic="84",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    ]
    provider = clinic.sessions[Role.PROVIDER]
    saved = [clinic.inst.vitals.add(provider, pid, t) for t in typed]
    clinic.inst.vitals.mark_entered_in_error(
        provider, saved[4].id, reason="other patient's reading", expected_version=1
    )
    return pid


def test_a_vital_trend_holds_the_counted_readings_oldest_first(clinic: Clinic) -> None:
    pid = _vitals(clinic)
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    trend = clinic.inst.trends.vital(provider, pid, "systolic")
    assert (trend.title, trend.unit, trend.low, trend.high) == (
        "Systolic blood pressure",
        "mmHg",
        90,
        120,
    )
    assert [(p.at, p.value, p.flag) for p in trend.points] == [
        (START, 118, ""),
        (START + dt.timedelta(days=30), 88, "L"),
        (START + dt.timedelta(days=60), 146, "H"),
        (START + dt.timedelta(days=90), 131, "H"),
    ]
    # The nurse may not see the labelled set: it is left out, and the event says so.
    assert len(clinic.inst.trends.vital(nurse, pid, VitalSign.SYSTOLIC).points) == 3
    [event] = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid), limit=1)
    said = (event.entry_point, event.action, event.username)
    assert said == ("TrendService.vital", "view", "nurse")
    assert event.detail == "trend of vital systolic: 3 readings; withheld 1"


def test_weight_and_temperature_in_the_units_typed_most(clinic: Clinic) -> None:
    pid = _vitals(clinic)
    provider = clinic.sessions[Role.PROVIDER]
    weight = clinic.inst.trends.vital(provider, pid, "weight")
    assert (weight.unit, [p.value for p in weight.points]) == ("lb", [154.3, 156.5])
    metric = clinic.inst.trends.vital(provider, pid, "weight", units=UnitSystem.METRIC)
    assert (metric.unit, [p.value for p in metric.points]) == ("kg", [70.0, 71.0])
    fever = clinic.inst.trends.vital(provider, pid, "temperature")
    assert [(p.value, p.flag) for p in fever.points] == [(100.4, "H")]
    assert clinic.inst.trends.vital(provider, pid, "pain").points == ()


def test_an_unknown_sign_is_refused_in_words(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    with pytest.raises(ValidationError, match="Choose a vital sign") as refused:
        clinic.inst.trends.vital(clinic.sessions[Role.NURSE], pid, "mood")
    assert refused.value.field == "which"


def test_printing_and_saving_a_plot_are_recorded(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    clinic.inst.trends.printed(nurse, pid, "vital:pulse")
    clinic.inst.trends.exported(provider, pid, "vital:pulse")
    # A nurse may print a chart but not export it to a file.
    with pytest.raises(PermissionDeniedError):
        clinic.inst.trends.exported(nurse, pid, "vital:pulse")
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid), limit=3)
    said = [(e.entry_point, e.action, e.outcome, e.username) for e in events]
    assert said == [
        ("TrendService.printed", "print", "success", "nurse"),
        ("TrendService.exported", "export", "success", "provider"),
        ("TrendService.exported", "export", "denied", "nurse"),
    ]
    assert events[0].detail == "trend plot vital:pulse printed"
    assert events[1].detail == "trend plot vital:pulse saved as PDF"


def test_a_plots_audit_names_it_by_code_never_by_typed_text(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    nurse = clinic.sessions[Role.NURSE]
    keys = (
        "vital:spo2",
        "result:loinc:4548-4",
        "result:name:cocaine metabolite",  # typed for a result without a LOINC code
        "result:loinc:4548-5",  # not a LOINC code (its check digit is wrong)
        "result:loinc:4548-4 positive",
        "vital:mood",
        "HIV viral load",
        "",
    )
    for key in keys:
        clinic.inst.trends.printed(nurse, pid, key)
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))[-len(keys) :]
    unnamed = f"trend plot {UNNAMED_ANALYTE} printed"
    assert [e.detail for e in events] == [
        "trend plot vital:spo2 printed",
        "trend plot result:loinc:4548-4 printed",
        *[unnamed] * 6,
    ]
