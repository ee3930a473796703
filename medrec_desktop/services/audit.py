"""Reading and verifying the audit trail."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import AuditEventInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError, WrongKeyError
from medrec_desktop.models import AuditEvent, AuditHead, Patient
from medrec_desktop.security import audit_mark
from medrec_desktop.security.audit_chain import FIELDS, ChainReport, verify_chain
from medrec_desktop.security.audit_root import unwrap_root
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import ServiceContext, stored_utc
from medrec_desktop.services.listing import patients_detail

_EVENTS_SQL = f"SELECT {', '.join(FIELDS)}, mac, fs_mac FROM audit_event ORDER BY seq"
_HEAD_FOR_CHECK = (
    select(AuditHead.seq, AuditHead.mac, AuditHead.head_mac, AuditHead.fs_key)
    .where(AuditHead.id == 1)
    .with_for_update()
)
_HEAD_SQL = "SELECT seq, mac, head_mac, fs_key FROM audit_head WHERE id = 1"
_BATCH = 2_000

# The guards that make the database itself refuse UPDATE/DELETE on events (schema 0001),
# compared by their text: a guard recreated under the same name with an empty body or a WHEN
# clause refuses nothing.
_SQLITE_GUARD_TEXT = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
}
_PG_GUARD_TEXT = {
    "audit_event_no_change": "BEFORE DELETE OR UPDATE ON",
    "audit_event_no_truncate": "BEFORE TRUNCATE ON",
}
_PG_REFUSE_BODY = "BEGIN RAISE EXCEPTION 'audit events are append-only'; END"
SQLITE_GUARDS = frozenset(_SQLITE_GUARD_TEXT)
PG_GUARDS = frozenset(_PG_GUARD_TEXT)
_SQLITE_GUARDS_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
_PG_GUARDS_SQL = (
    "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
    "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = to_regclass('audit_event') "
    "AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
)


def _words(text: object) -> str:
    return " ".join(str(text or "").split())


def _intact_guards(rows: Sequence[tuple[Any, ...]], dialect: str) -> set[str]:
    """The names of the guards present *and* still doing their job."""
    found: set[str] = set()
    for row in rows:
        if dialect == "postgresql":
            name, definition, body = row[0], _words(row[1]), _words(row[2])
            wanted = _PG_GUARD_TEXT.get(name)
            if wanted and wanted in definition and " WHEN " not in definition:
                if body == _PG_REFUSE_BODY:
                    found.add(name)
        elif _words(row[1]) == _SQLITE_GUARD_TEXT.get(row[0]):
            found.add(row[0])
    return found


# Restores record the trail they replaced, first thing in the event's detail (written by
# Installation.restore, never from user input).
_REPLACED = re.compile(
    r"^restore: done; replaced trail at #(\d+) link ([0-9a-f]{64}); restored trail at #(\d+)"
)
_RESTORE_ENTRIES = ("MaintenanceService.authorize", "MaintenanceService.record_key_change")


@dataclass(frozen=True)
class ChainCheck:
    """What a verification compares the trail against, besides its own MACs."""

    install_id: str | None = None
    root: bytes | None = field(default=None, repr=False)
    marks: tuple[tuple[int, str], ...] = ()
    copy: bool = False  # a backup copy: its head holds no forward-secure key


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


def _guard_problem(found: set[str], dialect: str) -> str | None:
    expected = PG_GUARDS if dialect == "postgresql" else SQLITE_GUARDS
    missing = sorted(expected - found)
    if not missing:
        return None
    return (
        "the database no longer refuses changes to audit events (guard "
        + ", ".join(missing)
        + " was removed, disabled or altered)"
    )


def _finish(report: ChainReport, guards: str | None) -> ChainReport:
    if report.ok and guards is not None:
        return replace(report, ok=False, problem=guards, first_bad_seq=None)
    return report


def _walk(
    key: bytes,
    batches: Generator[Sequence[tuple[Any, ...]]],
    head: tuple[Any, ...] | None,
    check: ChainCheck,
) -> ChainReport:
    try:
        return verify_chain(
            key,
            itertools.chain.from_iterable(batches),
            head,
            install_id=check.install_id,
            root=check.root,
            marks=check.marks,
            copy=check.copy,
        )
    finally:
        batches.close()  # a broken chain stops the walk early: close the cursor now


def check_chain(db: Session, key: bytes, check: ChainCheck | None = None) -> ChainReport:
    """Verify the whole chain (shared with database verification and backups).

    The head is read first and locked (FOR UPDATE on PostgreSQL, where each statement has its
    own snapshot; SQLite transactions here hold the write lock from BEGIN IMMEDIATE), so no
    writer can extend the chain between reading the head and reading the events.
    """
    check = check or ChainCheck()
    conn = db.connection()
    head_row = conn.execute(_HEAD_FOR_CHECK).first()
    head = tuple(head_row) if head_row is not None else None
    dialect = conn.dialect.name
    sql = _PG_GUARDS_SQL if dialect == "postgresql" else _SQLITE_GUARDS_SQL
    guards = _guard_problem(_intact_guards(conn.exec_driver_sql(sql).all(), dialect), dialect)
    return _finish(_walk(key, _event_batches(conn), head, check), guards)


def check_chain_on_driver_connection(
    conn: Any, key: bytes, check: ChainCheck | None = None
) -> ChainReport:
    """:func:`check_chain` on a plain SQLite driver connection (maintenance checks a local file
    on a connection of its own). Driver errors are raised as they are."""
    check = check or ChainCheck()
    cursor = conn.cursor()
    try:
        head_row = cursor.execute(_HEAD_SQL).fetchone()
        found = _intact_guards(cursor.execute(_SQLITE_GUARDS_SQL).fetchall(), "sqlite")
    finally:
        cursor.close()
    head = tuple(head_row) if head_row is not None else None
    return _finish(
        _walk(key, _batches(conn.cursor()), head, check), _guard_problem(found, "sqlite")
    )


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


def outside_marks(ctx: ServiceContext) -> tuple[tuple[tuple[int, str], ...], str | None]:
    """The key file's high-water mark as a check, or the problem with it."""
    if ctx.read_mark is None or ctx.install_id is None:
        return (), None  # a backup copy being checked has no key file beside it
    mark = ctx.read_mark()
    if mark is None:
        return (), (
            "the audit high-water mark is missing from the key file (it was removed, or the "
            "key file was replaced by an older copy)"
        )
    if not audit_mark.is_sealed(mark, ctx.audit_key, ctx.install_id):
        return (), "the audit high-water mark in the key file was altered"
    return ((mark.seq, mark.link),), None


