"""Opening a chart's summary page: time until the summary data is ready for first paint.

Setup, on a real SQLCipher file with the product's pragmas: a clinic of 200 other patients
(5 problems and 2 allergies each) and one patient with ten years of data. With the kinds
that exist today, that patient has 40 problems and 10 allergies, each saved in 3 versions
spread over the ten years, a few of them labelled (behavioral health) and a few entered in
error. The issue's full figure (300 vitals, 60 medications, 30 immunizations) will be
re-measured when those kinds join the summary's section registry: this run covers problems
and allergies only. The nurse who opens the chart last opened it a year ago, so the
"changed since you last opened this chart" list is computed on every open (what others saved
in that year), and the labelled items are withheld from her.

* figure: `ChartSummaryService.summary` as the screen calls it: permission check, one query
  per kind, what changed since the last visit, DTOs, and the audit event written and
  committed in the same transaction; p50 and p95 over repeated opens;
* summary only (for information): the same method body (its `__wrapped__`) without the
  permission check and the audit write;
* baseline, in the same run and interleaved round by round: the same summary built the naive
  way, one query per item: the ids of each kind, then per item its row, its version rows
  (for the changes) and the names of the users who saved it, then the same selection, lines
  and change list in Python, without the audit write.

Usage: python bench/chart_summary.py [OPENS]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import write_result
from sqlalchemy import select

from medrec_desktop.domain.allergies import AllergyInput
from medrec_desktop.domain.chart_summary import ChartChange, ChartSummary
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity, changes
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.item_codec import item_from_plain
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.models import ClinicalItemVersion, User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import chart_changes, versioning
from medrec_desktop.services.audit_writer import PendingEvent
from medrec_desktop.services.base import Op
from medrec_desktop.services.chart_sections import SECTIONS, SectionInput, item_texts
from medrec_desktop.services.chart_summary import ChartSummaryService, build_section
from medrec_desktop.services.context import stored_utc
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

OPENS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
ROUNDS = 10
PASSWORD = "correct horse battery"
OTHERS = 200
PROBLEMS = 40
ALLERGIES = 10
VERSIONS = 3
YEARS = 10
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The clinic's clock, moved through the ten years while the chart is filled."""

    def __init__(self) -> None:
        self.now = NOW - dt.timedelta(days=365 * YEARS)

    def __call__(self) -> dt.datetime:
        return self.now


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def fill(inst: Installation, clock: Clock) -> tuple[PatientId, UserSession]:
    admin = inst.auth.login("admin", PASSWORD)
    for name, role in (("pat", Role.PROVIDER), ("nina", Role.NURSE), ("rita", Role.RECORDS)):
        inst.users.add_user(admin, name, name.title(), role, PASSWORD, must_change_password=False)
    doc, rita = inst.auth.login("pat", PASSWORD), inst.auth.login("rita", PASSWORD)
    nina = inst.auth.login("nina", PASSWORD)

    def patient(n: int) -> PatientId:
        return inst.patients.register(
            rita,
            PatientInput(f"Family{n:03d}", f"Given{n:03d}", dt.date(1950 + n % 60, 1, 1), "female",
                         f"555 010 {n:04d}"),
            duplicates_reviewed=True,
            reason="bench",
        ).id

    others = [patient(n) for n in range(OTHERS)]
    for pid in others:
        for i in range(5):
            inst.problems.add(doc, pid, ProblemInput(description=f"Problem {i}", icd10cm="I10"))
        for i in range(2):
            inst.allergies.add(doc, pid, AllergyInput(substance=f"Drug {i}", category="drug"))
    target = patient(OTHERS)
    # Every item's versions spread evenly over the ten years, in the order saved.
    saves = (PROBLEMS + ALLERGIES) * VERSIONS
    step = dt.timedelta(days=365 * YEARS) / saves
    added: list[tuple[str, Any]] = []
    for i in range(PROBLEMS):
        labelled = Sensitivity.BEHAVIORAL_HEALTH if i % 13 == 0 else None
        added.append(("problem", inst.problems.add(doc, target, ProblemInput(
            description=f"Chronic condition {i}", icd10cm="E11.9", onset="2012",
            sensitivity=labelled))))
        clock.now += step
    for i in range(ALLERGIES):
        added.append(("allergy", inst.allergies.add(doc, target, AllergyInput(
            substance=f"Substance {i}", category="drug", reaction="Hives"))))
        clock.now += step
    visited = False
    for v in range(2, VERSIONS + 1):
        for n, (kind, item) in enumerate(added):
            if kind == "problem":
                data = ProblemInput(description=f"Chronic condition {n}", icd10cm="E11.9",
                                    onset=f"03/{2012 - v}", chronic=v == VERSIONS,
                                    sensitivity=item.sensitivity)
                item = inst.problems.update(doc, item.id, data, expected_version=item.version)
            else:
                data = AllergyInput(substance=f"Substance {n}", category="drug",
                                    reaction="Hives", severity="moderate" if v == 2 else "severe")
                item = inst.allergies.update(doc, item.id, data, expected_version=item.version)
            added[n] = (kind, item)
            clock.now += step
            if clock.now > NOW - dt.timedelta(days=365) and not visited:
                inst.chart.summary(nina, target)  # the nurse's last visit, a year ago
                inst.chart.summary(nina, others[0])
                visited = True
    for kind, item in added[:4]:  # a few entered in error in the last months
        service = inst.problems if kind == "problem" else inst.allergies
        service.mark_entered_in_error(doc, item.id, reason="wrong chart",
                                      expected_version=item.version)
    clock.now = NOW
    for pid in others:  # the nurse's day: other charts opened since
        inst.chart.summary(nina, pid)
    return target, nina


