"""The one versioning mechanism for clinical items (DESIGN §6), used inside audited bodies.

- :func:`require_version`: the optimistic lock. The form sends the version it was filled
  from; a different stored version refuses the save with :class:`VersionConflictError`, which
  carries the stored item so the screen can show both side by side. Rows are read ``FOR
  UPDATE`` (:func:`locked_row`), so on PostgreSQL a concurrent save waits and then sees the
  newer version; on SQLCipher writers are serialised by ``BEGIN IMMEDIATE``. Behind both,
  the ORM version counter (``version_id_col``) makes any UPDATE based on an older read change
  no row, which SQLAlchemy refuses (``StaleDataError``, shown as a ConflictError).
- :func:`save`: stamps who/when/why, writes the row (bumping its version) and its
  :func:`snapshot`, the version row the database refuses to change or delete.
- :func:`history`: every version with field-by-field differences computed from the DTOs.
- :func:`entered_in_error`: the only "delete": a status with a required reason.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.clinical import (
    ItemId,
    ItemInfo,
    ItemStatus,
    ItemVersion,
    Sensitivity,
    changes,
    clean_reason,
)
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from medrec_desktop.domain.item_codec import from_plain, item_from_plain, to_column, to_plain
from medrec_desktop.models import ClinicalItem, ClinicalItemVersion, User
from medrec_desktop.services.base import Op
from medrec_desktop.services.context import iso, stored_utc

D = TypeVar("D")
M = TypeVar("M", bound=ClinicalItem)


class VersionConflictError(ConflictError):
    """The item changed since the form was filled. ``stored`` is the item as saved now (the
    other user's version), for a side-by-side view; nothing of the refused save was kept."""

    def __init__(self, stored: ItemInfo[Any], expected_version: int) -> None:
        super().__init__(
            f"{stored.changed_by} changed this item (version {stored.version}) after you "
            f"opened version {expected_version}. Your changes were not saved: compare both "
            "versions, then keep one or combine them."
        )
        self.stored = stored
        self.expected_version = expected_version


# ---------------------------------------------------------------------- rows and DTOs


def locked_row(db: Session, model: type[M], item_id: int, noun: str) -> M:
    """The item's row, locked until the transaction ends (PostgreSQL) and read afresh."""
    row = db.get(model, item_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError(f"That {noun} does not exist.")
    return row


def content_fields(data_type: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(data_type))


def assign(row: ClinicalItem, data: Any) -> None:
    """Copy a kind's content dataclass onto its row (columns are named like the fields)."""
    for name in content_fields(type(data)):
        setattr(row, name, to_column(getattr(data, name)))


def display_names(
    db: Session, user_ids: Iterable[int], known: Mapping[int, str] | None = None
) -> dict[int, str]:
    """Display names of ``user_ids``; ``known`` names (the caller's own, on a save) are not
    read again."""
    wanted = set(user_ids)
    names = {uid: known[uid] for uid in wanted if known and uid in known}
    wanted -= names.keys()
    if wanted:
        found = db.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
        names.update({uid: name for uid, name in found})
    return names


def to_info(row: ClinicalItem, data_type: type[D], names: dict[int, str]) -> ItemInfo[D]:
    """The row as its DTO; ``names`` maps user ids to display names (see :func:`display_names`)."""
    content = from_plain(data_type, {n: getattr(row, n) for n in content_fields(data_type)})
    return ItemInfo(
        id=ItemId(row.id),
        item_type=type(row).__item_type__,
        patient_id=PatientId(row.patient_id),
        version=row.version,
        status=ItemStatus(row.status),
        sensitivity=Sensitivity(row.sensitivity) if row.sensitivity else None,
        created_by=names.get(row.created_by, "(unknown user)"),
        created_at=stored_utc(row.created_at),
        changed_by=names.get(row.changed_by, "(unknown user)"),
        changed_at=stored_utc(row.changed_at),
        reason=row.reason,
        data=content,
    )


def info_of(
    db: Session, row: ClinicalItem, data_type: type[D], known: Mapping[int, str] | None = None
) -> ItemInfo[D]:
    return to_info(row, data_type, display_names(db, (row.created_by, row.changed_by), known))


# ---------------------------------------------------------------------- the mechanism


def require_version(
    item: ClinicalItem, expected_version: int, stored: Callable[[], ItemInfo[Any]]
) -> None:
    """Refuse a save based on another version than the one stored (``stored`` builds the
    stored item's DTO for the error, only when there is a conflict)."""
    if item.version != expected_version:
        raise VersionConflictError(stored(), expected_version)


def stamp(op: Op, item: ClinicalItem, reason: str | None) -> None:
    """Who saved this version, when and why (the reason belongs to this version only)."""
    now = iso(op.ctx.now())
    state = inspect(item)
    if state.transient or state.pending:  # a new item
        item.created_by = op.user.id
        item.created_at = now
    item.changed_by = op.user.id
    item.changed_at = now
    item.reason = reason


def snapshot(op: Op, item: ClinicalItem, dto: ItemInfo[Any], reason: str | None = None) -> None:
    """Keep this saved state forever: the DTO as JSON, beside who, when, status and why."""
    op.db.add(ClinicalItemVersion(**_version_values(item, dto, reason)))


def _version_values(
    item: ClinicalItem, dto: ItemInfo[Any], reason: str | None = None
) -> dict[str, Any]:
    if dto.version != item.version or dto.id != item.id:
        raise ValueError("the snapshot must be the DTO of the row as flushed")
    return {
        "item_type": type(item).__item_type__,
        "item_id": item.id,
        "version": item.version,
        "data_json": json.dumps(to_plain(dto), sort_keys=True),
        "status": item.status,
        "sensitivity": item.sensitivity,
        "changed_by": item.changed_by,
        "changed_at": item.changed_at,
        "reason": reason if reason is not None else item.reason,
    }


def save(op: Op, item: ClinicalItem, data_type: type[D], *, reason: str | None) -> ItemInfo[D]:
    """Write a new or changed item as its next version (the row, then its version row) and
    return its DTO as saved."""
    stamp(op, item, reason)
    if item not in op.db:
        op.db.add(item)
    op.db.flush()  # INSERT at version 1, or UPDATE ... WHERE version = <read> (bumps it)
    # The saver is the caller, whose name is at hand: no query unless another user created it.
    dto = info_of(op.db, item, data_type, {op.user.id: op.user.display_name})
    snapshot(op, item, dto)
    return dto


def save_new(
    op: Op, items: Sequence[tuple[ClinicalItem, str | None]], data_type: type[D]
) -> list[ItemInfo[D]]:
    """:func:`save` for several new items of one kind, each with its reason: one flush
    writes their rows, then their version rows go in one statement (the rows :func:`snapshot`
    writes, without an object each)."""
    for item, reason in items:
        stamp(op, item, reason)
        op.db.add(item)
    op.db.flush()
    known = {op.user.id: op.user.display_name}
    saved = [info_of(op.db, item, data_type, known) for item, _ in items]
    if saved:
        op.db.execute(
            insert(ClinicalItemVersion),
            [_version_values(item, dto) for (item, _), dto in zip(items, saved, strict=True)],
        )
    return saved


def entered_in_error(
    op: Op, item: ClinicalItem, data_type: type[D], reason: str, *, noun: str = "item"
) -> ItemInfo[D]:
    """Mark the item entered in error: it leaves the working lists and stays, with the
    reason, in its history and the audit. The reason is required."""
    why = clean_reason(reason, required=True, what=f"this {noun} was entered in error")
    if item.status == ItemStatus.ENTERED_IN_ERROR:
        raise ValidationError(f"This {noun} is already marked entered in error.")
    item.status = ItemStatus.ENTERED_IN_ERROR
    return save(op, item, data_type, reason=why)


def version_rows(db: Session, item_type: str, item_id: int) -> list[ClinicalItemVersion]:
    return list(
        db.execute(
            select(ClinicalItemVersion)
            .where(
                ClinicalItemVersion.item_type == item_type,
                ClinicalItemVersion.item_id == item_id,
            )
            .order_by(ClinicalItemVersion.version)
        ).scalars()
    )


def history(op: Op, item_type: str, item_id: int, data_type: type[D]) -> list[ItemVersion[D]]:
    """Every saved version, oldest first, each with what changed since the one before."""
    rows = version_rows(op.db, item_type, item_id)
    names = display_names(op.db, (r.changed_by for r in rows))
    versions: list[ItemVersion[D]] = []
    previous: ItemInfo[D] | None = None
    for row in rows:
        item = item_from_plain(data_type, json.loads(row.data_json))
        versions.append(
            ItemVersion(
                version=row.version,
                changed_by=names.get(row.changed_by, "(unknown user)"),
                changed_at=stored_utc(row.changed_at),
                status=ItemStatus(row.status),
                sensitivity=Sensitivity(row.sensitivity) if row.sensitivity else None,
                reason=row.reason,
                changes=changes(previous, item),
                item=item,
            )
        )
        previous = item
    return versions
