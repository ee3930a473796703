"""The claim's setting (office/outpatient or inpatient) decides which edits apply."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.types import Setting
from medrec_desktop.ui.coding import CodingPanel
from tests.ui.coding.test_coding_claim_ui import rule_ids


def test_switching_the_setting_changes_the_findings(qtbot: QtBot, panel: CodingPanel) -> None:
    claim = panel.claim
    assert claim.claim_setting() is Setting.OUTPATIENT  # a clinic's default
    assert claim.setting.currentText() == "Office / outpatient"
    assert claim.setting.accessibleName().startswith("Claim setting")
    panel.dos_edit.setText("06/01/2026")
    # an annual exam: the right first code of an office visit, an MCE unacceptable principal
    # diagnosis for a hospital stay
    panel.add_to_claim("Z00.00", "Encounter for general adult medical examination")
    panel.add_to_claim("I10", "Essential (primary) hypertension")
    qtbot.waitUntil(
        lambda: claim.findings_model.rowCount() > 0 or "No findings" in claim.summary.text(),
        timeout=10_000,
    )
    assert "UNACCEPTABLE_PDX" not in rule_ids(panel)
    assert not claim.summary.text().startswith("✖")
    # keyboard only: the mnemonic reaches the selector, the arrow key picks Inpatient
    qtbot.keyClick(panel, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is claim.setting
    with qtbot.waitSignal(claim.changed, timeout=5_000):
        qtbot.keyClick(claim.setting, Qt.Key.Key_Down)
    assert claim.claim_setting() is Setting.INPATIENT
    qtbot.waitUntil(lambda: "UNACCEPTABLE_PDX" in rule_ids(panel), timeout=10_000)
    assert claim.summary.text().startswith("✖")
    claim.set_claim_setting(Setting.OUTPATIENT)
    qtbot.waitUntil(lambda: "UNACCEPTABLE_PDX" not in rule_ids(panel), timeout=10_000)


def test_errors_are_listed_before_warnings_and_notes(qtbot: QtBot, panel: CodingPanel) -> None:
    """What blocks the claim is at the top of the findings, however the checks ordered them."""
    claim = panel.claim
    panel.dos_edit.setText("06/01/2026")
    claim.set_claim_setting(Setting.INPATIENT)
    # hypertension beside CKD (a warning: code I12.-) and a header (an error), then an annual
    # exam in second place (an error: it may only be first-listed)
    for code in ("I10", "N18.30", "E11", "Z00.00"):
        panel.add_to_claim(code, "")
    qtbot.waitUntil(lambda: "COMBO-HTN-CKD" in rule_ids(panel), timeout=10_000)
    model = claim.findings_model
    severities = [model.finding(r).severity.value for r in range(model.rowCount())]
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert severities[0] == "error" and "warning" in severities
