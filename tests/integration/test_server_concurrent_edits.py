"""Two workstations, each an operating-system process of its own with its own data folder,
editing the same problem on the real PostgreSQL server at the same time (issue 15 item 8).

No lost update: every save either side was told succeeded is a version in the problem's
history, with what that side saved; the versions run without a gap. When both save on the
same version, exactly one wins and the other is refused with a conflict naming the winner's
version (the conflict screen's input), never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic, pg_copy, username
from tests.support.cli import REPO, medrec_env
from tests.support.clock import FakeClock

ROUNDS = 25
TIMEOUT = 120
BOOT = (
    f"import sys; sys.path.insert(0, {str(REPO)!r}); "
    "from tests.support.server_editor import main; main(sys.argv[1:])"
)


@pytest.fixture
def server_clinic(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Clinic]:
    with pg_copy(request.getfixturevalue("_pg_template"), tmp_path, clock) as c:
        yield c


class Editor:
    """One workstation process: its own copy of the data folder (key file, server address),
    as a second workstation joined to the clinic has."""

    def __init__(self, clinic: Clinic, folder: Path, role: Role, item_id: int) -> None:
        clinic.inst.current_mark()  # the mark's writer is done: no key file .tmp to copy
        shutil.copytree(clinic.paths.root, folder)
        self.name = username(role)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(folder), self.name, str(item_id), str(ROUNDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=medrec_env(),
        )

    def line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        if not text:
            _, err = self.proc.communicate(timeout=TIMEOUT)
            raise AssertionError(f"{self.name} ended early: {err[-2000:]}")
        doc = json.loads(text)
        assert isinstance(doc, dict)
        return doc

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self) -> None:
        assert self.proc.wait(timeout=TIMEOUT) == 0, self.proc.stderr


def test_two_processes_saving_the_same_problem_lose_no_update(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    records = c.sessions[Role.RECORDS]
    patient = c.inst.patients.register(
        records, PatientInput("Concurrent", "Cora", dt.date(1970, 5, 5), "female")
    )
    item = c.inst.problems.add(records, patient.id, ProblemInput(description="Asthma"))
    editors = [
        Editor(c, tmp_path / "ws1", Role.RECORDS, item.id),
        Editor(c, tmp_path / "ws2", Role.PROVIDER, item.id),
    ]
    try:
        assert [e.line() for e in editors] == [{"ready": 1}, {"ready": 1}]
        for e in editors:
            e.go()
        firsts = [e.line() for e in editors]
        rests = [e.line() for e in editors]
        for e in editors:
            e.finish()
    finally:
        for e in editors:
            if e.proc.poll() is None:
                e.proc.kill()

    # Both saved on version 1: one won (version 2), the other was refused, seeing version 2.
    outcomes = sorted(f["first"] for f in firsts)
    assert outcomes == ["conflict", "saved"], firsts
    winner = next(e for e, f in zip(editors, firsts, strict=True) if f["first"] == "saved")
    assert {"first": "saved", "version": 2} in firsts
    assert {"first": "conflict", "stored": 2} in firsts

    # Every save a process was told succeeded is in the history, as it saved it.
    accepted = {1: "Asthma", 2: f"{winner.name} first"}
    for e, rest in zip(editors, rests, strict=True):
        assert len(rest["saved"]) == ROUNDS
        for version, text in rest["saved"]:
            assert version not in accepted, "two saves were told they made the same version"
            accepted[version] = text
            assert text.startswith(e.name)
    history = c.inst.problems.history(records, item.id)
    assert [v.version for v in history] == list(range(1, 2 * ROUNDS + 3))  # no gap, no extra
    assert {v.version: v.item.data.description for v in history} == accepted
    stored = c.inst.problems.get(records, item.id)
    assert stored.version == max(accepted) and stored.data.description == accepted[max(accepted)]
    conflicts = sum(int(r["conflicts"]) for r in rests)
    print(f"conflicts while saving {2 * ROUNDS} times from two processes: {conflicts}")
