"""A workstation in a process of its own, editing one problem on a clinic server: the body of
the processes tests/integration/test_server_concurrent_edits.py starts (issue 15 item 8).

    python -c BOOT DATA_DIR USERNAME ITEM_ID ROUNDS

It talks on its standard streams, one JSON line each way:
1. it reads the problem and prints ``{"ready": version}``, then waits for a line on stdin
   (the test releases both processes at once) and saves its own description on that version:
   ``{"first": "saved", "version": v}`` or ``{"first": "conflict", "stored": v}``;
2. it then saves ROUNDS more descriptions as a user does: read the problem, save on the
   version read, and on a conflict read again and save again; it prints
   ``{"saved": [[version, description], ...], "conflicts": n}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.versioning import VersionConflictError
from tests.support import argon2_cost

PASSPHRASE = "workstation pass phrase"
ROLE_PASSWORD = "role password 1234"


def say(doc: dict[str, object]) -> None:
    print(json.dumps(doc), flush=True)


def main(argv: list[str]) -> None:
    data_dir, username, item, rounds = argv[0], argv[1], ItemId(int(argv[2])), int(argv[3])
    argon2_cost.lower_for_this_process()
    inst = Installation.open(DataPaths(Path(data_dir)), Unlock(passphrase=PASSPHRASE))
    try:
        session = inst.auth.login(username, ROLE_PASSWORD)
        read = inst.problems.get(session, item)
        say({"ready": read.version})
        sys.stdin.readline()  # both processes go at once
        try:
            saved = inst.problems.update(
                session,
                item,
                ProblemInput(description=f"{username} first"),
                expected_version=read.version,
            )
            say({"first": "saved", "version": saved.version})
        except VersionConflictError as err:
            say({"first": "conflict", "stored": err.stored.version})
        accepted: list[tuple[int, str]] = []
        conflicts = 0
        for n in range(rounds):
            text = f"{username} {n}"
            while True:
                read = inst.problems.get(session, item)
                try:
                    saved = inst.problems.update(
                        session, item, ProblemInput(description=text), expected_version=read.version
                    )
                except VersionConflictError:
                    conflicts += 1  # someone saved in between: read again, save again
                    continue
                accepted.append((saved.version, text))
                break
        say({"saved": accepted, "conflicts": conflicts})
    finally:
        inst.close()


if __name__ == "__main__":
    main(sys.argv[1:])
