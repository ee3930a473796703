"""One code-set store per test process, a copy of the one built from the bundled data for the
run (tests/support/code_sets.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from tests.support.cms import unpack_cms_files
from tests.support.code_sets import code_sets_copy


@pytest.fixture(scope="session")
def cms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the official CMS files the importer tests read (from tests/data)."""
    return unpack_cms_files(tmp_path_factory.mktemp("cms"))


@pytest.fixture(scope="session")
def codes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This process's code-set folder, holding its copy of the store built once for the run."""
    path = code_sets_copy(tmp_path_factory)
    os.environ["MEDREC_CODES_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def store(codes_dir: Path) -> Iterator[CodeSetStore]:
    s = CodeSetStore(codes_dir / STORE_FILE)
    yield s
    s.close()


@pytest.fixture()
def scratch_store(store: CodeSetStore, tmp_path: Path) -> Iterator[CodeSetStore]:
    """A private copy for tests that import files into it."""
    shutil.copy(store.path, tmp_path / STORE_FILE)
    s = CodeSetStore(tmp_path / STORE_FILE)
    yield s
    s.close()
