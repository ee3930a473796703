"""The clinic's day and what each role may do with a note: the Today list (all patients, by
time) opens the chart at the encounter with Enter; a provider sees their notes left unsigned
after the clinic's number of days; only a note's own provider is offered Sign; a coder reads
notes without changing them; a note typed and left is asked about, and its draft kept."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.encounters.models import WITHHELD, WITHHELD_SHORT
from medrec_desktop.ui.encounters.today_page import TodayPage
from medrec_desktop.ui.widgets.unsaved import LeavePrompt
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text
from tests.ui.chart.test_encounters_ui import encounters, okafor, open_note, visit

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_today_lists_the_clinic_day_and_enter_opens_the_chart_at_the_encounter(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    # The clinic's clock at this workstation's today, so "today" is the same day for both.
    now = dt.datetime.now().astimezone()
    populated.clock.now = now.astimezone(dt.UTC)
    provider = populated.sessions[Role.PROVIDER]
    inst = populated.inst
    smith = inst.patients.search(provider, "smith john")[0]
    morning = now.replace(hour=8, minute=30, second=0, microsecond=0).replace(tzinfo=None)
    for patient_id, at, reason in (
        (okafor(populated), morning.replace(hour=9, minute=0), "Cough for two weeks"),
        (int(smith.id), morning, "Annual physical"),
    ):
        inst.encounters.add(
            provider,
            patient_id,  # type: ignore[arg-type]
            EncounterInput(starts_at=at, reason_for_visit=reason),
        )
    # An older note the provider has not signed: listed after the clinic's 3 days.
    old = visit(populated, starts_at=(now - dt.timedelta(days=6)).replace(tzinfo=None))

    w = make_window(Role.PROVIDER)
    assert "Today" in w.areas
    w.show_area("Today")
    page = w.areas["Today"]
    assert isinstance(page, TodayPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    shown = [[page.model.display(r, c) for c in (0, 1, 5, 6)] for r in page.model.rows()]
    assert shown == [
        ["08:30", "Smith, John", "Annual physical", "✎ Unsigned"],
        ["09:00", "Okafor, Chidi", "Cough for two weeks", "✎ Unsigned"],
    ]
    assert page.unsigned_box.isVisible()
    qtbot.waitUntil(lambda: page.unsigned_model.rowCount() == 1, timeout=WAIT)
    assert page.unsigned_model.row_at(0).encounter_id == old.id
    assert "more than 3 days" in page.unsigned_hint.text()

    # Ctrl+F filters the day; Enter opens the chart at the encounter.
    key(qtbot, Qt.Key.Key_F, CTRL)
    assert focused() is page.filter
    type_text(qtbot, "okafor")
    assert page.proxy.rowCount() == 1
    key(qtbot, Qt.Key.Key_Return)
    chart = w.chart
    qtbot.waitUntil(
        lambda: (
            chart.patient is not None
            and chart.encounters.form.detail is not None
            and chart.encounters.stack.currentWidget() is chart.encounters.form
        ),
        timeout=WAIT,
    )
    detail = chart.encounters.form.detail
    assert detail is not None and detail.item.data.reason_for_visit == "Cough for two weeks"
    assert chart.tabs.currentWidget() is chart.encounters
    assert w.current_area() == "Patients"


def test_only_the_notes_provider_is_offered_sign_and_a_coder_only_reads(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    made = visit(populated)
    nurse = make_window(Role.NURSE)
    open_chart(qtbot, nurse, "okafor")
    page = encounters(qtbot, nurse)
    open_note(qtbot, page, made.id)
    form = page.form
    assert form.save_button.isVisible()  # a nurse may chart the visit...
    assert not form.sign_button.isVisible()  # ...but only its provider signs it
    nurse.session = None
    nurse.close()

    coder = make_window(Role.CODER)
    open_chart(qtbot, coder, "okafor")
    page = encounters(qtbot, coder)
    assert not page.add_button.isEnabled() and not page.error_button.isEnabled()
    open_note(qtbot, page, made.id)
    form = page.form
    assert not form.save_button.isVisible() and not form.sign_button.isVisible()
    assert form.inputs["subjective"].read_only
    assert "can read this encounter but not change it" in form.message.message
    # Coders cannot add to the record: no amendment requests recorded by them either.
    assert not page.amendments.record_button.isEnabled()
    assert "Today" in coder.areas  # the clinic's day is a clinical list coders read too


def test_a_note_left_with_typing_asks_first_and_keeps_a_draft(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    made = visit(populated)
    w = make_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    open_note(qtbot, page, made.id)
    form = page.form
    key(qtbot, Qt.Key.Key_N, ALT)  # Pla&n
    type_text(qtbot, "Chest X-ray if not better in a week.")
    assert form.has_unsaved_changes() and form.save_state.text() == "Unsaved changes"
    qtbot.waitUntil(lambda: form.drafts.writes >= 1, timeout=WAIT)
    provider = populated.sessions[Role.PROVIDER]
    [kept] = populated.inst.drafts.my_drafts(provider)
    assert kept.item_type == "encounter" and kept.item_id == made.id
    # Leaving the chart asks Save / Discard / Cancel about the note.
    w.find_patient()
    qtbot.waitUntil(lambda: bool(w.findChildren(LeavePrompt)), timeout=WAIT)
    prompt = w.findChildren(LeavePrompt)[0]
    assert "Encounter in the chart of" in prompt.informativeText()
    prompt.save_button.click()
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)
    settle(qtbot, w)
    assert populated.inst.encounters.get(provider, made.id).data.plan == (
        "Chest X-ray if not better in a week."
    )
    qtbot.waitUntil(lambda: populated.inst.drafts.my_drafts(provider) == [], timeout=WAIT)


def test_vitals_added_from_a_note_are_linked_to_it_and_listed_under_it(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    made = visit(populated)
    w = make_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    open_note(qtbot, page, made.id)
    form = page.form
    assert form.link_button.isVisible()
    [vitals_action] = [a for a in form.link_menu.actions() if "Vitals" in a.text()]
    vitals_action.trigger()
    listing = w.chart.lists["vitals"]
    assert w.chart.tabs.currentWidget() is listing
    assert listing.stack.currentWidget() is listing.form
    inputs = listing.form.inputs
    assert inputs["encounter_id"].value() == str(made.id)
    inputs["taken_at"].set_value("2026-11-19T10:40")
    inputs["systolic"].set_value("148")
    inputs["diastolic"].set_value("92")
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: listing.stack.currentWidget() is listing.panel, timeout=WAIT)
    nurse = populated.sessions[Role.NURSE]
    [stored] = populated.inst.vitals.list(nurse, okafor(populated)).items  # type: ignore[arg-type]
    assert stored.data.encounter_id == made.id
    # Back to the note: the vitals are listed under "Vitals taken".
    key(qtbot, Qt.Key.Key_7, CTRL)
    qtbot.waitUntil(lambda: "BP 148/92" in form.linked["vitals"].text(), timeout=WAIT)
    assert page.stack.currentWidget() is form


def test_a_note_typed_before_a_crash_is_offered_back_into_its_form(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    from tests.ui.chart.test_drafts_ui import crash, lines, offer

    made = visit(populated)
    w = make_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    open_note(qtbot, page, made.id)
    key(qtbot, Qt.Key.Key_N, ALT)  # Pla&n
    type_text(qtbot, "Chest X-ray if not better.")
    qtbot.waitUntil(lambda: page.form.drafts.writes >= 1, timeout=WAIT)
    crash(qtbot, w)

    again = make_window(Role.PROVIDER)
    dialog = offer(qtbot, again)
    [line] = lines(dialog)
    assert "Encounter note for Okafor, Chidi" in line
    dialog.restore_button.click()
    form = again.chart.encounters.form
    qtbot.waitUntil(
        lambda: form.detail is not None and form.inputs["plan"].value() != "", timeout=WAIT
    )
    assert form.inputs["plan"].value() == "Chest X-ray if not better."
    assert form.has_unsaved_changes() and "Restored what you typed" in form.message.message
    assert again.chart.tabs.currentWidget() is again.chart.encounters


def test_a_labelled_visit_shows_only_its_time_and_patient_to_a_nurse(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    now = dt.datetime.now().astimezone()
    populated.clock.now = now.astimezone(dt.UTC)
    provider = populated.sessions[Role.PROVIDER]
    at = now.replace(hour=10, minute=0, second=0, microsecond=0).replace(tzinfo=None)
    populated.inst.encounters.add(
        provider,
        okafor(populated),  # type: ignore[arg-type]
        EncounterInput(
            starts_at=at,
            encounter_type=EncounterType.TELEHEALTH,
            reason_for_visit="Alcohol use disorder follow-up",
            sensitivity=Sensitivity.SUBSTANCE_USE,
        ),
    )
    w = make_window(Role.NURSE)
    w.show_area("Today")
    page = w.areas["Today"]
    assert isinstance(page, TodayPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    [row] = page.model.rows()
    shown = [page.model.display(row, c) for c in range(len(page.model.HEADERS))]
    assert shown == [
        "10:00",
        "Okafor, Chidi",
        row.mrn,
        WITHHELD_SHORT,
        WITHHELD_SHORT,
        WITHHELD,
        "✎ Unsigned",
    ]
    assert "Alcohol" not in " ".join(shown) and "Telehealth" not in " ".join(shown)
