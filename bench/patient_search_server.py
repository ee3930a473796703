"""Patient search over 1,000,000 patients on a PostgreSQL server: p50/p95 per typed query.

Setup (timed and printed; skipped when the database is already there, the right size and
its folder beside it): a clinic made by ``Installation.create`` on the server in a database
of its own, ``medrec_bench_search`` (dropped and made again), so the schema is the
migrations' own (0020: ``patient_search_text`` with its pg_trgm GIN index and the name-order
index). Then 1,000,000 synthetic patients (the demo loader's Faker names, en_US and es_MX,
accents included; its fictional 555 phone numbers; a mobile for 60 %; every 500th record
merged into the one before, as duplicates are) with their search tokens and search text,
computed by the service's own functions (``patient_tokens``, ``search_text``,
``sort_key``), bulk-loaded with COPY, the secondary indexes dropped first and made again
after (as the migrations define them), then ``VACUUM ANALYZE``: 2 to 3 minutes here.

Queries: for 12 patients picked at random from the data, what people type, as they type it
(every prefix): the family name letter by letter, family then given name ("gar m",
"gar ma"), given then family, the family name misspelt (one letter changed, dropped or
doubled) alone and with the given name, the date of birth as 03/14/1980 and as 1980-03-14,
name plus date of birth, phone digits, the MRN without and with its leading zeros. Each runs
three ways, interleaved (rotating order), so load changes hit all three:

* figure: ``PatientService.search`` in-process, the real call (permission check, the server
  query forms of ``services/patient_search_server.py``, DTOs, the audit event written and
  committed in the same transaction);
* search only: the same method body (``__wrapped__``) without permission check and audit;
* baseline: an ILIKE scan, what a server without these indexes offers: the same parsed query
  (name fragments, number fragments, date of birth) as ``ILIKE '%text%'`` on family and
  given names (and the stored phones and MRN for numbers) of the patient table, merged
  records left out, same order, limit and DTOs, no audit write. No index serves it.

Then, for information: the search only way three more times per text, the best of the
three kept (what the work costs when nothing else on a shared machine holds the CPU or the
disk at that moment; not the figure); the search only way again over the same texts after
``DROP INDEX ix_patient_search_text_trgm`` (made again afterwards, about 20 s): what the
trigram index itself is worth to the service's own query forms. And the plans: for a part
of a family name, first + last name and name + date of birth, every statement the service
sends is captured as it runs and EXPLAINed (ANALYZE) on the server; the indexes each plan
reads are recorded.

Usage: python bench/patient_search_server.py [PATIENTS] [--server URL] [--folder DIR]
       [--rebuild]
(URL: a superuser on the server to measure, as the load copies with foreign-key triggers
off; default postgresql+psycopg://postgres@127.0.0.1:5432/postgres. DIR: the clinic folder,
key file and server.url, kept for reuse; default /tmp/medrec_bench_search. About 7 minutes
with the build, 4 when it is reused, on a 2-core machine; the database takes about 2.3 GB.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import re
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from _common import write_result
from sqlalchemy import Engine, event, or_, select
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.models import Patient
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import patient_rows
from medrec_desktop.services.audit_writer import PendingEvent
from medrec_desktop.services.base import Op
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patient_index import parse_query, patient_tokens, search_text
from medrec_desktop.services.patient_rows import listing_key, sort_key
from medrec_desktop.services.patients import SEARCH_LIMIT, PatientService

PASSWORD = "correct horse battery"
PASSPHRASE = "bench workstation passphrase"
SEED = 7
SAMPLES = 12
DATABASE = "medrec_bench_search"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FOLDER = Path("/tmp/medrec_bench_search")
CHUNK = 50_000
MERGED_EVERY = 500
TRIGRAMS = "ix_patient_search_text_trgm"
NOW = "2026-01-05T09:00:00.000000Z"
STREETS = ("Oak", "Maple", "Cedar", "Pine", "Elm", "Alder", "Birch", "Willow", "Spruce", "Ash")
CITIES = ("Portland", "Salem", "Eugene", "Gresham", "Hillsboro", "Beaverton", "Bend", "Medford")


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(server: str) -> str:
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def _phone(rng: random.Random) -> str:
    # The demo loader's fictional numbers (555 exchange): no real number is ever generated.
    return f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}"


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _line(values: tuple[object, ...]) -> str:
    return "\t".join(_copy_text(v) for v in values) + "\n"


PATIENT_COLUMNS = (
    "id, mrn, family_name, given_names, birth_date, sex, phone, mobile_phone, email, "
    "address_line1, city, state, postal_code, created_at, updated_at, version_id, sort_key, "
    "merged_into_id"
)


def generate(count: int, today: dt.date) -> Iterator[tuple[str, str, str]]:
    """Chunks of COPY text: patient rows, token rows, search text rows."""
    from faker import Faker

    fake = Faker(["en_US", "es_MX"])  # the demo loader's mix of names, accents included
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    for first in range(1, count + 1, CHUNK):
        patients, tokens, texts = io.StringIO(), io.StringIO(), io.StringIO()
        for pid in range(first, min(first + CHUNK, count + 1)):
            sex = rng.choice(("female", "male"))
            given = fake.first_name_female() if sex == "female" else fake.first_name_male()
            family = fake.last_name()
            born = today - dt.timedelta(days=rng.randint(0, 95 * 365))
            phone = _phone(rng)
            mobile = _phone(rng) if rng.random() < 0.6 else None
            mrn = f"{pid:08d}"
            merged = pid - 1 if pid % MERGED_EVERY == 0 else None
            patients.write(
                _line(
                    (
                        pid,
                        mrn,
                        family,
                        given,
                        born.isoformat(),
                        sex,
                        phone,
                        mobile,
                        f"{given}.{family}@example.org".lower().replace(" ", ""),
                        f"{rng.randint(1, 9999)} {rng.choice(STREETS)} St",
                        rng.choice(CITIES),
                        "OR",
                        f"97{rng.randint(0, 999):03d}",
                        NOW,
                        NOW,
                        1,
                        listing_key(family, given),
                        merged,
                    )
                )
            )
            if merged is not None:
                continue  # merged records have no search tokens (patient_rows.reindex)
            key = sort_key(family, given, pid)
            indexed = patient_tokens([family, given], [phone, mobile], mrn)
            for t in sorted(indexed):
                tokens.write(_line((pid, t, key)))
            texts.write(_line((pid, key, search_text(indexed))))
        yield patients.getvalue(), tokens.getvalue(), texts.getvalue()


def build(server: str, folder: Path, count: int) -> dict[str, float]:
    with psycopg.connect(conninfo(server), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    inst, _ = Installation.create(
        DataPaths(folder / "data"),
        admin=NewAdmin("admin", "Ada Admin", PASSWORD),
        passphrase=PASSPHRASE,
        server_url=database_url(server),
    )
    inst.close()
    created = time.perf_counter() - start
    start = time.perf_counter()
    tables = ("patient", "patient_search_token", "patient_search_text")
    with psycopg.connect(conninfo(database_url(server))) as conn:
        # Secondary indexes off while loading, made again afterwards from their own
        # definitions (what the migrations made): one sorted build each instead of ten
        # million index insertions.
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (list(tables),),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # The foreign keys are checked row by row during COPY: off while loading
        # (replica role skips the triggers), the data is generated consistent.
        conn.execute("SET session_replication_role = replica")
        loaded = 0
        for patients, tokens, texts in generate(count, dt.date(2026, 1, 5)):
            for table, columns, rows in (
                ("patient", PATIENT_COLUMNS, patients),
                ("patient_search_token", "patient_id, token, sort_key", tokens),
                ("patient_search_text", "patient_id, sort_key, tokens", texts),
            ):
                with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
                    cp.write(rows)
            loaded = min(loaded + CHUNK, count)
            print(f"  {loaded:,} patients", flush=True)
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('patient', 'id'), (SELECT max(id) FROM patient))"
        )
        loaded_s = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
        conn.autocommit = True
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
    indexed_s = time.perf_counter() - start
    return {
        "create_seconds": round(created, 1),
        "copy_seconds": round(loaded_s, 1),
        "index_seconds": round(indexed_s, 1),
    }


def ready(server: str, folder: Path, count: int) -> bool:
    """Whether a clinic of this size is there to reuse (its database and its folder)."""
    if not (folder / "data" / "server.url").exists():
        return False
    try:
        with psycopg.connect(conninfo(database_url(server))) as conn:
            patients = conn.execute("SELECT count(*) FROM patient").fetchone()
            texts = conn.execute("SELECT count(*) FROM patient_search_text").fetchone()
    except psycopg.Error:
        return False
    live = count - count // MERGED_EVERY
    return patients == (count,) and texts == (live,)


def typed_prefixes(text: str, first: int = 1) -> list[str]:
    return [text[:n] for n in range(first, len(text) + 1)]


def typo(word: str, rng: random.Random) -> str:
    """The word as a hurried typist writes it: one letter changed, dropped or doubled."""
    i = rng.randrange(len(word))
    how = rng.choice(("change", "drop", "double"))
    if how == "change":
        return word[:i] + rng.choice("aeiouy") + word[i + 1 :]
    if how == "drop" and len(word) > 4:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def workload(inst: Installation, count: int) -> list[tuple[str, str]]:
    """(kind, typed text) for SAMPLES patients picked at random from the data."""
    rng = random.Random(SEED)
    ids = [i for i in rng.sample(range(1, count + 1), SAMPLES * 2) if i % MERGED_EVERY][:SAMPLES]
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
        queries += [("misspelt", typo(family, rng)), ("misspelt", f"{given} {typo(family, rng)}")]
        queries += [("date of birth", t) for t in typed_prefixes(us_dob, 2)]
        queries += [("date of birth", p.birth_date.isoformat())]
        queries += [("name + date of birth", f"{family[:3]} {us_dob}")]
        queries += [("name + date of birth", f"{given} {family[:2]} {us_dob}")]
        queries += [("phone digits", t) for t in typed_prefixes(phone, 3)]
        queries += [("MRN", t) for t in typed_prefixes(p.mrn.lstrip("0"))]
        queries += [("MRN", p.mrn)]
    return queries


def search_only(inst: Installation, session: UserSession, text: str) -> list[PatientInfo]:
    """The body of PatientService.search, unchanged, without permission check and audit."""
    body: Callable[..., list[PatientInfo]] = PatientService.search.__wrapped__  # type: ignore[attr-defined]
    with inst.store.unit_of_work() as db:
        event_ = PendingEvent(Action.QUERY, DataCategory.DEMOGRAPHICS, "bench")
        op = Op(db=db, ctx=inst.ctx, session=session, event=event_)
        return body(inst.patients, op, text)


def ilike_scan(inst: Installation, text: str) -> list[PatientInfo]:
    """The same parsed query answered by ILIKE '%text%' scans of the patient table."""
    query = parse_query(text)
    if query.empty:
        return []
    stmt = select(Patient).where(Patient.merged_into_id.is_(None))
    for word in query.name_prefixes:
        pattern = f"%{word}%"
        stmt = stmt.where(
            or_(Patient.family_name.ilike(pattern), Patient.given_names.ilike(pattern))
        )
    for number in query.number_prefixes:
        pattern = f"%{number}%"
        stmt = stmt.where(
            or_(
                Patient.phone.ilike(pattern),
                Patient.mobile_phone.ilike(pattern),
                Patient.mrn.ilike(pattern),
            )
        )
    if query.birth_date is not None:
        stmt = stmt.where(Patient.birth_date == query.birth_date)
    stmt = stmt.order_by(Patient.family_name, Patient.given_names, Patient.id).limit(SEARCH_LIMIT)
    with inst.store.unit_of_work() as db:
        return [patient_rows.info(p) for p in db.execute(stmt).scalars()]


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 3),
        "p95": round(pct(values, 0.95), 3),
        "max": round(max(values), 3),
    }


class Statements:
    """The statements the service sends, captured as they run (SQL and parameters)."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._grab)

    def _grab(self, conn: Any, cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if self.on:
            self.seen.append((sql, params))


INDEX_IN_PLAN = re.compile(
    r"Index(?: Only)? Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)"
)


def plans(
    inst: Installation, desk: UserSession, url: str, texts: dict[str, str]
) -> dict[str, list[dict[str, object]]]:
    """For each typed text, the search statements the service sent and the indexes their
    plans read (EXPLAIN ANALYZE on the server, the same SQL and parameters)."""
    grab = Statements(inst.store.engine)
    found: dict[str, list[dict[str, object]]] = {}
    with psycopg.connect(conninfo(url)) as conn:
        for kind, text in texts.items():
            grab.seen.clear()
            grab.on = True
            inst.patients.search(desk, text)
            grab.on = False
            steps: list[dict[str, object]] = []
            for sql, params in grab.seen:
                if "patient_search_t" not in sql:  # sign-in check, audit, the DTO rows
                    continue
                plan = [r[0] for r in conn.execute("EXPLAIN ANALYZE " + sql, params)]
                used = INDEX_IN_PLAN.findall("\n".join(plan))
                steps.append(
                    {
                        "statement": " ".join(sql.split())[:90] + "...",
                        "indexes": sorted({a or b for a, b in used}),
                        "seq_scan": any("Seq Scan" in line for line in plan),
                        "ms": float(plan[-1].split()[-2]),
                    }
                )
            found[f"{kind}: {text!r}"] = steps
            conn.rollback()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("patients", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    built: dict[str, float] = {}
    if args.rebuild or not ready(args.server, args.folder, args.patients):
        print(f"building {args.patients:,} patients in database {DATABASE}")
        built = build(args.server, args.folder, args.patients)
        print(
            f"Installation.create {built['create_seconds']} s, COPY {built['copy_seconds']} s, "
            f"indexes and ANALYZE {built['index_seconds']} s"
        )
    else:
        print(f"reusing database {DATABASE} ({args.patients:,} patients)")
    url = database_url(args.server)
    with psycopg.connect(conninfo(url)) as conn:
        sizes = dict(
            conn.execute(
                "SELECT relname, pg_relation_size(oid) / 1000000 FROM pg_class "
                "WHERE relname = ANY(%s)",
                (
                    [
                        "patient",
                        "patient_search_token",
                        "patient_search_text",
                        TRIGRAMS,
                        "ix_patient_search_text_walk",
                        "ix_patient_search_token_token_sort",
                    ],
                ),
            ).fetchall()
        )
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                (["server_version", "shared_buffers", "work_mem", "jit"],),
            ).fetchall()
        )

    inst = Installation.open(DataPaths(args.folder / "data"), Unlock(passphrase=PASSPHRASE))
    desk = inst.auth.login("admin", PASSWORD)
    queries = workload(inst, args.patients)
    ways: dict[str, Callable[[str], list[PatientInfo]]] = {
        "audited": lambda t: inst.patients.search(desk, t),
        "search_only": lambda t: search_only(inst, desk, t),
        "ilike_scan": lambda t: ilike_scan(inst, t),
    }
    # Warm-up: a pass of every way over a few queries (pool connections, caches).
    for _, text in queries[:15]:
        for fn in ways.values():
            fn(text)
    times: dict[str, list[float]] = {name: [] for name in ways}
    by_kind: dict[str, dict[str, list[float]]] = {}
    hits: list[int] = []
    first: list[tuple[float, str]] = []
    order = list(ways)
    for i, (kind, text) in enumerate(queries):
        rot = i % len(order)
        for name in order[rot:] + order[:rot]:
            start = time.perf_counter()
            found = ways[name](text)
            elapsed = (time.perf_counter() - start) * 1000
            times[name].append(elapsed)
            by_kind.setdefault(kind, {}).setdefault(name, []).append(elapsed)
            if name == "audited":
                hits.append(len(found))
                first.append((elapsed, text))
    # For reading the figure on a shared machine: the same texts, search only, three more
    # times each, the best of the three per text (what the work itself costs when nothing
    # else holds the CPU or the disk at that moment). Not the figure.
    best = [
        min(timed(lambda t=text: search_only(inst, desk, t)) for _ in range(3))
        for _, text in queries
    ]
    typical = {
        "part of a family name": queries[2][1],
        "first + last name": next(t for k, t in queries if k == "given + family" and len(t) > 6),
        "name + date of birth": next(t for k, t in queries if k == "name + date of birth"),
    }
    explained = plans(inst, desk, url, typical)

    # What the trigram index is worth to the service's own query forms: the same texts
    # again, search only, without it (made again afterwards).
    print("without the trigram index (search only)...", flush=True)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        definition = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (TRIGRAMS,)
        ).fetchone()
        assert definition is not None
        conn.execute(f"DROP INDEX {TRIGRAMS}")
        try:
            without: list[float] = []
            without_by_kind: dict[str, list[float]] = {}
            for kind, text in queries:
                start = time.perf_counter()
                search_only(inst, desk, text)
                elapsed = (time.perf_counter() - start) * 1000
                without.append(elapsed)
                without_by_kind.setdefault(kind, []).append(elapsed)
        finally:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(definition[0])
    inst.close()
    load_after = os.getloadavg()

    stats = {name: summary(v) for name, v in times.items()}
    stats["search_only_without_trigrams"] = summary(without)
    kinds = {
        kind: {
            **{name: round(pct(v, 0.95), 2) for name, v in per.items()},
            "search_only_without_trigrams": round(pct(without_by_kind[kind], 0.95), 2),
        }
        for kind, per in by_kind.items()
    }
    print(
        f"{len(queries)} typed texts from {SAMPLES} patients; "
        f"{sum(1 for h in hits if h)} had results"
    )
    print(
        f"  search only, best of 3 per text: p50 {statistics.median(best):.2f} ms, "
        f"p95 {pct(best, 0.95):.2f} ms"
    )
    for name, s in stats.items():
        print(
            f"  {name:30s} p50 {s['p50']:8.2f} ms   p95 {s['p95']:8.2f} ms   max {s['max']:8.2f} ms"
        )
    print("  p95 by kind (audited / search only / ILIKE scan / search only without trigrams):")
    for kind, per in kinds.items():
        print(
            f"    {kind:22s} {per['audited']:7.2f} {per['search_only']:7.2f} "
            f"{per['ilike_scan']:8.2f} {per['search_only_without_trigrams']:8.2f} ms"
        )
    slowest = sorted(first, reverse=True)[:6]
    print("  slowest audited: " + ", ".join(f"{t!r} {ms:.1f} ms" for ms, t in slowest))
    for name, steps in explained.items():
        print(f"  plan, {name}:")
        for step in steps:
            print(f"    {step['ms']:6.2f} ms  indexes {step['indexes']}  {step['statement'][:60]}")
    print(f"load average after: {load_after[0]:.2f}")
    write_result(
        "patient_search_server",
        figure=f"patient search p95 per typed query, {args.patients:,} patients on a "
        "PostgreSQL server (PatientService.search, audited)",
        unit="ms",
        value=stats["audited"]["p95"],
        baseline="ILIKE '%text%' scan of the patient table's names / stored phones / MRN, same "
        "parsed query, filters, order, limit and DTOs, no audit write (same run, interleaved)",
        baseline_value=stats["ilike_scan"]["p95"],
        target="p95 < 30 ms",
        extra={
            "p50_ms": stats["audited"]["p50"],
            "max_ms": stats["audited"]["max"],
            "baseline_p50_ms": stats["ilike_scan"]["p50"],
            "search_only_p50_ms": stats["search_only"]["p50"],
            "search_only_p95_ms": stats["search_only"]["p95"],
            "search_only_best_of_3_p50_ms": round(statistics.median(best), 3),
            "search_only_best_of_3_p95_ms": round(pct(best, 0.95), 3),
            "best_of_3": "search only, each text three more times after the interleaved runs, "
            "the fastest of the three per text: the cost of the work without the shared "
            "machine's other load (not the figure)",
            "search_only_without_trigrams_p50_ms": stats["search_only_without_trigrams"]["p50"],
            "search_only_without_trigrams_p95_ms": stats["search_only_without_trigrams"]["p95"],
            "search_only": "same method body via __wrapped__: no permission check, no audit "
            "event written",
            "without_trigrams": f"search only after DROP INDEX {TRIGRAMS}, run after the "
            "interleaved runs (the index made again afterwards)",
            "p95_by_kind_ms": kinds,
            "slowest_audited_ms": {t: round(ms, 1) for ms, t in slowest},
            "plans": explained,
            "queries": len(queries),
            "patients": args.patients,
            "merged_records": args.patients // MERGED_EVERY,
            "sizes_mb": sizes,
            "server": settings,
            **built,
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        },
    )


if __name__ == "__main__":
    main()
