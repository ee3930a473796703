"""The file dialogs that name patient data (attaching a scan, saving a trend or an audit
export) are Qt's own, never the system's, which would add the file to the desktop's "recent
files" list. Each is driven for real: the dialog opens, a file is chosen in it, the path
comes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.trends import Trend, TrendPoint
from medrec_desktop.ui.admin.audit_page import AuditLogPage
from medrec_desktop.ui.chart.trend_dialog import TrendDialog
from medrec_desktop.ui.documents.attach_dialog import choose_file
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from tests.conftest import Clinic
from tests.ui.conftest import holder

WAIT = 10_000


@dataclass(frozen=True)
class Seen:
    """What the dialog was, noted while it was up (it is deleted once answered)."""

    private: bool
    mode: QFileDialog.AcceptMode
    filters: list[str]


def answer_dialog(choose: Path | None) -> list[Seen]:
    """Once the modal dialog is up, note what it is and choose ``choose`` (None: cancel)."""
    seen: list[Seen] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, act)  # not shown yet: look again on a later turn
            return
        private = dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        seen.append(Seen(private, dialog.acceptMode(), dialog.nameFilters()))
        if choose is None:
            dialog.reject()
        else:
            dialog.selectFile(str(choose))
            dialog.accept()

    QTimer.singleShot(0, act)
    return seen


def run_chooser(qtbot: Any, ask: Callable[[QWidget], Path | None], choose: Path | None) -> Any:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    seen = answer_dialog(choose)
    got = ask(parent)
    assert len(seen) == 1
    return got, seen[0]


def test_attaching_uses_qts_dialog_and_returns_the_chosen_file(qtbot: Any, tmp_path: Path) -> None:
    scan = tmp_path / "smith-john-referral.pdf"
    scan.write_bytes(b"%PDF-1.4\n")
    got, dialog = run_chooser(qtbot, choose_file, scan)
    assert got == scan
    assert dialog.private
    assert dialog.mode == QFileDialog.AcceptMode.AcceptOpen
    assert "*.pdf" in dialog.filters[0]


def test_a_cancelled_choice_is_none(qtbot: Any) -> None:
    got, dialog = run_chooser(qtbot, choose_file, None)
    assert got is None
    assert dialog.private


def test_saving_uses_qts_dialog_too(qtbot: Any, tmp_path: Path) -> None:
    out = tmp_path / "a1c trend.pdf"
    got, dialog = run_chooser(
        qtbot, lambda p: save_file_path(p, "Save the trend as PDF", "PDF files (*.pdf)"), out
    )
    assert got == out and not out.exists()  # choosing writes nothing
    assert dialog.private
    assert dialog.mode == QFileDialog.AcceptMode.AcceptSave


def test_the_trend_and_audit_exports_ask_through_qts_dialog(
    qtbot: Any, local_clinic: Clinic, runner: OpRunner, tmp_path: Path
) -> None:
    services = holder(local_clinic.inst)
    audit = AuditLogPage(services=services, runner=runner, session=lambda: local_clinic.admin)
    qtbot.addWidget(audit)
    day = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    trend = TrendDialog(
        Trend("Hemoglobin A1c", "%", (TrendPoint(day, 6.1), TrendPoint(day, 6.4))),
        services=services,
        runner=runner,
        session=local_clinic.sessions[Role.PROVIDER],
        patient_id=PatientId(1),
        what="result:a1c",
        subject="Test, Patient",
    )
    qtbot.addWidget(trend)
    for ask in (audit._ask_save_path, trend.ask_pdf_path):
        out = tmp_path / "chosen.out"
        seen = answer_dialog(out)
        assert ask() == out
        assert seen[0].private
