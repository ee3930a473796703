"""Importing a code-set file from the panel: progress, cancel, and a malformed file."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.coding.import_flow import IMPORT_ANYWAY
from medrec_desktop.ui.tasks import Lane, OpRunner
from tests.conftest import Clinic
from tests.integration.coding.test_coding_service import (
    tiny_cm_order_file,
)
from tests.ui.coding.conftest import MakePanel
from tests.ui.coding.keys import clashes, mnemonics

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402


def hcpcs_file(tmp_path: Path) -> Path:
    path = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    path.write_text(sample_file())
    return path


def test_import_through_the_file_dialog_shows_progress(
    qtbot: QtBot,
    make_panel: MakePanel,
    scratch_ui_store: CodeSetStore,
    tmp_path: Path,
    local_clinic: Clinic,
) -> None:
    path = hcpcs_file(tmp_path)
    panel = make_panel(scratch_ui_store, choose_file=lambda _parent: path)
    assert panel.system_combo.findText("HCPCS Level II") == -1
    seen: list[tuple[int, int]] = []
    panel.imports.progressed.connect(lambda done, total: seen.append((done, total)))
    panel.import_button.click()
    assert panel.imports.dialog is not None and panel.imports.dialog.isVisible()
    qtbot.waitUntil(lambda: "Imported" in panel.message.text(), timeout=20_000)
    assert seen and seen[-1] == (6, 6)
    assert "HCPCS Level II 2024" in panel.message.text() and "6 codes" in panel.message.text()
    assert panel.imports.dialog is None
    assert panel.system_combo.findText("HCPCS Level II") > 0
    # The import went through the coding service: recorded under the signed-in user.
    event = local_clinic.inst.audit.events(local_clinic.admin, AuditFilter(), limit=1)[0]
    assert event.entry_point == "CodingService.import_file" and event.outcome == "success"
    assert event.username == local_clinic.sessions[Role.RECORDS].username
    assert "codes=6" in event.detail
    panel.dos_edit.setText("05/01/2024")
    panel.search_edit.setText("dexamethasone")
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == "J1100", timeout=10_000)
    assert m.hit(0).system is CodeSystem.HCPCS


def test_a_malformed_file_names_line_and_field_and_imports_nothing(
    qtbot: QtBot, make_panel: MakePanel, scratch_ui_store: CodeSetStore, tmp_path: Path
) -> None:
    lines = sample_file().split("\r\n")
    lines[1] = lines[1][:5] + "ABCDE" + lines[1][10:]  # sequence number must be digits
    bad = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    bad.write_text("\r\n".join(lines))
    before = len(scratch_ui_store.releases())
    panel = make_panel(scratch_ui_store)
    panel.import_file(bad)
    qtbot.waitUntil(
        lambda: panel.message.isVisible() and panel.imports.dialog is None, timeout=20_000
    )
    text = panel.message.text()
    assert "line 2" in text and "field" in text, text
    assert len(scratch_ui_store.releases()) == before


def test_cancel_keeps_nothing(
    qtbot: QtBot,
    make_panel: MakePanel,
    runner: OpRunner,
    scratch_ui_store: CodeSetStore,
    tmp_path: Path,
) -> None:
    panel = make_panel(scratch_ui_store)
    before = len(scratch_ui_store.releases())
    gate = threading.Event()
    # hold the import threads so Cancel is pressed before the file is read, whatever the speed
    long_lane = runner.pool(Lane.LONG)
    for _ in range(long_lane.maxThreadCount()):
        long_lane.start(gate.wait)
    panel.import_file(hcpcs_file(tmp_path))
    assert panel.imports.dialog is not None
    cancel = next(b for b in panel.imports.dialog.findChildren(QPushButton) if b.text() == "Cancel")
    cancel.click()
    assert "Cancelling" in panel.imports.dialog.labelText()
    gate.set()
    qtbot.waitUntil(lambda: panel.imports.dialog is None, timeout=20_000)
    assert "nothing was imported" in panel.message.text()
    assert len(scratch_ui_store.releases()) == before


def _asked(qtbot: QtBot, panel: Any) -> Any:
    """The confirmation, once the import stopped to ask (or the import's own message)."""
    flow = panel.imports
    qtbot.waitUntil(
        lambda: flow.confirm_box is not None or panel.message.isVisible(), timeout=60_000
    )
    assert flow.confirm_box is not None, panel.message.text()
    return flow.confirm_box


def _answer(qtbot: QtBot, panel: Any, button_text: str) -> None:
    box = _asked(qtbot, panel)
    assert box is not None and box.isVisible()
    button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
    button.click()


def test_an_incomplete_release_is_imported_only_when_confirmed(
    qtbot: QtBot, make_panel: MakePanel, scratch_ui_store: CodeSetStore, tmp_path: Path
) -> None:
    panel = make_panel(scratch_ui_store)
    before = len(scratch_ui_store.releases())
    path = tiny_cm_order_file(tmp_path)

    panel.import_file(path)
    box = _asked(qtbot, panel)
    # the counts side by side: 2 billable codes against the whole release in use
    first_line = box.text().splitlines()[0]
    counts = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", first_line)]
    assert counts[-2] == 2 and counts[-1] > 70_000, first_line
    _answer(qtbot, panel, "Cancel")
    qtbot.waitUntil(lambda: "Not imported" in panel.message.text(), timeout=10_000)
    assert len(scratch_ui_store.releases()) == before

    panel.import_file(path)
    box = _asked(qtbot, panel)
    # its own window (no menu bar): Alt+I imports anyway, Esc cancels
    assert ("I", f"&{IMPORT_ANYWAY}") in mnemonics(box)
    assert clashes(mnemonics(box), taken=set()) == []
    _answer(qtbot, panel, IMPORT_ANYWAY)
    qtbot.waitUntil(lambda: "Imported" in panel.message.text(), timeout=60_000)
    assert len(scratch_ui_store.releases()) == before + 1
