"""The cost of the audit trail on writes: 10,000 notes through the audited service vs bare.

Figure: 10,000 `PatientService.add_note` calls, each one audited, permission-checked
transaction (fsync'd commit, HMAC chain link). Baseline: the same ORM work (read the author
and the patient, insert the note) in the same number of transactions, without the audit event
and without the permission-matrix check. Each side has its own fresh database (same engine,
same pragmas: WAL, synchronous=FULL, so the same fsync per commit).

On a shared machine a sequential "all audited, then all bare" run charges any change in load
to one side, so both databases are open at once and the writes run in ROUNDS interleaved
rounds (audited/bare, then bare/audited, ...) after a warm-up of both; the overhead is taken
from the totals and, as a check, as the median of the per-round overheads.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import write_result

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.models import ClinicalNote, Patient, User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

WRITES = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = 10
WARMUP = 200


def fresh(root: Path) -> tuple[Installation, UserSession, int]:
    inst, _ = Installation.create(
        DataPaths(root),
        admin=NewAdmin("admin", "Ada Admin", "correct horse battery"),
        secret_store=InMemorySecretStore(),
    )
    admin = inst.auth.login("admin", "correct horse battery")
    inst.users.add_user(
        admin, "doc", "Dr Doc", Role.PROVIDER, "role password 1234", must_change_password=False
    )
    doc = inst.auth.login("doc", "role password 1234")
    patient = inst.patients.register(doc, PatientInput("Bench", "Ben", dt.date(1980, 1, 1), "male"))
    return inst, doc, patient.id


def audited_writes(inst: Installation, doc: UserSession, pid: int, first: int, n: int) -> float:
    start = time.perf_counter()
    for i in range(first, first + n):
        inst.patients.add_note(doc, pid, f"Progress note {i}: stable, continue plan.")
    return time.perf_counter() - start


def bare_writes(inst: Installation, doc: UserSession, pid: int, first: int, n: int) -> float:
    start = time.perf_counter()
    for i in range(first, first + n):
        with inst.store.unit_of_work() as db:
            author = db.get(User, doc.user_id)
            assert author is not None and db.get(Patient, pid) is not None
            db.add(
                ClinicalNote(
                    patient_id=pid,
                    author_id=author.id,
                    sensitive=False,
                    text=f"Progress note {i}: stable, continue plan.",
                    created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    entered_in_error=False,
                )
            )
            db.flush()
    return time.perf_counter() - start


def main() -> None:
    per_round = WRITES // ROUNDS
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        a_inst, a_doc, a_pid = fresh(Path(tmp) / "audited")
        b_inst, b_doc, b_pid = fresh(Path(tmp) / "bare")
        audited_writes(a_inst, a_doc, a_pid, -WARMUP, WARMUP)
        bare_writes(b_inst, b_doc, b_pid, -WARMUP, WARMUP)
        audited_s = bare_s = 0.0
        ratios = []
        for r in range(ROUNDS):
            first = r * per_round
            if r % 2 == 0:
                a = audited_writes(a_inst, a_doc, a_pid, first, per_round)
                b = bare_writes(b_inst, b_doc, b_pid, first, per_round)
            else:
                b = bare_writes(b_inst, b_doc, b_pid, first, per_round)
                a = audited_writes(a_inst, a_doc, a_pid, first, per_round)
            audited_s += a
            bare_s += b
            ratios.append(a / b)
        a_inst.close()
        b_inst.close()
    writes = per_round * ROUNDS
    load_after = os.getloadavg()

    overhead = (audited_s / bare_s - 1) * 100
    median_overhead = (statistics.median(ratios) - 1) * 100
    print(
        f"audited: {audited_s:.2f} s, bare: {bare_s:.2f} s for {writes:,} writes each "
        f"({ROUNDS} interleaved rounds after {WARMUP} warm-up writes per side)"
    )
    print(
        "bare = same note writes and reads, same transactions and commits, "
        "no audit event and no permission-matrix check"
    )
    print(
        f"overhead {overhead:.1f} % (totals), median per round {median_overhead:.1f} %; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    write_result(
        "audited_writes",
        figure=f"audited write (add_note), mean over {writes:,} transactions",
        unit="ms",
        value=audited_s / writes * 1000,
        baseline=(
            "the same ORM writes, same number of transactions and commits, no audit event, "
            "no permission-matrix check (interleaved rounds, same run)"
        ),
        baseline_value=bare_s / writes * 1000,
        target="audit costs < 30 % (value < 1.3 x baseline)",
        extra={
            "overhead_percent": round(overhead, 1),
            "median_round_overhead_percent": round(median_overhead, 1),
            "audited_seconds": round(audited_s, 3),
            "bare_seconds": round(bare_s, 3),
            "writes": writes,
            "rounds": ROUNDS,
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        },
    )


if __name__ == "__main__":
    main()
