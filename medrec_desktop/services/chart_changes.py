"""What changed in a chart since the user last opened it (issue 9), for the summary page.

"Last opened" is read from the audit trail: the user's latest successful chart opening
(:data:`OPEN_ENTRIES`) of this patient in an earlier visit. A visit ends when the same user
opens another patient's chart, signs in or signs out; openings within the current visit
(the banner's, a refresh after a save) do not count, so the list stays put while the chart
is open. Changes are the version rows of the patient's clinical items and of the patient
record saved after that moment by someone else. Reads are per kind, never per item.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, literal, or_, select, union_all

from medrec_desktop.domain.chart_summary import ChartChange
from medrec_desktop.domain.clinical import (
    ItemId,
    ItemStatus,
    Sensitivity,
    changes,
)
from medrec_desktop.domain.enums import Action, Outcome
from medrec_desktop.domain.item_codec import item_from_plain
from medrec_desktop.models import AuditEvent, ClinicalItemVersion, Patient, RecordVersion
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op
from medrec_desktop.services.chart_sections import ItemText
from medrec_desktop.services.context import stored_utc

OPEN_ENTRIES = (
    "PatientService.open_chart",
    "ChartSummaryService.summary",
    "ChartSummaryService.open",
)
# The summary lists this many changes, newest first, and counts the rest.
CHANGES_SHOWN = 50


@dataclass(frozen=True)
class Found:
    """One change found: when (stored UTC text), by whom (a user id, named by :func:`named`),
    and how to write it, done only for the changes the summary shows."""

    when: str
    user_id: int
    make: Callable[[], ChartChange]


@dataclass
class FoundChanges:
    """Changes found, and changes to labelled items the caller may not see, counted per
    label."""

    changes: list[Found] = field(default_factory=list)
    withheld: Counter[Sensitivity] = field(default_factory=Counter)


def last_opened(op: Op, patient_id: int) -> str | None:
    """When this user last had the chart open in an earlier visit (stored UTC text)."""
    me = op.user.id
    visit_began = op.db.execute(
        select(AuditEvent.seq)
        .where(
            AuditEvent.user_id == me,
            AuditEvent.outcome == Outcome.SUCCESS,
            or_(
                and_(AuditEvent.entry_point.in_(OPEN_ENTRIES), AuditEvent.patient_id != patient_id),
                AuditEvent.action.in_((Action.LOGIN, Action.LOGOUT)),
            ),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar()
    if visit_began is None:
        return None
    found: str | None = op.db.execute(
        select(AuditEvent.ts)
        .where(
            AuditEvent.patient_id == patient_id,
            AuditEvent.user_id == me,
            AuditEvent.entry_point.in_(OPEN_ENTRIES),
            AuditEvent.outcome == Outcome.SUCCESS,
            AuditEvent.seq < visit_began,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar()
    return found


def item_changes(
    op: Op,
    patient_id: int,
    since: str,
    texts: Sequence[ItemText],
    may_see_labelled: Callable[[], bool],
) -> FoundChanges:
    """Versions of the patient's items saved after ``since`` by others, in two queries
    whatever the number of kinds. First the patient's items saved since, every kind at once
    (a row holds its latest version's time) through each table's patient index, so ten years
    of vitals cost what the last weeks' do; then every version of those items, the newer to
    list and the older to name the fields that changed. (Asked as one join per kind, SQLite
    would walk the version rows of every patient.)"""
    found = FoundChanges()
    if not texts:
        return found
    version = ClinicalItemVersion
    me = op.user.id
    by_type = {t.item_type: t for t in texts}
    changed = union_all(
        *(
            select(
                literal(t.item_type).label("item_type"),
                t.kind.model.id.label("item_id"),
                t.kind.model.sensitivity.label("label_now"),
            ).where(t.kind.model.patient_id == patient_id, t.kind.model.changed_at > since)
            for t in by_type.values()
        )
    )
    labels_now: dict[tuple[str, int], str | None] = {
        (item_type, item_id): label for item_type, item_id, label in op.db.execute(changed)
    }
    if not labels_now:
        return found
    ids: dict[str, list[int]] = {}
    for item_type, item_id in labels_now:
        ids.setdefault(item_type, []).append(item_id)
    versions = {
        (v.item_type, v.item_id, v.version): v
        for v in op.db.execute(
            select(version.item_type, *_VERSION_COLUMNS).where(
                or_(*(and_(version.item_type == t, version.item_id.in_(i)) for t, i in ids.items()))
            )
        )
    }
    order = {item_type: n for n, item_type in enumerate(by_type)}
    newer = sorted(
        (v for v in versions.values() if v.changed_at > since and v.changed_by != me),
        key=lambda v: (order[v.item_type], v.item_id, v.version),
    )
    for row in newer:
        before = versions.get((row.item_type, row.item_id, row.version - 1))
        label = (
            labels_now[(row.item_type, row.item_id)]
            or row.sensitivity
            or (before.sensitivity if before else None)
        )
        if label is not None and not may_see_labelled():
            found.withheld[Sensitivity(label)] += 1
            continue
        make = functools.partial(_item_change, by_type[row.item_type], row, before)
        found.changes.append(Found(row.changed_at, row.changed_by, make))
    return found


# What a change needs of a version row (read as plain rows: most are only counted).
_VERSION_COLUMNS = (
    ClinicalItemVersion.item_id,
    ClinicalItemVersion.version,
    ClinicalItemVersion.data_json,
    ClinicalItemVersion.status,
    ClinicalItemVersion.sensitivity,
    ClinicalItemVersion.changed_by,
    ClinicalItemVersion.changed_at,
    ClinicalItemVersion.reason,
)


def _item_change(text: ItemText, row: Any, before: Any | None) -> ChartChange:
    """``row`` and ``before``: version rows as selected by :data:`_VERSION_COLUMNS`."""
    data_type = text.kind.data
    now = item_from_plain(data_type, json.loads(row.data_json))
    if row.version == 1:
        verb = "added"
    elif now.status is ItemStatus.ENTERED_IN_ERROR and (
        before is None or before.status != ItemStatus.ENTERED_IN_ERROR
    ):
        verb = "marked entered in error" + (f" ({row.reason})" if row.reason else "")
    elif before is not None:
        was = item_from_plain(data_type, json.loads(before.data_json))
        labels = [c.label for c in changes(was, now)]
        verb = "changed " + ", ".join(labels) if labels else "saved without changes"
    else:
        verb = "changed"
    return ChartChange(
        when=stored_utc(row.changed_at),
        who="",
        what=text.noun,
        verb=verb,
        text=text.line(now),
        item_type=text.item_type,
        item_id=ItemId(row.item_id),
    )


def record_changes(op: Op, patient: Patient, since: str) -> FoundChanges:
    """Saves of the patient record (demographics, contacts, insurance, merges) after
    ``since`` by others, each naming the parts that changed."""
    found = FoundChanges()
    if patient.updated_at <= since:
        # Every save of the record stamps updated_at: nothing newer, no need to read the
        # versions (record_version is not indexed by patient; this keeps most opens off it).
        return found
    patient_id = patient.id
    previous: dict[str, Any] | None = None
    for v in op.db.execute(
        select(RecordVersion)
        .where(RecordVersion.entity == "patient", RecordVersion.entity_id == patient_id)
        .order_by(RecordVersion.id)
    ).scalars():
        state = json.loads(v.data_json)
        flat: dict[str, Any] | None = None
        if "info" in state:
            flat = {**state["info"], **state["details"], "merged_into": state.get("merged_into")}
            flat.pop("version", None)
        if v.changed_at > since and v.changed_by != op.user.id:
            change = ChartChange(
                when=stored_utc(v.changed_at),
                who="",
                what="Patient record",
                verb=_record_verb(state, previous, flat),
                text="",
            )
            found.changes.append(Found(v.changed_at, v.changed_by, _ready(change)))
        previous = flat if flat is not None else previous
    return found


def _ready(change: ChartChange) -> Callable[[], ChartChange]:
    return lambda: change


def _record_verb(
    state: dict[str, Any], previous: dict[str, Any] | None, flat: dict[str, Any] | None
) -> str:
    if "summary" in state:  # a merge, or a bulk-loaded record, says what happened
        return str(state["summary"])
    if previous is None or flat is None:
        return "registered"
    changed = [k.replace("_", " ") for k in flat if flat[k] != previous.get(k)]
    return "changed " + ", ".join(changed) if changed else "saved without changes"


def named(
    op: Op, found: Sequence[FoundChanges], limit: int = CHANGES_SHOWN
) -> tuple[list[ChartChange], int]:
    """The newest ``limit`` changes, newest first, with their authors' names (one query),
    and how many more there are."""
    every = [f for part in found for f in part.changes]
    every.sort(key=lambda f: stored_utc(f.when), reverse=True)
    shown = every[:limit]
    names = versioning.display_names(op.db, {f.user_id for f in shown})
    said = [replace(f.make(), who=names.get(f.user_id, "(unknown user)")) for f in shown]
    return said, len(every) - len(shown)
