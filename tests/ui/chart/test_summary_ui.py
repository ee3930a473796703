"""The chart summary on screen (issue 9): every section from the chart's one opening read,
what others changed since the user last opened the chart, each section a keystroke from its
full list (Enter on it, or the tab keys shown by its title), a change opening the list that
holds it, a refresh after a change elsewhere, and a layout that fits 1366x768."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRect, Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, focused, key, settle
from tests.ui.chart.test_withheld_ui import everything_shown
from tests.ui.test_desk_keyboard_and_roles import W

SECRET = "Generalized anxiety disorder"
TAKEN = dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC)


def fill(c: Clinic) -> int:
    """Okafor's chart: the nurse looked at it before; the provider charted since."""
    nurse, doc = c.sessions[Role.NURSE], c.sessions[Role.PROVIDER]
    pid = c.inst.patients.search(doc, "okafor")[0].id
    other = c.inst.patients.search(doc, "john smith")[0].id
    c.inst.chart.open(nurse, pid)  # her earlier visit
    c.inst.chart.open(nurse, other)  # she moved on
    c.clock.advance(hours=1)  # then each save at a minute of its own
    c.inst.problems.add(doc, pid, ProblemInput(description="Asthma", icd10cm="J45.909"))
    c.clock.advance(minutes=1)
    c.inst.problems.add(
        doc, pid, ProblemInput(description=SECRET, sensitivity=Sensitivity.BEHAVIORAL_HEALTH)
    )
    c.clock.advance(minutes=1)
    c.inst.allergy_statements.add(doc, pid, AllergyStatementInput())
    c.clock.advance(minutes=1)
    c.inst.medications.add(
        doc,
        pid,
        MedicationInput(
            name="Albuterol", strength="90 mcg", dose="2", dose_unit="puff", route="inhaled"
        ),
    )
    c.clock.advance(minutes=1)
    c.inst.vitals.add(
        doc, pid, VitalsInput(taken_at=TAKEN, systolic="118", diastolic="76", pulse="64")
    )
    c.clock.advance(minutes=1)
    c.inst.immunizations.add(doc, pid, ImmunizationInput(cvx="115", given_on="10/02/2026"))
    c.clock.advance(minutes=1)
    c.inst.social_history.add(doc, pid, SocialHistoryInput(smoking_status="never"))
    return pid


def texts(w: MainWindow, key_: str) -> list[str]:
    section = w.chart.summary.section(key_)
    assert section is not None
    return section.texts()


def opened(qtbot: QtBot, w: MainWindow) -> None:
    # The recent patients show first (the nurse opened two): wait for the search's answer.
    model = w.search_page.model
    w.search_page.search_box.setText("okafor")
    qtbot.waitUntil(
        lambda: model.rowCount() == 1 and model.patient(0).family_name == "Okafor", timeout=WAIT
    )
    w.open_patient(model.patient(0))
    qtbot.waitUntil(lambda: w.chart.summary.summary is not None, timeout=WAIT)
    settle(qtbot, w)


