"""Five workstations saving continuously on one clinic server (issue 15 item 8).

Figure (bench/results/workstations_server.json): saves per second, all workstations together,
while 5 workstations save problems continuously on one PostgreSQL database for DURATION
seconds (default 60); each workstation is an operating-system process of its own with its own
copy of the data folder and its own `Installation`, signed in as its own provider and
listening for the others' change notices as the app does. A save is what the problem form
does: read the problem (an audited view), then `problems.update` on the version read (the
row, its version row, the audit event and the change notice: one transaction). 30 % of the
saves go to three problems every workstation edits, so conflicts happen; a refused save is
retried as a user does after the conflict screen (read again, save again). Printed beside it:
the p95 save time (one accepted `update` call), the conflicts, the delay of the change notices
(commit on one workstation to the listener of each other one: p95 and max), and the lost
updates, counted afterwards from the version history: every save a workstation was told
succeeded must be the version it was told, with the description it saved, and no version may
exist that nobody was told of.

Baseline, same run, same server, same processes: one workstation saving alone (the four
others open, signed in and listening, idle). For information, also in the same run: the five
saving with live refresh off (no NOTIFY sent, nobody listening), which is what live refresh
itself costs under this load. The machine is shared (2 cores, other work running), so the
three configurations run in ROUNDS interleaved rounds in alternating order, each totalling
DURATION seconds of continuous saving, and a change in load is charged to all alike.

Needs MEDREC_TEST_PG_URL (a superuser on the machine's PostgreSQL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test): a clinic database of its own is made for
the run as `medrec server setup` makes one (tests/support/pg.py) and dropped afterwards.

Usage: python bench/workstations_server.py [SECONDS]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import REPO, write_result

from medrec_desktop.domain.change_notices import ChangeNotice
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import live_changes
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.versioning import VersionConflictError
from tests.support import argon2_cost, pg

DURATION = 60.0  # seconds of saving per configuration (the command line may say otherwise)
ROUNDS = 4  # ... in this many interleaved rounds
WORKSTATIONS = 5
#: a save shows on the other workstations within this long of its commit (issue 15 item 5)
NOTICE_TARGET_MS = 2000.0
OWN_ITEMS = 5  # each workstation's own problems (its own patients)
SHARED_ITEMS = 3  # problems every workstation edits
SHARED_FRACTION = 0.3
PASSPHRASE = "bench workstation pass phrase"
ADMIN_PASSWORD = "correct horse battery"
ROLE_PASSWORD = "role password 1234"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# ---------------------------------------------------------------------- one workstation


def worker(argv: list[str]) -> None:
    """One workstation (a process of its own), open and signed in for the whole run. On
    ``go SECONDS live|quiet`` it saves for that long (live: sending notices and listening;
    quiet: neither) and reports in JSON; ``quit`` ends it."""
    folder, username, seed = argv[0], argv[1], int(argv[2])
    own = [ItemId(int(i)) for i in argv[3].split(",")]
    shared = [ItemId(int(i)) for i in argv[4].split(",")]
    argon2_cost.lower_for_this_process()
    inst = Installation.open(DataPaths(Path(folder)), Unlock(passphrase=PASSPHRASE))
    session = inst.auth.login(username, ROLE_PASSWORD)
    rng = random.Random(seed)
    sending = live_changes.announce
    delays: list[float] = []
    saves = 0

    def heard(notice: ChangeNotice) -> None:
        delays.append(time.time() - notice.at.timestamp())

    listener = live_changes.listen(inst.ctx, heard)
    assert listener is not None and listener.wait_listening(30)
    print(json.dumps({"ready": True}), flush=True)
    for command in sys.stdin:
        words = command.split()
        if words[0] == "quit":
            break
        seconds, live = float(words[1]), words[2] == "live"
        if live and listener is None:
            listener = live_changes.listen(inst.ctx, heard)
            assert listener is not None and listener.wait_listening(30)
        if not live and listener is not None:
            listener.stop()
            listener = None
        # Quiet: the audited writes send no notice (services.base calls this at commit).
        live_changes.announce = sending if live else (lambda db, ctx: None)  # type: ignore[assignment]
        delays.clear()
        times: list[float] = []
        accepted: list[tuple[int, int, str]] = []
        conflicts = 0
        began = time.monotonic()
        while time.monotonic() < began + seconds:
            item = rng.choice(shared) if rng.random() < SHARED_FRACTION else rng.choice(own)
            saves += 1
            text = f"{username} save {saves}"
            while True:
                read = inst.problems.get(session, item)
                start = time.perf_counter()
                try:
                    saved = inst.problems.update(
                        session, item, ProblemInput(description=text), expected_version=read.version
                    )
                except VersionConflictError:
                    conflicts += 1  # the conflict screen: read again, save again
                    continue
                times.append(time.perf_counter() - start)
                accepted.append((int(item), saved.version, text))
                break
        elapsed = time.monotonic() - began
        report = {
            "times": times,
            "accepted": accepted,
            "conflicts": conflicts,
            "delays": list(delays),
            "elapsed": elapsed,
        }
        print(json.dumps(report), flush=True)
    if listener is not None:
        listener.stop()
    inst.close()


# ---------------------------------------------------------------------- the clinic


@contextmanager
def server_database() -> Iterator[str]:
    """A clinic database made as `medrec server setup` makes one (an owner role and the
    least-privilege application role every workstation works as: tests/support/pg.py);
    yields the application account's address."""
    name = "medrec_bench_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    try:
        yield url
    finally:
        pg.drop_database(name)


