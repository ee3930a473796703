"""The Coding area of the main window: who sees it, and the panel made on first visit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.conftest import holder


@pytest.fixture
def coding_window(
    qtbot: QtBot, local_clinic: Clinic, ui_store: CodeSetStore, tmp_path: Path, runner: OpRunner
) -> Callable[[Role], MainWindow]:
    def make(role: Role) -> MainWindow:
        settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
        w = MainWindow(
            paths=local_clinic.paths,
            services=holder(local_clinic.inst, CodeSets(store=ui_store)),
            runner=runner,
            session=local_clinic.sessions[role],
            settings=settings,
            idle_minutes=15,
        )
        qtbot.addWidget(w, before_close_func=lambda win: setattr(win, "session", None))
        w.show()
        return w

    return make


def test_coders_get_the_coding_area(
    qtbot: QtBot, coding_window: Callable[[Role], MainWindow]
) -> None:
    w = coding_window(Role.CODER)
    # Today's visits too, and the coding worklist: coders read clinical data and code it.
    assert list(w.areas) == ["Patients", "Today", "Coding work", "Coding"]
    area = w.areas["Coding"]
    assert isinstance(area, LazyArea) and area.content is None  # nothing built before use
    w.show_area("Coding")
    assert isinstance(area.content, CodingPanel)
    panel = area.content
    # Coders search and check codes; importing releases is not theirs.
    assert panel.import_button.isHidden()
    panel.search_edit.setText("e1165")
    qtbot.waitUntil(lambda: panel.results_model.rowCount() > 0, timeout=20_000)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER])
def test_roles_that_do_not_code_do_not_see_the_coding_area(
    coding_window: Callable[[Role], MainWindow], role: Role
) -> None:
    w = coding_window(role)
    assert "Coding" not in w.areas
    assert "Coding" not in [w.nav.item(i).text() for i in range(w.nav.count())]


def test_records_specialists_code_and_import(
    qtbot: QtBot, coding_window: Callable[[Role], MainWindow]
) -> None:
    w = coding_window(Role.RECORDS)
    # Today's visits and the scanner inbox too: records specialists file the scans.
    assert list(w.areas) == ["Patients", "Today", "Inbox", "Coding"]
    w.show_area("Coding")
    panel = w.areas["Coding"]
    assert isinstance(panel, LazyArea) and isinstance(panel.content, CodingPanel)
    assert not panel.content.import_button.isHidden()


def test_in_the_window_the_keys_work_and_pane_sizes_go_to_its_settings(
    qtbot: QtBot, coding_window: Callable[[Role], MainWindow], tmp_path: Path
) -> None:
    w = coding_window(Role.CODER)
    w.show_area("Coding")
    area = w.areas["Coding"]
    assert isinstance(area, LazyArea) and isinstance(area.content, CodingPanel)
    panel = area.content
    qtbot.waitUntil(lambda: panel.ready, timeout=20_000)
    w.activateWindow()
    panel.focus_search()
    qtbot.keyClicks(panel.search_edit, "htn")
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == "I10", timeout=20_000)
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Down)
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert panel.claim.codes() == ["I10"]
    assert panel.search_edit.hasFocus() and panel.search_edit.selectedText() == "htn"
    qtbot.keyClick(w, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # &Claim, not a menu
    assert panel.claim.table.hasFocus()
    # The pane widths are a workstation preference: the window's own settings file.
    handle = panel.splitter.handle(1)
    start = handle.rect().center()
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(handle, start + QPoint(-60, 0))
    QTest.mouseRelease(
        handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(-60, 0)
    )
    w.settings.sync()
    saved = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    assert saved.value("coding/panes") is not None


def test_ctrl_f_in_the_coding_area_goes_to_the_code_search(
    qtbot: QtBot, coding_window: Callable[[Role], MainWindow]
) -> None:
    from PySide6.QtCore import Qt

    w = coding_window(Role.CODER)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.show_area("Coding")
    panel = w.areas["Coding"]
    assert isinstance(panel, LazyArea) and isinstance(panel.content, CodingPanel)
    panel.content.search_edit.setText("diab")
    w.nav.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # not ambiguous
    qtbot.waitUntil(panel.content.search_edit.hasFocus)
    assert panel.content.search_edit.selectedText() == "diab"
    assert w.current_area() == "Coding"  # stays in the area: not "find patient"
    w.show_area("Patients")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(w.search_page.search_box.hasFocus)
