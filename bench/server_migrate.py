"""Moving a clinic of 10,000 patients with 10 years of records from its encrypted file to a
clinic server (issue 15 item 1): total time and rows per second, beside a naive copy.

Setup (timed and printed; reused with --keep DIR): a clinic on the real SQLCipher store
(`Installation.create`), the demo loader's patients and a demo chart for every one of them
(`create_demo_clinic` with as many charts as patients: problems, medications, allergies,
immunizations, vitals, histories, visits with signed notes and addenda, results, procedures,
scanned documents with their bytes), in two eras so the records span ten years: half the
patients registered and charted with the clinic's clock two years back (their records from
ten to two years ago), half now (the last eight years). Then the audit trail of those years:
EVENTS chained events with their real MACs and forward-secure MACs (bench/audit_verify.py's
generator), about 200 a working day for ten years.

* figure: `services.server_move.move_to_server` from a copy of that folder into a new, empty
  clinic database (made as `medrec server setup` makes one: an owner and an application
  role): the whole move as the administrator runs it, wall clock, from the permission check
  to the move's own audit event on the server (migrations, every row in one transaction, the
  checks in it: rows per table, the audit chain from its genesis, the guards; the count again
  as the application account).
* baseline, in the same run: the naive copy, one ORM object at a time (`session.add`, one
  `flush` per row, i.e. one INSERT round trip each) into another new database with the same
  tables, timed per table on a sample of SAMPLE rows spread over the tables in proportion to
  their size (at least one each), and extrapolated table by table to every row. The naive
  copy is given every advantage: no checks at all, and the server's superuser switches every
  trigger and foreign key off for it (session_replication_role), which the move cannot and
  does not use.

Needs MEDREC_TEST_PG_URL (a superuser on the server, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test): the bench makes its own roles and
databases there (tests/support/pg.py) and drops the databases afterwards.

Usage: python bench/server_migrate.py [PATIENTS] [--events N] [--sample ROWS] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import write_result
from audit_verify import fill
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, make_transient

from medrec_desktop.db import migrate, table_copy
from medrec_desktop.db.engine import postgres_engine
from medrec_desktop.domain.server_move import MoveTarget
from medrec_desktop.models import Base
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.backup_files import open_local_engine
from medrec_desktop.services.context import utc_now
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.server_move import move_to_server
from tests.support import pg

PASSWORD = "correct horse battery"
PASSPHRASE = "bench workstation passphrase"
SEED = 7
STAMP = "bench-server-migrate.json"


class Clock:
    """The clinic's clock, set back for the first era of charts."""

    def __init__(self) -> None:
        self.back = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return utc_now() - self.back


def build(root: Path, patients: int, events: int) -> dict[str, float]:
    paths = DataPaths(root / "data")
    clock = Clock()
    took: dict[str, float] = {}
    start = time.perf_counter()
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE, clock=clock
    )
    first = patients // 2
    for back, count in ((dt.timedelta(days=2 * 365), first), (dt.timedelta(0), patients - first)):
        # Registered and charted in the clinic's time of the era (a chart never predates
        # its patient's birth or registration).
        clock.back = back
        admin = inst.auth.login("admin", PASSWORD)
        create_demo_clinic(
            inst.users,
            inst.demo,
            admin,
            inst.auth.login,
            patients=count,
            seed=SEED + back.days,
            password=PASSWORD,
            charts=count,
        )
    took["patients_and_charts_s"] = time.perf_counter() - start
    material = inst.keyring.material
    with inst.store.engine.connect() as conn:
        have = int(conn.execute(text("SELECT max(seq) FROM audit_event")).scalar_one())
    inst.close()
    start = time.perf_counter()
    fill(paths.database, material.db_key, material.audit_key, max(events, have))
    took["audit_events_s"] = time.perf_counter() - start
    (root / STAMP).write_text(json.dumps({"patients": patients, "events": events, **took}))
    return took


def source_counts(paths: DataPaths, key: bytes) -> dict[str, int]:
    engine = open_local_engine(paths.database, key, 5.0)
    try:
        with engine.connect() as conn:
            return table_copy.count_rows(conn, (t.name for t in table_copy.tables()))
    finally:
        engine.dispose()