def _against(
    db: Session, marks: Sequence[audit_mark.Mark]
) -> tuple[list[tuple[int, str]], list[str]]:
    """Marks from elsewhere (a backup, a printed report). One that lies in a trail a later
    restore replaced cannot be in this trail: the restore event names that trail instead."""
    checks: list[tuple[int, str]] = []
    notes: list[str] = []
    restores = [
        (int(m.group(3)), int(m.group(1)), seq)
        for seq, detail in db.execute(
            select(AuditEvent.seq, AuditEvent.detail)
            .where(AuditEvent.entry_point.in_(_RESTORE_ENTRIES))
            .where(AuditEvent.detail.like("restore: done; replaced trail at #%"))
        )
        if detail and (m := _REPLACED.match(detail))
    ]
    for mark in marks:
        here = db.execute(select(AuditEvent.mac).where(AuditEvent.seq == mark.seq)).scalar()
        # Only a mark past the restored point and within the trail that was replaced.
        covering = [r for r in restores if r[0] < mark.seq <= r[1]]
        if (here is None or not here.startswith(mark.link)) and covering:
            _, reached, at = covering[0]
            notes.append(
                f"mark #{mark.seq} belongs to the trail that the restore recorded at event "
                f"#{at} replaced (that trail had reached #{reached})"
            )
            continue
        checks.append((mark.seq, mark.link))
    return checks, notes


def verification(
    db: Session,
    ctx: ServiceContext,
    *,
    root: bytes | None = None,
    against: Sequence[audit_mark.Mark] = (),
) -> ChainReport:
    """The whole check behind ``audit verify``, in the caller's transaction (the service call,
    or an administrator's unrecorded check of a trail too damaged to record in)."""
    marks, mark_problem = outside_marks(ctx)
    extra, notes = _against(db, against)
    report = check_chain(
        db,
        ctx.audit_key,
        ChainCheck(install_id=ctx.install_id, root=root, marks=(*marks, *extra)),
    )
    if report.ok and mark_problem is not None:
        report = replace(report, ok=False, problem=mark_problem)
    if notes:
        report = replace(report, note="; ".join(notes))
    return report


def _read(op: Op, query: Select[Any]) -> list[AuditEventInfo]:
    """Run ``query``; the event records how many events were read and which patients' MRNs
    (and names) they disclosed, so a look at the audit trail is accounted for as well."""
    result = [_info(row) for row in op.db.execute(query).all()]
    named = [e.patient_id for e in result if e.patient_id is not None and e.patient_mrn]
    op.event.detail = f"{len(result)} events; {patients_detail(named)}"
    return result


class AuditService(Service):
    @audited(Action.QUERY, DataCategory.AUDIT)
    def verify(
        self,
        op: Op,
        *,
        password: str | None = None,
        root: bytes | None = None,
        against: Sequence[audit_mark.Mark] = (),
    ) -> ChainReport:
        """Verify the trail: MACs, genesis, head, guards and the high-water marks.

        With the caller's administrator ``password`` (or the ``root`` key from the recovery
        key), the forward-secure MACs are checked too, which detects a past rewritten by
        someone who holds the workstation's keys.
        """
        if password is not None:
            blob = op.user.audit_root
            if blob is None:
                raise ValidationError(
                    "Your account does not hold the audit root key (only the founding "
                    "administrator and administrators granted it do). Verify with the "
                    "recovery key instead.",
                    field="password",
                )
            try:
                root = unwrap_root(blob, password)
            except WrongKeyError as err:
                raise ValidationError("The password is not correct.", field="password") from err
        report = verification(op.db, op.ctx, root=root, against=against)
        full = " full" if report.full else ""
        op.event.detail = (
            f"chain{full} ok" if report.ok else f"chain broken at {report.first_bad_seq}"
        )
        return report

    @audited(Action.QUERY, DataCategory.AUDIT)
    def root_key(self, op: Op, password: str) -> bytes | None:
        """The audit root key from the caller's own wrapping (to hand it to a new recovery key);
        None when the caller holds none."""
        blob = op.user.audit_root
        op.event.detail = "audit root key unwrapped for rewrapping"
        if blob is None:
            op.event.detail = "caller holds no audit root key"
            return None
        try:
            return unwrap_root(blob, password)
        except WrongKeyError as err:
            raise ValidationError("The password is not correct.", field="password") from err

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
