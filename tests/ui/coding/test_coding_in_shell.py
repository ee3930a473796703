"""The Coding area of the main window opens the coding panel on first visit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from tests.conftest import Clinic


def test_coders_get_the_coding_area(
    qtbot,
    local_clinic: Clinic,
    ui_store: CodeSetStore,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(
        paths=local_clinic.paths,
        inst=local_clinic.inst,
        session=local_clinic.sessions[Role.CODER],
        settings=settings,
        idle_minutes=15,
        code_store=ui_store,
    )
    qtbot.addWidget(w)
    w.show()
    assert list(w.areas) == ["Patients", "Coding"]
    area = w.areas["Coding"]
    assert isinstance(area, LazyArea) and area.content is None  # nothing built before use
    w.show_area("Coding")
    assert isinstance(area.content, CodingPanel)
    panel = area.content
    panel.search_edit.setText("e1165")
    qtbot.waitUntil(lambda: panel.results_model.rowCount() > 0, timeout=20_000)
    w.session = None
    w.close()
