"""Appending to the audit chain inside the caller's transaction.

Every audited call runs this, so it uses three prepared Core statements on the session's own
connection (the SQL is compiled once and reused from SQLAlchemy's statement cache) instead of
ORM objects and a unit-of-work flush.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from medrec_desktop.domain.enums import Action, DataCategory, Outcome
from medrec_desktop.domain.errors import AuditTamperedError, ClinicMovedError
from medrec_desktop.models import AuditEvent, AuditHead
from medrec_desktop.security.audit_chain import (
    FIELDS,
    GENESIS,
    GENESIS_ENTRY,
    event_mac,
    fs_event_mac,
    fs_evolve,
    genesis_detail,
    head_mac,
    same_digest,
)
from medrec_desktop.services.context import ServiceContext, iso

# The head row is locked first (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
# holds the write lock), then the newest event is read in a statement of its own: on
# PostgreSQL (READ COMMITTED) that second statement takes a new snapshot, so after waiting for
# another writer's lock it sees that writer's committed event. One statement with subqueries
# would see its pre-wait snapshot and report a mismatch that is not there.
_READ_HEAD = (
    select(AuditHead.seq, AuditHead.mac, AuditHead.head_mac, AuditHead.fs_key)
    .where(AuditHead.id == 1)
    .with_for_update()
)
_LAST = select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)
_INSERT_EVENT = insert(AuditEvent).values(
    {name: bindparam(name) for name in (*FIELDS, "mac", "fs_mac")}
)
_UPDATE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(
        seq=bindparam("h_seq"),
        mac=bindparam("h_mac"),
        head_mac=bindparam("h_head"),
        fs_key=bindparam("h_fs"),
    )
)
_INSERT_HEAD = insert(AuditHead).values(
    id=1,
    seq=bindparam("h_seq"),
    mac=bindparam("h_mac"),
    head_mac=bindparam("h_head"),
    fs_key=bindparam("h_fs"),
)

_TAMPERED = (
    "The audit trail has been tampered with ({what}), so nothing was saved and nothing more "
    "will be recorded. Ask your administrator to run 'medrec audit verify' and restore the "
    "last good backup."
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
    # (seq, chain MAC) once written: the high-water mark is moved to it after commit.
    written: tuple[int, str] | None = None


def append_event(db: Session, ctx: ServiceContext, ev: PendingEvent) -> int:
    """Write ``ev`` as the next link of the chain; returns its sequence number.

    The head row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions here
    start with BEGIN IMMEDIATE), so concurrent writers extend the chain one at a time. Before
    anything is written the head's seal is checked and the head must name the newest stored
    event: a head moved back, a trail cut or wiped, or events slipped in behind the program's
    back stop the write with :class:`AuditTamperedError` instead of being sealed over.
    """
    # The body's own pending changes go first (a no-op when it already flushed), so a failing
    # body write is reported before anything is appended.
    db.flush()
    head_seq, prev, fs_hex = check_head(db, ctx)
    conn = db.connection()
    seq = head_seq + 1
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
    params: dict[str, object] = dict(zip(FIELDS, values, strict=True))
    params["mac"] = mac
    next_fs: str | None = None
    if fs_hex is not None:
        key = bytes.fromhex(fs_hex)
        params["fs_mac"] = fs_event_mac(key, mac)
        next_fs = fs_evolve(key).hex()
    else:  # a trail begun before schema 0005: `audit verify` reports it has no genesis
        params["fs_mac"] = None
    conn.execute(_INSERT_EVENT, params)
    head = {
        "h_seq": seq,
        "h_mac": mac,
        "h_head": head_mac(ctx.audit_key, seq, mac, next_fs),
        "h_fs": next_fs,
    }
    conn.execute(_UPDATE_HEAD, head)
    ev.written = (seq, mac)
    return seq


def check_head(db: Session, ctx: ServiceContext) -> tuple[int, str, str | None]:
    """Lock the head and check it: sealed, naming the newest stored event, and the trail not
    found rolled back when it was opened. Returns (seq, mac, forward-secure key)."""
    if ctx.moved is not None:
        raise ClinicMovedError(ctx.moved)
    conn = db.connection()
    row = conn.execute(_READ_HEAD).first()
    if row is None:
        raise AuditTamperedError(_TAMPERED.format(what="its head record is missing"))
    head_seq, prev, sealed, fs_hex = row
    last = conn.execute(_LAST).first()
    stored, last_mac = (last[0], last[1]) if last is not None else (None, None)
    try:
        intact = same_digest(head_mac(ctx.audit_key, head_seq, prev, fs_hex), sealed)
        if fs_hex is not None:
            bytes.fromhex(fs_hex)
    except (TypeError, ValueError, AttributeError):  # values the program never writes
        intact = False
    if ctx.tampered is not None:
        raise AuditTamperedError(_TAMPERED.format(what=ctx.tampered))
    if not intact:
        raise AuditTamperedError(_TAMPERED.format(what="its head record was altered"))
    if stored != head_seq or last_mac != prev:
        raise AuditTamperedError(
            _TAMPERED.format(what="the head does not match the newest stored event")
        )
    return head_seq, prev, fs_hex


def start_chain(db: Session, ctx: ServiceContext, install_id: str, root: bytes) -> tuple[int, str]:
    """Write the genesis event (#1) of a new installation's trail and its head.

    The genesis binds the trail to the installation and to the audit root key; its
    forward-secure MAC is made with the root itself.
    """
    conn = db.connection()
    if conn.execute(_LAST).first() is not None or db.get(AuditHead, 1) is not None:
        raise AuditTamperedError(_TAMPERED.format(what="a trail already exists"))
    values = (
        1,
        iso(ctx.now()),
        None,
        "",
        ctx.workstation,
        None,
        DataCategory.AUDIT.value,
        Action.ADMIN.value,
        Outcome.SUCCESS.value,
        GENESIS_ENTRY,
        None,
        False,
        genesis_detail(install_id, root),
    )
    mac = event_mac(ctx.audit_key, GENESIS, values)
    params: dict[str, object] = dict(zip(FIELDS, values, strict=True))
    params["mac"] = mac
    params["fs_mac"] = fs_event_mac(root, mac)
    conn.execute(_INSERT_EVENT, params)
    next_fs = fs_evolve(root).hex()
    conn.execute(
        _INSERT_HEAD,
        {
            "h_seq": 1,
            "h_mac": mac,
            "h_head": head_mac(ctx.audit_key, 1, mac, next_fs),
            "h_fs": next_fs,
        },
    )
    return 1, mac