def make_clinic(root: Path, url: str) -> tuple[dict[str, list[int]], list[int]]:
    """The clinic on the server: a provider per workstation with its own patients and
    problems, and one patient whose problems everyone edits. Returns (own items by user,
    shared items)."""
    inst, _ = Installation.create(
        DataPaths(root),
        admin=NewAdmin("admin", "Ada Admin", ADMIN_PASSWORD),
        passphrase=PASSPHRASE,
        server_url=url,
        owner_url=pg.owner_of(url),  # creates the tables, once
    )
    try:
        admin = inst.auth.login("admin", ADMIN_PASSWORD)
        own: dict[str, list[int]] = {}
        for w in range(1, WORKSTATIONS + 1):
            name = f"ws{w}"
            inst.users.add_user(
                admin,
                name,
                f"Dr Station {w}",
                Role.PROVIDER,
                ROLE_PASSWORD,
                must_change_password=False,
            )
        doc = inst.auth.login("ws1", ROLE_PASSWORD)

        def patient(family: str, given: str) -> int:
            return inst.patients.register(
                doc,
                PatientInput(family, given, dt.date(1970, 1, 1), "female"),
                duplicates_reviewed=True,
                reason="bench",
            ).id

        shared_patient = patient("Shared", "Sam")
        shared = [
            int(inst.problems.add(doc, shared_patient, ProblemInput(description=f"S{i}")).id)
            for i in range(SHARED_ITEMS)
        ]
        for w in range(1, WORKSTATIONS + 1):
            pid = patient(f"Station{w}", "Pat")
            own[f"ws{w}"] = [
                int(inst.problems.add(doc, pid, ProblemInput(description=f"W{w}-{i}")).id)
                for i in range(OWN_ITEMS)
            ]
        return own, shared
    finally:
        inst.close()


class Station:
    """A workstation process, with its own copy of the data folder (as a joined workstation
    has: the key file and the server's address)."""

    def __init__(self, root: Path, name: str, seed: int, own: list[int], shared: list[int]):
        folder = root.parent / name
        shutil.copytree(root, folder)
        boot = (
            f"import sys; sys.path.insert(0, {str(REPO)!r}); sys.path.insert(0, "
            f"{str(REPO / 'bench')!r}); from workstations_server import worker; "
            "worker(sys.argv[1:])"
        )
        args = [str(folder), name, str(seed), ",".join(map(str, own)), ",".join(map(str, shared))]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", boot, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")},
        )

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        doc = json.loads(self.proc.stdout.readline())
        assert isinstance(doc, dict)
        return doc


def run_round(stations: list[Station], seconds: float, live: bool) -> dict[str, Any]:
    """``stations`` save at once for ``seconds``; their reports merged, and the length of the
    saving window (the longest workstation's: a save begun just before the end finishes
    after it)."""
    for s in stations:
        s.send(f"go {seconds} {'live' if live else 'quiet'}")
    reports = [s.receive() for s in stations]
    return {
        "times": [t for r in reports for t in r["times"]],
        "accepted": [tuple(a) for r in reports for a in r["accepted"]],
        "conflicts": sum(r["conflicts"] for r in reports),
        "delays": [d for r in reports for d in r["delays"]],
        "wall": max(r["elapsed"] for r in reports),
    }


