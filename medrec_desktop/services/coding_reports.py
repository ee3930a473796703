"""Coding reports (issue 13): coding productivity per coder per day and the diagnoses coded
in a period by ICD-10-CM chapter, category or HCC (``domain/coding_reports.py``).

Who may run them: coders (their own team's work and the clinic's case mix) and
administrators (the clinic manager's figures). Both need the coding category's QUERY right;
the reports hold counts only, never a patient, so an administrator, who sees no clinical
data, may read them. Encounters with a sensitivity label the caller's role may not see are
left out of the diagnosis counts and counted apart, as the worklist does.

Each report is one audited QUERY under coding, with its counts (never a patient or a code)
in the event's detail.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, or_, select

from medrec_desktop.coding.detail import hcc_for, hcc_payment_year
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.coder_queries import QueryState
from medrec_desktop.domain.coding_reports import (
    CoderDay,
    CoderTotals,
    DiagnosisGroup,
    DiagnosisGrouping,
    DiagnosisReport,
    ProductivityReport,
    Turnaround,
    checked_period,
)
from medrec_desktop.domain.coding_work import CodingState
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.models import ClinicalItemVersion, CoderQuery, Encounter, EncounterCoding
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.context import ServiceContext, iso

ITEM_TYPE = EncounterCoding.__item_type__
REPORT_ROLES = (Role.CODER, Role.ADMIN)
ONLY_CODERS = "Coding reports are for coders and administrators. This attempt was recorded."
# The saved coding as ``versioning.snapshot`` writes it (json.dumps' own separators): a cheap
# first filter in the database, each match then read as JSON.
_CODED_JSON = '%"state": "coded"%'


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's local dates as UTC instants: [start, end)."""
    checked_period(since, until)
    return _local_midnight_utc(since), _local_midnight_utc(until + dt.timedelta(days=1))