def summary_only(inst: Installation, session: UserSession, pid: PatientId) -> ChartSummary:
    body: Callable[..., ChartSummary] = ChartSummaryService.summary.__wrapped__  # type: ignore[attr-defined]
    with inst.store.unit_of_work() as db:
        op = Op(db=db, ctx=inst.ctx, session=session,
                event=PendingEvent(Action.VIEW, DataCategory.CLINICAL, "bench"))
        return body(inst.chart, op, pid)


def naive(inst: Installation, session: UserSession, pid: PatientId) -> ChartSummary:
    """The same summary, one query per item (no audit write)."""
    with inst.store.unit_of_work() as db:
        op = Op(db=db, ctx=inst.ctx, session=session,
                event=PendingEvent(Action.VIEW, DataCategory.CLINICAL, "bench"))
        texts = item_texts(SECTIONS)
        since = chart_changes.last_opened(op, pid)
        me = op.user.id
        items: dict[str, list[Any]] = {}
        found: list[ChartChange] = []
        withheld: Counter[Sensitivity] = Counter()
        may_see = op.can(Action.VIEW, DataCategory.SENSITIVE, pid)
        for text in texts:
            model = text.kind.model
            ids = db.execute(select(model.id).where(model.patient_id == pid)).scalars().all()
            items[text.item_type] = []
            for item_id in ids:
                row = db.execute(select(model).where(model.id == item_id)).scalar_one()
                people = {u: db.execute(select(User.display_name).where(User.id == u)).scalar_one()
                          for u in (row.created_by, row.changed_by)}
                info = versioning.to_info(row, text.kind.data, people)
                if info.status is not ItemStatus.ENTERED_IN_ERROR:
                    items[text.item_type].append(info)
                versions = db.execute(
                    select(ClinicalItemVersion)
                    .where(ClinicalItemVersion.item_type == text.item_type,
                           ClinicalItemVersion.item_id == item_id)
                    .order_by(ClinicalItemVersion.version)
                ).scalars().all()
                previous = None
                for v in versions:
                    saved = item_from_plain(text.kind.data, json.loads(v.data_json))
                    if since is not None and v.changed_at > since and v.changed_by != me:
                        if (row.sensitivity or v.sensitivity) and not may_see:
                            withheld[Sensitivity(row.sensitivity or v.sensitivity)] += 1
                        else:
                            labels = [c.label for c in changes(previous, saved)]
                            found.append(ChartChange(
                                stored_utc(v.changed_at),
                                db.execute(select(User.display_name)
                                           .where(User.id == v.changed_by)).scalar_one(),
                                text.noun,
                                "added" if v.version == 1 else "changed " + ", ".join(labels),
                                text.line(saved), text.item_type, saved.id))
                    previous = saved
        sections = tuple(build_section(p, SectionInput(items, NOW.date()), may_see)
                         for p in SECTIONS)
        found.sort(key=lambda c: c.when, reverse=True)
        return ChartSummary(pid, sections, stored_utc(since) if since else None,
                            tuple(found[:50]), dict(withheld), max(0, len(found) - 50))


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
            clock=clock,
        )
        try:
            measured = measure(inst, clock)
        finally:
            inst.close()
    load_after = os.getloadavg()[0]
    report(measured, load_before, load_after)


