"""`audit verify` over 200,000 events vs a naive verification through ORM objects.

The events carry real chain MACs: they are computed in bulk with the program's own
`audit_chain.event_mac` under the installation's audit key, chained onto the events the
installation already has, and inserted with executemany; the chain head is set as the program
sets it. The figure is `AuditService.verify` (what `medrec audit verify` runs) on that file;
the full verification from the administrator's audit root key (`audit verify --full`) is
recorded beside it. Each event also gets its forward-secure MAC under the evolving key, as
the program writes it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from _common import median_seconds, write_result
from sqlalchemy import select

from medrec_desktop.models import AuditEvent
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.audit_chain import (
    FIELDS,
    event_mac,
    fs_event_mac,
    fs_evolve,
    head_mac,
)
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.support.secrets import InMemorySecretStore

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200_000
RUNS = 5


def fill(path: Path, db_key: bytes, audit_key: bytes, total: int) -> None:
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{db_key.hex()}'\"")
    seq, mac, fs_hex = conn.execute(
        "SELECT seq, mac, fs_key FROM audit_head WHERE id = 1"
    ).fetchone()
    fs_key = bytes.fromhex(fs_hex)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    conn.execute("BEGIN IMMEDIATE")
    batch: list[tuple[object, ...]] = []
    cols = ", ".join(FIELDS)
    insert = f"INSERT INTO audit_event ({cols}, mac, fs_mac) VALUES ({', '.join('?' * 15)})"
    while seq < total:
        seq += 1
        ts = (start + dt.timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        values = (
            seq,
            ts,
            2,
            "doc",
            "bench-host",
            1 + seq % 500,
            "clinical",
            "view" if seq % 3 else "create",
            "success",
            "PatientService.notes",
            None,
            False,
            f"{seq % 7} notes",
        )
        mac = event_mac(audit_key, mac, values)
        batch.append((*values, mac, fs_event_mac(fs_key, mac)))
        fs_key = fs_evolve(fs_key)
        if len(batch) == 10_000:
            conn.executemany(insert, batch)
            batch.clear()
    if batch:
        conn.executemany(insert, batch)
    conn.execute(
        "UPDATE audit_head SET seq = ?, mac = ?, head_mac = ?, fs_key = ? WHERE id = 1",
        (seq, mac, head_mac(audit_key, seq, mac, fs_key.hex()), fs_key.hex()),
    )
    conn.execute("COMMIT")
    conn.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = DataPaths(Path(tmp) / "data")
        store = InMemorySecretStore()
        inst, _ = Installation.create(
            paths,
            admin=NewAdmin("admin", "Ada Admin", "correct horse battery"),
            secret_store=store,
        )
        material = inst.keyring.material
        inst.close()
        start = time.perf_counter()
        fill(paths.database, material.db_key, material.audit_key, EVENTS)
        print(f"generated {EVENTS:,} chained events in {time.perf_counter() - start:.1f} s")

        inst = Installation.open(paths, Unlock(secret_store=store))
        admin = inst.auth.login("admin", "correct horse battery")
        load_before = os.getloadavg()[0]
        reports = []
        figure_s = median_seconds(lambda: reports.append(inst.audit.verify(admin)), RUNS)
        assert all(r.ok for r in reports), reports[-1].summary
        checked = reports[-1].checked
        full: list[object] = []
        full_s = median_seconds(
            lambda: full.append(inst.verify_audit(admin, password="correct horse battery")),
            RUNS,
        )
        assert all(getattr(r, "full", False) for r in full), full[-1]

        def naive() -> None:
            with inst.store.unit_of_work() as db:
                prev = "0" * 64
                for ev in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
                    values = tuple(getattr(ev, f) for f in FIELDS)
                    values = (*values[:11], bool(values[11]), values[12])
                    mac = event_mac(material.audit_key, prev, values)
                    assert mac == ev.mac, ev.seq
                    prev = mac

        baseline_s = median_seconds(naive, 1)
        load_after = os.getloadavg()[0]
        inst.close()

    print(f"full verification (forward-secure MACs too): {full_s:.3f} s")
    print(
        f"verified {checked:,} events; load average {load_before:.2f} before, "
        f"{load_after:.2f} after"
    )
    write_result(
        "audit_verify",
        figure=f"audit verify over {checked:,} events (AuditService.verify, median of {RUNS})",
        unit="s",
        value=figure_s,
        baseline="naive: ORM objects one by one, event_mac per event",
        baseline_value=baseline_s,
        target="< 2 s",
        extra={
            "events": checked,
            "runs": RUNS,
            "full_verify_s": round(full_s, 4),
            "full_verify": "with the administrator's password: forward-secure MACs too "
            "(includes one Argon2id unwrap of the audit root key)",
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        },
    )


if __name__ == "__main__":
    main()
