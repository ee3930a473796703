"""The coding panel's search and detail, driven like a coder does: typing and the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.coding.models import SECONDARY_ROLE, ResultsModel


def result_codes(panel: CodingPanel) -> list[str]:
    m = panel.results_model
    return [m.hit(r).code for r in range(m.rowCount())]


def test_typing_shows_results_with_their_hierarchy(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClicks(panel.search_edit, "diab hyperglyc")
    qtbot.waitUntil(lambda: "E11.65" in result_codes(panel), timeout=10_000)
    row = result_codes(panel).index("E11.65")
    index = panel.results_model.index(row, ResultsModel.COL_TITLE)
    assert "hyperglycemia" in index.data().lower()
    assert "E11 › E11.6" in index.data(SECONDARY_ROLE)
    assert "E11.65" in panel.status.text() or "codes for" in panel.status.text()


def test_the_latest_query_wins(qtbot: QtBot, panel: CodingPanel) -> None:
    # each keystroke restarts the wait; whatever was typed last is what is shown
    for text in ("asthma", "copd", "htn"):
        panel.search_edit.setText(text)
    qtbot.waitUntil(lambda: result_codes(panel)[:1] == ["I10"], timeout=10_000)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    assert result_codes(panel)[0] == "I10"


def test_code_system_and_billable_filters(qtbot: QtBot, panel: CodingPanel) -> None:
    labels = [panel.system_combo.itemText(i) for i in range(panel.system_combo.count())]
    assert labels[:3] == ["All code systems", "ICD-10-CM", "ICD-10-PCS"]
    panel.system_combo.setCurrentIndex(labels.index("ICD-10-PCS"))
    qtbot.keyClicks(panel.search_edit, "bypass cerebral ventricle")
    qtbot.waitUntil(lambda: panel.results_model.rowCount() > 0, timeout=10_000)
    hits = [panel.results_model.hit(r) for r in range(panel.results_model.rowCount())]
    assert all(h.system is CodeSystem.ICD10PCS for h in hits)
    panel.system_combo.setCurrentIndex(0)
    panel.search_edit.setText("E11.3")
    qtbot.waitUntil(
        lambda: any(
            not panel.results_model.hit(r).billable for r in range(panel.results_model.rowCount())
        ),
        timeout=10_000,
    )
    panel.billable_check.click()
    qtbot.waitUntil(
        lambda: (
            panel.results_model.rowCount() > 0
            and all(
                panel.results_model.hit(r).billable for r in range(panel.results_model.rowCount())
            )
        ),
        timeout=10_000,
    )


def test_selecting_a_code_shows_its_notes_and_where_they_come_from(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    qtbot.keyClicks(panel.search_edit, "E11.65")
    qtbot.waitUntil(lambda: result_codes(panel)[:1] == ["E11.65"], timeout=10_000)
    panel.results.setCurrentIndex(panel.results_model.index(0, 0))
    qtbot.waitUntil(
        lambda: panel.detail.detail is not None and panel.detail.detail.code == "E11.65",
        timeout=10_000,
    )
    notes = panel.detail.notes.toPlainText()
    assert "Excludes1" in notes and "Use additional code" in notes
    assert "inherited from E11 Type 2 diabetes mellitus" in notes
    assert "E08-E13" in panel.detail.breadcrumb.text()
    assert "Billable" in panel.detail.billable.text()
    assert panel.detail.validity.text().startswith("✔ Valid")
    assert "HCC" in panel.detail.hcc.text()


def test_an_unreadable_date_of_service_is_marked_and_not_used(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    panel.dos_edit.setText("13/45/2026")
    assert "not a date" in panel.dos_note.text()
    panel.dos_edit.setText("6/1/26")
    assert panel.dos() is not None and panel.dos().isoformat() == "2026-06-01"
    assert "2026" in panel.dos_note.text()


def test_keyboard_flow_find_type_down_enter_delete(qtbot: QtBot, panel: CodingPanel) -> None:
    panel.claim.table.setFocus()
    # The main window's Ctrl+F lands here while the Coding area is shown.
    panel.focus_search()
    qtbot.waitUntil(panel.search_edit.hasFocus, timeout=5_000)
    qtbot.keyClicks(panel.search_edit, "htn")
    qtbot.waitUntil(lambda: result_codes(panel)[:1] == ["I10"], timeout=10_000)
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Down)
    assert panel.results.hasFocus()
    assert panel.results.currentIndex().row() == 0
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert panel.claim.codes() == ["I10"]
    # An office visit (the default setting): I10 first-listed is fine, only the tabular's
    # "use additional code" reminder remains, as a note
    qtbot.waitUntil(lambda: "1 note" in panel.claim.summary.text(), timeout=10_000)
    assert "error" not in panel.claim.summary.text()
    qtbot.keyClick(panel, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # &Claim
    assert panel.claim.table.hasFocus()
    qtbot.keyClick(panel.claim.table, Qt.Key.Key_Delete)
    assert panel.claim.codes() == []


def test_every_input_has_an_accessible_name(panel: CodingPanel) -> None:
    d, c = panel.detail, panel.claim
    inputs = [
        panel.search_edit,
        panel.system_combo,
        panel.billable_check,
        panel.dos_edit,
        panel.import_button,
        panel.results,
        d.seventh_combo,
        d.full_code,
        d.add_full,
        d.add_button,
        d.notes,
        c.table,
        c.up_button,
        c.down_button,
        c.remove_button,
        c.age,
        c.sex,
        c.findings,
    ]
    assert [w for w in inputs if not w.accessibleName()] == []
