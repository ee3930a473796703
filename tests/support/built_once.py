"""A folder built once for the whole test run, and a private copy of it for each user.

Under pytest-xdist every worker is a process of its own with its own module- and
session-scoped fixtures, so a module whose tests are spread over two workers would build its
clinic twice. Here the first worker to ask builds the folder under the run's shared temporary
folder while holding a lock, the others wait for it, and each caller gets its own copy, so no
two processes ever write to the same database. (pytest-xdist's documented recipe for a
session fixture made once, with fcntl in place of the filelock package.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # Windows: no shared build, each process builds its own
    fcntl = None  # type: ignore[assignment]


def _run_root(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    # A worker's folder is <the run's folder>/popen-gwN; without xdist the run's folder itself.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``build`` makes (it is given the path, which does not exist yet); built by
    the first caller of the run. Treat it as read-only: use copy_of to change anything."""
    if fcntl is None:
        folder = factory.mktemp(f"{name}-built") / name
        build(folder)
        return folder
    root = _run_root(factory)
    folder, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not done.exists():
            if folder.exists():
                shutil.rmtree(folder)  # left by a build that failed in another worker
            build(folder)
            done.touch()
    return folder


def copy_of(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A private copy of the folder built once (file modes kept: the data folder is 0700)."""
    copy = factory.mktemp(name) / name
    shutil.copytree(built_once(factory, name, build), copy)
    return copy
