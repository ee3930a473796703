"""`python -m medrec_desktop` / `medrec-desktop`: start the desktop application."""

from __future__ import annotations

import sys


def main() -> int:
    from medrec_desktop.app import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
