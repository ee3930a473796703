"""The four histories by keyboard alone, each list one Alt+digit away from anywhere in the
chart (the summary included): a past condition, a past surgery with a partial date, a
relative's condition with ages checked against each other, and a social history whose
pack-years and AUDIT-C score are worked out as it is typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import Laterality, Relative
from medrec_desktop.domain.social_history import SmokingStatus
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, focused, key, open_chart, rows, settle, type_text
from tests.ui.chart.form_keys import ALT, CTRL, fill, new_item, open_list, refused, retype, saved

TAB = Qt.Key.Key_Tab


def history(qtbot: QtBot, w: MainWindow, digit: Qt.Key, name: str) -> ItemListPage:
    key(qtbot, Qt.Key.Key_1, CTRL)  # from the summary
    page = open_list(qtbot, w, digit, name, ALT)
    assert w.chart.tabs.currentWidget() is w.chart.histories
    assert w.chart.histories.currentWidget() is page
    return page


def test_medical_and_surgical_history_by_keyboard(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = history(qtbot, w, Qt.Key.Key_1, "medical_history")
    form = new_item(qtbot, page)
    refused(qtbot, form, "condition", "Name the condition")
    type_text(qtbot, "Childhood asthma")
    fill(qtbot, form, "onset", "13/1998")
    refused(qtbot, form, "onset", "no month 13", kept="13/1998")
    retype(qtbot, "1998")
    key(qtbot, Qt.Key.Key_A, ALT)  # St&atus
    type_text(qtbot, "R")
    saved(qtbot, page)
    settle(qtbot, w)
    key(qtbot, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: rows(page) == ["Childhood asthma"], timeout=WAIT)

    page = history(qtbot, w, Qt.Key.Key_2, "surgical_history")
    form = new_item(qtbot, page)
    refused(qtbot, form, "procedure", "Name the procedure")
    type_text(qtbot, "Knee arthroscopy")
    for text in ("03/2011", "knee", "L"):
        key(qtbot, TAB)
        type_text(qtbot, text)
    saved(qtbot, page)
    settle(qtbot, w)
    assert rows(page) == ["Knee arthroscopy"]
    records = populated.sessions[Role.RECORDS]
    d = populated.inst.surgical_history.list(records, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.procedure, str(d.performed), d.site, d.laterality) == (
        "Knee arthroscopy",
        "03/2011",
        "knee",
        Laterality.LEFT,
    )


def test_family_history_ages_and_deceased(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    page = history(qtbot, w, Qt.Key.Key_3, "family_history")
    form = new_item(qtbot, page)
    refused(qtbot, form, "relative", "Choose the relative")
    type_text(qtbot, "Mo")
    key(qtbot, TAB)
    type_text(qtbot, "Colon cancer")
    death = form.inputs["age_at_death"]
    assert not death.container.isEnabled()  # only for a relative who has died
    fill(qtbot, form, "age_at_onset", "62")
    key(qtbot, Qt.Key.Key_E, ALT)  # Dec&eased (a tick box's mnemonic ticks it, after a blink)
    qtbot.waitUntil(lambda: form.inputs["deceased"].value() is True, timeout=WAIT)
    assert focused() is form.inputs["deceased"].focus
    assert death.container.isEnabled()
    key(qtbot, TAB)
    type_text(qtbot, "48")
    refused(qtbot, form, "age_at_death", "cannot be lower than the age at onset", kept="48")
    retype(qtbot, "71")
    saved(qtbot, page)
    settle(qtbot, w)
    row = page.model.rows()[0]
    assert [page.model.display(row, c) for c in (0, 1, 3, 4)] == [
        "Mother",
        "Colon cancer",
        "62",
        "Deceased at 71",
    ]
    records = populated.sessions[Role.RECORDS]
    d = populated.inst.family_history.list(records, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.relative, d.age_at_onset, d.deceased, d.age_at_death) == (
        Relative.MOTHER,
        62,
        True,
        71,
    )


def test_social_history_works_out_pack_years_and_the_audit_c_score(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w = chart_window(Role.NURSE)
    open_chart(qtbot, w, "okafor")
    page = history(qtbot, w, Qt.Key.Key_4, "social_history")
    form = new_item(qtbot, page)
    assert focused() is form.inputs["smoking_status"].focus
    type_text(qtbot, "F")  # Former smoker
    key(qtbot, TAB)
    type_text(qtbot, "1.5")
    key(qtbot, TAB)
    type_text(qtbot, "20")
    pack_years = form.inputs["pack_years"]
    assert pack_years.value() == "30"
    assert pack_years.number is not None and pack_years.number.edit.isReadOnly()
    score = form.inputs["audit_c_score"].computed
    assert score is not None and score.shown.text() == "—"
    for text in ("2-3", "3", "L"):  # answered by the answers' first words (Space opens the list)
        key(qtbot, TAB)
        if focused() is pack_years.focus:
            key(qtbot, TAB)
        type_text(qtbot, text)
    assert score.shown.text() == "5 of 12"
    qtbot.waitUntil(lambda: score.warning.isVisible(), timeout=WAIT)
    assert "Positive screen" in score.warning.message
    # "Never" drinks: the other two questions are set aside.
    key(qtbot, Qt.Key.Key_E, ALT)  # AUDIT-C 1: how oft&en
    key(qtbot, Qt.Key.Key_Home)  # not asked
    key(qtbot, Qt.Key.Key_Down)
    assert score.shown.text() == "0 of 12"
    assert not form.inputs["audit_c_typical"].container.isEnabled()
    for _ in range(3):  # arrows: typed words would join the ones typed a moment ago
        key(qtbot, Qt.Key.Key_Down)
    assert score.shown.text() == "5 of 12"  # the answers came back
    fill(qtbot, form, "occupation", "Bus driver")
    saved(qtbot, page)
    settle(qtbot, w)
    nurse = populated.sessions[Role.NURSE]
    d = populated.inst.social_history.list(nurse, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.smoking_status, d.packs_per_day, d.years_smoked, d.pack_years) == (
        SmokingStatus.FORMER,
        1.5,
        20.0,
        30.0,
    )
    assert (d.audit_c_score, d.occupation) == (5, "Bus driver")
    assert page.model.display(page.model.rows()[0], 7) == "Current"

    # Half an AUDIT-C is refused under the question left blank; a never smoker has no packs.
    key(qtbot, Qt.Key.Key_Return)
    form = page.form
    key(qtbot, Qt.Key.Key_E, ALT)
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)  # "Monthly or less": the other two are asked again
    assert form.inputs["audit_c_typical"].container.isEnabled()
    fill(qtbot, form, "audit_c_typical", "")
    key(qtbot, Qt.Key.Key_Home)
    refused(qtbot, form, "audit_c_typical", "Answer all three AUDIT-C questions")
    key(qtbot, Qt.Key.Key_End)
    key(qtbot, Qt.Key.Key_B, ALT)  # To&bacco
    key(qtbot, Qt.Key.Key_Down)  # from "Former smoker" to "Never smoker": packs set aside
    assert not form.inputs["packs_per_day"].container.isEnabled()
    assert form.inputs["pack_years"].value() == ""
    saved(qtbot, page)
    settle(qtbot, w)
    d = populated.inst.social_history.list(nurse, w.chart.patient.id).items[0].data  # type: ignore[union-attr]
    assert (d.smoking_status, d.pack_years, d.audit_c_score) == (SmokingStatus.NEVER, None, 6)

    # The history reads the answers in words and the numbers as typed.
    key(qtbot, Qt.Key.Key_Y, ALT)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.history, timeout=WAIT)
    changes = {
        page.history.changes.item(r, 0).text(): (  # type: ignore[union-attr]
            page.history.changes.item(r, 1).text(),  # type: ignore[union-attr]
            page.history.changes.item(r, 3).text(),  # type: ignore[union-attr]
        )
        for r in range(page.history.changes.rowCount())
    }
    assert changes["Pack-years"] == ("30", "(blank)")
    assert changes["Packs per day"] == ("1.5", "(blank)")
    assert changes["AUDIT-C: how often"] == ("2-3 times a week (3)", "Monthly or less (1)")
    assert changes["AUDIT-C: typical day"] == ("3 or 4 (1)", "10 or more (4)")
    assert changes["AUDIT-C score"] == ("5 of 12", "6 of 12")
