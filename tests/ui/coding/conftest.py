"""A real code-set store for the panel, built once per session; the panel itself per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.ui.coding import CodingPanel


@pytest.fixture(scope="session")
def ui_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The integration tests' store when they ran first in this session, else a fresh one."""
    shared = os.environ.get("MEDREC_CODES_DIR")
    if shared and (Path(shared) / STORE_FILE).exists():
        return Path(shared) / STORE_FILE
    path = tmp_path_factory.mktemp("ui-codesets") / STORE_FILE
    CodeSetStore(path).close()
    return path


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


def make_panel(qtbot: QtBot, store: CodeSetStore, **kwargs: Any) -> CodingPanel:
    panel = CodingPanel(store=store, **kwargs)
    qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
    panel.resize(1366, 768)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    return panel


@pytest.fixture()
def panel(qtbot: QtBot, ui_store: CodeSetStore) -> CodingPanel:
    return make_panel(qtbot, ui_store)
