"""`--self-test` from the source tree and from the PyInstaller one-folder build.

The self-test must run headless, create its database in a temporary folder and delete it, and
leave the user's data folder (and home) untouched: the runs below get an empty HOME, data
folder and TMPDIR of their own, and those are checked afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECKS = (
    "bundled resources",
    "database migrations",
    "code-set package data",
    "coding vocabulary",
    "encrypted database",
    "document files",
    "scan intake",
    "PDF export",
    "record PDF",
    "demo data generator",
    "Qt libraries",
)


def _isolated_env(tmp_path: Path) -> tuple[dict[str, str], list[Path]]:
    home, data, tmp = tmp_path / "home", tmp_path / "data-dir", tmp_path / "tmp"
    for folder in (home, data, tmp):
        folder.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDREC_", "XDG_")) and k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update(
        HOME=str(home),
        MEDREC_DATA_DIR=str(data),
        TMPDIR=str(tmp),
        QT_QPA_PLATFORM="offscreen",
    )
    return env, [home, data, tmp]


def _check_report(result: subprocess.CompletedProcess[str], untouched: list[Path]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for check in CHECKS:
        assert any(line.startswith(f"ok   {check}:") for line in lines), result.stdout
    assert not any(line.startswith("FAIL") for line in lines)
    assert lines[-1] == f"self-test passed ({len(CHECKS)} checks)"
    for folder in untouched:
        assert list(folder.iterdir()) == [], f"the self-test left files in {folder}"


def test_self_test_from_the_source_tree(tmp_path: Path) -> None:
    env, untouched = _isolated_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "medrec_desktop", "--self-test"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _check_report(result, untouched)
    assert "(Python package," in result.stdout


def test_self_test_reports_a_failing_check(tmp_path: Path) -> None:
    env, _ = _isolated_env(tmp_path)
    env["MEDREC_RESOURCES"] = str(tmp_path / "no-such-folder")
    result = subprocess.run(
        [sys.executable, "-m", "medrec_desktop", "--self-test"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "FAIL bundled resources:" in result.stdout
    # the coding vocabularies and the record's fonts live in the same folder: their checks
    # name the missing file
    assert "FAIL coding vocabulary:" in result.stdout and "no-such-folder" in result.stdout
    assert "FAIL record PDF:" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "self-test FAILED: bundled resources, coding vocabulary, record PDF"
    )


@pytest.mark.slow
def test_one_folder_build_passes_its_self_test(tmp_path: Path) -> None:
    """PyInstaller builds build.spec (about 70 s on the 2-core development machines), then the
    frozen program runs its self-test headless."""
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    assert pyinstaller.exists(), "PyInstaller is part of the dev extras: pip install -e '.[dev]'"
    build = subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--distpath",
            str(tmp_path / "dist"),
            "--workpath",
            str(tmp_path / "build"),
            "build.spec",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    binary = tmp_path / "dist" / "medrec-desktop" / "medrec-desktop"
    assert binary.is_file()
    (tmp_path / "run").mkdir()
    env, untouched = _isolated_env(tmp_path / "run")
    result = subprocess.run(
        [str(binary), "--self-test"], env=env, capture_output=True, text=True, timeout=300
    )
    _check_report(result, untouched)
    assert "(frozen build," in result.stdout
    bundle = tmp_path / "dist" / "medrec-desktop" / "_internal"
    assert (bundle / "medrec_desktop" / "db" / "migrations" / "env.py").is_file()
