"""Coder queries end to end by keyboard (issue 13): a coder withdraws a query and asks a new
one through the dialog (template wording with [bracketed] parts, refusals under their
fields with the typed text kept); the provider sees the count in the main window, answers in
their Queries area ("Other" needs a note); the answer shows in the coder's panel with the
turnaround, and the count goes back to none. A returned encounter is sent back to coding."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.coder_queries import OTHER, QueryState
from medrec_desktop.domain.coding_work import CodingState, WorklistFilter, WorklistScope
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding_work.answer_dialog import AnswerDialog
from medrec_desktop.ui.coding_work.provider_queries import ProviderQueriesPage
from medrec_desktop.ui.coding_work.queries_model import (
    EncounterQueriesModel,
    ProviderQueriesModel,
)
from medrec_desktop.ui.coding_work.queries_panel import QueriesPanel
from medrec_desktop.ui.coding_work.query_dialog import QueryDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.widgets.mnemonics import mnemonic_clashes, orphan_mnemonics
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from tests.ui.coding_work.conftest import RETURN_REASON, WAIT, Desk

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(
    qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), k, mod)


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def activate(qtbot: QtBot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def opened(qtbot: QtBot, get: Any, kind: type[QDialog]) -> Any:
    """The dialog the screen opened (it opens without blocking), active, once shown."""
    qtbot.waitUntil(lambda: isinstance(get(), kind) and get().isVisible(), timeout=WAIT)
    dialog = get()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    return dialog


def closed(dialog: QDialog) -> bool:
    """Closed (and perhaps already deleted, as the screens do with a finished dialog)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def coder_panel(desk: Desk) -> QueriesPanel:
    coder = desk.clinic.sessions[Role.CODER]
    panel = QueriesPanel(services=desk.services, runner=desk.runner, session=lambda: coder)
    desk.qtbot.addWidget(panel)
    panel.resize(520, 640)
    panel.show()
    activate(desk.qtbot, panel)
    return panel


def provider_queries(desk: Desk, w: MainWindow) -> ProviderQueriesPage:
    activate(desk.qtbot, w)
    w.show_area("Queries")
    page = w.queries_page
    assert isinstance(page, ProviderQueriesPage)
    desk.qtbot.waitUntil(page.isVisible, timeout=WAIT)
    desk.settle()
    return page


def waiting(w: MainWindow) -> str:
    item = w.nav.item(list(w.areas).index("Queries"))
    assert item is not None
    return f"{item.text()} | {w.status_queries.text()}"


