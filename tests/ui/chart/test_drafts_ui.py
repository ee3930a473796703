"""Drafts: typing in a chart form is kept in the database once typing pauses and when the
screen locks, deleted when the form is saved or discarded; after a session that ended
without saving (a crash: the window dropped, nothing saved), the next sign-in of the same user
offers the work back, restores it into its form, beside the saved version when someone saved
it meanwhile. Nobody else is offered it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.drafts import item_form_key, new_form_key
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.draft_offer import DraftOfferDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ROLE_PASSWORD, Clinic
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

CTRL = Qt.KeyboardModifier.ControlModifier


def okafor(c: Clinic) -> PatientId:
    return c.inst.patients.search(c.sessions[Role.RECORDS], "okafor")[0].id


def problems(qtbot: QtBot, w: MainWindow) -> ItemListPage:
    key(qtbot, Qt.Key.Key_2, CTRL)
    page = w.chart.lists["problems"]
    assert focused() is page.table
    return page


def stored_draft(c: Clinic, role: Role, form_key: str) -> dict[str, str] | None:
    found = c.inst.drafts.draft(c.sessions[role], form_key)
    return dict(found.fields) if found is not None else None


def crash(qtbot: QtBot, w: MainWindow) -> None:
    """The session ends without saving or signing out: the window is simply gone."""
    settle(qtbot, w)
    w.session = None  # nothing asks, nothing saves, nothing signs out
    w.hide()


def offer(qtbot: QtBot, w: MainWindow) -> DraftOfferDialog:
    w.offer_drafts()  # what app.py and start_session do after a sign-in
    found: list[DraftOfferDialog] = []

    def shown() -> bool:
        found[:] = [d for d in w.findChildren(DraftOfferDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def button(box: QMessageBox, text: str) -> QAbstractButton:
    [found] = [b for b in box.buttons() if b.text() == text]
    return found


def lines(dialog: DraftOfferDialog) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]  # type: ignore[union-attr]


def test_typing_keeps_a_draft_and_saving_deletes_it(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Chest pain on exertion")
    form_key = new_form_key("problem", okafor(populated))
    # No save pressed: the draft appears by itself once typing pauses.
    qtbot.waitUntil(
        lambda: stored_draft(populated, Role.RECORDS, form_key) is not None, timeout=WAIT
    )
    kept = stored_draft(populated, Role.RECORDS, form_key)
    assert kept is not None and kept["description"] == "Chest pain on exertion"
    assert page.form.has_unsaved_changes()  # a draft is not a save
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: rows(page) == ["Chest pain on exertion"], timeout=WAIT)
    settle(qtbot, w)
    assert stored_draft(populated, Role.RECORDS, form_key) is None


def test_typing_a_burst_writes_one_draft_after_the_pause(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    keeper = w.chart.lists["problems"].form.drafts
    type_text(qtbot, "Migraine without aura")
    assert keeper.writes == 0 and keeper.timer.isActive()  # typing is never held up by it
    qtbot.waitUntil(lambda: keeper.writes == 1, timeout=WAIT)
    settle(qtbot, w)
    assert keeper.writes == 1


def test_locking_stores_the_draft_at_once(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    keeper = w.chart.lists["problems"].form.drafts
    keeper.timer.setInterval(3_600_000)  # the pause would never come: only the lock writes
    type_text(qtbot, "Low back pain")
    key(qtbot, Qt.Key.Key_L, CTRL)
    assert w.locked and not keeper.timer.isActive()
    settle(qtbot, w)
    kept = stored_draft(populated, Role.RECORDS, new_form_key("problem", okafor(populated)))
    assert kept is not None and kept["description"] == "Low back pain"


def test_discarding_the_changes_deletes_the_draft(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Gout")
    form_key = new_form_key("problem", okafor(populated))
    qtbot.waitUntil(
        lambda: stored_draft(populated, Role.RECORDS, form_key) is not None, timeout=WAIT
    )
    page.form.discard_changes()  # the answer "Discard" to the leave question
    settle(qtbot, w)
    assert stored_draft(populated, Role.RECORDS, form_key) is None


def test_after_a_crash_the_same_user_gets_the_work_back_and_nobody_else(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Chest pain on exertion")
    form = w.chart.lists["problems"].form
    form.inputs["onset"].focus.setFocus()
    type_text(qtbot, "2019")
    w.lock(idle=True)
    crash(qtbot, w)

    nurse = chart_window(Role.NURSE)  # another user on the same workstation
    nurse.offer_drafts()
    settle(qtbot, nurse)
    assert not nurse.findChildren(DraftOfferDialog)
    nurse.session = None
    nurse.hide()

    again = chart_window(Role.RECORDS)
    dialog = offer(qtbot, again)
    [line] = lines(dialog)
    assert line.startswith("Unsaved work from ")
    assert "New problem for Okafor, Chidi (MRN " in line
    assert QApplication.focusWidget() is dialog.list
    key(qtbot, Qt.Key.Key_Return)  # Restore is the default
    page = again.chart.lists["problems"]
    form = page.form
    qtbot.waitUntil(lambda: page.stack.currentWidget() is form and form.isVisible(), timeout=WAIT)
    settle(qtbot, again)
    assert again.chart.tabs.currentWidget() is page
    assert form.values()["description"] == "Chest pain on exertion"
    assert form.values()["onset"] == "2019"
    assert form.has_unsaved_changes()  # restored, not saved
    assert form.message.message.startswith("Restored what you typed")
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: rows(page) == ["Chest pain on exertion"], timeout=WAIT)
    settle(qtbot, again)
    assert populated.inst.drafts.my_drafts(populated.sessions[Role.RECORDS]) == []


def test_an_item_saved_meanwhile_is_shown_beside_the_restored_typing(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records, provider = populated.sessions[Role.RECORDS], populated.sessions[Role.PROVIDER]
    item = populated.inst.problems.add(
        records, okafor(populated), ProblemInput(description="Hypertension", onset="2015")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = problems(qtbot, w)
    qtbot.waitUntil(lambda: rows(page) == ["Hypertension"], timeout=WAIT)
    key(qtbot, Qt.Key.Key_Return)
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "Essential hypertension")
    form_key = item_form_key("problem", item.id)
    qtbot.waitUntil(
        lambda: stored_draft(populated, Role.RECORDS, form_key) is not None, timeout=WAIT
    )
    crash(qtbot, w)
    populated.inst.problems.update(
        provider,
        item.id,
        ProblemInput(description="Hypertension, stage 2", onset="03/2015"),
        expected_version=1,
    )

    again = chart_window(Role.RECORDS)
    dialog = offer(qtbot, again)
    [line] = lines(dialog)
    assert "Problem for Okafor, Chidi" in line and "saved again since by Test Provider" in line
    dialog.restore_button.click()
    page = again.chart.lists["problems"]
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.conflict, timeout=WAIT)
    settle(qtbot, again)
    view = page.conflict
    assert "Test Provider saved this problem" in view.heading.text()
    assert view.differing == ["description", "onset"]
    # Keeping mine saves the typing over the newer version, knowingly.
    view.mine_button.click()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    settle(qtbot, again)
    saved = populated.inst.problems.get(records, item.id)
    assert (saved.version, saved.data.description) == (3, "Essential hypertension")
    assert stored_draft(populated, Role.RECORDS, form_key) is None


def test_discard_and_later_in_the_offer(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = okafor(populated)
    drafts = populated.inst.drafts
    drafts.save_draft(records, new_form_key("problem", pid), pid, "problem", None, {"a": "x"})
    drafts.save_draft(records, new_form_key("allergy", pid), pid, "allergy", None, {"a": "y"})
    w = chart_window(Role.RECORDS)
    dialog = offer(qtbot, w)
    assert len(lines(dialog)) == 2
    dialog.later_button.click()  # Later keeps them
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert len(drafts.my_drafts(records)) == 2
    dialog = offer(qtbot, w)
    dialog.list.setCurrentRow(0)
    chosen = dialog.chosen()
    assert chosen is not None
    dialog.discard_button.click()
    box = dialog.confirm
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=WAIT)
    button(box, "&Discard").click()  # it cannot be brought back
    qtbot.waitUntil(lambda: len(lines(dialog)) == 1, timeout=WAIT)
    assert [d.key for d in drafts.my_drafts(records)] != [chosen.key]
    assert len(drafts.my_drafts(records)) == 1


def test_demographics_typing_is_kept_and_restored(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    w.chart.tabs.setCurrentWidget(w.chart.demographics)
    field = w.chart.form.inputs["mobile_phone"]
    field.setFocus()
    qtbot.keyClicks(field, "5035550123")
    pid = okafor(populated)
    form_key = item_form_key("demographics", pid)
    qtbot.waitUntil(
        lambda: stored_draft(populated, Role.RECORDS, form_key) is not None, timeout=WAIT
    )
    assert stored_draft(populated, Role.RECORDS, form_key) == {"mobile_phone": "5035550123"}
    crash(qtbot, w)

    again = chart_window(Role.RECORDS)
    dialog = offer(qtbot, again)
    assert "Demographics for Okafor, Chidi" in lines(dialog)[0]
    dialog.restore_button.click()
    form = again.chart.form
    qtbot.waitUntil(lambda: form.text("mobile_phone") == "5035550123", timeout=WAIT)
    assert again.chart.tabs.currentWidget() is again.chart.demographics
    assert form.has_unsaved_changes() and form.text("family_name") == "Okafor"
    assert "Restored what you typed" in form.message.text()


def test_signing_out_from_the_lock_screen_and_discarding_deletes_the_drafts(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    problems(qtbot, w)
    key(qtbot, Qt.Key.Key_Insert)
    type_text(qtbot, "Asthma")
    w.lock(idle=True)
    settle(qtbot, w)
    records = populated.sessions[Role.RECORDS]
    assert len(populated.inst.drafts.my_drafts(records)) == 1
    w.lock_screen.sign_out_button.click()
    box = w.locked_sign_out_prompt
    qtbot.waitUntil(box.isVisible, timeout=WAIT)
    with qtbot.waitSignal(w.signed_out, timeout=WAIT):
        button(box, "Sign out and &discard").click()
    settle(qtbot, w)
    # Signed out: the session is over, so the drafts are read as that user on a new one.
    fresh = populated.inst.auth.login(Role.RECORDS.value.replace("_", "")[:12], ROLE_PASSWORD)
    assert populated.inst.drafts.my_drafts(fresh) == []
