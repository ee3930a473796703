"""A real code-set store for the panel, built once per session; the panel itself per test,
working through the coding service of a real clinic (imports are audited there)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.support.code_sets import code_sets_copy
from tests.ui.conftest import holder


@pytest.fixture(scope="session")
def ui_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This process's copy of the store built once for the run (tests/support/code_sets.py)."""
    return code_sets_copy(tmp_path_factory) / STORE_FILE


@pytest.fixture(scope="session")
def ui_store(ui_store_file: Path) -> Iterator[CodeSetStore]:
    s = CodeSetStore(ui_store_file)
    yield s
    s.close()


@pytest.fixture()
def scratch_ui_store(ui_store_file: Path, tmp_path: Path) -> Iterator[CodeSetStore]:
    """A private copy for tests that import files into it."""
    shutil.copy(ui_store_file, tmp_path / STORE_FILE)
    s = CodeSetStore(tmp_path / STORE_FILE)
    yield s
    s.close()


MakePanel = Callable[..., CodingPanel]


@pytest.fixture()
def make_panel(qtbot: QtBot, local_clinic: Clinic, runner: OpRunner, tmp_path: Path) -> MakePanel:
    """``make_panel(store, role=..., **panel_kwargs)``: a shown panel for a signed-in user
    (records specialist by default: the role that imports releases), with this test's own
    workstation settings unless ``settings`` is given (never the developer's)."""

    def make(store: CodeSetStore, *, role: Role = Role.RECORDS, **kwargs: Any) -> CodingPanel:
        kwargs.setdefault(
            "settings", QSettings(str(tmp_path / "panel.ini"), QSettings.Format.IniFormat)
        )
        services = holder(local_clinic.inst, CodeSets(store=store))
        panel = CodingPanel(
            services=services,
            runner=runner,
            session=lambda: local_clinic.sessions[role],
            **kwargs,
        )
        qtbot.addWidget(panel)
        panel.resize(1366, 768)
        panel.show()
        qtbot.waitExposed(panel)
        panel.activateWindow()
        qtbot.waitUntil(lambda: panel.ready, timeout=20_000)
        return panel

    return make


@pytest.fixture()
def panel(make_panel: MakePanel, ui_store: CodeSetStore) -> CodingPanel:
    return make_panel(ui_store, role=Role.CODER)