def test_every_section_and_what_others_changed_for_a_nurse(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    fill(populated)
    w = make_window(Role.NURSE)
    opened(qtbot, w)
    summary = w.chart.summary
    assert texts(w, "problems") == ["Asthma (J45.909)"]
    assert summary.section("problems").notes.text() == (  # type: ignore[union-attr]
        "⊘ 1 item withheld (behavioral health)"
    )
    assert texts(w, "allergies") == ["No known allergies (recorded 11/26/2026)"]
    assert texts(w, "medications") == ["Albuterol 90 mcg: 2 puff, inhaled"]
    taken = TAKEN.astimezone().strftime("%m/%d/%Y %H:%M")
    assert texts(w, "vitals") == [f"{taken}: BP 118/76 mmHg, pulse 64/min"]
    assert texts(w, "immunizations") == [
        "Influenza due: none since 08/01/2026 (none recorded)",
        "Tdap (CVX 115) 10/02/2026",
    ]
    assert texts(w, "social_history") == ["Never smoker"]
    changes = summary.changes
    assert changes.heading.text().startswith("Changed since you last opened this chart (")
    said = changes.texts()
    assert [line.split(" by ")[0] for line in said] == [
        "Social history added",
        "Immunization added",
        "Vitals added",
        "Medication added",
        "No-known-allergies statement added",
        "Problem added",
    ]
    assert all(" by Test Provider " in line for line in said)
    assert changes.notes.text() == "⊘ 1 change to withheld items (behavioral health)"
    assert SECRET not in everything_shown(w)


def test_each_section_opens_its_list_in_one_keystroke(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    fill(populated)
    w = make_window(Role.NURSE)
    opened(qtbot, w)
    chart, summary = w.chart, w.chart.summary
    key(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert focused() is summary.sections[0].list
    # Tab walks the sections in reading order.
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() is summary.sections[1].list
    for section in summary.sections:
        keys = chart.list_keys(section.key)
        # The keys that open the list are written beside the section's title.
        assert section.hint.text() == (keys or "")
        chart.show_tab(0)
        section.list.setFocus()
        key(qtbot, Qt.Key.Key_Return)
        if keys is None:  # no list of this kind on the chart: Enter stays put
            assert chart.tabs.currentWidget() is summary
            continue
        page = chart.tabs.currentWidget()
        if page is chart.histories:  # the four histories share a tab: the list is inside
            page = chart.histories.currentWidget()
        assert page is not summary and getattr(page, "kind", None) is not None
        assert page.kind.change.value == section.key or page.kind.key == section.key  # type: ignore[union-attr]
        # The list's own key, as written, opens it from the summary too.
        chart.show_tab(0)
        first = keys.split(" · ")[0]
        modifier = (
            Qt.KeyboardModifier.ControlModifier
            if first.startswith("Ctrl+")
            else Qt.KeyboardModifier.AltModifier
        )
        key(qtbot, getattr(Qt.Key, f"Key_{first[-1]}"), modifier)
        shown = chart.tabs.currentWidget()
        if shown is chart.histories:
            shown = chart.histories.currentWidget()
        assert shown is page
    # Enter on a change opens the list holding the changed item.
    chart.show_tab(0)
    said = summary.changes.texts()
    row = next(i for i, line in enumerate(said) if line.startswith("Problem added"))
    summary.changes.list.setFocus()
    summary.changes.list.setCurrentRow(row)
    key(qtbot, Qt.Key.Key_Return)
    assert chart.tabs.currentWidget() is chart.lists["problems"]
    assert focused() is chart.lists["problems"].table


def test_a_change_elsewhere_refreshes_the_summary_with_one_read(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    pid = fill(populated)
    w = make_window(Role.NURSE)
    opened(qtbot, w)
    before = max(e.seq for e in populated.inst.audit.events(populated.admin, AuditFilter()))
    doc = populated.sessions[Role.PROVIDER]
    statement = populated.inst.allergy_statements.list(doc, pid).items[0]
    populated.inst.allergy_statements.mark_entered_in_error(
        doc, statement.id, reason="asked again", expected_version=statement.version
    )
    populated.inst.allergies.add(doc, pid, AllergyInput(substance="Latex", category="environment"))
    w.services.notify_changed(pid, {ChangeKind.ALLERGIES})
    qtbot.waitUntil(lambda: texts(w, "allergies") == ["Latex (environment)"], timeout=WAIT)
    settle(qtbot, w)
    reads = [
        e.entry_point
        for e in populated.inst.audit.events(populated.admin, AuditFilter(patient_id=pid))
        if e.seq > before and e.entry_point.startswith("ChartSummaryService")
    ]
    assert reads == ["ChartSummaryService.summary"]
    # Still the changes since her last visit (not since this opening): the new ones join.
    said = w.chart.summary.changes.texts()
    assert said[0].startswith("Allergy added") and said[-1].startswith("Problem added")


def test_the_summary_fits_a_1366_by_768_screen(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    fill(populated)
    w = make_window(Role.NURSE)
    assert (w.width(), w.height()) == (1366, 768)
    opened(qtbot, w)
    page = w.chart.summary
    area = QRect(page.mapTo(w, page.rect().topLeft()), page.size())
    assert w.rect().contains(area)
    line = page.sections[0].list.fontMetrics().lineSpacing()
    for section in (*page.sections, page.changes):
        assert section.isVisible(), section.title
        box = QRect(section.mapTo(w, section.rect().topLeft()), section.size())
        assert area.contains(box), section.title
        # At least three lines of each list show without scrolling.
        assert section.list.viewport().height() >= 3 * line, section.title
        assert section.heading.text() and section.list.accessibleName()
