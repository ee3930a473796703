"""Render each state of the coding panel offscreen at 1366x768 for docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QSettings
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QPushButton

from medrec_desktop.coding.types import Setting
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.coding.panel import CodingPanel
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, OpRunner

SIZE = (1366, 768)
#: a fixed date of service so the pictures do not change from day to day
DOS = dt.date(2026, 11, 20)


def _wait(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("the coding panel did not reach the state to photograph")
        # Block in Qt's event loop (up to 10 ms) until something happens, rather than spin.
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 10)


def _idle(panel: CodingPanel) -> None:
    _wait(lambda: not (panel._timer.isActive() or panel.busy))
    QApplication.processEvents()


def _search(panel: CodingPanel, text: str, select: str | None = None) -> None:
    panel.search_edit.setFocus()
    panel.search_edit.setText(text)
    _idle(panel)
    if select is not None:
        m = panel.results_model
        row = next(r for r in range(m.rowCount()) if m.hit(r).code == select)
        panel.results.setFocus()
        panel.results.selectRow(row)
        _idle(panel)


def _save(pixmap: QPixmap, path: Path) -> Path:
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def render_coding_screenshots(
    out_dir: Path, inst: Installation, admin: UserSession, code_sets: CodeSets
) -> list[Path]:
    """coding-typing, -notes, -seventh, -validation, -misspelling, -procedure, -setting and
    -import .png in ``out_dir``."""
    app = QApplication.instance() or QApplication([])
    assert app is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    # One import thread, so the import in the last picture can be held behind a gate.
    runner = OpRunner(threads={Lane.LONG: 1})
    services = ServicesHolder(inst=inst, code_sets=code_sets)
    # Default pane widths, whatever this workstation's own preferences say.
    prefs = Path(tempfile.mkdtemp(prefix="medrec-coding-prefs-"))
    panel = CodingPanel(
        services=services,
        runner=runner,
        session=lambda: admin,
        today=lambda: DOS,
        settings=QSettings(str(prefs / "workstation.ini"), QSettings.Format.IniFormat),
    )
    panel.resize(*SIZE)
    panel.setWindowTitle("Coding")
    panel.show()
    out: list[Path] = []
    try:
        panel.add_to_claim("I10", "Essential (primary) hypertension")
        panel.claim.age.setValue(67)
        panel.claim.sex.setCurrentIndex(1)
        _search(panel, "diab hyperg", select="E11.65")
        panel.search_edit.setFocus()
        panel.search_edit.end(False)
        out.append(_save(panel.grab(), out_dir / "coding-typing.png"))

        _search(panel, "diabetes with hyperglycemia", select="E11.65")
        panel.detail.add_button.click()
        _idle(panel)
        out.append(_save(panel.grab(), out_dir / "coding-notes.png"))

        _search(panel, "hip fracture", select="S72.001")
        d = panel.detail
        d.seventh_combo.setCurrentIndex(max(d.seventh_combo.findData("S72.001A"), 0))
        d.seventh_combo.setFocus()
        out.append(_save(panel.grab(), out_dir / "coding-seventh.png"))

        d.add_full.click()
        panel.add_to_claim("E11", "Type 2 diabetes mellitus")
        panel.add_to_claim("E10.9", "Type 1 diabetes mellitus without complications")
        _idle(panel)
        out.append(_save(panel.grab(), out_dir / "coding-validation.png"))

        # A misspelt word is corrected against the code sets' own words, and the status line
        # says so; the claim is an office visit that passes every check.
        for _ in range(len(panel.claim.codes())):
            panel.claim._select(0)
            panel.claim.remove_selected()
        panel.add_to_claim("J18.9", "Pneumonia, unspecified organism")
        _search(panel, "pnuemonia lobar", select="J18.1")
        out.append(_save(panel.grab(), out_dir / "coding-misspelling.png"))

        # An everyday procedure name read as its ICD-10-PCS table (root operation, body part
        # and the approach the phrase names)
        _search(panel, "lap chole", select="0FT44ZZ")
        out.append(_save(panel.grab(), out_dir / "coding-procedure.png"))

        # The same claim checked as an inpatient stay: the inpatient-only MCE edits apply
        for _ in range(len(panel.claim.codes())):
            panel.claim._select(0)
            panel.claim.remove_selected()
        for code, title in (
            ("Z00.00", "Encounter for general adult medical examination without abnormal findings"),
            ("I10", "Essential (primary) hypertension"),
            ("N18.30", "Chronic kidney disease, stage 3 unspecified"),
            ("E11.9", "Type 2 diabetes mellitus without complications"),
        ):
            panel.add_to_claim(code, title)
        c = panel.claim
        c.setting.setCurrentIndex(c.setting.findData(Setting.INPATIENT))
        _search(panel, "screening colon", select="Z12.11")
        c.setting.setFocus()
        _idle(panel)
        out.append(_save(panel.grab(), out_dir / "coding-setting.png"))
        c.setting.setCurrentIndex(c.setting.findData(Setting.OUTPATIENT))
        _idle(panel)

        out.append(_save(_import_midway(panel, runner), out_dir / "coding-import.png"))
    finally:
        runner.shutdown()
        panel.close()
        panel.deleteLater()
        QApplication.processEvents()
        shutil.rmtree(prefs, ignore_errors=True)
    return out


def _import_midway(panel: CodingPanel, runner: OpRunner) -> QPixmap:
    """The progress dialog over the panel, part-way through storing a file; then cancelled,
    so the store is left exactly as it was."""
    gate = threading.Event()
    runner.pool(Lane.LONG).start(gate.wait)  # the import waits behind it until the shot
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "icd10cm_order_2027.txt"
        path.write_text("")
        panel.import_file(path)
        flow = panel.imports
        assert flow.dialog is not None
        flow.show_progress(45_000, 98_190)
        QApplication.processEvents()
        shot = panel.grab()
        dialog = flow.dialog.grab()
        painter = QPainter(shot)
        painter.fillRect(shot.rect(), QColor(0, 0, 0, 40))
        at = QPoint((shot.width() - dialog.width()) // 2, (shot.height() - dialog.height()) // 3)
        painter.setPen(QPen(QColor("#7a7a7a"), 1))
        painter.drawRect(at.x() - 1, at.y() - 1, dialog.width() + 1, dialog.height() + 1)
        painter.drawPixmap(at, dialog)
        painter.end()
        cancel = next(b for b in flow.dialog.findChildren(QPushButton) if b.text() == "Cancel")
        cancel.click()
        gate.set()
        _wait(lambda: flow.dialog is None)
    panel.show_message("")
    return shot