def measure(inst: Installation, clock: Clock) -> dict[str, Any]:
    started = time.perf_counter()
    pid, nina = fill(inst, clock)
    fill_seconds = time.perf_counter() - started
    opened = inst.chart.summary(nina, pid)
    check = naive(inst, nina, pid)
    # The baseline builds the very same summary (entered-in-error verbs aside).
    assert [s.lines for s in check.sections] == [s.lines for s in opened.sections]
    assert len(check.changes) == len(opened.changes)
    assert check.changes_withheld == opened.changes_withheld
    shown = sum(len(s.items) for s in opened.sections)
    withheld = sum(sum(s.withheld.values()) for s in opened.sections)

    timings: dict[str, list[float]] = {"audited": [], "summary_only": [], "naive": []}
    calls: dict[str, Callable[[], object]] = {
        "audited": lambda: inst.chart.summary(nina, pid),
        "summary_only": lambda: summary_only(inst, nina, pid),
        "naive": lambda: naive(inst, nina, pid),
    }
    for fn in calls.values():  # warm-up
        for _ in range(10):
            fn()
    per_round = OPENS // ROUNDS
    for r in range(ROUNDS):
        order = list(calls) if r % 2 == 0 else list(reversed(calls))
        for name in order:
            for _ in range(per_round):
                start = time.perf_counter()
                calls[name]()
                timings[name].append(time.perf_counter() - start)
    return {"timings": timings, "opened": opened, "shown": shown, "withheld": withheld,
        "fill_seconds": fill_seconds}


def report(measured: dict[str, Any], load_before: float, load_after: float) -> None:
    timings, opened = measured["timings"], measured["opened"]
    shown, withheld, fill_seconds = (
        measured["shown"], measured["withheld"], measured["fill_seconds"]
    )
    stats = {
        name: {"p50": round(statistics.median(t) * 1000, 3), "p95": round(p95(t) * 1000, 3)}
        for name, t in timings.items()
    }
    for name, s in stats.items():
        print(f"{name:>13}: p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms")
    print(f"chart: {shown} items shown, {withheld} withheld, {len(opened.changes)} changes "
          f"listed ({opened.more_changes} more); filled in {fill_seconds:.0f} s; "
          f"load average {load_before:.2f} before, {load_after:.2f} after")
    write_result(
        "chart_summary",
        figure=f"chart summary ready (ChartSummaryService.summary, audited, SQLCipher), p95 over "
        f"{len(timings['audited'])} opens; problems and allergies only (re-measure when "
        "medications, vitals and immunizations join the summary)",
        unit="ms",
        value=stats["audited"]["p95"],
        baseline="the same summary loaded one query per item (row, version rows, names), same "
        "selection, lines and changes, no audit write (same run, interleaved)",
        baseline_value=stats["naive"]["p95"],
        target="< 100 ms to the data ready for first paint",
        extra={
            "p50_ms": stats["audited"]["p50"],
            "baseline_p50_ms": stats["naive"]["p50"],
            "summary_only_p50_ms": stats["summary_only"]["p50"],
            "summary_only_p95_ms": stats["summary_only"]["p95"],
            "summary_only": "same method body via __wrapped__: no permission check, no audit "
            "event written",
            "chart": {
                "problems": PROBLEMS,
                "allergies": ALLERGIES,
                "versions_per_item": VERSIONS,
                "years": YEARS,
                "items_shown": shown,
                "items_withheld": withheld,
                "changes_since_last_visit": len(opened.changes) + opened.more_changes,
                "not_yet_measured": "300 vitals, 60 medications, 30 immunizations (kinds not "
                "on main yet)",
            },
            "other_patients": OTHERS,
            "opens": len(timings["audited"]),
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        },
    )


if __name__ == "__main__":
    main()
