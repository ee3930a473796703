"""Five workstations saving continuously on one clinic server (issue 15 item 8).

Figure (bench/results/workstations_server.json): saves per second, all workstations together,
while 5 workstations save problems continuously for DURATION seconds (default 60) on one
PostgreSQL database; each workstation is an operating-system process of its own with its own
copy of the data folder and its own `Installation`, signed in as its own provider, listening
for the others' change notices as the app does. A save is what the problem form does: read the
problem (an audited view), then `problems.update` on the version read (the row, its version
row, the audit event and the change notice, one transaction). 30 % of the saves go to three
problems every workstation edits, so conflicts happen; a refused save is retried as a user
does after the conflict screen (read again, save again). Printed beside it: the p95 save time
(one `update` call that was accepted), the conflicts, the delay of the change notices (commit
to the other workstations' listeners: p95 and max), and the lost updates, counted afterwards
from the version history: every save a workstation was told succeeded must be the version it
was told, with the description it saved, and no version may exist that nobody was told of.

Baseline, same run, same server, same code: one workstation alone for the same duration.
For information, also in the same run: the 5 workstations with live refresh switched off (no
NOTIFY sent, nobody listening), which is what live refresh itself costs under this load.

The machine's PostgreSQL is used (MEDREC_BENCH_PG_URL, else MEDREC_TEST_PG_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test): a database of its own is made for the run
and dropped afterwards.

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

import psycopg
from _common import REPO, write_result
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.change_notices import ChangeNotice
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import live_changes
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.versioning import VersionConflictError
from tests.support import argon2_cost

DURATION = 60.0  # seconds of saving per run (the command line may say otherwise)
WORKSTATIONS = 5
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
    """One workstation (a process of its own): save until told to stop, report in JSON."""
    folder, username, seconds, seed = argv[0], argv[1], float(argv[2]), int(argv[3])
    own = [ItemId(int(i)) for i in argv[4].split(",")]
    shared = [ItemId(int(i)) for i in argv[5].split(",")]
    live = argv[6] == "live"
    argon2_cost.lower_for_this_process()
    inst = Installation.open(DataPaths(Path(folder)), Unlock(passphrase=PASSPHRASE))
    delays: list[float] = []

    def heard(notice: ChangeNotice) -> None:
        delays.append(time.time() - notice.at.timestamp())

    listener = None
    if live:
        listener = live_changes.listen(inst.ctx, heard)
        assert listener is not None and listener.wait_listening(30)
    else:
        # The comparison run: the audited writes send no notice (services.base calls this).
        live_changes.announce = lambda db, ctx: None  # type: ignore[assignment]
    session = inst.auth.login(username, ROLE_PASSWORD)
    rng = random.Random(seed)
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    times: list[float] = []
    accepted: list[tuple[int, int, str]] = []
    conflicts = 0
    n = 0
    began = time.monotonic()
    deadline = began + seconds
    while time.monotonic() < deadline:
        item = rng.choice(shared) if rng.random() < SHARED_FRACTION else rng.choice(own)
        n += 1
        text = f"{username} save {n}"
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
    if listener is not None:
        listener.stop()
    inst.close()
    print(
        json.dumps(
            {
                "times": times,
                "accepted": accepted,
                "conflicts": conflicts,
                "delays": delays,
                "elapsed": elapsed,
            }
        ),
        flush=True,
    )


# ---------------------------------------------------------------------- the clinic


def admin_url() -> str:
    return (
        os.environ.get("MEDREC_BENCH_PG_URL")
        or os.environ.get("MEDREC_TEST_PG_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def _admin(sql: str) -> None:
    conninfo = make_url(admin_url()).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(sql)


@contextmanager
def server_database() -> Iterator[str]:
    name = "medrec_bench_" + uuid.uuid4().hex[:10]
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_clinic(root: Path, url: str) -> tuple[dict[str, list[int]], list[int]]:
    """The clinic on the server: a provider per workstation with its own patients and
    problems, and one patient whose problems everyone edits. Returns (own items by user,
    shared items)."""
    inst, _ = Installation.create(
        DataPaths(root),
        admin=NewAdmin("admin", "Ada Admin", ADMIN_PASSWORD),
        passphrase=PASSPHRASE,
        server_url=url,
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


def run(
    root: Path,
    own: dict[str, list[int]],
    shared: list[int],
    stations: int,
    tag: str,
    *,
    live: bool = True,
) -> tuple[dict[str, Any], float]:
    """``stations`` workstations saving for DURATION seconds at once; their reports and the
    length of the saving window (the longest workstation's: a save begun just before the end
    finishes after it)."""
    boot = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); sys.path.insert(0, "
        f"{str(REPO / 'bench')!r}); from workstations_server import worker; "
        "worker(sys.argv[1:])"
    )
    procs = []
    for w in range(1, stations + 1):
        name = f"ws{w}"
        folder = root.parent / f"{tag}-{name}"
        shutil.copytree(root, folder)  # its own data folder, as a joined workstation has
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    boot,
                    str(folder),
                    name,
                    str(DURATION),
                    str(w),
                    ",".join(map(str, own[name])),
                    ",".join(map(str, shared)),
                    "live" if live else "quiet",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")},
            )
        )
    for p in procs:
        assert p.stdout is not None and json.loads(p.stdout.readline()) == {"ready": True}
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = []
    for p in procs:
        assert p.stdout is not None
        reports.append(json.loads(p.stdout.readline()))
        assert p.wait(timeout=120) == 0
    wall = max(r["elapsed"] for r in reports)
    merged: dict[str, Any] = {
        "times": [t for r in reports for t in r["times"]],
        "accepted": [tuple(a) for r in reports for a in r["accepted"]],
        "conflicts": sum(r["conflicts"] for r in reports),
        "delays": [d for r in reports for d in r["delays"]],
    }
    return merged, wall


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


def summary(result: dict[str, Any], wall: float) -> dict[str, float]:
    times, delays = result["times"], result["delays"]
    return {
        "saves": len(times),
        "saves_per_second": len(times) / wall,
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
    with tempfile.TemporaryDirectory() as tmp, server_database() as url:
        root = Path(tmp) / "clinic"
        own, shared = make_clinic(root, url)
        items = shared + [i for ids in own.values() for i in ids]
        alone, alone_wall = run(root, own, shared, 1, "alone")
        five, five_wall = run(root, own, shared, WORKSTATIONS, "five")
        quiet, quiet_wall = run(root, own, shared, WORKSTATIONS, "quiet", live=False)
        lost = lost_updates(root, alone["accepted"] + five["accepted"] + quiet["accepted"], items)
    load_after = os.getloadavg()
    one, many = summary(alone, alone_wall), summary(five, five_wall)
    silent = summary(quiet, quiet_wall)
    for label, s in (
        ("1 workstation alone", one),
        (f"{WORKSTATIONS} workstations", many),
        (f"{WORKSTATIONS} workstations, live refresh off", silent),
    ):
        print(
            f"{label}: {s['saves']:.0f} saves in {DURATION:.0f} s = {s['saves_per_second']:.1f}/s, "
            f"p50 {s['p50_save_ms']:.1f} ms, p95 {s['p95_save_ms']:.1f} ms, "
            f"{s['conflicts']:.0f} conflicts (retried), notices heard {s['notices_heard']:.0f} "
            f"(p95 delay {s['p95_notice_delay_ms']:.1f} ms, max {s['max_notice_delay_ms']:.1f} ms)"
        )
    print(f"lost updates (from the version history, all three runs): {lost}")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    write_result(
        "workstations_server",
        figure=(
            f"saves per second, {WORKSTATIONS} workstations (processes) saving problems "
            f"continuously for {DURATION:.0f} s on one PostgreSQL server, "
            f"{SHARED_FRACTION:.0%} on {SHARED_ITEMS} shared problems"
        ),
        unit="saves/s",
        value=many["saves_per_second"],
        baseline="one workstation alone, same run, same server, same duration and code",
        baseline_value=one["saves_per_second"],
        target="zero lost updates; p95 save time under 100 ms; notices within 2 s",
        extra={
            "lost_updates": lost,
            "workstations": {k: round(v, 2) for k, v in many.items()},
            "alone": {k: round(v, 2) for k, v in one.items()},
            "workstations_live_refresh_off": {k: round(v, 2) for k, v in silent.items()},
            "duration_seconds": DURATION,
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        },
    )
    if lost:
        raise SystemExit(f"{lost} lost updates")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        DURATION = float(sys.argv[1])
    main()
