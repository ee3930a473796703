"""`python -m medrec_desktop` / `medrec-desktop`: start the desktop application.

`--self-test` checks the installation headless (temporary encrypted database, bundled
resources) and exits 0 or 1 without starting Qt or touching the user's data folder.
"""

from __future__ import annotations

import sys


def main() -> int:
    if "--self-test" in sys.argv[1:]:
        from medrec_desktop.selftest import run as self_test

        return self_test()

    from medrec_desktop.app import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