def merged(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration's rounds as one run."""
    return {
        "times": [t for r in rounds for t in r["times"]],
        "accepted": [a for r in rounds for a in r["accepted"]],
        "conflicts": sum(r["conflicts"] for r in rounds),
        "delays": [d for r in rounds for d in r["delays"]],
        "wall": sum(r["wall"] for r in rounds),
    }


def lost_updates(root: Path, accepted: list[tuple[int, int, str]], items: list[int]) -> int:
    """Saves a workstation was told succeeded that the history does not hold as told, plus
    versions nobody was told of (a save that overwrote another silently would show as
    either)."""
    inst = Installation.open(DataPaths(root), Unlock(passphrase=PASSPHRASE))
    try:
        doc = inst.auth.login("ws1", ROLE_PASSWORD)
        told = {(item, version): text for item, version, text in accepted}
        lost = 0
        for item in items:
            stored = {
                v.version: v.item.data.description
                for v in inst.problems.history(doc, ItemId(item))
                if v.version > 1
            }
            mine = {v: t for (i, v), t in told.items() if i == item}
            lost += sum(1 for v, t in mine.items() if stored.get(v) != t)
            lost += sum(1 for v in stored if v not in mine)
        return lost
    finally:
        inst.close()


def summary(result: dict[str, Any]) -> dict[str, float]:
    times, delays = result["times"], result["delays"]
    return {
        "saves": len(times),
        "saves_per_second": len(times) / result["wall"],
        "p50_save_ms": statistics.median(times) * 1000 if times else 0.0,
        "p95_save_ms": pct(times, 0.95) * 1000,
        "conflicts": result["conflicts"],
        "notices_heard": len(delays),
        "p95_notice_delay_ms": pct(delays, 0.95) * 1000,
        "max_notice_delay_ms": max(delays, default=0.0) * 1000,
    }


def main() -> None:
    argon2_cost.lower_for_this_process()  # sign-in cost is not what is measured
    load_before = os.getloadavg()
    per_round = DURATION / ROUNDS
    runs: dict[str, list[dict[str, Any]]] = {"alone": [], "five": [], "quiet": []}
    with tempfile.TemporaryDirectory() as tmp, server_database() as url:
        root = Path(tmp) / "clinic"
        own, shared = make_clinic(root, url)
        items = shared + [i for ids in own.values() for i in ids]
        stations = [
            Station(root, f"ws{w}", w, own[f"ws{w}"], shared) for w in range(1, WORKSTATIONS + 1)
        ]
        try:
            for s in stations:
                assert s.receive() == {"ready": True}
            # Interleaved rounds in alternating order, so a change in the shared machine's
            # load is charged to every configuration alike.
            order = ["alone", "five", "quiet"]
            for r in range(ROUNDS):
                for name in order if r % 2 == 0 else order[::-1]:
                    who = stations[:1] if name == "alone" else stations
                    runs[name].append(run_round(who, per_round, live=name != "quiet"))
        finally:
            for s in stations:
                s.send("quit")
            for s in stations:
                s.proc.wait(timeout=60)
        results = {name: merged(rounds) for name, rounds in runs.items()}
        lost = lost_updates(root, [a for r in results.values() for a in r["accepted"]], items)
    load_after = os.getloadavg()
    one, many, silent = (summary(results[n]) for n in ("alone", "five", "quiet"))
    for label, s in (
        ("1 workstation saving (the 4 others open, idle)", one),
        (f"{WORKSTATIONS} workstations saving", many),
        (f"{WORKSTATIONS} workstations saving, live refresh off", silent),
    ):
        print(
            f"{label}: {s['saves']:.0f} saves in {DURATION:.0f} s = {s['saves_per_second']:.1f}/s, "
            f"p50 {s['p50_save_ms']:.1f} ms, p95 {s['p95_save_ms']:.1f} ms, "
            f"{s['conflicts']:.0f} conflicts (retried), notices heard {s['notices_heard']:.0f} "
            f"(p95 delay {s['p95_notice_delay_ms']:.1f} ms, max {s['max_notice_delay_ms']:.1f} ms)"
        )
    delay_met = many["max_notice_delay_ms"] <= NOTICE_TARGET_MS and many["notices_heard"] > 0
    print(
        f"notice delay, {WORKSTATIONS} workstations: p95 {many['p95_notice_delay_ms']:.1f} ms, "
        f"max {many['max_notice_delay_ms']:.1f} ms against the {NOTICE_TARGET_MS / 1000:.0f} s "
        f"target: {'met' if delay_met else 'NOT MET'}"
    )
    print(f"({ROUNDS} interleaved rounds of {per_round:.0f} s per configuration)")
    print(f"lost updates (from the version history, every round): {lost}")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    write_result(
        "workstations_server",
        figure=(
            f"saves per second, {WORKSTATIONS} workstations (processes) saving problems "
            f"continuously on one PostgreSQL server ({DURATION:.0f} s in {ROUNDS} rounds), "
            f"{SHARED_FRACTION:.0%} on {SHARED_ITEMS} shared problems"
        ),
        unit="saves/s",
        value=many["saves_per_second"],
        baseline=(
            "one workstation saving alone (the others open and idle), same run and server, "
            "rounds interleaved"
        ),
        baseline_value=one["saves_per_second"],
        target="zero lost updates; p95 save time under 100 ms; notices within 2 s",
        extra={
            "lost_updates": lost,
            # The promise the UI tests do not time (they only check a refresh comes unasked):
            # a save shows on the other workstations within 2 s of its commit.
            "notice_delay": {
                "target_ms": NOTICE_TARGET_MS,
                "p95_ms": round(many["p95_notice_delay_ms"], 2),
                "max_ms": round(many["max_notice_delay_ms"], 2),
                "met": delay_met,
            },
            "workstations": {k: round(v, 2) for k, v in many.items()},
            "alone": {k: round(v, 2) for k, v in one.items()},
            "workstations_live_refresh_off": {k: round(v, 2) for k, v in silent.items()},
            "duration_seconds": DURATION,
            "rounds": ROUNDS,
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        },
    )
    if lost:
        raise SystemExit(f"{lost} lost updates")


if __name__ == "__main__":
    if not pg.PG_URL:
        raise SystemExit("Set MEDREC_TEST_PG_URL to a superuser's address on the server.")
    if len(sys.argv) > 1:
        DURATION = float(sys.argv[1])
    main()
