"""Encounters by keyboard: a note typed and saved, signed with a wrong then the right
password and then read only; a signed note refusing an edit that was typed before it was
signed (the service's refusal shown, nothing saved); an addendum added and shown under the
note; an amendment request accepted (an addendum citing it appears) and one denied."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.amendments import AmendmentDecision, AmendmentInput
from medrec_desktop.domain.clinical import ItemInfo, Sensitivity
from medrec_desktop.domain.encounters import EncounterData, EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.chart.field_widgets import LookupChoice
from medrec_desktop.ui.encounters.addendum_dialog import AddendumDialog
from medrec_desktop.ui.encounters.amendment_dialogs import (
    AmendmentRequestDialog,
    DecisionDialog,
)
from medrec_desktop.ui.encounters.page import EncountersPage
from medrec_desktop.ui.encounters.sign_dialog import SignDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, settle, type_text
from tests.ui.chart.form_keys import fill, new_item, open_list, refused, saved

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
TAB = Qt.Key.Key_Tab


def encounters(qtbot: QtBot, w: MainWindow) -> EncountersPage:
    key(qtbot, Qt.Key.Key_7, CTRL)  # the Encounters tab, cursor on its list
    page = w.chart.encounters
    qtbot.waitUntil(lambda: focused() is page.table, timeout=WAIT)
    settle(qtbot, w)
    return page


def okafor(populated: Clinic) -> int:
    nurse = populated.sessions[Role.NURSE]
    return int(populated.inst.patients.search(nurse, "okafor")[0].id)


def visit(populated: Clinic, **typed: object) -> ItemInfo[EncounterData]:
    """An unsigned office visit of Okafor's, by the test provider, a week before the clinic's
    (fake) today."""
    provider = populated.sessions[Role.PROVIDER]
    values: dict[str, object] = {
        "starts_at": dt.datetime(2026, 11, 19, 10, 30),
        "encounter_type": EncounterType.OFFICE,
        "reason_for_visit": "Blood pressure follow-up",
        "subjective": "Home readings 135-150/85-95.",
        "assessment": "Hypertension above goal.",
    }
    values.update(typed)
    return populated.inst.encounters.add(
        provider,
        okafor(populated),
        EncounterInput(**values),  # type: ignore[arg-type]
    )


def signed_visit(populated: Clinic) -> ItemInfo[EncounterData]:
    made = visit(populated)
    provider = populated.sessions[Role.PROVIDER]
    return populated.inst.encounters.sign(
        provider, made.id, password=ROLE_PASSWORD, expected_version=made.version
    )


def open_note(qtbot: QtBot, page: EncountersPage, encounter_id: int) -> None:
    """Choose the encounter in the list and press Enter."""
    qtbot.waitUntil(lambda: page.model.find(encounter_id) >= 0, timeout=WAIT)
    page._select(page.model.find(encounter_id))
    page.table.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            page.stack.currentWidget() is page.form
            and page.form.detail is not None
            and page.form.detail.item.id == encounter_id
        ),
        timeout=WAIT,
    )


def dialog_of(qtbot: QtBot, owner: object, kind: type) -> object:
    """The dialog ``owner`` (the page or its amendments section) opened, active."""
    qtbot.waitUntil(lambda: isinstance(getattr(owner, "dialog", None), kind), timeout=WAIT)
    dialog = owner.dialog  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    return dialog


def closed(qtbot: QtBot, owner: object, w: MainWindow) -> None:
    """The dialog is gone and the window has the keyboard again."""
    qtbot.waitUntil(lambda: getattr(owner, "dialog", None) is None, timeout=WAIT)
    w.activateWindow()  # offscreen: nothing hands activation back after the dialog
    qtbot.waitUntil(w.isActiveWindow, timeout=WAIT)


def test_a_note_typed_saved_and_signed_with_a_wrong_then_the_right_password(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    populated.inst.problems.add(
        populated.sessions[Role.PROVIDER],
        okafor(populated),  # type: ignore[arg-type]
        ProblemInput(description="Essential hypertension", icd10cm="I10", chronic=True),
    )
    w = make_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    assert page.message.message == "No encounters recorded. Insert adds one."
    key(qtbot, Qt.Key.Key_Insert)
    form = page.form
    assert page.stack.currentWidget() is form and focused() is form.inputs["starts_at"].focus
    # A provider charting a visit is its provider unless they choose another.
    qtbot.waitUntil(lambda: form.inputs["provider_id"].value() != "", timeout=WAIT)
    provider = populated.sessions[Role.PROVIDER]
    assert form.inputs["provider_id"].value() == str(provider.user_id)
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "11/25/2026 14:05")
    key(qtbot, Qt.Key.Key_R, ALT)  # &Reason for visit
    type_text(qtbot, "Cough for two weeks")
    key(qtbot, Qt.Key.Key_J, ALT)  # Sub&jective
    type_text(qtbot, "Dry cough, worse at night.")
    key(qtbot, Qt.Key.Key_A, ALT)  # &Assessment
    type_text(qtbot, "Post-viral cough.")
    key(qtbot, Qt.Key.Key_N, ALT)  # Pla&n
    type_text(qtbot, "Honey, fluids; return if fever.")
    # The problems it addressed: ticked from the patient's list with the keyboard.
    problems = form.problems.list
    qtbot.waitUntil(lambda: problems.count() == 1, timeout=WAIT)
    problems.setFocus()
    problems.setCurrentRow(0)
    key(qtbot, Qt.Key.Key_Space)
    assert form.problems.value() != ""
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: form.detail is not None, timeout=WAIT)
    stored = populated.inst.encounters.list_for_patient(provider, okafor(populated)).rows  # type: ignore[arg-type]
    assert [(r.reason_for_visit, r.signed) for r in stored] == [("Cough for two weeks", False)]
    assert form.state.text().startswith("✎ Not signed yet")
    assert form.save_state.text().startswith("✓ Saved")

    # Sign: a wrong password is said plainly and the dialog stays for another try.
    key(qtbot, Qt.Key.Key_I, ALT)  # S&ign…
    dialog = dialog_of(qtbot, page, SignDialog)
    assert isinstance(dialog, SignDialog)
    assert focused() is dialog.password
    assert dialog.password.echoMode() is dialog.password.EchoMode.Password
    type_text(qtbot, "not my password")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT)
    assert "password is not correct" in dialog.error.message
    assert dialog.isVisible() and focused() is dialog.password
    assert dialog.password.selectedText() == "not my password"  # the next keys replace it
    type_text(qtbot, ROLE_PASSWORD)
    key(qtbot, Qt.Key.Key_Return)
    closed(qtbot, page, w)
    qtbot.waitUntil(lambda: form.state.text().startswith("✔ Signed by"), timeout=WAIT)
    assert "Test Provider" in form.state.text()

    # Signed: read only, nothing to save; the way on is an addendum.
    text = form.inputs["subjective"].text
    assert isinstance(text, QPlainTextEdit) and text.isReadOnly()
    assert form.inputs["starts_at"].read_only and form.problems._read_only
    assert not form.save_button.isVisible() and not form.sign_button.isVisible()
    assert form.addendum_button.isVisible()
    assert not form.header_box.isVisible()
    assert "Reason for visit: Cough for two weeks" in form.header_text.text()
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    qtbot.waitUntil(
        lambda: page.model.display(page.model.row_at(0), page.model.COL_SIGNED) == "✔ Signed",
        timeout=WAIT,
    )


def test_a_note_signed_while_it_was_being_edited_refuses_the_edit(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    made = visit(populated)
    w = make_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    open_note(qtbot, page, made.id)
    form = page.form
    key(qtbot, Qt.Key.Key_N, ALT)  # Pla&n
    type_text(qtbot, "Recheck in two weeks.")
    # Meanwhile the provider signs it from another workstation.
    provider = populated.sessions[Role.PROVIDER]
    populated.inst.encounters.sign(
        provider, made.id, password=ROLE_PASSWORD, expected_version=made.version
    )
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.conflict, timeout=WAIT)
    assert "signed this note while you were editing it" in page.conflict.explain.text()
    # Keeping one's own version is refused by the service, in plain words.
    page.conflict.mine_button.click()
    qtbot.waitUntil(lambda: form.message.isVisible(), timeout=WAIT)
    assert "signed and locked" in form.message.message
    stored = populated.inst.encounters.get(provider, made.id)
    assert stored.data.plan is None and stored.data.signed_at is not None
    assert form.has_unsaved_changes()  # the typing is still there to copy from
    page.conflict.theirs_button.click()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    assert not form.has_unsaved_changes()


def test_an_addendum_is_added_under_the_signed_note(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    note = signed_visit(populated)
    w = make_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    open_note(qtbot, page, note.id)
    form = page.form
    assert not form.addenda.isVisible()
    key(qtbot, Qt.Key.Key_A, ALT)  # &Add addendum…
    dialog = dialog_of(qtbot, page, AddendumDialog)
    assert isinstance(dialog, AddendumDialog)
    assert focused() is dialog.reason
    key(qtbot, Qt.Key.Key_Return, CTRL)  # nothing typed: both are required
    assert dialog.reason_error.isVisible() and dialog.isVisible()
    type_text(qtbot, "Lab result received after signing")
    key(qtbot, Qt.Key.Key_Return)  # on to the text
    assert focused() is dialog.text
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert dialog.text_error.isVisible() and "text" in dialog.text_error.message
    type_text(qtbot, "HbA1c 7.4 %: metformin started.")
    key(qtbot, Qt.Key.Key_Return, CTRL)
    closed(qtbot, page, w)
    qtbot.waitUntil(lambda: form.addenda.isVisible(), timeout=WAIT)
    [shown] = form.addenda.texts()
    assert "Addendum 1 · Test Provider" in shown
    assert "Why: Lab result received after signing" in shown
    assert "HbA1c 7.4 %: metformin started." in shown
    assert "Addendum added" in form.message.message
    # The note itself is as it was signed; the list counts the addendum.
    provider = populated.sessions[Role.PROVIDER]
    assert populated.inst.encounters.get(provider, note.id).version == note.version
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(
        lambda: (
            page.model.rowCount() == 1
            and page.model.display(page.model.row_at(0), page.model.COL_ADDENDA) == "1"
        ),
        timeout=WAIT,
    )


def test_amendment_requests_recorded_one_accepted_as_an_addendum_one_denied(
    qtbot: QtBot, make_window: Window, populated: Clinic
) -> None:
    note = signed_visit(populated)
    records = populated.sessions[Role.RECORDS]
    # One request recorded earlier (on another workstation).
    second = populated.inst.amendments.add(
        records,
        okafor(populated),  # type: ignore[arg-type]
        AmendmentInput(
            received_on="11/20/2026",
            encounter_id=note.id,
            requested_change="Remove the blood pressure readings.",
        ),
    )
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = encounters(qtbot, w)
    section = page.amendments
    qtbot.waitUntil(lambda: section.model.rowCount() == 1, timeout=WAIT)
    # A request typed from the keyboard, about the signed note.
    key(qtbot, Qt.Key.Key_Q, ALT)  # Record a re&quest…
    request = dialog_of(qtbot, section, AmendmentRequestDialog)
    assert isinstance(request, AmendmentRequestDialog)
    request.received.setText("11/24/2026")
    key(qtbot, Qt.Key.Key_N, ALT)  # Concerns the &note
    assert focused() is request.note
    request.note.setCurrentIndex(request.note.findData(str(note.id)))
    key(qtbot, Qt.Key.Key_W, ALT)  # &What to change
    type_text(qtbot, "I walk 40 minutes every day, not 20.")
    key(qtbot, Qt.Key.Key_S, ALT)  # &Save request
    closed(qtbot, section, w)
    qtbot.waitUntil(lambda: section.model.rowCount() == 2, timeout=WAIT)
    decisions = {section.model.display(r, section.model.COL_DECISION) for r in section.model.rows()}
    assert decisions == {"◷ Pending"}
    first = next(r for r in section.model.rows() if r.id != second.id)

    # Accept the first: the change becomes an addendum citing it.
    section._select(section.model.find(first.id))
    section.table.setFocus()
    key(qtbot, Qt.Key.Key_Return)
    decide = dialog_of(qtbot, section, DecisionDialog)
    assert isinstance(decide, DecisionDialog)
    key(qtbot, Qt.Key.Key_A, ALT)  # &Accept (a mnemonic clicks a moment later)
    qtbot.waitUntil(decide.accept_choice.isChecked, timeout=WAIT)
    assert not decide.denial.isEnabled()
    key(qtbot, Qt.Key.Key_C, ALT)  # The &change…
    type_text(qtbot, "Exercise: walks 40 minutes every day.")
    key(qtbot, Qt.Key.Key_R, ALT)  # &Record decision
    closed(qtbot, section, w)
    stored = populated.inst.amendments.get(records, first.id)
    assert stored.data.decision is AmendmentDecision.ACCEPTED
    qtbot.waitUntil(
        lambda: (
            section.model.display(
                section.model.row_at(section.model.find(first.id)), section.model.COL_DECISION
            )
            == "✔ Accepted"
        ),
        timeout=WAIT,
    )

    # Deny the second, with the reason and the patient's statement of disagreement.
    section._select(section.model.find(second.id))
    section.table.setFocus()
    key(qtbot, Qt.Key.Key_M, ALT)  # &Make the decision…
    decide = dialog_of(qtbot, section, DecisionDialog)
    assert isinstance(decide, DecisionDialog)
    key(qtbot, Qt.Key.Key_D, ALT)  # &Deny
    qtbot.waitUntil(decide.deny_choice.isChecked, timeout=WAIT)
    key(qtbot, Qt.Key.Key_R, ALT)  # nothing typed: the basis is required
    qtbot.waitUntil(decide.fields.errors["denial_reason"].isVisible, timeout=WAIT)
    assert decide.isVisible()
    key(qtbot, Qt.Key.Key_N, ALT)  # Reason for de&nial
    type_text(qtbot, "The readings were measured in the clinic and are accurate.")
    key(qtbot, Qt.Key.Key_I, ALT)  # statement of d&isagreement
    type_text(qtbot, "I believe the cuff was too small.")
    key(qtbot, Qt.Key.Key_R, ALT)
    closed(qtbot, section, w)
    denied = populated.inst.amendments.get(records, second.id)
    assert denied.data.decision is AmendmentDecision.DENIED
    assert denied.data.disagreement == "I believe the cuff was too small."

    # The accepted change is under the note, citing its request; the note is unchanged.
    open_note(qtbot, page, note.id)
    form = page.form
    qtbot.waitUntil(lambda: form.addenda.isVisible(), timeout=WAIT)
    [shown] = form.addenda.texts()
    assert f"amendment request no. {first.id}" in shown
    assert "Exercise: walks 40 minutes every day." in shown
    assert "Accepted" in form.amendments_text.text() and "Denied" in form.amendments_text.text()
    key(qtbot, Qt.Key.Key_Escape)

    # The denied request's history keeps the request and the decision.
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    section._select(section.model.find(second.id))
    key(qtbot, Qt.Key.Key_S, ALT)  # Request hi&story
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.request_history, timeout=WAIT)
    assert page.request_history.list.count() == 2
    assert "Denied" in page.request_history.list.item(0).text()


def test_an_entry_of_a_labelled_visit_is_given_the_visits_label_in_its_form(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    """The visit's label shows in the Encounter choice; saving without it is refused under
    the Sensitivity field, and choosing it there saves the entry in the visit."""
    labelled = visit(
        populated,
        reason_for_visit="Alcohol use disorder follow-up",
        sensitivity=Sensitivity.SUBSTANCE_USE,
    )
    w = chart_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    page = open_list(qtbot, w, Qt.Key.Key_9, "procedures")  # Ctrl+9
    form = new_item(qtbot, page)
    type_text(qtbot, "Brief intervention, alcohol")
    fill(qtbot, form, "performed_at", "11/19/2026 10:45")
    key(qtbot, Qt.Key.Key_V, ALT)  # &Visit (encounter)
    link = form.inputs["encounter_id"].widget
    assert isinstance(link, LookupChoice) and focused() is link.combo
    qtbot.waitUntil(lambda: link.combo.count() == 2, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Down)
    assert link.combo.currentText() == "11/19/2026 office visit (labelled substance use disorder)"
    refused(qtbot, form, "sensitivity", "carries the substance use disorder label")
    # Under the last field of a long form, the message is scrolled into view whole.
    message, viewport = form.errors["sensitivity"], form.scroll_area.viewport()
    qtbot.waitUntil(
        lambda: viewport.rect().contains(QRect(message.mapTo(viewport, QPoint()), message.size())),
        timeout=WAIT,
    )
    type_text(qtbot, "Su")  # the Sensitivity choice has the cursor: type-ahead picks the label
    assert form.inputs["sensitivity"].value() == Sensitivity.SUBSTANCE_USE.value
    saved(qtbot, page)
    provider = populated.sessions[Role.PROVIDER]
    [stored] = populated.inst.procedures.list(provider, okafor(populated)).items  # type: ignore[arg-type]
    assert (stored.sensitivity, stored.data.encounter_id) == (
        Sensitivity.SUBSTANCE_USE,
        labelled.id,
    )