def test_a_query_asked_by_keyboard_is_answered_by_the_provider(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    wp = desk.window(Role.PROVIDER)
    qtbot.waitUntil(lambda: waiting(wp) == "Queries (1) | Queries: 1 waiting", timeout=WAIT)
    assert wp.status_queries.isVisible()

    # The coder withdraws the query already open (Alt+W), with a reason.
    panel = coder_panel(desk)
    panel.show_encounter(week.queried)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    assert panel.summary.text() == "1 query about this encounter, 1 waiting for the provider."
    panel.table.setFocus()
    press(qtbot, Qt.Key.Key_W, ALT)
    withdraw = opened(qtbot, lambda: panel.dialog, RequiredReasonDialog)
    assert not mnemonic_clashes(withdraw) and not orphan_mnemonics(withdraw)
    assert focused() is withdraw.reason
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert withdraw.reason_error.message == "Say why the query is withdrawn."
    type_text(qtbot, "The provider's addendum answers it")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: closed(withdraw), timeout=WAIT)
    qtbot.waitUntil(
        lambda: panel.model.rowCount() == 1 and panel.model.row_at(0).state is QueryState.WITHDRAWN,
        timeout=WAIT,
    )
    assert "The provider's addendum answers it" in panel.detail.toPlainText()
    qtbot.waitUntil(lambda: waiting(wp) == "Queries (0) | Queries: 0 waiting", timeout=WAIT)

    # A new query about the visit not yet started, by keyboard through the dialog.
    panel.show_encounter(week.not_started)
    qtbot.waitUntil(
        lambda: panel.summary.text() == "No queries about this encounter.", timeout=WAIT
    )
    assert not panel.withdraw_button.isEnabled()
    activate(qtbot, panel)
    panel.table.setFocus()
    press(qtbot, Qt.Key.Key_K, ALT)
    ask = opened(qtbot, lambda: panel.dialog, QueryDialog)
    assert not mnemonic_clashes(ask) and not orphan_mnemonics(ask)
    assert focused() is ask.template
    assert ask.always.text() == "✔ Other (please specify)   ✔ Unable to determine"
    press(qtbot, Qt.Key.Key_Down)  # "Specificity": its wording fills the question
    assert ask.question.toPlainText().startswith("The record documents [diagnosis].")
    assert ask.options.toPlainText().startswith("[more specific diagnosis]")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is ask.question
    press(qtbot, Qt.Key.Key_F3)  # selects "[diagnosis]": typing replaces it
    type_text(qtbot, "anemia")
    assert ask.question.toPlainText().startswith("The record documents anemia. Based on")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    # The options still hold bracketed parts: said under the options, the question kept.
    message = ask.errors.label_for("options")
    assert message is not None and message.isVisible()
    assert message.message.startswith("Replace the bracketed parts of the options")
    assert focused() is ask.options
    assert "anemia" in ask.question.toPlainText()
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "Iron deficiency anemia")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "Anemia in chronic kidney disease")
    # Indicators that mention payment are refused under their own field.
    press(qtbot, Qt.Key.Key_I, ALT)
    assert focused() is ask.indicators
    type_text(qtbot, "Hgb 9.1 g/dL on 11/01/2026; ferritin 8 ng/mL; affects the HCC")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    indicators = ask.errors.label_for("indicators")
    assert indicators is not None and "may not mention payment" in indicators.message
    assert focused() is ask.indicators
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "Hgb 9.1 g/dL on 11/01/2026; ferritin 8 ng/mL")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: closed(ask), timeout=WAIT)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    assert panel.message.message == "Query sent to Test Provider."
    asked = panel.model.row_at(0)
    assert asked.state is QueryState.OPEN and asked.options == (
        "Iron deficiency anemia",
        "Anemia in chronic kidney disease",
        "Other (please specify)",
        "Unable to determine",
    )
    qtbot.waitUntil(lambda: waiting(wp) == "Queries (1) | Queries: 1 waiting", timeout=WAIT)

    # Three hours later the provider answers in their Queries area, by keyboard.
    desk.clinic.clock.advance(hours=3)
    page = provider_queries(desk, wp)
    assert page.queries_title.text() == "Queries waiting for your answer (1)"
    assert page.model.rowCount() == 1
    assert page.model.display(page.model.row_at(0), ProviderQueriesModel.COL_WAITING) == "3 h"
    assert "Hgb 9.1 g/dL" in page.detail.toPlainText()
    assert not mnemonic_clashes(wp) and not orphan_mnemonics(wp)
    page.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    answer = opened(qtbot, lambda: page.dialog, AnswerDialog)
    assert not mnemonic_clashes(answer) and not orphan_mnemonics(answer)
    assert answer.question.text().startswith("The record documents anemia.")
    assert focused() is answer.buttons[0]
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert answer.options_error.message == "Choose one of the answers."
    press(qtbot, Qt.Key.Key_Down)  # arrows move between the answers; Space picks one
    press(qtbot, Qt.Key.Key_Space)
    assert answer.answer() == "Anemia in chronic kidney disease"
    press(qtbot, Qt.Key.Key_3, ALT)  # Alt+3: the third answer, "Other (please specify)"
    qtbot.waitUntil(lambda: answer.answer() == OTHER, timeout=WAIT)
    assert answer.note_label.text() == "&Note (required for “Other”):"
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert answer.note_error.message == "Say what the other answer is."
    assert focused() is answer.note
    type_text(qtbot, "Anemia of chronic blood loss")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: closed(answer), timeout=WAIT)
    qtbot.waitUntil(lambda: waiting(wp) == "Queries (0) | Queries: 0 waiting", timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    assert page.message.message == "Answer sent to Test Coder: “Other (please specify)”."

    # The coder's panel shows the answer, the note and the turnaround.
    qtbot.waitUntil(
        lambda: panel.model.rowCount() == 1 and panel.model.row_at(0).state is QueryState.ANSWERED,
        timeout=WAIT,
    )
    row = panel.model.row_at(0)
    assert panel.model.display(row, EncounterQueriesModel.COL_ANSWER) == OTHER
    assert panel.model.display(row, EncounterQueriesModel.COL_TURNAROUND) == "3 h"
    detail = panel.detail.toPlainText()
    assert "Note: Anemia of chronic blood loss" in detail
    assert "turnaround 3 h" in detail

    # The provider's answered queries stay listable, with the turnaround.
    activate(qtbot, wp)
    page.show_answered.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    answered = [r for r in page.model.rows() if r.state is QueryState.ANSWERED]
    assert [page.model.display(r, ProviderQueriesModel.COL_WAITING) for r in answered] == ["3 h"]
    page.table.setCurrentIndex(
        page.proxy.mapFromSource(page.model.index(page.model.find(answered[0].id), 0))
    )
    assert not page.answer_button.isEnabled()  # answered: nothing more to answer

    # The answer is part of the record: "Open the note" shows it under the signed note.
    press(qtbot, Qt.Key.Key_N, ALT)
    encounters = wp.chart.encounters
    qtbot.waitUntil(
        lambda: (
            encounters.form.detail is not None
            and encounters.form.detail.item.id == asked.encounter_id
            and encounters.form.queries.isVisible()
        ),
        timeout=WAIT,
    )
    [shown] = encounters.form.queries.shown
    assert shown.answer == OTHER and shown.note == "Anemia of chronic blood loss"
    assert shown.asked_by == "Test Coder" and shown.answered_by == "Test Provider"
    assert encounters.form.queries.heading.text() == "Coding queries answered (1)"


def test_a_returned_encounter_is_sent_back_to_coding(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    wp = desk.window(Role.PROVIDER)
    page = provider_queries(desk, wp)
    assert page.returned_title.text() == "Encounters returned to you (1)"
    row = page.returned_model.row_at(0)
    assert row.encounter_id == week.returned and row.return_reason == RETURN_REASON

    # Alt+C: the visit in the chart (to add the addendum); then back to the Queries area.
    page.returned.setFocus()
    press(qtbot, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: wp.current_area() == "Patients", timeout=WAIT)
    qtbot.waitUntil(lambda: wp.chart.patient is not None, timeout=WAIT)
    assert wp.chart.patient is not None and wp.chart.patient.id == row.patient_id
    desk.settle()
    page = provider_queries(desk, wp)

    page.returned.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    dialog = opened(qtbot, lambda: page.dialog, RequiredReasonDialog)
    assert any(RETURN_REASON in label.text() for label in dialog.findChildren(QLabel))
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert dialog.reason_error.message == "Say what you added, or why nothing was needed."
    type_text(qtbot, "Addendum added with the assessment and plan")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT)
    qtbot.waitUntil(
        lambda: page.returned_title.text() == "Encounters returned to you (0)", timeout=WAIT
    )
    assert page.message.message == "Sent back to coding: it is on the coders' worklist again."
    coder = desk.clinic.sessions[Role.CODER]
    view = desk.services.coding_work.get(coder, week.returned)
    assert view.state is CodingState.IN_PROGRESS
    to_code = desk.services.coding_work.worklist(coder, WorklistFilter(WorklistScope.TO_CODE))
    assert week.returned in [r.encounter_id for r in to_code.rows]
    history = desk.services.coding_work.history(coder, week.returned)
    assert history[-1].reason == "Sent back to coding: Addendum added with the assessment and plan"


def test_other_roles_see_the_queries_read_only(desk: Desk) -> None:
    qtbot, week = desk.qtbot, desk.week
    records = desk.clinic.sessions[Role.RECORDS]
    panel = QueriesPanel(services=desk.services, runner=desk.runner, session=lambda: records)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_encounter(week.queried)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    assert not panel.ask_button.isVisible() and not panel.withdraw_button.isVisible()
    assert "Can the cause of the anemia be clarified?" in panel.detail.toPlainText()
    panel.show_encounter(None)
    assert panel.model.rowCount() == 0 and panel.summary.text() == "No encounter open."
    # Nobody but a provider has a Queries area or a count; nobody but a coder codes.
    w = desk.window(Role.RECORDS)
    assert "Queries" not in w.areas and not w.status_queries.isVisible()
    assert "Coding work" not in w.areas


def test_the_query_models_pass_the_model_checks(qtmodeltester: Any, desk: Desk) -> None:
    coder = desk.clinic.sessions[Role.CODER]
    provider = desk.clinic.sessions[Role.PROVIDER]
    queries = desk.clinic.inst.coder_queries
    panel_model = EncounterQueriesModel()
    panel_model.set_rows(queries.for_encounter(coder, desk.week.queried))
    assert panel_model.rowCount() == 1
    qtmodeltester.check(panel_model)
    mine = ProviderQueriesModel()
    mine.set_rows(queries.mine(provider, state=None))
    assert mine.rowCount() == 1
    qtmodeltester.check(mine)