class CodingReportService(Service):
    """``holder.coding_reports``: needs the workstation's code sets (chapters, HCCs)."""

    def __init__(self, *, ctx: ServiceContext, codes: CodeSets) -> None:
        super().__init__(ctx=ctx)
        self._codes = codes

    @audited(Action.QUERY, DataCategory.CODING)
    def productivity(self, op: Op, since: dt.date, until: dt.date) -> ProductivityReport:
        """Per coder per day: encounters marked coded, how many of them were re-codings and
        the errors overridden; per coder and in all, the queries answered in the period
        (median and mean hours from asking) and those open at its end.

        Every "mark coded" counts, read from the coding's versions (the act stamps
        ``coded_at``): an encounter marked coded, re-coded and marked coded again is two
        acts, on the days they happened, the second counted as re-coded too. Work on an
        encounter later entered in error still counts: it was done.
        """
        _allowed(op)
        start, end = _bounds(since, until)
        acts = _coding_acts(op, start, end)
        by_day: dict[tuple[dt.date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        for at, coder, recoded, overrides in acts:
            counts = by_day[(at.astimezone().date(), coder)]
            counts[0] += 1
            counts[1] += recoded
            counts[2] += overrides
        hours, still_open = _queries(op, start, end)
        people = {c for _, c in by_day} | set(hours) | set(still_open)
        names = versioning.display_names(op.db, people)
        days = tuple(
            CoderDay(day, coder, names.get(coder, "(unknown user)"), *counts)
            for (day, coder), counts in sorted(
                by_day.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))
            )
        )
        coders = []
        for coder in sorted(people, key=lambda c: names.get(c, "").casefold()):
            mine = [d for d in days if d.coder_id == coder]
            coders.append(
                CoderTotals(
                    coder_id=coder,
                    coder=names.get(coder, "(unknown user)"),
                    coded=sum(d.coded for d in mine),
                    recoded=sum(d.recoded for d in mine),
                    overridden=sum(d.overridden for d in mine),
                    queries=Turnaround.of(hours.get(coder, []), still_open.get(coder, 0)),
                )
            )
        every = [h for hs in hours.values() for h in hs]
        report = ProductivityReport(
            since=since,
            until=until,
            days=days,
            coders=tuple(coders),
            queries=Turnaround.of(every, sum(still_open.values())),
        )
        op.event.detail = (
            f"coding productivity {since.isoformat()}..{until.isoformat()}: "
            f"{report.coded} encounters marked coded by {len({d.coder_id for d in days})} "
            f"coders, {report.overridden} errors overridden, {report.queries.answered} "
            f"queries answered, {report.queries.open} open (counts only)"
        )
        return report

    @audited(Action.QUERY, DataCategory.CODING)
    def diagnoses(
        self,
        op: Op,
        since: dt.date,
        until: dt.date,
        *,
        by: DiagnosisGrouping | str = DiagnosisGrouping.CHAPTER,
    ) -> DiagnosisReport:
        """The diagnoses of coded encounters whose date of service is in the period, counted
        by ICD-10-CM chapter, 3-character category or CMS-HCC V28 category (the payment
        year the date of service sets), each group with its title, the encounters with such
        a diagnosis and their distinct patients. Encounters entered in error are left out."""
        _allowed(op)
        try:
            grouping = DiagnosisGrouping(by)
        except ValueError:
            raise ValidationError(
                "Choose how to group the diagnoses: by chapter, category or HCC.", field="by"
            ) from None
        start, end = _bounds(since, until)
        see_labels = op.can(Action.VIEW, DataCategory.SENSITIVE)
        rows = op.db.execute(
            select(
                EncounterCoding.diagnoses,
                Encounter.id,
                Encounter.patient_id,
                Encounter.starts_at,
                Encounter.sensitivity,
            )
            .join(Encounter, Encounter.id == EncounterCoding.encounter_id)
            .where(
                EncounterCoding.state == CodingState.CODED.value,
                EncounterCoding.status != ItemStatus.ENTERED_IN_ERROR.value,
                Encounter.status != ItemStatus.ENTERED_IN_ERROR.value,
                Encounter.signed_at.is_not(None),
                Encounter.starts_at >= start,
                Encounter.starts_at < end,
            )
        ).all()
        groups_of = _Grouper(self._codes.get(), grouping)
        titles: dict[str, str] = {}
        lines: dict[str, int] = defaultdict(int)
        encounters: dict[str, set[int]] = defaultdict(set)
        patients: dict[str, set[int]] = defaultdict(set)
        counted_encounters: set[int] = set()
        counted_patients: set[int] = set()
        withheld = diagnoses = ungrouped = 0
        for raw, encounter_id, patient_id, starts_at, label in rows:
            if label is not None and not see_labels:
                withheld += 1
                continue
            counted_encounters.add(encounter_id)
            counted_patients.add(patient_id)
            dos = starts_at.astimezone().date()
            for code in _codes_of(raw):
                diagnoses += 1
                found = groups_of(code, dos)
                if not found:
                    ungrouped += 1
                for key, title in found:
                    titles.setdefault(key, title)
                    lines[key] += 1
                    encounters[key].add(encounter_id)
                    patients[key].add(patient_id)
        groups = sorted(
            (
                DiagnosisGroup(
                    key=key,
                    title=titles[key],
                    diagnoses=lines[key],
                    encounters=len(encounters[key]),
                    patients=len(patients[key]),
                )
                for key in lines
            ),
            key=lambda g: (-g.encounters, -g.diagnoses, _natural(g.key)),
        )
        report = DiagnosisReport(
            since=since,
            until=until,
            by=grouping,
            groups=tuple(groups),
            encounters=len(counted_encounters),
            patients=len(counted_patients),
            diagnoses=diagnoses,
            ungrouped=ungrouped,
            withheld=withheld,
        )
        op.event.detail = (
            f"diagnosis counts by {grouping.value} {since.isoformat()}..{until.isoformat()}: "
            f"{len(groups)} groups, {report.encounters} encounters, {report.patients} "
            f"patients, {withheld} withheld (counts only)"
        )
        return report


def _allowed(op: Op) -> None:
    if op.role not in REPORT_ROLES:
        raise PermissionDeniedError(ONLY_CODERS)


# ---------------------------------------------------------------------- productivity


def _coding_acts(
    op: Op, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, int, bool, int]]:
    """Each "mark coded" in [start, end): when, by whom, whether the encounter had been
    marked coded before, and how many errors it overrode. One query: every coded version of
    the codings saved since ``start`` (a coding's last save is at or after each of its acts;
    its earlier acts say whether one is a re-coding), found through the version table's
    (item type, item, version) key rather than by scanning its times."""
    version = ClinicalItemVersion
    touched = (
        select(EncounterCoding.id).where(EncounterCoding.changed_at >= iso(start)).scalar_subquery()
    )
    rows = op.db.execute(
        select(version.item_id, version.version, version.data_json)
        .where(
            version.item_type == ITEM_TYPE,
            version.item_id.in_(touched),
            version.data_json.like(_CODED_JSON),
        )
        .order_by(version.item_id, version.version)
    ).all()
    # item -> coded_at -> (coder, overrides) of the first version that carries that stamp
    # (later versions of a coded encounter, a dismissal say, carry the same stamp)
    per_item: dict[int, dict[dt.datetime, tuple[int, int]]] = defaultdict(dict)
    for item_id, _number, data_json in rows:
        data = json.loads(data_json).get("data") or {}
        if data.get("state") != CodingState.CODED.value or not data.get("coded_at"):
            continue
        at = dt.datetime.fromisoformat(data["coded_at"])
        coder = data.get("coded_by")
        if coder is None:
            continue
        per_item[item_id].setdefault(at, (int(coder), len(data.get("overrides") or ())))
    acts = []
    for stamps in per_item.values():
        for n, at in enumerate(sorted(stamps)):
            if start <= at < end:
                coder, overrides = stamps[at]
                acts.append((at, coder, n > 0, overrides))
    return acts


