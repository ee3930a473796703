"""Running the real `medrec` command line as a separate process, as scripts and IT staff do.

The process runs `python -m medrec_desktop.cli` with test-sized Argon2 (see
tests/support/medrec_process.py); REAL_MEDREC is the command exactly as installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REAL_MEDREC = [sys.executable, "-m", "medrec_desktop.cli"]
# This checkout first on the path, as for the tests themselves, whatever the working folder.
_BOOT = (
    f"import sys; sys.path.insert(0, {str(REPO)!r}); "
    "from tests.support.medrec_process import main; main()"
)

PASSPHRASE = "workstation pass phrase"
PASSWORD = "correct horse battery"


def medrec_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the developer's MEDREC_* settings, unlocking with
    the test passphrase, and no OS keyring wherever the tests run."""
    return (
        {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")}
        | {
            "MEDREC_PASSPHRASE": PASSPHRASE,
            "MEDREC_PASSWORD": PASSWORD,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        | (extra or {})
    )


def medrec_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", _BOOT, *args]


def medrec(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        medrec_argv(*args),
        capture_output=True,
        text=True,
        env=medrec_env(env),
        input=stdin,
        timeout=180,
    )


def one_plain_line(stderr: str) -> str:
    """The single line a known problem prints; fails on tracebacks or several lines."""
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def data_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
