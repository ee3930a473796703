"""`make run` on a Linux desktop that lacks the libraries Qt's xcb plugin loads.

The machine is made to lack them for real: in a private mount namespace an overlay hides
libxcb-cursor, libxcb-icccm and libxcb-keysyms from the system library folder, so the dynamic
linker answers "not found" exactly as on a fresh Debian/Ubuntu desktop, while the rest of
the machine keeps them. Needs root (CI here runs as root). Nothing is ever installed: the
checks run with MEDREC_NO_AUTO_INSTALL=1 or --dry-run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECKER = REPO / "scripts" / "check_linux_qt_libs.py"
NEEDED = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
APT_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"

# Hides the files given after the library folder, then runs the command after "--".
HIDE = r"""
set -e
work="$1"; libdir="$2"; shift 2
mount -t tmpfs medrec-test-hide "$work"
mkdir "$work/upper" "$work/work"
while [ "$1" != "--" ]; do mknod "$work/upper/$1" c 0 0; shift; done; shift
layers="lowerdir=$libdir,upperdir=$work/upper,workdir=$work/work"
mount -t overlay medrec-test-hide -o "$layers" "$libdir"
set +e
exec "$@"
"""


def qxcb_plugin() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt/plugins/platforms/libqxcb.so"
    assert plugin.is_file()
    return plugin


def resolved() -> dict[str, Path]:
    """Where the dynamic linker finds each needed library now (absent ones left out)."""
    out = subprocess.run(["ldd", str(qxcb_plugin())], capture_output=True, text=True).stdout
    found = {}
    for name, path in re.findall(r"^\s*(\S+) => (/\S+)", out, flags=re.M):
        if name in NEEDED:
            found[name] = Path(path)
    return found


def without_the_libraries(tmp_path: Path, command: list[str]) -> list[str]:
    """``command`` run where the three libraries are absent (hidden when this machine has them)."""
    present = resolved()
    if not present:
        return command  # this machine lacks them already
    folders = {p.parent for p in present.values()}
    assert len(folders) == 1, folders
    names = set()
    for path in present.values():
        names.add(path.name)
        names.add(path.resolve().name)  # the versioned file behind the soname link
    work = tmp_path / "hide"
    work.mkdir()
    return ["unshare", "--mount", "sh", "-c", HIDE, "sh", str(work), str(folders.pop())] + [
        *sorted(names),
        "--",
        *command,
    ]


def run(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "MAKEFLAGS")}
    return subprocess.run(
        argv, cwd=cwd, env=base | env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def checker() -> list[str]:
    return [sys.executable, str(CHECKER)]


def test_the_checker_names_what_is_missing_and_the_command(
    tmp_path: Path, checker: list[str]
) -> None:
    result = run(without_the_libraries(tmp_path, checker), {"MEDREC_NO_AUTO_INSTALL": "1"})
    assert result.returncode == 1
    assert result.stdout == ""
    for lib in NEEDED:
        assert lib in result.stderr
    assert f"sudo apt-get install -y {APT_PACKAGES}" in result.stderr
    assert "make run" in result.stderr and "Traceback" not in result.stderr


def test_make_run_stops_with_the_message_before_starting_the_app(tmp_path: Path) -> None:
    # -o: never reinstall the virtual environment from inside a test.
    make = ["make", "-o", ".venv/.installed", "run"]
    result = run(without_the_libraries(tmp_path, make), {"MEDREC_NO_AUTO_INSTALL": "1"})
    assert result.returncode == 2  # make's "a recipe failed"
    assert f"sudo apt-get install -y {APT_PACKAGES}" in result.stderr
    # The app was never started, so Qt never aborted.
    assert "bin/medrec-desktop" not in result.stdout
    assert "could not load the Qt platform plugin" not in result.stderr


def test_as_root_it_installs_with_the_package_manager_itself(
    tmp_path: Path, checker: list[str]
) -> None:
    assert os.geteuid() == 0  # CI runs as root; this is the "installs it itself" case
    result = run(without_the_libraries(tmp_path, [*checker, "--dry-run"]), {})
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr.strip()
        == f"Would install what Qt needs with: apt-get install -y {APT_PACKAGES}"
    )


def test_offscreen_needs_no_xcb_libraries(tmp_path: Path, checker: list[str]) -> None:
    result = run(
        without_the_libraries(tmp_path, checker),
        {"MEDREC_NO_AUTO_INSTALL": "1", "QT_QPA_PLATFORM": "offscreen"},
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_on_this_machine_as_it_is(checker: list[str]) -> None:
    """Whatever this machine holds, the checker agrees with the dynamic linker."""
    result = run(checker, {"MEDREC_NO_AUTO_INSTALL": "1"})
    if len(resolved()) == len(NEEDED):
        assert (result.returncode, result.stderr) == (0, "")
    else:
        assert result.returncode == 1 and "sudo apt-get install" in result.stderr
