"""The 7th-character builder and the claim's validation findings, through the panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.types import Severity
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.coding.models import FindingsModel


def open_code(qtbot: QtBot, panel: CodingPanel, code: str) -> None:
    panel.search_edit.setText(code)
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == code, timeout=10_000)
    panel.results.setCurrentIndex(m.index(0, 0))
    qtbot.waitUntil(
        lambda: panel.detail.detail is not None and panel.detail.detail.code == code, timeout=10_000
    )


def rule_ids(panel: CodingPanel) -> list[str]:
    m = panel.claim.findings_model
    return [m.finding(r).rule_id for r in range(m.rowCount())]


def test_seventh_character_builder_yields_a_billable_code(qtbot: QtBot, panel: CodingPanel) -> None:
    open_code(qtbot, panel, "S72.001")
    d = panel.detail
    assert d.seventh_box.isVisibleTo(panel)
    assert "needs a 7th character" in d.billable.text()
    chars = [d.seventh_combo.itemText(i) for i in range(d.seventh_combo.count())]
    assert any(c.startswith("A  initial encounter for closed fracture") for c in chars)
    d.seventh_combo.setCurrentIndex(next(i for i, c in enumerate(chars) if c.startswith("A ")))
    assert d.full_code.text() == "S72.001A"
    d.add_full.click()
    assert panel.claim.codes() == ["S72.001A"]
    qtbot.waitUntil(
        lambda: (
            panel.claim.findings_model.rowCount() > 0 or "No findings" in panel.claim.summary.text()
        ),
        timeout=10_000,
    )
    assert not {"CODE-HEADER", "CODE-7TH-CHAR", "CODE-UNKNOWN"} & set(rule_ids(panel))


def test_placeholder_x_is_added_before_the_seventh_character(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    open_code(qtbot, panel, "W19")
    assert panel.detail.full_code.text() == "W19.XXXA"
    assert "placeholder X" in panel.detail.seventh_hint.text()


def test_a_header_on_the_claim_is_an_error_shown_by_icon_word_and_colour(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    open_code(qtbot, panel, "E11")
    panel.detail.add_button.click()
    qtbot.waitUntil(lambda: "CODE-HEADER" in rule_ids(panel), timeout=10_000)
    m = panel.claim.findings_model
    row = rule_ids(panel).index("CODE-HEADER")
    f = m.finding(row)
    assert f.severity is Severity.ERROR and f.codes == ("E11",)
    sev = m.index(row, FindingsModel.COL_SEVERITY)
    assert sev.data() == "Error"
    assert not sev.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert sev.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b3261e"
    assert m.index(row, FindingsModel.COL_CODES).data() == "E11"
    assert panel.claim.summary.text().startswith("✖ 1 error")


def test_excludes1_pair_then_reorder_and_remove(qtbot: QtBot, panel: CodingPanel) -> None:
    panel.add_to_claim("E11.9", "Type 2 diabetes mellitus without complications")
    panel.add_to_claim("E10.9", "Type 1 diabetes mellitus without complications")
    qtbot.waitUntil(lambda: "EXCLUDES1" in rule_ids(panel), timeout=10_000)
    panel.claim.table.setFocus()
    assert panel.claim.selected_row() == 1
    qtbot.keyClick(panel.claim.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert panel.claim.codes() == ["E10.9", "E11.9"]
    assert panel.claim.model.index(0, 0).data() == "1 (principal)"
    panel.claim.remove_button.click()
    assert panel.claim.codes() == ["E11.9"]
    qtbot.waitUntil(lambda: "EXCLUDES1" not in rule_ids(panel), timeout=10_000)


def test_age_and_sex_feed_the_code_editor(qtbot: QtBot, panel: CodingPanel) -> None:
    panel.dos_edit.setText("06/01/2026")
    panel.add_to_claim("O80", "Encounter for full-term uncomplicated delivery")
    panel.claim.age.setValue(70)
    qtbot.waitUntil(lambda: "AGE_CONFLICT" in rule_ids(panel), timeout=10_000)