def naive_copy(paths: DataPaths, key: bytes, counts: dict[str, int], sample: int) -> float:
    """Seconds the naive row-by-row ORM copy would take for every row, extrapolated per
    table from the sample's rate (see the module's docstring)."""
    name = "bench_naive_" + uuid.uuid4().hex[:10]
    url = pg.new_database(name)
    source = open_local_engine(paths.database, key, 5.0)
    target = create_engine(
        pg.admin_conninfo(name).replace("postgresql://", "postgresql+psycopg://")
    )
    try:
        owner = postgres_engine(pg.owner_of(url))
        try:
            migrate.upgrade(owner)  # the same tables; not timed
        finally:
            owner.dispose()
        classes = {m.local_table.name: m.class_ for m in Base.registry.mappers if not m.inherits}
        total = sum(counts.values())
        estimate = 0.0
        with source.connect() as src_conn, target.connect() as dst_conn:
            dst_conn.execute(text("SET session_replication_role = replica"))
            src = Session(bind=src_conn)
            dst = Session(bind=dst_conn)
            for table in table_copy.tables():
                n = counts[table.name]
                if n == 0:
                    continue
                take = min(n, max(1, round(n * sample / total)))
                cls = classes[table.name]
                rows = list(src.execute(select(cls).limit(take)).scalars())
                src.expunge_all()
                start = time.perf_counter()
                for obj in rows:
                    make_transient(obj)
                    dst.add(obj)
                    dst.flush()  # one INSERT round trip per row
                seconds = time.perf_counter() - start
                estimate += n * seconds / take
            dst.rollback()
            src.close()
            dst.close()
        return estimate
    finally:
        source.dispose()
        target.dispose()
        pg.drop_database(name)


class Recorder:
    cancelled = False

    def __init__(self) -> None:
        self.last = (0, 0)

    def progress(self, done: int, total: int) -> None:
        self.last = (done, total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("patients", nargs="?", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args()
    if not os.environ.get("MEDREC_TEST_PG_URL"):
        raise SystemExit("set MEDREC_TEST_PG_URL to a superuser on the PostgreSQL server")

    with tempfile.TemporaryDirectory(prefix="medrec-bench-move-") as tmp:
        root = Path(args.keep).expanduser() if args.keep else Path(tmp) / "clinic"
        stamp = root / STAMP
        made: dict[str, Any] = json.loads(stamp.read_text()) if stamp.exists() else {}
        if made.get("patients") != args.patients or made.get("events") != args.events:
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            made = {"patients": args.patients, "events": args.events}
            made.update(build(root, args.patients, args.events))
            print(
                f"built: {args.patients:,} patients and their charts in "
                f"{made['patients_and_charts_s']:.0f} s, the audit trail in "
                f"{made['audit_events_s']:.0f} s"
            )
        else:
            print(f"reusing the clinic in {root}")
        work = Path(tmp) / "work"
        shutil.copytree(root, work)
        paths = DataPaths(work / "data")
        size_mb = paths.database.stat().st_size / 1e6

        inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE))
        key = inst.keyring.material.db_key
        counts = source_counts(paths, key)
        rows = sum(counts.values())
        print(f"{rows:,} rows in {len(counts)} tables, {size_mb:,.0f} MB file")

        load_before = os.getloadavg()[0]
        naive_s = naive_copy(paths, key, counts, args.sample)
        print(f"naive row-by-row ORM copy, extrapolated: {naive_s:,.0f} s")

        name = "bench_move_" + uuid.uuid4().hex[:10]
        url = pg.new_database(name)
        try:
            admin = inst.auth.login("admin", PASSWORD)
            job = Recorder()
            start = time.perf_counter()
            moved = move_to_server(inst, admin, MoveTarget(url, pg.owner_of(url)), job)
            total_s = time.perf_counter() - start
            inst.close()
            moved.inst.close()
            result = moved.result
            assert job.last == (result.rows, result.rows)
            with create_engine(pg.owner_of(url)).connect() as conn:
                server_mb = (
                    int(
                        conn.execute(
                            text("SELECT pg_database_size(current_database())")
                        ).scalar_one()
                    )
                    / 1e6
                )
        finally:
            pg.drop_database(name)
        load_after = os.getloadavg()[0]

    per_s = result.rows / total_s
    print(
        f"moved {result.rows:,} rows in {result.tables} tables in {total_s:,.1f} s "
        f"({per_s:,.0f} rows/s); server database {server_mb:,.0f} MB; {result.audit_summary}"
    )
    write_result(
        "server_migrate",
        figure=(
            f"move a clinic of {args.patients:,} patients with 10 years of records "
            f"({result.rows:,} rows, {size_mb:,.0f} MB) from its file to an empty server "
            "database: total time (move_to_server, checks included)"
        ),
        unit="s",
        value=total_s,
        baseline=(
            "naive: row-by-row ORM copy (add + flush per row), triggers and foreign keys off, "
            f"no checks; timed on {args.sample:,} sampled rows, extrapolated per table"
        ),
        baseline_value=naive_s,
        target="< 10 min on a clinic workstation (one evening's maintenance window)",
        extra={
            "rows": result.rows,
            "rows_per_second": round(per_s),
            "naive_rows_per_second": round(result.rows / naive_s),
            "tables": result.tables,
            "patients": args.patients,
            "audit_events": result.audit_events,
            "file_mb": round(size_mb),
            "server_database_mb": round(server_mb),
            "largest_tables": dict(sorted(counts.items(), key=lambda kv: -kv[1])[:8]),
            "build_s": {k: round(v) for k, v in made.items() if k.endswith("_s")},
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        },
    )


if __name__ == "__main__":
    main()
