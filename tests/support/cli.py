"""Running the real `medrec` command line as a separate process, as scripts and IT staff do.

The process runs `python -m medrec_desktop.cli` with test-sized Argon2 (see
tests/support/medrec_process.py); REAL_MEDREC is the command exactly as installed.

``medrec_in_process`` runs the same ``main(argv)`` inside the test process, with the same
environment, no terminal and captured output, for tests that check what many commands parse and
print: a process costs 1-3 s of interpreter and import start-up each time. Exit codes, a
killed or starved process, closed pipes and the installed entry point stay with ``medrec``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
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


def medrec_in_process(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``medrec(*args)`` answered by ``medrec_desktop.cli.main`` in this process: the same
    environment (medrec_env), stdin from ``stdin`` (no terminal), stdout and stderr captured, and
    the exit status main returns (or argparse's, for --help and parse errors). What main
    changes for its process (umask, logging into the data folder) is put back afterwards.
    Test-sized Argon2 comes from conftest's autouse fixture, as the process's comes from
    medrec_process."""
    from medrec_desktop.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _as_a_process(medrec_env(env), stdin):
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(
        ["medrec", *args], code, stdout=out.getvalue(), stderr=err.getvalue()
    )


@contextlib.contextmanager
def _as_a_process(environ: dict[str, str], stdin: str | None) -> Iterator[None]:
    saved_environ, saved_stdin = dict(os.environ), sys.stdin
    umask = os.umask(0o022)
    os.umask(umask)
    root, sqla = logging.getLogger(), logging.getLogger("sqlalchemy")
    handlers, levels = list(root.handlers), (root.level, sqla.level)
    os.environ.clear()
    os.environ.update(environ)
    sys.stdin = io.StringIO(stdin or "")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.stdin = saved_stdin
        os.umask(umask)
        for handler in root.handlers[:]:
            if handler not in handlers:  # the log file main opened in the data folder
                root.removeHandler(handler)
                handler.close()
        root.setLevel(levels[0])
        sqla.setLevel(levels[1])


def one_plain_line(stderr: str) -> str:
    """The single line a known problem prints; fails on tracebacks or several lines."""
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def data_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
