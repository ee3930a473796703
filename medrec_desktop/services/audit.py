"""Reading and verifying the audit trail."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import AuditEventInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.models import AuditEvent, AuditHead, Patient
from medrec_desktop.security.audit_chain import FIELDS, ChainReport, verify_chain
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import stored_utc
from medrec_desktop.services.listing import patients_detail

_EVENTS_SQL = f"SELECT {', '.join(FIELDS)}, mac FROM audit_event ORDER BY seq"
_HEAD_FOR_CHECK = (
    select(AuditHead.seq, AuditHead.mac, AuditHead.head_mac)
    .where(AuditHead.id == 1)
    .with_for_update()
)
_HEAD_SQL = "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1"
_BATCH = 2_000


@dataclass(frozen=True)
class AuditFilter:
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    username: str | None = None
    patient_id: int | None = None
    action: str | None = None
    patient_mrn: str | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationError("The start date is after the end date.", field="since")
        if self.action is not None and self.action not in {a.value for a in Action}:
            names = ", ".join(a.value for a in Action)
            raise ValidationError(
                f"Unknown action {self.action!r}. Actions: {names}.", field="action"
            )


def check_chain(db: Session, key: bytes) -> ChainReport:
    """Verify the whole chain (shared with database verification and backups).

    The head is read first and locked (FOR UPDATE on PostgreSQL, where each statement has its
    own snapshot; SQLite transactions here hold the write lock from BEGIN IMMEDIATE), so no
    writer can extend the chain between reading the head and reading the events.
    """
    conn = db.connection()
    head_row = conn.execute(_HEAD_FOR_CHECK).first()
    head = (head_row[0], head_row[1], head_row[2]) if head_row is not None else None
    batches = _event_batches(conn)
    try:
        return verify_chain(key, itertools.chain.from_iterable(batches), head)
    finally:
        batches.close()  # a broken chain stops the walk early: close the cursor now


def check_chain_on_driver_connection(conn: Any, key: bytes) -> ChainReport:
    """:func:`check_chain` on a plain SQLite driver connection (maintenance checks a local file
    on a connection of its own). Driver errors are raised as they are."""
    cursor = conn.cursor()
    try:
        head_row = cursor.execute(_HEAD_SQL).fetchone()
    finally:
        cursor.close()
    head = (head_row[0], head_row[1], head_row[2]) if head_row is not None else None
    batches = _batches(conn.cursor())
    try:
        return verify_chain(key, itertools.chain.from_iterable(batches), head)
    finally:
        batches.close()


def _batches(cursor: Any) -> Generator[Sequence[tuple[Any, ...]]]:
    """Every event as a plain driver tuple (FIELDS then mac), by seq, in batches.

    Straight from the DBAPI cursor: 200,000 SQLAlchemy Row objects cost more than checking
    their MACs.
    """
    try:
        cursor.arraysize = _BATCH
        cursor.execute(_EVENTS_SQL)
        while batch := cursor.fetchmany(_BATCH):
            yield batch
    finally:
        cursor.close()


def _event_batches(conn: Connection) -> Generator[Sequence[tuple[Any, ...]]]:
    """:func:`_batches` on the session's connection; driver errors (e.g. a damaged page met
    while reading) are raised as SQLAlchemy errors, as the rest of the program expects."""
    dialect = conn.dialect
    dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
    proxied = conn.connection
    try:
        if dialect.name == "postgresql":
            # A server-side cursor streams the rows instead of loading them all at once.
            driver = proxied.dbapi_connection
            assert driver is not None
            yield from _batches(driver.cursor(name="medrec_audit_check"))
        else:
            yield from _batches(proxied.cursor())
    except dbapi_error as err:
        raise sa_exc.DBAPIError.instance(
            _EVENTS_SQL, None, err, dbapi_error, hide_parameters=True, dialect=dialect
        ) from err


def _filtered(flt: AuditFilter, *, names: bool) -> Select[Any]:
    """The matching events, each with its patient's MRN (and name when ``names``) joined here,
    under the caller's permission check, never by the widget."""
    columns: list[Any] = [AuditEvent, Patient.mrn]
    if names:
        columns += [Patient.family_name, Patient.given_names]
    query = (
        select(*columns)
        .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
        .order_by(AuditEvent.seq)
    )
    if flt.since:
        query = query.where(AuditEvent.ts >= flt.since.isoformat())
    if flt.until:
        query = query.where(AuditEvent.ts < (flt.until + dt.timedelta(days=1)).isoformat())
    if flt.username:
        query = query.where(AuditEvent.username == flt.username.strip().lower())
    if flt.patient_id is not None:
        query = query.where(AuditEvent.patient_id == flt.patient_id)
    if flt.patient_mrn:
        typed = flt.patient_mrn.strip()
        # MRNs are eight digits; people type them without the leading zeros.
        query = query.where(Patient.mrn.in_({typed, typed.zfill(8)}))
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    return query


def _info(row: Any) -> AuditEventInfo:
    ev: AuditEvent = row[0]
    name = f"{row[2]}, {row[3]}" if len(row) > 2 and row[2] is not None else None
    return AuditEventInfo(
        seq=ev.seq,
        ts=stored_utc(ev.ts),
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
        patient_mrn=row[1],
        patient_name=name,
    )


def _read(op: Op, query: Select[Any]) -> list[AuditEventInfo]:
    """Run ``query``; the event records how many events were read and which patients' MRNs
    (and names) they disclosed, so a look at the audit trail is accounted for as well."""
    result = [_info(row) for row in op.db.execute(query).all()]
    named = [e.patient_id for e in result if e.patient_id is not None and e.patient_mrn]
    op.event.detail = f"{len(result)} events; {patients_detail(named)}"
    return result


class AuditService(Service):
    @audited(Action.QUERY, DataCategory.AUDIT)
    def verify(self, op: Op) -> ChainReport:
        report = check_chain(op.db, op.ctx.audit_key)
        op.event.detail = "chain ok" if report.ok else f"chain broken at {report.first_bad_seq}"
        return report

    @audited(Action.VIEW, DataCategory.AUDIT)
    def events(self, op: Op, flt: AuditFilter, *, limit: int | None = None) -> list[AuditEventInfo]:
        query = _filtered(flt, names=op.can(Action.VIEW, DataCategory.DEMOGRAPHICS))
        if limit is not None:
            query = query.order_by(None).order_by(AuditEvent.seq.desc()).limit(limit)
        result = _read(op, query)
        result.sort(key=lambda e: e.seq)
        return result

    @audited(Action.EXPORT, DataCategory.AUDIT)
    def export(self, op: Op, flt: AuditFilter) -> list[AuditEventInfo]:
        """Events for an export file; the export itself is the audited act."""
        query = _filtered(flt, names=op.can(Action.VIEW, DataCategory.DEMOGRAPHICS))
        return _read(op, query)
