"""A main window on a real clinic with the real code sets, and helpers to drive the chart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

WAIT = 15_000
Window = Callable[[Role], MainWindow]


@pytest.fixture
def chart_window(
    qtbot: QtBot,
    populated: Clinic,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    runner: OpRunner,
) -> Iterator[Window]:
    """``chart_window(role)``: a shown, active main window signed in as ``role``; every
    window shares one services holder, as two screens of one workstation do."""
    made: list[MainWindow] = []
    services = holder(populated.inst, CodeSets(store=ui_store))

    def make(role: Role) -> MainWindow:
        w = MainWindow(
            paths=populated.paths,
            services=services,
            runner=runner,
            session=populated.sessions[role],
            settings=QSettings(str(tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat),
            idle_minutes=15,
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
        made.append(w)
        return w

    yield make
    for w in made:
        w.session = None
        w.close()
    runner.wait_for_done()


def open_chart(qtbot: QtBot, w: MainWindow, query: str) -> None:
    w.search_page.search_box.setText(query)
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() >= 1, timeout=WAIT)
    w.open_patient(w.search_page.model.patient(0))
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)
    settle(qtbot, w)


def settle(qtbot: QtBot, w: MainWindow) -> None:
    """Until the chart's loads have landed."""
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def key(qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A real key press where the cursor is."""
    qtbot.keyClick(focused(), k, mod)


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def tab_to(qtbot: QtBot, target: QWidget, presses: int = 20) -> None:
    """Tab until ``target`` has the cursor (as a keyboard user moves through a form)."""
    for _ in range(presses):
        if QApplication.focusWidget() is target:
            return
        key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is target, "Tab never reached the field"


def rows(page: ItemListPage) -> list[str]:
    return [page.model.display(r, 0) for r in page.model.rows()]
