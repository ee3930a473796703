"""Medications and immunizations by keyboard alone: a medication with a frequency typed under
"Other…" and linked to one of the patient's problems, the "current medications" view, its
status words in the list and the history; a vaccine picked by name from the CVX table, and
the fields that follow "given here", "historical" or "refused"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.immunizations import Administration
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.chart.field_widgets import CodeAhead, LookupChoice, OtherChoice
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import (
    WAIT,
    Window,
    focused,
    key,
    open_chart,
    rows,
    settle,
    type_text,
)
from tests.ui.chart.form_keys import ALT, fill, new_item, open_list, refused, retype, saved

TAB = Qt.Key.Key_Tab


def medications(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    return open_list(qtbot, w, Qt.Key.Key_4, "medications")  # Ctrl+4


def test_a_medication_by_keyboard_with_other_frequency_and_the_problem_it_treats(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    problem = populated.inst.problems.add(
        records, okafor.id, ProblemInput(description="Essential hypertension", icd10cm="I10")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = medications(qtbot, w)
    form = new_item(qtbot, page)
    assert focused() is form.inputs["name"].focus
    type_text(qtbot, "Lisinopril")
    for text in ("10 mg", "1", "tab", "or"):  # strength, dose, unit and route by keyboard
        key(qtbot, TAB)
        type_text(qtbot, text)
    assert (form.inputs["dose_unit"].value(), form.inputs["route"].value()) == ("tablet", "oral")
    key(qtbot, TAB)
    frequency = form.inputs["frequency"].widget
    assert isinstance(frequency, OtherChoice) and focused() is frequency.combo
    type_text(qtbot, "Oth")  # "Other…" opens a text field and the cursor goes there
    assert focused() is frequency.other
    type_text(qtbot, "every other day")
    key(qtbot, TAB)
    type_text(qtbot, "03/2015")
    key(qtbot, TAB)  # stop: blank
    key(qtbot, TAB)
    link = form.inputs["indication_problem_id"].widget
    assert isinstance(link, LookupChoice) and focused() is link.combo
    qtbot.waitUntil(lambda: link.combo.count() == 2, timeout=WAIT)
    assert link.combo.itemText(1) == "Essential hypertension — I10"
    key(qtbot, Qt.Key.Key_Down)
    # The indication says it in words too, unless the user typed their own.
    assert form.inputs["indication"].value() == "Essential hypertension"
    saved(qtbot, page)
    settle(qtbot, w)
    assert rows(page) == ["Lisinopril"]
    row = page.model.rows()[0]
    assert [page.model.display(row, c) for c in (2, 3, 4, 5, 8)] == [
        "1 tablet",
        "Oral",
        "every other day",
        "03/2015",
        "Active",
    ]
    stored = populated.inst.medications.list(records, okafor.id).items[0]
    assert stored.data.indication_problem_id == problem.id
    assert stored.data.frequency == "every other day"
    # Reopened, the typed frequency is back under "Other…".
    key(qtbot, Qt.Key.Key_Return)
    assert frequency.combo.currentText() == "Other…" and frequency.other.text() == (
        "every other day"
    )
    assert link.combo.currentText() == "Essential hypertension — I10"


def test_refused_values_stay_under_their_fields_and_stopped_leaves_the_current_view(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    populated.inst.medications.add(
        records, okafor.id, MedicationInput(name="Metformin", strength="500 mg", start="2012")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = medications(qtbot, w)
    qtbot.waitUntil(lambda: rows(page) == ["Metformin"], timeout=WAIT)
    form = new_item(qtbot, page)
    refused(qtbot, form, "name", "Name the medication")
    type_text(qtbot, "Amoxicillin")
    fill(qtbot, form, "dose", "1")
    refused(qtbot, form, "dose_unit", "Choose the unit of the dose")
    type_text(qtbot, "cap")
    fill(qtbot, form, "start", "01/10/2024")
    key(qtbot, TAB)
    type_text(qtbot, "01/05/2024")
    refused(qtbot, form, "stop", "cannot stop before it started", kept="01/05/2024")
    retype(qtbot, "2040")
    refused(qtbot, form, "stop", "more than 5 years ahead", kept="2040")
    retype(qtbot, "01/20/2024")
    saved(qtbot, page)
    settle(qtbot, w)
    # Stopped on the 20th of January: not a current medication any more.
    assert rows(page) == ["Metformin"]
    key(qtbot, Qt.Key.Key_I, ALT)  # Show all, &including stopped and completed
    qtbot.waitUntil(lambda: rows(page) == ["Metformin", "Amoxicillin"], timeout=WAIT)
    # Metformin stopped: the status list says "Stopped", and so does the history.
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Return)
    status = page.form.inputs["status"]
    assert [status.combo.itemText(i) for i in range(3)] == ["Active", "Stopped", "Completed"]  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_A, ALT)  # St&atus
    type_text(qtbot, "S")
    saved(qtbot, page)
    settle(qtbot, w)
    key(qtbot, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: rows(page) == [], timeout=WAIT)
    key(qtbot, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: len(rows(page)) == 2, timeout=WAIT)
    # Amoxicillin is still "Active" as recorded; its stop date keeps it off the current view.
    assert sorted(page.model.display(r, 8) for r in page.model.rows()) == ["Active", "Stopped"]
    metformin = next(r for r in range(2) if page.model.rows()[r].data.name == "Metformin")
    page._select(metformin)
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Y, ALT)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.history, timeout=WAIT)
    history = page.history
    cells = [history.changes.item(0, c).text() for c in range(4)]  # type: ignore[union-attr]
    assert cells == ["Status", "Active", "→", "Stopped"]
    assert " · Stopped · " in history.list.item(0).text()


def immunizations(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    return open_list(qtbot, w, Qt.Key.Key_5, "immunizations")  # Ctrl+5


def test_a_vaccine_picked_by_name_from_the_cvx_table_is_saved_given_here(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = immunizations(qtbot, w)
    form = new_item(qtbot, page)
    cvx = form.inputs["cvx"].widget
    assert isinstance(cvx, CodeAhead) and focused() is cvx.edit
    type_text(qtbot, "tdap")
    popup = cvx.completer.popup()
    qtbot.waitUntil(lambda: popup is not None and popup.isVisible(), timeout=WAIT)
    assert popup is not None
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert form.inputs["cvx"].value() == "115"
    assert form.inputs["vaccine"].value() == "Tdap" and cvx.title.text() == "Tdap"
    for text in ("", "", "03/14/2024", "1", "AB12C", "L", "I", "Nurse Lee"):
        key(qtbot, TAB)
        if text:
            type_text(qtbot, text)
    saved(qtbot, page)
    settle(qtbot, w)
    nurse = populated.sessions[Role.NURSE]
    item = populated.inst.immunizations.list(nurse, w.chart.patient.id).items[0]  # type: ignore[union-attr]
    d = item.data
    assert (d.vaccine, d.cvx, d.administration, str(d.given_on), d.dose_number) == (
        "Tdap",
        "115",
        Administration.GIVEN,
        "03/14/2024",
        1,
    )
    assert (d.lot_number, d.site.value, d.route.value, d.given_by) == (  # type: ignore[union-attr]
        "AB12C",
        "left-deltoid",
        "IM",
        "Nurse Lee",
    )
    assert page.model.display(page.model.rows()[0], 8) == "Counted"


def test_refused_and_historical_switch_the_fields_they_use(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = immunizations(qtbot, w)
    form = new_item(qtbot, page)
    type_text(qtbot, "88")
    assert form.inputs["vaccine"].value() == ""  # typed, not picked: the name is the user's
    key(qtbot, TAB)
    type_text(qtbot, "Influenza")
    fill(qtbot, form, "lot_number", "LOT9")
    how = form.inputs["administration"]
    key(qtbot, Qt.Key.Key_E, ALT)  # R&ecorded as
    assert focused() is how.focus
    type_text(qtbot, "R")  # Refused: no lot, no site, but a reason
    assert how.value() == Administration.REFUSED
    lot = form.inputs["lot_number"]
    assert not lot.container.isEnabled() and lot.value() == ""
    assert form.inputs["refusal_reason"].container.isEnabled()
    label = form.grid.labelForField(form.inputs["refusal_reason"].container.parentWidget())
    assert label.text() == "Why refused *"  # type: ignore[union-attr]
    fill(qtbot, form, "given_on", "2019")
    refused(qtbot, form, "given_on", "Enter the whole date", kept="2019")
    retype(qtbot, "10/02/2024")
    refused(qtbot, form, "refusal_reason", "Say why the vaccine was refused")
    type_text(qtbot, "Prefers to wait until after travel")
    # Historical instead: the lot typed before comes back; the source is now required.
    key(qtbot, Qt.Key.Key_E, ALT)
    key(qtbot, Qt.Key.Key_Up)
    assert how.value() == Administration.HISTORICAL
    assert lot.container.isEnabled() and lot.value() == "LOT9"
    assert not form.inputs["refusal_reason"].container.isEnabled()
    fill(qtbot, form, "given_on", "2019")  # an old record may be vague
    refused(qtbot, form, "source", "Say where this dose is known from")
    type_text(qtbot, "State registry")
    saved(qtbot, page)
    settle(qtbot, w)
    nurse = populated.sessions[Role.NURSE]
    d = populated.inst.immunizations.list(nurse, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.vaccine, d.cvx, d.administration, str(d.given_on), d.lot_number, d.source) == (
        "Influenza",
        "88",
        Administration.HISTORICAL,
        "2019",
        "LOT9",
        "State registry",
    )
    assert d.refusal_reason is None
    assert [page.model.display(page.model.rows()[0], c) for c in (3, 7)] == [
        "Historical",
        "State registry",
    ]
