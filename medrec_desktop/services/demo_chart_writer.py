"""Writes the demo charts planned in ``demo_chart.py`` in bulk (issue 9, item 7).

Each version's content is checked by its kind's own ``validated`` (the demo holds nothing a
form would refuse); rows and version rows are inserted a kind at a time, the version rows
with exactly the JSON ``versioning.snapshot`` writes (``domain/item_codec.py``), so lists,
histories and the summary read them like any other item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select

from medrec_desktop.domain.clinical import ItemId, ItemInfo
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.item_codec import to_column, to_plain
from medrec_desktop.models import ClinicalItem, ClinicalItemVersion
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
)
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.context import from_iso, iso
from medrec_desktop.services.demo_chart import EIE, ChartPlanner, DemoPatient, Planned, Staff
from medrec_desktop.services.versioning import content_fields


def _validate(items: Sequence[Planned], today: dt.date) -> None:
    """Each version's content as the service would store it (the form's own checks)."""
    for item in items:
        item.data = []
        for v in item.versions:
            if v.input is None:
                data, _status, label = item.data[-1]
                item.data.append((data, EIE, label))
            else:
                item.data.append((v.input.validated(today), v.input.status, v.input.sensitivity))


def _write_kind(
    conn: Connection, kind: ClinicalItemKind[Any, Any], items: list[Planned], staff: Staff
) -> int:
    if not items:
        return 0
    model = kind.model
    names = content_fields(kind.data)
    rows: list[dict[str, Any]] = []
    for item in items:
        if item.treats is not None:  # the problem is written first: its id is known now
            item.data = [
                (dataclasses.replace(d, indication_problem_id=ItemId(item.treats.id)), s, lb)
                for d, s, lb in item.data
            ]
        data, status, label = item.data[-1]
        first, last = item.versions[0], item.versions[-1]
        row = {n: to_column(getattr(data, n)) for n in names}
        row.update(
            patient_id=item.patient_id,
            version=len(item.versions),
            status=status.value,
            sensitivity=label.value if label else None,
            created_by=first.by,
            created_at=iso(first.at),
            changed_by=last.by,
            changed_at=iso(last.at),
            reason=last.reason,
        )
        rows.append(row)
    ids = _insert(conn, model, rows)
    versions: list[dict[str, Any]] = []
    for item, item_id in zip(items, ids, strict=True):
        item.id = item_id
        first = item.versions[0]
        for number, (v, (data, status, label)) in enumerate(
            zip(item.versions, item.data, strict=True), start=1
        ):
            info = ItemInfo(
                id=ItemId(item_id),
                item_type=kind.item_type,
                patient_id=PatientId(item.patient_id),
                version=number,
                status=status,
                sensitivity=label,
                created_by=staff.names[first.by],
                created_at=from_iso(iso(first.at)),
                changed_by=staff.names[v.by],
                changed_at=from_iso(iso(v.at)),
                reason=v.reason,
                data=data,
            )
            versions.append(
                {
                    "item_type": kind.item_type,
                    "item_id": item_id,
                    "version": number,
                    "data_json": json.dumps(to_plain(info), sort_keys=True),
                    "status": status.value,
                    "sensitivity": label.value if label else None,
                    "changed_by": v.by,
                    "changed_at": iso(v.at),
                    "reason": v.reason,
                }
            )
    conn.execute(insert(ClinicalItemVersion), versions)
    return len(items)


def _insert(conn: Connection, model: type[ClinicalItem], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``, returning their ids in order. PostgreSQL batches INSERT ... RETURNING;
    SQLite (SQLCipher) would run it one row at a time, so there the ids are given here, after
    the highest one: the file has one writer, and this transaction is it."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
        return list(found.scalars())
    start = (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
    ids = list(range(start, start + len(rows)))
    conn.execute(insert(model), [dict(row, id=i) for row, i in zip(rows, ids, strict=True)])
    return ids


# Problems first: medications name the problem they treat by its id.
ORDER = (
    PROBLEMS,
    MEDICATIONS,
    ALLERGIES,
    ALLERGY_STATEMENTS,
    IMMUNIZATIONS,
    VITALS,
    MEDICAL_HISTORY,
    SURGICAL_HISTORY,
    FAMILY_HISTORY,
    SOCIAL_HISTORY,
)


def write_charts(
    conn: Connection,
    patients: Sequence[DemoPatient],
    staff: Staff,
    *,
    seed: int,
    now: dt.datetime,
) -> int:
    """Plan, check and write the charts of ``patients``; the number of items written."""
    planner = ChartPlanner(random.Random(seed), staff, now)
    planned = [item for p in patients for item in planner.chart(p)]
    _validate(planned, now.date())
    return sum(
        _write_kind(conn, kind, [i for i in planned if i.kind is kind], staff) for kind in ORDER
    )
