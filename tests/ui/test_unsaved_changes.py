"""Unsaved changes are never lost silently: every way out of a form asks Save / Discard /
Cancel, and a save says so where the user is looking."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.widgets.unsaved import LeavePrompt
from tests.conftest import Clinic

W = Callable[[Role], MainWindow]
WAIT = 10_000


def open_chart(qtbot: QtBot, w: MainWindow, query: str) -> None:
    w.search_page.search_box.setText(query)
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() >= 1, timeout=WAIT)
    w.open_patient(w.search_page.model.patient(0))
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)
    w.chart.tabs.setCurrentWidget(w.chart.demographics)  # the chart opens on its summary


def prompt(qtbot: QtBot, w: MainWindow) -> LeavePrompt:
    found: list[LeavePrompt] = []

    def shown() -> bool:
        found[:] = [p for p in w.findChildren(LeavePrompt) if p.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def no_prompt(w: MainWindow) -> bool:
    return not any(p.isVisible() for p in w.findChildren(LeavePrompt))


def type_mobile(qtbot: QtBot, w: MainWindow, number: str) -> None:
    field = w.chart.form.inputs["mobile_phone"]
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, number)


def test_close_chart_asks_and_cancel_keeps_what_was_typed(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    assert "Unsaved changes" in w.chart.form.save_state.text()
    w.chart.close_button.click()
    box = prompt(qtbot, w)
    assert "Okafor" in box.informativeText() and "Mobile phone" in box.informativeText()
    box.cancel_button.click()
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.patients_area.currentWidget() is w.chart
    assert w.chart.form.text("mobile_phone") == "5035550123"
    # Escape on the question is Cancel too: still there.
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    box = prompt(qtbot, w)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.chart.form.text("mobile_phone") == "5035550123"


def test_ctrl_f_with_changes_saves_when_asked_then_goes_to_search(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    box = prompt(qtbot, w)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter = Save: the safe default
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)
    # The offscreen platform has no window manager to hand activation back after the box.
    w.activateWindow()
    qtbot.waitUntil(w.search_page.search_box.hasFocus, timeout=WAIT)
    okafor = populated.inst.patients.search(populated.sessions[Role.RECORDS], "okafor")[0]
    stored = populated.inst.patients.record(populated.sessions[Role.RECORDS], okafor.id)
    assert stored.details.mobile_phone and "555" in stored.details.mobile_phone


def test_discard_drops_the_edit_and_goes_on(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    w.chart.close_button.click()
    prompt(qtbot, w).discard_button.click()
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)
    okafor = populated.inst.patients.search(populated.sessions[Role.RECORDS], "okafor")[0]
    stored = populated.inst.patients.record(populated.sessions[Role.RECORDS], okafor.id)
    assert not stored.details.mobile_phone


def test_a_failed_save_keeps_the_user_in_the_form(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "555-12")  # too short: refused by validation
    w.chart.close_button.click()
    prompt(qtbot, w).save_button.click()
    qtbot.waitUntil(lambda: w.chart.form.errors["mobile_phone"].isVisible(), timeout=WAIT)
    assert w.patients_area.currentWidget() is w.chart
    assert w.chart.form.text("mobile_phone") == "555-12"


def test_typing_a_value_back_is_not_a_change(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    field = w.chart.form.inputs["given_names"]
    original = field.text()
    field.setText("Someone else")
    assert w.chart.form.has_unsaved_changes()
    field.setText(original)
    assert not w.chart.form.has_unsaved_changes()
    w.chart.close_button.click()
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)


def test_a_new_registration_asks_before_ctrl_f_throws_it_away(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(w.new_patient.inputs["family_name"], "Rivera")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    box = prompt(qtbot, w)
    assert "new patient" in box.informativeText() and "Family name" in box.informativeText()
    box.cancel_button.click()
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.patients_area.currentWidget() is w.new_patient
    assert w.new_patient.text("family_name") == "Rivera"
    # The form's own Cancel asks as well.
    w.new_patient.cancel_button.click()
    prompt(qtbot, w).discard_button.click()
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)


def test_sign_out_and_closing_the_window_ask_first(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    w.sign_out()
    prompt(qtbot, w).cancel_button.click()
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.session is not None and w.chart.form.text("mobile_phone") == "5035550123"
    w.close()
    assert w.isVisible()  # the close waits for the answer
    prompt(qtbot, w).cancel_button.click()
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.isVisible() and w.chart.form.text("mobile_phone") == "5035550123"
    with qtbot.waitSignal(w.signed_out, timeout=WAIT):
        w.sign_out()
        prompt(qtbot, w).discard_button.click()


def test_sign_out_from_the_lock_screen_names_no_patient(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    w.lock(idle=True)
    w.lock_screen.sign_out_button.click()
    box = w.locked_sign_out_prompt
    qtbot.waitUntil(box.isVisible, timeout=WAIT)
    text = box.text() + box.informativeText()
    assert "unsaved changes" in text and "Okafor" not in text and "Chidi" not in text
    assert not w.findChildren(LeavePrompt)  # the patient-naming question is not shown here
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Escape keeps them
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    assert w.session is not None and w.locked


def test_saving_says_so_beside_the_save_button(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    qtbot.keyClick(
        w.chart.form.inputs["mobile_phone"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: "Saved" in w.chart.form.save_state.text(), timeout=WAIT)
    assert w.chart.form.save_state.text().startswith("✓ Saved ")
    assert not w.chart.form.has_unsaved_changes()
    # Saved means stored: leaving now asks nothing.
    w.chart.close_button.click()
    qtbot.waitUntil(lambda: w.patients_area.currentWidget() is w.search_page, timeout=WAIT)


def test_a_change_made_elsewhere_does_not_overwrite_typing(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    from medrec_desktop.services.patient_input import PatientInput

    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    assert w.chart.patient is not None
    pid = w.chart.patient.id
    # Another workstation renames the patient meanwhile.
    nurse = populated.sessions[Role.NURSE]
    stored = populated.inst.patients.record(nurse, pid)
    p = stored.info
    populated.inst.patients.update(
        nurse,
        pid,
        PatientInput(p.family_name, "Chidiebere", p.birth_date, p.sex, p.phone, stored.details),
        expected_version=p.version,
    )
    w.services.notify_changed(pid, set())
    form = w.chart.form
    qtbot.waitUntil(lambda: form.text("given_names") == "Chidiebere", timeout=WAIT)
    assert form.text("mobile_phone") == "5035550123"  # the typing is kept on top
    assert "changed elsewhere" in form.message.text()
    # Saving now builds on the newest version: no conflict, both changes stored.
    form.save()
    qtbot.waitUntil(lambda: "Saved" in form.save_state.text(), timeout=WAIT)
    after = populated.inst.patients.record(nurse, pid)
    assert after.info.given_names == "Chidiebere" and after.details.mobile_phone


def test_undo_after_a_change_elsewhere_shows_the_stored_record(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    from medrec_desktop.services.patient_input import PatientInput

    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    assert w.chart.patient is not None
    pid = w.chart.patient.id
    nurse = populated.sessions[Role.NURSE]
    stored = populated.inst.patients.record(nurse, pid)
    p = stored.info
    populated.inst.patients.update(
        nurse,
        pid,
        PatientInput(p.family_name, "Chidiebere", p.birth_date, p.sex, p.phone, stored.details),
        expected_version=p.version,
    )
    w.services.notify_changed(pid, set())
    form = w.chart.form
    qtbot.waitUntil(lambda: form.text("given_names") == "Chidiebere", timeout=WAIT)
    form.cancel_button.click()  # "Undo changes"
    assert form.text("given_names") == "Chidiebere" and form.text("mobile_phone") == ""
    assert not form.has_unsaved_changes()


def test_typing_while_a_chart_opens_is_impossible_not_lost(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    w.search_page.search_box.setText("okafor")
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=WAIT)
    w.open_patient(w.search_page.model.patient(0))
    field = w.chart.form.inputs["mobile_phone"]
    assert field.isReadOnly()  # until the record is there, nothing can be typed over it
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)
    assert not field.isReadOnly()


def test_saved_stamp_survives_the_reload_after_a_save(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    w.chart.form.save()
    qtbot.waitUntil(
        lambda: w.runner.in_flight == 0 and "Saved" in w.chart.form.save_state.text(), timeout=WAIT
    )
    w.runner.wait_for_done()
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    assert w.chart.form.save_state.text().startswith("✓ Saved ")


def test_pressing_save_twice_saves_once_without_a_false_conflict(
    qtbot: QtBot, make_window: W
) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    field = w.chart.form.inputs["mobile_phone"]
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    assert "Someone else" not in w.chart.form.message.text()
    assert w.chart.form.save_state.text().startswith("✓ Saved ")


def test_locking_closes_the_question_and_nobody_can_answer_it(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    type_mobile(qtbot, w, "5035550123")
    w.chart.close_button.click()
    box = prompt(qtbot, w)
    w.lock(idle=True)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    assert not any(p.isVisible() for p in w.findChildren(LeavePrompt))
    assert w.chart.form.text("mobile_phone") == "5035550123"  # kept for the user


def test_an_offer_of_typed_details_is_asked_about_before_it_is_dropped(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    import datetime as dt

    from medrec_desktop.services.patient_input import PatientInput

    w = make_window(Role.FRONT_DESK)
    okafor = populated.inst.patients.search(populated.sessions[Role.FRONT_DESK], "okafor")[0]
    typed = PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male", "503-555-0199")
    w._open_existing(okafor, typed)
    qtbot.waitUntil(lambda: w.chart.offer.isVisible(), timeout=WAIT)
    w.chart.close_button.click()
    box = prompt(qtbot, w)
    assert "typed for a new registration" in box.informativeText()
    box.cancel_button.click()
    qtbot.waitUntil(lambda: no_prompt(w), timeout=WAIT)
    assert w.chart.offer.isVisible()


def test_opening_a_chart_does_not_ask_about_clinic_settings(qtbot: QtBot, make_window: W) -> None:
    from medrec_desktop.ui.admin import SettingsPage

    w = make_window(Role.ADMIN)
    w.show_area("Administration")
    tabs = w.areas["Administration"]
    page = next(p for p in tabs.findChildren(SettingsPage))
    tabs.setCurrentWidget(page)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    page.clinic_name.setText("Edited, not saved")
    w.show_area("Patients")
    open_chart(qtbot, w, "okafor")  # the settings edit is not at risk: nothing is asked
    assert no_prompt(w) and page.clinic_name.text() == "Edited, not saved"


def test_clinic_settings_are_a_guarded_form_too(qtbot: QtBot, make_window: W) -> None:
    from medrec_desktop.ui.admin import SettingsPage

    w = make_window(Role.ADMIN)
    w.show_area("Administration")
    tabs = w.areas["Administration"]
    page = next(p for p in tabs.findChildren(SettingsPage))
    tabs.setCurrentWidget(page)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)  # stored settings shown
    page.clinic_name.setText("Maple Street Clinic (new name)")
    tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
    tabs.setCurrentWidget(page)  # coming back does not reload over the edit
    assert page.clinic_name.text() == "Maple Street Clinic (new name)"
    w.show_area("Patients")
    w.sign_out()
    box = prompt(qtbot, w)
    assert "Clinic settings" in box.informativeText()
    assert w.current_area() == "Administration" and page.isVisible()  # shown, not guessed
    box.cancel_button.click()
