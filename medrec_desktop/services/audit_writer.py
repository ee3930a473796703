"""Appending to the audit chain inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.enums import Action, DataCategory, Outcome
from medrec_desktop.models import AuditEvent, AuditHead
from medrec_desktop.security.audit_chain import GENESIS, event_mac, head_mac
from medrec_desktop.services.context import ServiceContext, iso


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
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    # Past the head and past any event stored behind its back (forged rows must not stop the
    # program from recording; `audit verify` names them).
    stored = db.execute(select(func.max(AuditEvent.seq))).scalar() or 0
    seq = max(head.seq if head is not None else 0, stored) + 1
    prev = head.mac if head is not None else GENESIS
    ts = iso(ctx.now())
    values = (
        seq,
        ts,
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
    db.add(
        AuditEvent(
            seq=seq,
            ts=ts,
            user_id=ev.user_id,
            username=ev.username,
            workstation=ctx.workstation,
            patient_id=ev.patient_id,
            category=ev.category.value,
            action=ev.action.value,
            outcome=ev.outcome.value,
            entry_point=ev.entry_point,
            reason=ev.reason,
            emergency=ev.emergency,
            detail=ev.detail,
            mac=mac,
        )
    )
    hmac_head = head_mac(ctx.audit_key, seq, mac)
    if head is None:
        db.add(AuditHead(id=1, seq=seq, mac=mac, head_mac=hmac_head))
    else:
        head.seq, head.mac, head.head_mac = seq, mac, hmac_head
    db.flush()
    return seq
