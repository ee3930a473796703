"""Patient search over 100,000 patients, as people type: p50/p95 per query.

Setup (timed and printed): a clinic on the real SQLCipher store (`Installation.create` in a
temporary folder), then the demo loader (`create_demo_clinic`) with 100,000 synthetic patients.

Queries: for sample patients taken from the data, every prefix as the user types it: the
family name letter by letter ("s", "sm", "smi", ...), family then given name ("smi j",
"smi jo"), given then family, the date of birth as 03/14/1980 and 1980-03-14 character by
character, name plus date of birth, phone digits one by one, and the MRN without and with its
leading zeros.

Each typed text runs three ways, interleaved (rotating order) so load changes hit all three:

* figure: `PatientService.search` in-process, the real call: permission check, the token-index
  query, DTOs, and the audit event written and committed in the same transaction;
* search only: the same method body (its `__wrapped__`, i.e. the identical query and DTO code)
  in a transaction of the same kind, without the permission check and the audit write;
* baseline: the naive way, the same parsed query (name fragments, number fragments, date of
  birth) answered by a `LIKE '%text%'` scan of family and given names (and of the stored phone
  and mobile numbers and the MRN for numbers), same filters, same order, same limit, same
  DTOs, same transaction kind, no audit write. (The stored phones are formatted, so a naive
  scan finds "555-1234" but not "5551234"; stripping the punctuation in SQL with replace()
  costs about 20 s per query here: every replace() allocates, and the store runs with
  cipher_memory_security = ON. The baseline measures the cheaper scan.)

Usage: python bench/patient_search.py [PATIENTS] [--keep DIR]
(`--keep DIR` builds the clinic in DIR once and reuses it on later runs.)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import write_result
from sqlalchemy import or_, select

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.models import Patient
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import patient_rows
from medrec_desktop.services.audit_writer import PendingEvent
from medrec_desktop.services.base import Op
from medrec_desktop.services.demo import DEMO_USERS, create_demo_clinic
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patient_index import parse_query
from medrec_desktop.services.patients import SEARCH_LIMIT, PatientService

PASSWORD = "correct horse battery"
PASSPHRASE = "bench workstation passphrase"
SAMPLES = 10
REPEATS = 2
SEED = 7


def build(paths: DataPaths, patients: int) -> tuple[float, float]:
    start = time.perf_counter()
    inst, _ = Installation.create(
        paths, admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
    )
    created = time.perf_counter() - start
    admin = inst.auth.login("admin", PASSWORD)
    start = time.perf_counter()
    create_demo_clinic(
        inst.users,
        inst.demo,
        admin,
        inst.auth.login,
        patients=patients,
        seed=SEED,
        password=PASSWORD,
    )
    loaded = time.perf_counter() - start
    inst.close()
    return created, loaded


def typed_prefixes(text: str, first: int = 1) -> list[str]:
    return [text[:n] for n in range(first, len(text) + 1)]


def workload(inst: Installation, count: int) -> list[tuple[str, str]]:
    """(kind, typed text) for SAMPLES patients picked at random from the data."""
    rng = random.Random(SEED)
    ids = rng.sample(range(1, count + 1), SAMPLES)
    with inst.store.unit_of_work() as db:
        people = [db.get(Patient, i) for i in ids]
    queries: list[tuple[str, str]] = []
    for p in people:
        assert p is not None
        family = p.family_name.split()[0].lower()
        given = p.given_names.split()[0].lower()
        us_dob = p.birth_date.strftime("%m/%d/%Y")
        phone = "".join(ch for ch in p.phone or "" if ch.isdigit())
        queries += [("family name", t) for t in typed_prefixes(family)]
        queries += [("family + given", f"{family[:3]} {t}") for t in typed_prefixes(given[:4])]
        queries += [("given + family", f"{given} {t}") for t in typed_prefixes(family[:4])]
        queries += [("date of birth", t) for t in typed_prefixes(us_dob)]
        queries += [("date of birth", t) for t in typed_prefixes(p.birth_date.isoformat(), 8)]
        queries += [("name + date of birth", f"{family[:3]} {us_dob}")]
        queries += [("phone digits", t) for t in typed_prefixes(phone)]
        queries += [("MRN", t) for t in typed_prefixes(p.mrn.lstrip("0"))]
        queries += [("MRN", p.mrn)]
    return queries


def search_only(inst: Installation, session: UserSession, text: str) -> list[PatientInfo]:
    """The body of PatientService.search, unchanged, without permission check and audit."""
    body: Callable[..., list[PatientInfo]] = PatientService.search.__wrapped__  # type: ignore[attr-defined]
    with inst.store.unit_of_work() as db:
        event = PendingEvent(Action.QUERY, DataCategory.DEMOGRAPHICS, "bench")
        op = Op(db=db, ctx=inst.ctx, session=session, event=event)
        return body(inst.patients, op, text)


def naive(inst: Installation, text: str) -> list[PatientInfo]:
    """The same parsed query answered by LIKE '%text%' scans instead of the token index."""
    query = parse_query(text)
    if query.empty:
        return []
    # `+ 0`: the scan stays a scan whatever indexes exist (an index leading with merged_into_id
    # would otherwise tempt SQLite into walking it for the ORDER BY, which is slower still).
    stmt = select(Patient).where((Patient.merged_into_id + 0).is_(None))
    for word in query.name_prefixes:
        pattern = f"%{word}%"
        stmt = stmt.where(or_(Patient.family_name.like(pattern), Patient.given_names.like(pattern)))
    for number in query.number_prefixes:
        pattern = f"%{number}%"
        stmt = stmt.where(
            or_(
                Patient.phone.like(pattern),
                Patient.mobile_phone.like(pattern),
                Patient.mrn.like(pattern),
            )
        )
    if query.birth_date is not None:
        stmt = stmt.where(Patient.birth_date == query.birth_date)
    stmt = stmt.order_by(Patient.family_name, Patient.given_names, Patient.id).limit(SEARCH_LIMIT)
    with inst.store.unit_of_work() as db:
        return [patient_rows.info(p) for p in db.execute(stmt).scalars()]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("patients", nargs="?", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the clinic here once and reuse it")
    args = parser.parse_args()
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    tmp = None
    if args.keep is not None:
        root = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        root = Path(tmp.name)
    paths = DataPaths(root / "data")
    created_s = loaded_s = None
    if not paths.database.exists():
        created_s, loaded_s = build(paths, args.patients)
        print(
            f"Installation.create: {created_s:.2f} s; demo loader, {args.patients:,} patients "
            f"(users, patients, contacts, insurance, a note each): {loaded_s:.1f} s"
        )
    else:
        print(f"reusing the clinic in {root}")
    db_mb = paths.database.stat().st_size / 1e6

    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE))
    desk = inst.auth.login(DEMO_USERS[Role.FRONT_DESK][0], PASSWORD)
    queries = workload(inst, args.patients)
    ways: dict[str, Callable[[str], list[PatientInfo]]] = {
        "audited": lambda t: inst.patients.search(desk, t),
        "search_only": lambda t: search_only(inst, desk, t),
        "naive": lambda t: naive(inst, t),
    }
    # Warm-up: one pass of every way over a few queries (opens pool connections, fills caches).
    for _, text in queries[:20]:
        for fn in ways.values():
            fn(text)
    times: dict[str, list[float]] = {name: [] for name in ways}
    by_kind: dict[str, dict[str, list[float]]] = {}
    hits: list[int] = []
    order = list(ways)
    for rep in range(REPEATS):
        for i, (kind, text) in enumerate(queries):
            rot = (i + rep) % len(order)
            for name in order[rot:] + order[:rot]:
                start = time.perf_counter()
                found = ways[name](text)
                elapsed = (time.perf_counter() - start) * 1000
                times[name].append(elapsed)
                by_kind.setdefault(kind, {}).setdefault(name, []).append(elapsed)
                if name == "audited" and rep == 0:
                    hits.append(len(found))
    slowest = sorted(
        zip(times["audited"][: len(queries)], (t for _, t in queries), strict=True),
        reverse=True,
    )[:5]
    inst.close()
    if tmp is not None:
        tmp.cleanup()
    load_after = os.getloadavg()

    stats = {
        name: {
            "p50": round(statistics.median(v), 3),
            "p95": round(pct(v, 0.95), 3),
            "max": round(max(v), 3),
        }
        for name, v in times.items()
    }
    kinds = {
        kind: {name: round(pct(v, 0.95), 3) for name, v in per.items()}
        for kind, per in by_kind.items()
    }
    print(
        f"{len(queries)} typed texts from {SAMPLES} patients x {REPEATS} repeats; "
        f"database {db_mb:.0f} MB; {sum(1 for h in hits if h)} texts had results"
    )
    for name, s in stats.items():
        print(
            f"  {name:12s} p50 {s['p50']:7.2f} ms   p95 {s['p95']:7.2f} ms   max {s['max']:7.2f} ms"
        )
    print("  p95 by kind (audited / search only / naive):")
    for kind, per in kinds.items():
        print(
            f"    {kind:22s} {per['audited']:7.2f} {per['search_only']:7.2f} {per['naive']:8.2f} ms"
        )
    print(
        "  slowest audited (first pass): "
        + ", ".join(f"{text!r} {ms:.1f} ms" for ms, text in slowest)
    )
    print(f"load average after: {load_after[0]:.2f}")
    write_result(
        "patient_search",
        figure=f"patient search p95 per typed query, {args.patients:,} patients "
        "(PatientService.search, audited, SQLCipher)",
        unit="ms",
        value=stats["audited"]["p95"],
        baseline="naive LIKE '%text%' scan of names / stored phones / MRN, same parsed query, "
        "filters, order, limit and DTOs, no audit write (same run, interleaved)",
        baseline_value=stats["naive"]["p95"],
        target="p95 < 20 ms",
        extra={
            "p50_ms": stats["audited"]["p50"],
            "baseline_p50_ms": stats["naive"]["p50"],
            "search_only_p50_ms": stats["search_only"]["p50"],
            "search_only_p95_ms": stats["search_only"]["p95"],
            "search_only": "same method body via __wrapped__: no permission check, no audit "
            "event written",
            "p95_by_kind_ms": kinds,
            "queries": len(queries),
            "repeats": REPEATS,
            "patients": args.patients,
            "database_mb": round(db_mb, 1),
            "create_seconds": None if created_s is None else round(created_s, 2),
            "demo_load_seconds": None if loaded_s is None else round(loaded_s, 1),
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        },
    )


if __name__ == "__main__":
    main()
