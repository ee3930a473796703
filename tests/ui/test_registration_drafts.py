"""Drafts of the demographics and New patient forms, driven by keyboard: a front-desk user's
typing is kept once typing pauses; after the window is dropped without saving (a crash) the
same user's next sign-in offers it back and restores it, unsaved, into its form; saving
deletes the draft; nobody else (a nurse on the same workstation) is offered it."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.drafts import item_form_key
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.drafts import REGISTRATION_KEY
from medrec_desktop.ui.draft_offer import DraftOfferDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic

W = Callable[[Role], MainWindow]
WAIT = 15_000
CTRL = Qt.KeyboardModifier.ControlModifier


def settle(qtbot: QtBot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)


def stored(c: Clinic, role: Role, key: str) -> dict[str, str] | None:
    found = c.inst.drafts.draft(c.sessions[role], key)
    return dict(found.fields) if found is not None else None


def crash(qtbot: QtBot, w: MainWindow) -> None:
    """The session ends without saving or signing out: the window is simply gone."""
    settle(qtbot, w)
    w.session = None  # nothing asks, nothing saves, nothing signs out
    w.hide()


def offered(qtbot: QtBot, w: MainWindow) -> DraftOfferDialog | None:
    """The offer made after this sign-in (None: nothing was offered)."""
    w.offer_drafts()  # what app.py and start_session do after a sign-in
    settle(qtbot, w)
    shown = [d for d in w.findChildren(DraftOfferDialog) if d.isVisible()]
    return shown[0] if shown else None


def lines(dialog: DraftOfferDialog) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]  # type: ignore[union-attr]


def nobody_else_is_offered_anything(qtbot: QtBot, make_window: W) -> None:
    nurse = make_window(Role.NURSE)  # another user on the same workstation
    assert offered(qtbot, nurse) is None
    nurse.session = None
    nurse.hide()


def test_a_new_registration_is_offered_back_after_a_crash_and_saving_deletes_it(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_N, CTRL)
    form = w.new_patient
    assert w.patients_area.currentWidget() is form
    assert QApplication.focusWidget() is form.inputs["family_name"]
    qtbot.keyClicks(form.inputs["family_name"], "Rivera")
    qtbot.keyClick(form.inputs["family_name"], Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Ana")
    qtbot.keyClicks(form.inputs["birth_date"], "04/12/1987")
    qtbot.keyClicks(form.inputs["sex"], "fem")  # type-ahead in the list
    assert form.text("sex") == "female"
    # No save pressed: the draft appears by itself once typing pauses.
    qtbot.waitUntil(lambda: stored(populated, Role.FRONT_DESK, REGISTRATION_KEY) is not None)
    typed = stored(populated, Role.FRONT_DESK, REGISTRATION_KEY)
    assert typed == {
        "family_name": "Rivera",
        "given_names": "Ana",
        "birth_date": "04/12/1987",
        "sex": "female",
    }
    crash(qtbot, w)

    nobody_else_is_offered_anything(qtbot, make_window)

    again = make_window(Role.FRONT_DESK)
    dialog = offered(qtbot, again)
    assert dialog is not None
    [line] = lines(dialog)
    assert re.fullmatch(
        r"Unsaved work from [0-9/ :]+: new patient registration \(Rivera, Ana\)", line
    ), line
    assert QApplication.focusWidget() is dialog.list
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)  # Restore is the default
    form = again.new_patient
    qtbot.waitUntil(lambda: form.text("family_name") == "Rivera", timeout=WAIT)
    assert again.patients_area.currentWidget() is form and form.isVisible()
    assert (form.text("given_names"), form.text("birth_date"), form.text("sex")) == (
        "Ana",
        "04/12/1987",
        "female",
    )
    assert form.record is None and form.has_unsaved_changes()  # restored, not saved
    assert form.message.text().startswith("Restored what you typed")
    assert QApplication.focusWidget() is form.inputs["family_name"]
    desk = populated.sessions[Role.FRONT_DESK]
    assert populated.inst.patients.search(desk, "rivera") == []

    qtbot.keyClick(form.inputs["family_name"], Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: again.chart.patient is not None, timeout=WAIT)
    settle(qtbot, again)
    [saved] = populated.inst.patients.search(desk, "rivera")
    assert (saved.given_names, saved.sex) == ("Ana", "female")
    assert populated.inst.drafts.my_drafts(desk) == []


def test_discarding_a_new_registration_deletes_its_draft(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_N, CTRL)
    qtbot.keyClicks(w.new_patient.inputs["family_name"], "Halfway")
    qtbot.waitUntil(lambda: stored(populated, Role.FRONT_DESK, REGISTRATION_KEY) is not None)
    w.new_patient.discard_changes()  # the answer "Discard" to the leave question
    settle(qtbot, w)
    assert stored(populated, Role.FRONT_DESK, REGISTRATION_KEY) is None


def test_front_desk_demographics_typing_is_offered_back_to_them_only(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(w.search_page.search_box, "okafor")
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=WAIT)
    qtbot.keyClick(w.search_page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(w.search_page.search_box, Qt.Key.Key_Return)
    form = w.chart.form
    qtbot.waitUntil(lambda: form.text("family_name") == "Okafor", timeout=WAIT)
    settle(qtbot, w)
    assert w.chart.tabs.currentWidget() is w.chart.demographics  # no clinical tabs for them
    field = form.inputs["email"]
    field.setFocus()
    qtbot.keyClicks(field, "chidi@example.org")
    pid = w.chart.patient.id  # type: ignore[union-attr]
    key = item_form_key("demographics", pid)
    qtbot.waitUntil(lambda: stored(populated, Role.FRONT_DESK, key) is not None, timeout=WAIT)
    assert stored(populated, Role.FRONT_DESK, key) == {"email": "chidi@example.org"}
    crash(qtbot, w)

    nobody_else_is_offered_anything(qtbot, make_window)
    assert stored(populated, Role.NURSE, key) is None

    again = make_window(Role.FRONT_DESK)
    dialog = offered(qtbot, again)
    assert dialog is not None
    [line] = lines(dialog)
    assert "Demographics for Okafor, Chidi (MRN " in line
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    form = again.chart.form
    qtbot.waitUntil(lambda: form.text("email") == "chidi@example.org", timeout=WAIT)
    assert form.text("family_name") == "Okafor" and form.has_unsaved_changes()
    assert "Restored what you typed" in form.message.text()
    qtbot.keyClick(form.inputs["email"], Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: not form.has_unsaved_changes(), timeout=WAIT)
    settle(qtbot, again)
    assert populated.inst.drafts.my_drafts(populated.sessions[Role.FRONT_DESK]) == []
