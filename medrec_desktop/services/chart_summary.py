"""The chart summary page in one audited call (issue 9): active problems, allergies (or the
"no known allergies" statement, or "not recorded"), and the other kinds' sections as they
join :data:`~medrec_desktop.services.chart_sections.SECTIONS`; labelled items counted per
label for roles without access; and what others changed since this user last opened the
chart (``services.chart_changes``).

One transaction, and a number of queries that does not grow with the chart: each kind's
items in one query, the names of the people who saved them in one, and for the changes
list two audit reads plus two queries per kind and one for the patient record. The items'
rows hold their current version (the version rows are read only for what changed).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from medrec_desktop.domain.chart_summary import ChartSection, ChartSummary
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.models import Patient
from medrec_desktop.services import chart_changes, versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.chart_sections import (
    SECTIONS,
    ItemText,
    SectionInput,
    SectionProvider,
    item_texts,
    read_limits,
)
from medrec_desktop.services.context import ServiceContext, stored_utc


def load_items(
    op: Op, patient_id: int, texts: Sequence[ItemText], limits: dict[str, int | None]
) -> dict[str, list[ItemInfo[Any]]]:
    """The patient's items of each kind (only the newest where ``limits`` says so),
    entered-in-error ones left out, oldest first: one query per kind and one for the names
    of the people who saved them."""
    rows = {}
    for text in texts:
        limit = limits.get(text.item_type)
        model = text.kind.model
        query = select(model).where(
            model.patient_id == patient_id, model.status != ItemStatus.ENTERED_IN_ERROR
        )
        if limit is not None:
            newest = query.order_by(model.id.desc()).limit(limit)
            rows[text.item_type] = list(reversed(op.db.execute(newest).scalars().all()))
        else:
            rows[text.item_type] = list(op.db.execute(query.order_by(model.id)).scalars())
    people = {u for found in rows.values() for r in found for u in (r.created_by, r.changed_by)}
    names = versioning.display_names(op.db, people)
    return {
        text.item_type: [versioning.to_info(r, text.kind.data, names) for r in rows[text.item_type]]
        for text in texts
    }


def build_section(
    provider: SectionProvider, found: SectionInput, may_see_labelled: bool
) -> ChartSection:
    chosen = provider.select(found)
    shown: list[ItemInfo[Any]] = []
    withheld: Counter[Sensitivity] = Counter()
    for item in chosen.items:
        if item.sensitivity is not None and not may_see_labelled:
            withheld[item.sensitivity] += 1
        else:
            shown.append(item)
    line = {t.item_type: t.line for t in provider.texts}
    return ChartSection(
        key=provider.key,
        title=provider.title,
        items=tuple(shown),
        lines=tuple(line[i.item_type](i) for i in shown),
        withheld=dict(withheld),
        empty_note=None if shown or withheld else chosen.empty_note,
    )


class ChartSummaryService(Service):
    """The summary page of a patient's chart."""

    def __init__(
        self, *, ctx: ServiceContext, sections: Sequence[SectionProvider] = SECTIONS
    ) -> None:
        super().__init__(ctx=ctx)
        self._sections = tuple(sections)

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def summary(self, op: Op, patient_id: PatientId) -> ChartSummary:
        """Everything the summary page shows, read in one transaction. Opening it counts as
        opening the chart for the next visit's "changed since you last opened this chart"."""
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        texts = item_texts(self._sections)
        items = load_items(op, patient_id, texts, read_limits(self._sections))

        # Asked once, and only when something labelled is there: a break-the-glass grant that
        # is used flags the event.
        @functools.cache
        def may_see_labelled() -> bool:
            return op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)

        labelled = any(i.sensitivity for found in items.values() for i in found)
        found = SectionInput(items, op.ctx.now().date())
        sections = tuple(
            build_section(p, found, may_see_labelled() if labelled else True)
            for p in self._sections
        )
        since = chart_changes.last_opened(op, patient_id)
        summary = ChartSummary(PatientId(patient_id), sections, None)
        if since is not None:
            parts = [
                chart_changes.item_changes(op, patient_id, since, texts, may_see_labelled),
                chart_changes.record_changes(op, patient, since),
            ]
            changes = chart_changes.named(op, parts)
            withheld: Counter[Sensitivity] = sum((p.withheld for p in parts), Counter())
            summary = ChartSummary(
                PatientId(patient_id),
                sections,
                stored_utc(since),
                tuple(changes[: chart_changes.CHANGES_SHOWN]),
                dict(withheld),
                max(0, len(changes) - chart_changes.CHANGES_SHOWN),
            )
        op.event.detail = _detail(summary)
        return summary


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
