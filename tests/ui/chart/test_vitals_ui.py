"""Vitals by keyboard alone: a set typed in US units shows each value in metric beside it and
the BMI worked out, an unusual value is marked beside its field and still saves (and is
marked "⚠" in the list), every impossible value is refused under its field with the text
kept, and the history shows values as the screens do (local time, both unit systems)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.chart.vitals_form import checked
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text
from tests.ui.chart.form_keys import ALT, fill, new_item, open_list, refused, retype, saved

TAB = Qt.Key.Key_Tab


def vitals(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    return open_list(qtbot, w, Qt.Key.Key_6, "vitals")  # Ctrl+6


def test_a_set_typed_in_us_units_saves_with_both_units_bmi_and_a_warning(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = vitals(qtbot, w)
    form = new_item(qtbot, page)
    taken = form.inputs["taken_at"]
    assert focused() is taken.focus
    # A new set starts at now, in local time.
    now = dt.datetime.now()
    assert abs(dt.datetime.fromisoformat(str(taken.value())) - now) < dt.timedelta(minutes=2)
    retype(qtbot, "05/01/2024 14:02")
    key(qtbot, TAB)
    assert focused() is form.inputs["units"].focus
    type_text(qtbot, "U")  # the list answers the first letter: US
    assert form.inputs["units"].value() == UnitSystem.US
    for text in ("186", "96", "72", "16", "98.6", "97", "5' 5\"", "154.3"):
        key(qtbot, TAB)
        type_text(qtbot, text)
    numbers = {n: form.inputs[n].number for n in ("temperature", "height", "weight", "systolic")}
    assert numbers["height"] is not None and numbers["height"].unit.text() == "in"
    assert numbers["height"].other.text() == "= 165.1 cm"
    assert numbers["weight"] is not None and numbers["weight"].unit.text() == "lb"
    assert numbers["weight"].other.text() == "= 70.0 kg"
    assert numbers["temperature"] is not None and numbers["temperature"].other.text() == "= 37.0 °C"
    bmi = form.inputs["bmi"].computed
    assert bmi is not None and bmi.shown.text() == "25.7 kg/m²"
    # Unusual: said beside the field before saving, and the set still saves.
    warning = numbers["systolic"].warning  # type: ignore[union-attr]
    assert warning.isVisible() and "hypertensive crisis" in warning.message
    saved(qtbot, page)
    settle(qtbot, w)
    assert [page.model.display(r, 1) for r in page.model.rows()] == ["186/96 ⚠"]
    assert page.model.display(page.model.rows()[0], 0) == "05/01/2024 14:02"
    nurse = populated.sessions[Role.NURSE]
    stored = populated.inst.vitals.list(nurse, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert stored.units is UnitSystem.US and stored.bmi == 25.7
    assert stored.taken_at == dt.datetime(2024, 5, 1, 14, 2).astimezone(dt.UTC)
    assert round(stored.weight_kg or 0, 1) == 70.0 and stored.height_cm == 165.1

    # Corrected later: the history reads as the form does, not as stored numbers.
    key(qtbot, Qt.Key.Key_Return)
    fill(qtbot, page.form, "weight", "150")
    saved(qtbot, page)
    settle(qtbot, w)
    key(qtbot, Qt.Key.Key_Y, ALT)  # View histor&y
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.history, timeout=WAIT)
    history = page.history
    cells = [history.changes.item(0, c).text() for c in range(4)]  # type: ignore[union-attr]
    assert cells == ["Weight (kg)", "154.3 lb (70.0 kg)", "→", "150.0 lb (68.0 kg)"]
    assert " · Counted · " in history.list.item(0).text()
    history.list.setCurrentRow(1)  # version 1: what was recorded, times in local time
    first = {
        history.changes.item(r, 0).text(): history.changes.item(r, 3).text()  # type: ignore[union-attr]
        for r in range(history.changes.rowCount())
    }
    assert first["Taken at"] == "05/01/2024 14:02"
    assert first["Height (cm)"] == "5 ft 5 in (165.1 cm)"
    assert first["Temperature (°C)"] == "98.6 °F (37.0 °C)"
    assert first["Units entered"] == "US (in, lb, °F)"


def test_the_other_units_show_beside_each_measurement_and_follow_the_switch(
    qtbot: QtBot, chart_window: Window
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    form = new_item(qtbot, vitals(qtbot, w))
    fill(qtbot, form, "height", "165")
    key(qtbot, TAB)
    type_text(qtbot, "70")
    height, weight = form.inputs["height"].number, form.inputs["weight"].number
    assert height is not None and weight is not None
    assert (height.unit.text(), height.other.text()) == ("cm", "= 5 ft 5 in")
    assert (weight.unit.text(), weight.other.text()) == ("kg", "= 154.3 lb")
    # The scale read pounds: the switch says so, the typed numbers stay as typed.
    key(qtbot, Qt.Key.Key_I, ALT)  # Un&its
    assert focused() is form.inputs["units"].focus
    type_text(qtbot, "U")
    assert (weight.value(), weight.unit.text(), weight.other.text()) == ("70", "lb", "= 31.8 kg")
    assert (height.unit.text(), height.other.text()) == ("in", "= 419.1 cm")
    key(qtbot, Qt.Key.Key_Up)  # back to metric
    assert (weight.unit.text(), weight.other.text()) == ("kg", "= 154.3 lb")


def test_each_impossible_value_is_refused_under_its_field_and_keeps_the_text(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    # The clinic's clock reads the workstation's: a set taken "now" is not in its future.
    populated.clock.now = dt.datetime.now(dt.UTC)
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = vitals(qtbot, w)
    form = new_item(qtbot, page)
    refused(qtbot, form, "systolic", "Enter at least one measurement")
    fill(qtbot, form, "systolic", "80")
    key(qtbot, TAB)
    type_text(qtbot, "90")
    refused(qtbot, form, "systolic", "must be higher than the diastolic", kept="80")
    retype(qtbot, "120")
    fill(qtbot, form, "pulse", "400")
    # Said as soon as the field is left, before any save.
    key(qtbot, TAB)
    qtbot.waitUntil(lambda: form.errors["pulse"].isVisible(), timeout=WAIT)
    assert "pulse above 300/min is not possible" in form.errors["pulse"].message
    refused(qtbot, form, "pulse", "above 300/min", kept="400")
    retype(qtbot, "72")
    qtbot.waitUntil(lambda: not form.errors["pulse"].isVisible(), timeout=WAIT)
    fill(qtbot, form, "temperature", "50")
    refused(qtbot, form, "temperature", "above 45 °C", kept="50")
    retype(qtbot, "37")
    fill(qtbot, form, "spo2", "101")
    refused(qtbot, form, "spo2", "above 100 % is not possible", kept="101")
    retype(qtbot, "98")
    fill(qtbot, form, "height", "300")
    refused(qtbot, form, "height", "above 272 cm", kept="300")
    retype(qtbot, "170")
    fill(qtbot, form, "pain", "11")
    refused(qtbot, form, "pain", "above 10", kept="11")
    retype(qtbot, "3")
    fill(qtbot, form, "weight", "abc")
    refused(qtbot, form, "weight", "Type the weight as a number", kept="abc")
    retype(qtbot, "70")
    # The time: in the future, then not a time at all.
    key(qtbot, Qt.Key.Key_K, ALT)  # Ta&ken at
    assert focused() is form.inputs["taken_at"].focus
    retype(qtbot, "05/01/2031 10:00")
    refused(qtbot, form, "taken_at", "cannot be taken in the future")
    assert form.inputs["taken_at"].focus.text() == "05/01/2031 10:00"  # type: ignore[attr-defined]
    retype(qtbot, "yesterday 9")
    refused(qtbot, form, "taken_at", "Enter when the vitals were taken")
    assert form.inputs["taken_at"].value() == "yesterday 9"
    key(qtbot, TAB)
    assert "MM/DD/YYYY HH:MM" in form.errors["taken_at"].message
    key(qtbot, Qt.Key.Key_K, ALT)
    retype(qtbot, "05/01/2024 9:30")
    # US units: a height in feet and inches with too many inches.
    key(qtbot, Qt.Key.Key_I, ALT)
    type_text(qtbot, "U")
    fill(qtbot, form, "height", "5' 13\"")
    refused(qtbot, form, "height", "inches after the feet as 0 to 11", kept="5' 13\"")
    retype(qtbot, "5' 7\"")
    fill(qtbot, form, "weight", "154")
    # The 37 typed as °C now reads as °F: refused in the entry's units.
    refused(qtbot, form, "temperature", "below 77 °F (25 °C)", kept="37")
    retype(qtbot, "98.6")
    saved(qtbot, page)
    settle(qtbot, w)
    assert [page.model.display(r, 1) for r in page.model.rows()] == ["120/90"]


@pytest.mark.parametrize(
    ("zone", "utc"),
    [
        # A West Coast evening: the UTC date is already tomorrow's.
        ("America/Los_Angeles", dt.datetime(2026, 11, 30, 3, 40, tzinfo=dt.UTC)),
        # A morning east of Greenwich: the UTC date is still yesterday's.
        ("Australia/Sydney", dt.datetime(2026, 11, 30, 22, 10, tzinfo=dt.UTC)),
    ],
)
def test_vitals_taken_now_are_not_future_whatever_the_hour_and_zone(
    zone: str, utc: dt.datetime, local_zone: Callable[[str], None]
) -> None:
    """The live check on the form uses the service's day: vitals typed at 7 pm in Los
    Angeles were refused as taken "in the future" (the local date was compared with the UTC
    one)."""
    local_zone(zone)
    local = utc.astimezone().replace(tzinfo=None)
    assert local.date() != utc.date()  # the case that went wrong
    typed = {"taken_at": local.isoformat(timespec="minutes"), "pulse": "72"}
    refused, _warnings = checked(typed, now=utc)
    assert refused == {}
    tomorrow = (local + dt.timedelta(days=1)).isoformat(timespec="minutes")
    refused, _warnings = checked({**typed, "taken_at": tomorrow}, now=utc)
    assert refused == {"taken_at": "The vitals cannot be taken in the future."}


@pytest.fixture
def local_zone() -> Iterator[Callable[[str], None]]:
    """Sets the process's local time zone for one test, and restores it."""
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
