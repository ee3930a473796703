"""Reading and verifying the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import AuditEventInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.models import AuditEvent, AuditHead
from medrec_desktop.security.audit_chain import FIELDS, ChainReport, verify_chain
from medrec_desktop.services.base import Op, Service, audited

_COLUMNS = [getattr(AuditEvent, name) for name in FIELDS]


@dataclass(frozen=True)
class AuditFilter:
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    username: str | None = None
    patient_id: int | None = None
    action: str | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationError("The start date is after the end date.", field="since")
        if self.action is not None and self.action not in {a.value for a in Action}:
            names = ", ".join(a.value for a in Action)
            raise ValidationError(
                f"Unknown action {self.action!r}. Actions: {names}.", field="action"
            )


def check_chain(db: Session, key: bytes) -> ChainReport:
    """Verify the whole chain (shared with database verification and backups)."""
    rows = db.execute(select(*_COLUMNS, AuditEvent.mac).order_by(AuditEvent.seq))
    head_row = db.execute(
        select(AuditHead.seq, AuditHead.mac, AuditHead.head_mac).where(AuditHead.id == 1)
    ).first()
    head = (head_row[0], head_row[1], head_row[2]) if head_row is not None else None
    return verify_chain(key, rows, head)


def _filtered(flt: AuditFilter) -> Select[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if flt.since:
        query = query.where(AuditEvent.ts >= flt.since.isoformat())
    if flt.until:
        query = query.where(AuditEvent.ts < (flt.until + dt.timedelta(days=1)).isoformat())
    if flt.username:
        query = query.where(AuditEvent.username == flt.username.strip().lower())
    if flt.patient_id is not None:
        query = query.where(AuditEvent.patient_id == flt.patient_id)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    return query


def _info(ev: AuditEvent) -> AuditEventInfo:
    return AuditEventInfo(
        seq=ev.seq,
        ts=ev.ts,
        user_id=ev.user_id,
        username=ev.username,
        workstation=ev.workstation,
        patient_id=ev.patient_id,
        category=ev.category,
        action=ev.action,
        outcome=ev.outcome,
        entry_point=ev.entry_point,
        reason=ev.reason,
        emergency=bool(ev.emergency),
        detail=ev.detail,
    )


class AuditService(Service):
    @audited(Action.QUERY, DataCategory.AUDIT)
    def verify(self, op: Op) -> ChainReport:
        report = check_chain(op.db, op.ctx.audit_key)
        op.event.detail = "chain ok" if report.ok else f"chain broken at {report.first_bad_seq}"
        return report

    @audited(Action.VIEW, DataCategory.AUDIT)
    def events(self, op: Op, flt: AuditFilter, *, limit: int | None = None) -> list[AuditEventInfo]:
        query = _filtered(flt)
        if limit is not None:
            query = query.order_by(None).order_by(AuditEvent.seq.desc()).limit(limit)
        rows: Sequence[AuditEvent] = op.db.execute(query).scalars().all()
        result = [_info(ev) for ev in rows]
        return sorted(result, key=lambda e: e.seq)

    @audited(Action.EXPORT, DataCategory.AUDIT)
    def export(self, op: Op, flt: AuditFilter) -> list[AuditEventInfo]:
        """Events for an export file; the export itself is the audited act."""
        rows = op.db.execute(_filtered(flt)).scalars().all()
        op.event.detail = f"{len(rows)} events"
        return [_info(ev) for ev in rows]
