"""The body of a `medrec` process started by the tests: `python -m medrec_desktop.cli` with
test-sized Argon2 (tests/support/argon2_cost.py), nothing else changed.

tests/support/cli.py runs it as ``python -c BOOT ARGS...``; BOOT puts this checkout first on
the path (as pytest does for the tests themselves) and calls main(), which runs the package's
``__main__`` exactly as ``-m`` would: same sys.argv, same exit status, same handling of a
closed stdout.
"""

from __future__ import annotations

import runpy

from tests.support import argon2_cost


def main() -> None:
    argon2_cost.lower_for_this_process()
    runpy.run_module("medrec_desktop.cli", run_name="__main__", alter_sys=True)
