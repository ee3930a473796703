"""The coding worklist's reads (issue 13): signed encounters by date of service with their
coding state, errors and open queries, one page at a time, and the counts beside each filter:
two queries whatever the clinic's size, both reading indexes only (schema 0017: an encounter's
row holds its whole note, and reading 50,000 of those through the cipher takes most of a
second; the indexes hold what the list filters on, in its order).

Called inside an audited service method (``EncounterCodingService``); labelled encounters a
role may not see are only counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.coder_queries import QueryState
from medrec_desktop.domain.coding_work import (
    CodingState,
    WorklistFilter,
    WorklistPage,
    WorklistRow,
    WorklistScope,
)
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.models import CoderQuery, Encounter, EncounterCoding, Patient, User
from medrec_desktop.services.base import Op

__all__ = ["WorklistScope", "open_queries", "page"]

_coder = aliased(User)
_provider = aliased(User)


def _open_queries() -> Any:
    return (
        select(func.count(CoderQuery.id))
        .where(CoderQuery.encounter_id == Encounter.id, CoderQuery.state == QueryState.OPEN.value)
        .correlate(Encounter)
        .scalar_subquery()
    )


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def _base(op: Op, filters: WorklistFilter) -> list[ColumnElement[bool]]:
    """Signed, not entered in error, within the dates, provider and type: the part of the
    filter every count shares."""
    where: list[ColumnElement[bool]] = [
        Encounter.signed_at.is_not(None),
        Encounter.status != ItemStatus.ENTERED_IN_ERROR.value,
    ]
    if filters.since is not None:
        where.append(Encounter.starts_at >= _local_midnight_utc(filters.since))
    if filters.until is not None:
        end = _local_midnight_utc(filters.until + dt.timedelta(days=1))
        where.append(Encounter.starts_at < end)
    if filters.provider_id is not None:
        where.append(Encounter.provider_id == filters.provider_id)
    if filters.encounter_type:
        where.append(Encounter.encounter_type == filters.encounter_type)
    return where


def _scope(scope: WorklistScope) -> ColumnElement[bool] | None:
    state = EncounterCoding.state
    if scope is WorklistScope.TO_CODE:
        return or_(state.is_(None), state == CodingState.IN_PROGRESS.value)
    if scope is WorklistScope.RETURNED:
        return state == CodingState.RETURNED.value
    if scope is WorklistScope.CODED:
        return state == CodingState.CODED.value
    return None


def _visible(op: Op) -> ColumnElement[bool] | None:
    """Labelled encounters only for roles with the labels' rights."""
    if op.can(Action.VIEW, DataCategory.SENSITIVE):
        return None
    return Encounter.sensitivity.is_(None)


def page(op: Op, filters: WorklistFilter, *, offset: int = 0, limit: int = 100) -> WorklistPage:
    base = _base(op, filters)
    visible = _visible(op)
    shown = [*base, *([visible] if visible is not None else [])]
    open_q = _open_queries()
    where = list(shown)
    scope = _scope(filters.scope)
    if scope is not None:
        where.append(scope)
    if filters.has_open_query is not None:
        where.append(open_q > 0 if filters.has_open_query else open_q == 0)
    if filters.has_errors is not None:
        errs = func.coalesce(EncounterCoding.error_count, 0)
        where.append(errs > 0 if filters.has_errors else errs == 0)

    rows = op.db.execute(
        select(
            Encounter.id,
            Encounter.patient_id,
            Patient.mrn,
            Patient.family_name,
            Patient.given_names,
            Encounter.starts_at,
            Encounter.encounter_type,
            _provider.display_name,
            EncounterCoding.state,
            EncounterCoding.error_count,
            open_q.label("open_q"),
            _coder.display_name,
            EncounterCoding.coded_at,
            EncounterCoding.version,
            EncounterCoding.return_reason,
        )
        .join(Patient, Patient.id == Encounter.patient_id)
        .join(_provider, _provider.id == Encounter.provider_id)
        .outerjoin(EncounterCoding, EncounterCoding.encounter_id == Encounter.id)
        .outerjoin(_coder, _coder.id == EncounterCoding.coded_by)
        .where(and_(*where))
        .order_by(Encounter.starts_at, Encounter.id)
        .offset(offset)
        .limit(limit)
    ).all()
    counts, total, withheld = _counted(op, base, visible, where[len(shown) :])
    return WorklistPage(
        rows=tuple(
            WorklistRow(
                encounter_id=r[0],
                patient_id=r[1],
                mrn=r[2],
                patient_name=f"{r[3]}, {r[4]}",
                starts_at=r[5],
                encounter_type=r[6],
                provider=r[7],
                state=CodingState(r[8]) if r[8] is not None else None,
                error_count=int(r[9] or 0),
                open_queries=int(r[10] or 0),
                coded_by=r[11],
                coded_at=r[12],
                coding_version=r[13],
                return_reason=r[14] if r[8] == CodingState.RETURNED.value else None,
            )
            for r in rows
        ),
        total=int(total),
        counts=counts,
        withheld=int(withheld),
    )


def _counted(
    op: Op,
    base: list[ColumnElement[bool]],
    visible: ColumnElement[bool] | None,
    matching: list[ColumnElement[bool]],
) -> tuple[dict[str, int], int, int]:
    """The counts beside each scope and flag, the filter's total and the labelled encounters
    withheld, in one pass over the signed encounters of the dates, provider and type. The
    pass reads indexes only (schema 0017): the encounters' (not their notes), each one's
    coding state and error count, and, for those still to code, their open queries."""
    state = EncounterCoding.state
    to_code = or_(state.is_(None), state == CodingState.IN_PROGRESS.value)
    open_q = _open_queries()
    seen: ColumnElement[bool] = visible if visible is not None else true()
    hidden: ColumnElement[bool] = not_(visible) if visible is not None else false()

    def number(*conditions: ColumnElement[bool]) -> Any:
        return func.count().filter(and_(*conditions))

    counted = op.db.execute(
        select(
            number(seen),
            number(seen, to_code),
            number(seen, state == CodingState.RETURNED.value),
            number(seen, state == CodingState.CODED.value),
            number(seen, to_code, open_q > 0),
            number(seen, to_code, EncounterCoding.error_count > 0),
            number(seen, *matching),
            number(hidden),
        )
        .select_from(Encounter)
        .outerjoin(EncounterCoding, EncounterCoding.encounter_id == Encounter.id)
        .where(and_(*base))
    ).one()
    keys = ("all", "to_code", "returned", "coded", "open_query", "errors")
    counts = {k: int(v or 0) for k, v in zip(keys, counted[:6], strict=True)}
    return counts, int(counted[6] or 0), int(counted[7] or 0)


def open_queries(op: Op, encounter_id: int) -> int:
    return int(
        op.db.execute(
            select(func.count(CoderQuery.id)).where(
                CoderQuery.encounter_id == encounter_id,
                CoderQuery.state == QueryState.OPEN.value,
            )
        ).scalar_one()
    )