def _queries(
    op: Op, start: dt.datetime, end: dt.datetime
) -> tuple[dict[int, list[float]], dict[int, int]]:
    """Per asking coder: hours to answer of the queries answered in [start, end), and the
    number open at ``end`` (asked before it; answered, or withdrawn, only after it)."""
    q = CoderQuery
    answered = q.state == QueryState.ANSWERED.value
    open_at_end = and_(
        q.asked_at < end,
        or_(
            q.state == QueryState.OPEN.value,
            and_(answered, q.answered_at >= end),
            # A withdrawal is the query's last version: its row's changed_at says when.
            and_(q.state == QueryState.WITHDRAWN.value, q.changed_at >= iso(end)),
        ),
    )
    rows = op.db.execute(
        select(q.asked_by, q.asked_at, q.answered_at, answered, open_at_end).where(
            or_(and_(answered, q.answered_at >= start, q.answered_at < end), open_at_end)
        )
    ).all()
    hours: dict[int, list[float]] = defaultdict(list)
    still_open: dict[int, int] = defaultdict(int)
    for asked_by, asked_at, answered_at, was_answered, was_open in rows:
        if was_open:
            still_open[asked_by] += 1
        elif was_answered and answered_at is not None:
            hours[asked_by].append((answered_at - asked_at).total_seconds() / 3600)
    return dict(hours), dict(still_open)


# ---------------------------------------------------------------------- diagnoses


def _codes_of(raw: str | None) -> Iterable[str]:
    """The codes of the coding's diagnoses column (``to_column``'s JSON), each once."""
    seen: set[str] = set()
    for d in json.loads(raw or "[]"):
        code = str(d.get("code") or "").strip().upper()
        if code and code not in seen:
            seen.add(code)
            yield code


def _natural(key: str) -> tuple[int, str]:
    """Chapters in their order (2 before 10); other keys as text."""
    return (int(key), "") if key.isdigit() else (0, key)


class _Grouper:
    """The groups of a code on a date of service, looked up once per code (HCCs once per
    code and payment year: a category moves between model years)."""

    def __init__(self, store: CodeSetStore, by: DiagnosisGrouping) -> None:
        # One reading of the code sets for the whole report (rows remembered per code).
        self._store = store.view()
        self._by = by
        self._cache: dict[tuple[str, int], tuple[tuple[str, str], ...]] = {}
        self._find: Callable[[str, dt.date], tuple[tuple[str, str], ...]] = {
            DiagnosisGrouping.CHAPTER: self._chapter,
            DiagnosisGrouping.CATEGORY: self._category,
            DiagnosisGrouping.HCC: self._hcc,
        }[by]

    def __call__(self, code: str, dos: dt.date) -> tuple[tuple[str, str], ...]:
        key = (code, hcc_payment_year(dos) if self._by is DiagnosisGrouping.HCC else 0)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._find(code, dos)
        return found

    def _row(self, code: str, dos: dt.date) -> Any:
        found = self._store.lookup(code, dos, CodeSystem.ICD10CM)
        return found[0] if found is not None else None

    def _chapter(self, code: str, dos: dt.date) -> tuple[tuple[str, str], ...]:
        row = self._row(code, dos)
        if row is None:
            return ()
        path = self._store.path_of(row.release_id, row.code)
        if not path or not path[0][0].startswith("CH"):
            return ()
        chapter, title = path[0]
        return ((str(int(chapter[2:])), title),)

    def _category(self, code: str, dos: dt.date) -> tuple[tuple[str, str], ...]:
        row = self._row(code, dos)
        if row is None:
            return ()
        category = row.code[:3]
        if row.code == category:
            return ((category, row.title or ""),)
        path = self._store.path_of(row.release_id, row.code)
        title = next((t for c, t in path if c == category), "")
        return ((category, title),)

    def _hcc(self, code: str, dos: dt.date) -> tuple[tuple[str, str], ...]:
        row = self._row(code, dos)
        if row is None:
            return ()
        return tuple((h.category, h.label) for h in hcc_for(self._store, row.code, dos))


__all__ = ["REPORT_ROLES", "CodingReportService"]
