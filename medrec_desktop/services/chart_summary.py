"""The chart summary page, and the chart's opening, each in one audited call (issue 9).

The summary: active problems, allergies (or the "no known allergies" statement, or "not
recorded"), current medications, the latest vitals, immunizations due or recent, the social
history (:data:`~medrec_desktop.services.chart_sections.SECTIONS`); labelled items counted
per label for roles without access; and what others changed since this user last opened the
chart (``services.chart_changes``).

The opening (:meth:`ChartSummaryService.open`) is what the first screen of a chart needs in
one transaction and ONE audit event (issue 8: one View event per real view): the patient
record and its versions, the banner, and the summary when the role may see clinical data.
The individual calls stay for refreshes and the CLI.

A number of queries that does not grow with the chart: each kind's items in one query (only
the newest sets of vitals), the names of the people who saved them in one, and for the
changes list two audit reads plus two queries per kind and one for the patient record. The
items' rows hold their current version (the version rows are read only for what changed).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select, union_all

from medrec_desktop.domain.chart_summary import ChartSection, ChartSummary
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId, PatientRecord, VersionInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.models import Patient
from medrec_desktop.services import chart_changes, patient_rows, versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.chart_banner import ChartBanner, banner_detail, read_banner
from medrec_desktop.services.chart_sections import (
    SECTIONS,
    ItemText,
    SectionInput,
    SectionProvider,
    change_texts,
    item_texts,
    read_limits,
    read_windows,
)
from medrec_desktop.services.context import ServiceContext, stored_utc
from medrec_desktop.services.patients import record_versions


@dataclass(frozen=True)
class ChartOpening:
    """Everything the first screen of a chart shows, read in one transaction: the record
    and its versions (the demographics and history tabs), the banner, and the summary
    (None when the role may not see clinical data)."""

    record: PatientRecord
    versions: list[VersionInfo]
    banner: ChartBanner
    summary: ChartSummary | None


def load_items(
    op: Op,
    patient_id: int,
    texts: Sequence[ItemText],
    limits: dict[str, int | None],
    windows: dict[str, int | None] | None = None,
) -> tuple[dict[str, list[ItemInfo[Any]]], dict[str, int]]:
    """The patient's active items of each kind (only the newest where ``limits`` says so),
    oldest first (by the text's ``newest_by``), and how many others (inactive, resolved)
    each kind keeps: the summary is about what is current, and ten years of stopped
    medications are counted, not read. One query per kind, one for the counts and one for
    the names of the people who saved the items. ``windows`` reads only the last days of a
    kind (by its ``newest_by``)."""
    rows = {}
    for text in texts:
        limit = limits.get(text.item_type)
        model = text.kind.model
        order = getattr(model, text.newest_by)
        query = select(model).where(
            model.patient_id == patient_id, model.status == ItemStatus.ACTIVE
        )
        days = (windows or {}).get(text.item_type)
        if days is not None:
            query = query.where(order >= op.ctx.now() - dt.timedelta(days=days))
        if limit is not None:
            newest = query.order_by(order.desc(), model.id.desc()).limit(limit)
            rows[text.item_type] = list(reversed(op.db.execute(newest).scalars().all()))
        else:
            rows[text.item_type] = list(op.db.execute(query.order_by(order, model.id)).scalars())
    people = {u for found in rows.values() for r in found for u in (r.created_by, r.changed_by)}
    names = versioning.display_names(op.db, people)
    items = {
        text.item_type: [versioning.to_info(r, text.kind.data, names) for r in rows[text.item_type]]
        for text in texts
    }
    return items, not_active(op, patient_id, texts)


def not_active(op: Op, patient_id: int, texts: Sequence[ItemText]) -> dict[str, int]:
    """How many inactive or resolved items each kind keeps, all kinds in one statement."""
    if not texts:
        return {}
    counts = union_all(
        *(
            select(literal(t.item_type).label("item_type"), func.count().label("n")).where(
                t.kind.model.patient_id == patient_id,
                t.kind.model.status.in_((ItemStatus.INACTIVE, ItemStatus.RESOLVED)),
            )
            for t in texts
        )
    )
    return {item_type: n for item_type, n in op.db.execute(counts) if n}


def tallies(op: Op, patient_id: int, texts: Sequence[ItemText]) -> dict[str, tuple[int, int]]:
    """Each ``tally`` of the kinds (their active items meeting its condition), as (not
    labelled, labelled), all kinds in one statement."""
    asked = [t for t in texts if t.tally is not None]
    if not asked:
        return {}
    counts = union_all(
        *(
            select(
                literal(t.item_type).label("item_type"),
                func.count().label("n"),
                func.count(t.kind.model.sensitivity).label("labelled"),
            ).where(
                t.kind.model.patient_id == patient_id,
                t.kind.model.status == ItemStatus.ACTIVE,
                t.tally(t.kind.model),  # type: ignore[misc]
            )
            for t in asked
        )
    )
    return {kind: (n - labelled, labelled) for kind, n, labelled in op.db.execute(counts)}


def build_section(
    provider: SectionProvider, found: SectionInput, may_see_labelled: bool
) -> ChartSection:
    chosen = provider.select(found)
    line = {t.item_type: t.line for t in provider.texts}
    said = chosen.lines if chosen.lines is not None else [None] * len(chosen.items)
    shown: list[ItemInfo[Any]] = []
    lines: list[str] = []
    withheld: Counter[Sensitivity] = Counter()
    for item, text in zip(chosen.items, said, strict=True):
        if item.sensitivity is not None and not may_see_labelled:
            withheld[item.sensitivity] += 1
        else:
            shown.append(item)
            lines.append(text if text is not None else line[item.item_type](item))
    reminders = tuple(chosen.reminders)
    return ChartSection(
        key=provider.key,
        title=provider.title,
        items=tuple(shown),
        lines=tuple(lines),
        withheld=dict(withheld),
        empty_note=None if shown or withheld or reminders else chosen.empty_note,
        reminders=reminders,
    )


def labelled_access(op: Op, patient_id: int) -> Callable[[], bool]:
    """Whether the caller may see labelled items, asked at most once and only when needed:
    a break-the-glass grant that is used flags the event."""

    @functools.cache
    def may_see_labelled() -> bool:
        return op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)

    return may_see_labelled


def read_summary(
    op: Op,
    patient: Patient,
    sections: Sequence[SectionProvider],
    may_see_labelled: Callable[[], bool] | None = None,
) -> ChartSummary:
    """The summary inside an audited body that has checked the caller may view clinical
    data. Reading it counts as opening the chart for the next visit's "changed since you
    last opened this chart" only through the caller's entry point (``OPEN_ENTRIES``)."""
    patient_id = patient.id
    texts = item_texts(sections)
    items, others = load_items(op, patient_id, texts, read_limits(sections), read_windows(sections))
    if may_see_labelled is None:
        may_see_labelled = labelled_access(op, patient_id)

    labelled = any(i.sensitivity for found in items.values() for i in found)
    sees = may_see_labelled() if labelled else True
    found = SectionInput(
        items,
        op.ctx.now().date(),
        not_active=others,
        tallies=tallies(op, patient_id, texts),
        birth_date=patient.birth_date,
        sex=patient.sex,
        sees_labelled=sees,
    )
    built = tuple(build_section(p, found, sees) for p in sections)
    since = chart_changes.last_opened(op, patient_id)
    if since is None:
        return ChartSummary(PatientId(patient_id), built, None)
    parts = [
        chart_changes.item_changes(op, patient_id, since, change_texts(sections), may_see_labelled),
        chart_changes.record_changes(op, patient, since),
    ]
    changes, more = chart_changes.named(op, parts)
    withheld: Counter[Sensitivity] = sum((p.withheld for p in parts), Counter())
    return ChartSummary(
        PatientId(patient_id), built, stored_utc(since), tuple(changes), dict(withheld), more
    )


class ChartSummaryService(Service):
    """The summary page of a patient's chart, and the chart's opening."""

    def __init__(
        self, *, ctx: ServiceContext, sections: Sequence[SectionProvider] = SECTIONS
    ) -> None:
        super().__init__(ctx=ctx)
        self._sections = tuple(sections)

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def summary(self, op: Op, patient_id: PatientId) -> ChartSummary:
        """Everything the summary page shows, read in one transaction. Opening it counts as
        opening the chart for the next visit's "changed since you last opened this chart"."""
        found = read_summary(op, _patient(op, patient_id), self._sections)
        op.event.detail = _detail(found)
        return found

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def open(self, op: Op, patient_id: PatientId) -> ChartOpening:
        """What a chart shows when it opens: one transaction, one audit event. Roles that
        may see clinical data get the summary too, and the event says clinical data was
        viewed; the others get the record and the banner (which then names no allergies)."""
        patient = _patient(op, patient_id)
        record = patient_rows.record(op.db, patient)
        versions = record_versions(op.db, patient_id)
        may_see_labelled = labelled_access(op, patient_id)
        banner = read_banner(op, patient, may_see_labelled)
        summary: ChartSummary | None = None
        detail = f"chart opened: record, {len(versions)} versions, {banner_detail(banner)}"
        if op.can(Action.VIEW, DataCategory.CLINICAL, patient_id):
            summary = read_summary(op, patient, self._sections, may_see_labelled)
            op.event.category = DataCategory.CLINICAL
            detail += "; " + _detail(summary)
        op.event.detail = detail
        return ChartOpening(record, versions, banner, summary)


def _patient(op: Op, patient_id: int) -> Patient:
    patient = op.db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    return patient


def _detail(summary: ChartSummary) -> str:
    """Counts only (the audit trail holds no chart content)."""
    parts = [f"{s.key} {len(s.items)}" for s in summary.sections]
    withheld: Counter[Sensitivity] = Counter()
    for s in summary.sections:
        withheld.update(s.withheld)
    withheld.update(summary.changes_withheld)
    text = "summary: " + ", ".join(parts)
    if withheld:
        text += "; withheld " + ", ".join(f"{s.value} {n}" for s, n in withheld.items())
    if summary.last_opened is not None:
        text += f"; {len(summary.changes) + summary.more_changes} changes since last opened"
    return text
