"""What changed in a chart since the user last opened it (issue 9), for the summary page.

"Last opened" is read from the audit trail: the user's latest successful chart opening
(:data:`OPEN_ENTRIES`) of this patient in an earlier visit. A visit ends when the same user
opens another patient's chart, signs in or signs out; openings within the current visit
(the banner's, a refresh after a save) do not count, so the list stays put while the chart
is open. Changes are the version rows of the patient's clinical items and of the patient
record saved after that moment by someone else. Reads are per kind, never per item.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, or_, select

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


@dataclass
class FoundChanges:
    """Changes found, each beside the id of the user who made it (named by :func:`named`),
    and changes to labelled items the caller may not see, counted per label."""

    changes: list[tuple[int, ChartChange]] = field(default_factory=list)
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
    """Versions of the patient's items saved after ``since`` by others: two queries per kind
    (the versions, then the versions before them, to name the fields that changed)."""
    found = FoundChanges()
    for text in texts:
        model, item_type = text.kind.model, text.item_type
        version = ClinicalItemVersion
        newer = op.db.execute(
            select(version, model.sensitivity)
            .join(model, and_(model.id == version.item_id, version.item_type == item_type))
            .where(
                model.patient_id == patient_id,
                version.changed_at > since,
                version.changed_by != op.user.id,
            )
        ).all()
        if not newer:
            continue
        ids = {v.item_id for v, _ in newer}
        earlier = {
            (v.item_id, v.version): v
            for v in op.db.execute(
                select(version).where(version.item_type == item_type, version.item_id.in_(ids))
            ).scalars()
        }
        for row, label_now in newer:
            before = earlier.get((row.item_id, row.version - 1))
            label = label_now or row.sensitivity or (before.sensitivity if before else None)
            if label is not None and not may_see_labelled():
                found.withheld[Sensitivity(label)] += 1
                continue
            found.changes.append((row.changed_by, _item_change(text, row, before)))
    return found


def _item_change(
    text: ItemText, row: ClinicalItemVersion, before: ClinicalItemVersion | None
) -> ChartChange:
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
            found.changes.append((v.changed_by, change))
        previous = flat if flat is not None else previous
    return found


def _record_verb(
    state: dict[str, Any], previous: dict[str, Any] | None, flat: dict[str, Any] | None
) -> str:
    if "summary" in state:  # a merge, or a bulk-loaded record, says what happened
        return str(state["summary"])
    if previous is None or flat is None:
        return "registered"
    changed = [k.replace("_", " ") for k in flat if flat[k] != previous.get(k)]
    return "changed " + ", ".join(changed) if changed else "saved without changes"


def named(op: Op, found: Sequence[FoundChanges]) -> list[ChartChange]:
    """All changes, newest first, with their authors' names (one query)."""
    every = [pair for f in found for pair in f.changes]
    names = versioning.display_names(op.db, {user_id for user_id, _ in every})
    every.sort(key=lambda pair: pair[1].when, reverse=True)
    return [replace(c, who=names.get(user_id, "(unknown user)")) for user_id, c in every]
