"""Two saves racing on one problem: the second is refused, both versions are shown side by
side, and the user keeps theirs, keeps the other or combines them. Never a silent overwrite."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemData, ProblemInput
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
    tab_to,
    type_text,
)

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def race(
    qtbot: QtBot, chart_window: Window, clinic: Clinic
) -> tuple[MainWindow, ItemListPage, ItemInfo[ProblemData]]:
    """The records specialist edits a problem in the form; meanwhile a provider changes it
    through the service; the form's save is refused."""
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    okafor = clinic.inst.patients.search(records, "okafor")[0]
    item = clinic.inst.problems.add(
        records, okafor.id, ProblemInput(description="Hypertension", onset="2015")
    )
    w = chart_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    key(qtbot, Qt.Key.Key_2, CTRL)
    page = w.chart.lists["problems"]
    qtbot.waitUntil(lambda: rows(page) == ["Hypertension"], timeout=WAIT)
    key(qtbot, Qt.Key.Key_Return)
    form = page.form
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, "Essential hypertension")
    tab_to(qtbot, form.inputs["chronic"].focus)
    key(qtbot, Qt.Key.Key_Space)
    theirs = clinic.inst.problems.update(
        provider,
        item.id,
        ProblemInput(description="Hypertension, stage 2", onset="03/2015"),
        expected_version=1,
    )
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.conflict, timeout=WAIT)
    assert form.has_unsaved_changes()
    return w, page, theirs


def test_the_refused_save_shows_both_versions_with_the_differences_marked(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    _w, page, _theirs = race(qtbot, chart_window, populated)
    view = page.conflict
    assert "Test Provider saved this problem while you were editing it" == view.heading.text()
    assert "Your changes were not saved" in view.explain.text()
    assert view.differing == ["description", "onset", "chronic"]
    grid = view.grid

    def row_of(label: str) -> list[str]:
        for r in range(1, grid.rowCount()):
            item = grid.itemAtPosition(r, 0)
            if item is not None and label in item.widget().text():  # type: ignore[attr-defined]
                return [
                    grid.itemAtPosition(r, c).widget().text()  # type: ignore[union-attr]
                    for c in range(3)
                ]
        raise AssertionError(label)

    assert row_of("Problem") == ["≠ Problem", "Essential hypertension", "Hypertension, stage 2"]
    assert row_of("Onset") == ["≠ Onset", "2015", "03/2015"]
    assert row_of("Chronic") == ["≠ Chronic condition", "Yes", "No"]
    assert row_of("Status") == ["  Status", "Active", "Active"]  # the same: no mark


def test_keep_mine_saves_mine_over_the_new_version(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w, page, theirs = race(qtbot, chart_window, populated)
    key(qtbot, Qt.Key.Key_M, ALT)  # Keep &mine
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    stored = populated.inst.problems.get(populated.sessions[Role.RECORDS], theirs.id)
    assert stored.version == 3
    assert stored.data.description == "Essential hypertension" and stored.data.chronic
    assert str(stored.data.onset) == "2015"
    assert not page.form.has_unsaved_changes()


def test_keep_theirs_drops_what_was_typed(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w, page, theirs = race(qtbot, chart_window, populated)
    key(qtbot, Qt.Key.Key_E, ALT)  # Keep th&eirs
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    assert not page.form.has_unsaved_changes()
    qtbot.waitUntil(lambda: rows(page) == ["Hypertension, stage 2"], timeout=WAIT)
    stored = populated.inst.problems.get(populated.sessions[Role.RECORDS], theirs.id)
    assert stored == theirs


def test_combine_fills_the_form_with_theirs_and_the_ticked_fields_of_mine(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    w, page, theirs = race(qtbot, chart_window, populated)
    view = page.conflict
    # Keep my description (ticked by keyboard), take their onset and chronic flag.
    tab_to(qtbot, view.use_mine["description"])
    key(qtbot, Qt.Key.Key_Space)
    assert view.use_mine["description"].isChecked()
    key(qtbot, Qt.Key.Key_B, ALT)  # Com&bine in the form
    form = page.form
    qtbot.waitUntil(lambda: page.stack.currentWidget() is form, timeout=WAIT)
    assert form.values()["description"] == "Essential hypertension"
    assert form.values()["onset"] == "03/2015" and form.values()["chronic"] is False
    assert "review, then Save" in form.message.message
    assert form.has_unsaved_changes()  # the combination is the user's to save
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)
    stored = populated.inst.problems.get(populated.sessions[Role.RECORDS], theirs.id)
    assert (stored.version, stored.data.description, str(stored.data.onset)) == (
        3,
        "Essential hypertension",
        "03/2015",
    )
    assert not stored.data.chronic
