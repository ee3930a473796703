"""A copy of the repository with nothing beside it passes the code-set tests.

On development machines other folders sit beside the repository (once, the importer tests
read official CMS files from `../shared`); a clone on its own must not need them. The copy
holds exactly the files git tracks, in a folder with no siblings, and runs with this
environment's interpreter and installed dependencies but the copy's own package and tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The tests that read data files and build the code-set store; the store is built once for
# the session (a few seconds), the rest are queries and imports into copies of it.
CODING_TESTS = [
    "tests/integration/coding/test_coding_importers.py",
    "tests/integration/coding/test_coding_store.py",
    "tests/integration/coding/test_coding_validate.py",
]


def copy_tracked_files(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the working tree, not yet committed
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def lone_env(copy: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDREC_", "PYTEST_", "PYTHON")) and k != "COV_CORE_SOURCE"
    }
    # The copy comes first on the path, ahead of the editable install of this worktree.
    env["PYTHONPATH"] = str(copy)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_a_lone_copy_of_the_repository_passes_the_coding_tests(tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    copy = alone / "medrec-desktop"
    copy_tracked_files(copy)
    assert [p.name for p in alone.iterdir()] == ["medrec-desktop"]
    for test in CODING_TESTS:
        assert (copy / test).is_file(), f"{test} is not tracked by git"
    env = lone_env(copy)

    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import medrec_desktop, tests; print(medrec_desktop.__file__); print(tests.__file__)",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where == [
        str(copy / "medrec_desktop" / "__init__.py"),
        str(copy / "tests" / "__init__.py"),
    ]

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
        + ["--basetemp", str(tmp_path / "inner")]
        + CODING_TESTS,
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary
