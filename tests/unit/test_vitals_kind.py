"""Vitals: units switchable per entry and shown both ways, BMI computed, impossible values
refused with the reason (naming the field), unusual ones warned and still accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.vital_units import (
    UnitSystem,
    bmi,
    height_display,
    temperature_display,
    us_height_inches,
    weight_display,
)
from medrec_desktop.domain.vitals import (
    VitalsData,
    VitalsInput,
    latest_of_each,
    latest_vitals,
)

TODAY = dt.date(2026, 11, 26)
TAKEN = dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC)


def typed(**fields: Any) -> VitalsInput:
    return VitalsInput(taken_at=TAKEN, **fields)


def item(
    data: VitalsData, n: int = 1, status: ItemStatus = ItemStatus.ACTIVE
) -> ItemInfo[VitalsData]:
    return ItemInfo(
        ItemId(n), "vitals", PatientId(1), 1, status, None, "N", TAKEN, "N", TAKEN, None, data
    )


def test_us_units_are_stored_metric_and_shown_both_ways() -> None:
    data = typed(units="us", height="65", weight="154.3", temperature="98.6").validated(TODAY)
    assert (data.units, data.height_cm, data.weight_kg, data.temperature_c) == (
        UnitSystem.US,
        165.1,
        69.989,
        37.0,
    )
    assert weight_display(data.weight_kg or 0, data.units) == "154.3 lb (70.0 kg)"
    assert height_display(data.height_cm or 0, data.units) == "5 ft 5 in (165.1 cm)"
    assert temperature_display(data.temperature_c or 0, data.units) == "98.6 °F (37.0 °C)"
    # The same values entered metric show metric first.
    assert weight_display(70.0) == "70.0 kg (154.3 lb)"
    assert temperature_display(37.0) == "37.0 °C (98.6 °F)"


@pytest.mark.parametrize(
    ("units", "height", "weight", "temperature"),
    [
        ("us", "65.5", "154.25", "99.1"),
        ("us", "5' 11\"", "301.7", "101.3"),
        ("metric", "172.4", "81.35", "38.2"),
        ("us", "19.7", "7.9", "96.9"),
    ],
)
def test_opening_an_entry_and_saving_it_changes_nothing(
    units: str, height: str, weight: str, temperature: str
) -> None:
    first = typed(units=units, height=height, weight=weight, temperature=temperature)
    saved = first.validated(TODAY)
    again = VitalsInput.editing(item(saved)).validated(TODAY)
    assert again == saved


def test_bmi_is_computed_from_this_entrys_height_and_weight() -> None:
    assert bmi(170, 70) == 24.2
    data = typed(height="170", weight="70").validated(TODAY)
    assert data.bmi == 24.2
    assert typed(weight="70").validated(TODAY).bmi is None  # never typed, never guessed


@pytest.mark.parametrize(
    ("text", "inches"),
    [("65", 65.0), ("65 in", 65.0), ("5'5\"", 65.0), ("5 ft 5 in", 65.0), ("6'", 72.0)],
)
def test_a_us_height_is_typed_in_inches_or_feet_and_inches(text: str, inches: float) -> None:
    assert us_height_inches(text) == inches


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"systolic": "120", "diastolic": "130"}, "systolic", "higher than the diastolic"),
        ({"systolic": "120", "diastolic": "120"}, "systolic", "higher than the diastolic"),
        ({"systolic": "120"}, "diastolic", "both numbers"),
        ({"diastolic": "80"}, "systolic", "both numbers"),
        ({"systolic": "310", "diastolic": "80"}, "systolic", "above 300 mmHg is not possible"),
        ({"systolic": "120", "diastolic": "5"}, "diastolic", "below 10 mmHg is not possible"),
        ({"pulse": "301"}, "pulse", "above 300/min is not possible"),
        ({"pulse": "0"}, "pulse", "below 1/min is not possible"),
        ({"pulse": "72.5"}, "pulse", "whole number"),
        ({"pulse": "fast"}, "pulse", "as a number"),
        ({"respirations": "101"}, "respirations", "not possible"),
        ({"spo2": "101"}, "spo2", "above 100 % is not possible"),
        ({"temperature": "98.6"}, "temperature", "above 45 °C is not possible"),
        ({"temperature": "24.9"}, "temperature", "below 25 °C is not possible"),
        ({"units": "us", "temperature": "37"}, "temperature", "below 77 °F (25 °C)"),
        ({"units": "us", "temperature": "114"}, "temperature", "above 113 °F (45 °C)"),
        ({"height": "273"}, "height", "above 272 cm is not possible"),
        ({"units": "us", "height": "108"}, "height", "above 107.1 in (272 cm)"),
        ({"units": "us", "height": "5' 13\""}, "height", "0 to 11"),
        ({"units": "us", "height": "tall"}, "height", "in inches"),
        ({"weight": "651"}, "weight", "above 650 kg is not possible"),
        ({"weight": "-1"}, "weight", "below 0.2 kg is not possible"),
        ({"height": "170", "weight": "5"}, "weight", "BMI that is not possible"),
        ({"pain": "11"}, "pain", "above 10 is not possible"),
        ({"pain": "-1"}, "pain", "below 0 is not possible"),
        ({}, "systolic", "at least one measurement"),
        ({"pulse": "70", "units": "imperial"}, "units", "Choose the units"),
        ({"pulse": "70", "status": ItemStatus.RESOLVED}, "status", "counted or not counted"),
    ],
)
def test_impossible_values_are_refused_naming_the_field(
    fields: dict[str, Any], field: str, said: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        typed(**fields).validated(TODAY)
    assert refused.value.field == field
    assert said in refused.value.message, refused.value.message


def test_when_taken_is_required_and_never_in_the_future() -> None:
    with pytest.raises(ValidationError, match="Enter when") as refused:
        VitalsInput(pulse="70").validated(TODAY)
    assert refused.value.field == "taken_at"
    tomorrow = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="future") as refused:
        VitalsInput(taken_at=tomorrow, pulse="70").validated(TODAY)
    assert refused.value.field == "taken_at"


def test_a_local_time_is_stored_in_utc() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    data = VitalsInput(
        taken_at=dt.datetime(2026, 11, 20, 9, 5, 30, 999, tzinfo=eastern), pulse="70"
    ).validated(TODAY)
    assert data.taken_at == dt.datetime(2026, 11, 20, 14, 5, 30, tzinfo=dt.UTC)
    assert data.taken_at.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("fields", "warned"),
    [
        ({"systolic": "182", "diastolic": "95"}, {"systolic": "hypertensive crisis range"}),
        ({"systolic": "150", "diastolic": "121"}, {"diastolic": "hypertensive crisis range"}),
        ({"systolic": "85", "diastolic": "50"}, {"systolic": "Low blood pressure"}),
        ({"spo2": "89"}, {"spo2": "Low oxygen saturation"}),
        ({"temperature": "39.5"}, {"temperature": "High fever"}),
        ({"units": "us", "temperature": "94.5"}, {"temperature": "Low body temperature"}),
        ({"pulse": "121", "respirations": "31"}, {"pulse": "Fast pulse", "respirations": "Fast"}),
        ({"pulse": "38"}, {"pulse": "Slow pulse"}),
        ({"height": "160", "weight": "103"}, {"bmi": "BMI of 40 or more"}),
        ({"pain": "8"}, {"pain": "Severe pain"}),
        ({"systolic": "120", "diastolic": "80", "spo2": "98", "temperature": "37"}, {}),
    ],
)
def test_unusual_values_are_accepted_with_a_warning_beside_the_field(
    fields: dict[str, Any], warned: dict[str, str]
) -> None:
    form = typed(**fields)
    found = form.check(TODAY)
    assert {w.field for w in found} == set(warned)
    for w in found:
        assert warned[w.field] in w.message
    form.validated(TODAY)  # still saves


def test_latest_vitals_skip_sets_not_counted() -> None:
    older = typed(pulse="70", height="170").validated(TODAY)
    newer = replace(typed(pulse="80").validated(TODAY), taken_at=TAKEN + dt.timedelta(days=1))
    wrong = replace(typed(pulse="150").validated(TODAY), taken_at=TAKEN + dt.timedelta(days=2))
    items = [item(older, 1), item(newer, 2), item(wrong, 3, ItemStatus.INACTIVE)]
    latest = latest_vitals(items)
    assert latest is not None and latest.id == 2
    each = latest_of_each(items)
    assert each["pulse"] == (80, newer.taken_at)
    assert each["height_cm"] == (170.0, TAKEN)  # last year's height stands beside today's pulse
    assert latest_vitals([]) is None
