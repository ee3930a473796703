"""A vital sign's trend: oldest first, in the units the clinic typed most, with the adult
reference range converted alike and every reading outside it flagged."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.vital_trends import Reading, VitalSign, flag, usual_units, vital_trend
from medrec_desktop.domain.vital_units import UnitSystem

US, METRIC = UnitSystem.US, UnitSystem.METRIC


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 9, 0, tzinfo=dt.UTC)


def test_points_are_oldest_first_and_flagged_against_the_range() -> None:
    readings = [Reading(at(3), 142, METRIC), Reading(at(1), 118, METRIC), Reading(at(2), 86, US)]
    trend = vital_trend(VitalSign.SYSTOLIC, readings)
    assert (trend.title, trend.unit, trend.low, trend.high) == (
        "Systolic blood pressure",
        "mmHg",
        90,
        120,
    )
    assert [(p.at.day, p.value, p.flag) for p in trend.points] == [
        (1, 118, ""),
        (2, 86, "L"),
        (3, 142, "H"),
    ]


def test_temperature_and_weight_follow_the_units_most_readings_were_typed_in() -> None:
    readings = [Reading(at(1), 37.0, US), Reading(at(2), 38.5, US), Reading(at(3), 36.0, METRIC)]
    trend = vital_trend(VitalSign.TEMPERATURE, readings)
    assert (trend.unit, trend.low, trend.high) == ("°F", 97.0, 99.0)
    assert [(p.value, p.flag) for p in trend.points] == [(98.6, ""), (101.3, "H"), (96.8, "L")]
    metric = vital_trend(VitalSign.TEMPERATURE, readings, METRIC)
    assert (metric.unit, metric.low, metric.high) == ("°C", 36.1, 37.2)
    weight = vital_trend(VitalSign.WEIGHT, [Reading(at(1), 70.0, US)])
    assert (weight.unit, weight.points[0].value) == ("lb", 154.3)
    assert (weight.low, weight.high) == (None, None)
    assert weight.points[0].flag == ""  # no normal weight: never flagged


def test_a_tie_in_units_goes_to_the_latest_reading() -> None:
    assert usual_units([(at(1), US), (at(2), METRIC)]) is METRIC
    assert usual_units([(at(2), US), (at(1), METRIC)]) is US
    assert usual_units([(at(1), US), (at(2), US), (at(3), METRIC)]) is US
    assert usual_units([]) is METRIC


def test_units_that_never_change_ignore_the_unit_system() -> None:
    trend = vital_trend(VitalSign.SPO2, [Reading(at(1), 93, US)])
    assert (trend.unit, trend.points[0].flag) == ("%", "L")
    assert vital_trend(VitalSign.BMI, [Reading(at(1), 24.9, US)]).points[0].flag == ""
    assert vital_trend(VitalSign.PULSE, []).points == ()


def test_flags() -> None:
    assert (flag(5, 1, 4), flag(0, 1, 4), flag(4, 1, 4), flag(9, None, None)) == ("H", "L", "", "")
