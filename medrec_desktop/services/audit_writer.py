"""Appending to the audit chain inside the caller's transaction.

Every audited call runs this, so it uses three prepared Core statements on the session's own
connection (the SQL is compiled once and reused from SQLAlchemy's statement cache) instead of
ORM objects and a unit-of-work flush.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from medrec_desktop.domain.enums import Action, DataCategory, Outcome
from medrec_desktop.models import AuditEvent, AuditHead
from medrec_desktop.security.audit_chain import FIELDS, GENESIS, event_mac, head_mac
from medrec_desktop.services.context import ServiceContext, iso

# The head row, locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
# write lock), and the highest stored seq in the same round trip. On PostgreSQL a writer that
# waited for the lock gets the head as the previous writer committed it, while the max(seq)
# subquery sees the statement's snapshot: every event the program writes moves the head, so
# the head alone is always current for them; max(seq) only has to step over rows stored
# behind the program's back before this call started.
_READ_HEAD = (
    select(AuditHead.seq, AuditHead.mac, select(func.max(AuditEvent.seq)).scalar_subquery())
    .where(AuditHead.id == 1)
    .with_for_update()
)
_MAX_SEQ = select(func.max(AuditEvent.seq))
_INSERT_EVENT = insert(AuditEvent).values({name: bindparam(name) for name in (*FIELDS, "mac")})
_UPDATE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(seq=bindparam("h_seq"), mac=bindparam("h_mac"), head_mac=bindparam("h_head"))
)
_INSERT_HEAD = insert(AuditHead).values(
    id=1, seq=bindparam("h_seq"), mac=bindparam("h_mac"), head_mac=bindparam("h_head")
)


@dataclass
class PendingEvent:
    """An audit event being assembled while a service call runs."""

    action: Action
    category: DataCategory
    entry_point: str
    user_id: int | None = None
    username: str = ""
    patient_id: int | None = None
    outcome: Outcome = Outcome.SUCCESS
    reason: str | None = None
    emergency: bool = False
    detail: str | None = None


def append_event(db: Session, ctx: ServiceContext, ev: PendingEvent) -> int:
    """Write ``ev`` as the next link of the chain; returns its sequence number.

    The head row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions here
    start with BEGIN IMMEDIATE), so concurrent writers extend the chain one at a time.
    """
    # The body's own pending changes go first (a no-op when it already flushed), so a failing
    # body write is reported before anything is appended.
    db.flush()
    conn = db.connection()
    row = conn.execute(_READ_HEAD).first()
    # Past the head and past any event stored behind its back (forged rows must not stop the
    # program from recording; `audit verify` names them).
    head_seq: int
    stored: int
    prev: str
    if row is not None:
        head_seq, prev, stored = row[0], row[1], row[2] or 0
    else:
        head_seq, prev = 0, GENESIS
        stored = conn.execute(_MAX_SEQ).scalar() or 0
    seq = max(head_seq, stored) + 1
    values = (
        seq,
        iso(ctx.now()),
        ev.user_id,
        ev.username,
        ctx.workstation,
        ev.patient_id,
        ev.category.value,
        ev.action.value,
        ev.outcome.value,
        ev.entry_point,
        ev.reason,
        ev.emergency,
        ev.detail,
    )
    mac = event_mac(ctx.audit_key, prev, values)
    params = dict(zip(FIELDS, values, strict=True))
    params["mac"] = mac
    conn.execute(_INSERT_EVENT, params)
    head = {"h_seq": seq, "h_mac": mac, "h_head": head_mac(ctx.audit_key, seq, mac)}
    conn.execute(_UPDATE_HEAD if row is not None else _INSERT_HEAD, head)
    return seq
