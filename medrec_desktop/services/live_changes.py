"""Live refresh between workstations on a clinic server (issue 15): sending and listening.

Sending happens at the one place every audited write commits (``services.base``): while the
body runs, the session notes each row it flushes (:func:`watch`); just before the audit event
is appended, :func:`announce` turns those rows into a change notice (patients with the kinds
of change, versioned items with their new version, shared lists) and sends it with
``pg_notify`` on the clinic's channel (named from its key: ``domain.change_notices``) in the
same transaction, so it is delivered when, and only if, the change commits. No service says
what it changed: the rows do. Form drafts, the audit trail, sign-in
counters and the like are nobody else's screen and are left out. On the SQLCipher file there
is no other workstation and nothing is sent.

Listening (:func:`listen`) starts a ``db.change_listener`` on the server and hands each notice
from another installation, parsed, to a callback on the listener's thread (the UI queues it
onto its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from medrec_desktop.db.change_listener import ChangeListener
from medrec_desktop.domain.change_notices import (
    ChangedItem,
    ChangeNotice,
    SharedList,
    channel_for,
    decode,
    encode,
)
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.models import (
    ClinicalItem,
    ClinicalNote,
    Coverage,
    EncounterAddendum,
    InboxItem,
    Patient,
    RelatedPerson,
)
from medrec_desktop.services.context import ServiceContext

#: what each kind of versioned item changes on screen (its list, the summary...); a test
#: checks every item type is here and agrees with the kind declarations the UI uses
ITEM_CHANGES: dict[str, ChangeKind] = {
    "problem": ChangeKind.PROBLEMS,
    "allergy": ChangeKind.ALLERGIES,
    "allergy-statement": ChangeKind.ALLERGIES,
    "medication": ChangeKind.MEDICATIONS,
    "immunization": ChangeKind.IMMUNIZATIONS,
    "vitals": ChangeKind.VITALS,
    "medical-history": ChangeKind.MEDICAL_HISTORY,
    "surgical-history": ChangeKind.SURGICAL_HISTORY,
    "family-history": ChangeKind.FAMILY_HISTORY,
    "social-history": ChangeKind.SOCIAL_HISTORY,
    "procedure": ChangeKind.PROCEDURES,
    "encounter": ChangeKind.ENCOUNTERS,
    "amendment-request": ChangeKind.AMENDMENTS,
    "lab-test": ChangeKind.RESULTS,
    "document": ChangeKind.DOCUMENTS,
    "encounter-coding": ChangeKind.CODING,
    "coder-query": ChangeKind.CODING,
}

#: the shared lists a versioned item's change may move (besides its patient's screens)
ITEM_LISTS: dict[str, frozenset[SharedList]] = {
    "encounter": frozenset({SharedList.WORKLIST}),
    "encounter-coding": frozenset({SharedList.WORKLIST}),
    "coder-query": frozenset({SharedList.QUERIES, SharedList.WORKLIST}),
}

# Rows of the patient's own record (demographics, contacts, insurance, its versions).
_RECORD_ROWS: tuple[type[Any], ...] = (Patient, RelatedPerson, Coverage)
# A merge changes everything both records show.
_MERGE_KINDS = frozenset({ChangeKind.MERGE, ChangeKind.DEMOGRAPHICS, ChangeKind.NOTES})

_KEY = "medrec_live_changes"


class _Seen:
    """The rows one unit of work flushed, kept until the notice is built (their ids and
    versions are read then, as finally flushed)."""

    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}  # id(row) -> row
        self.merged: set[int] = set()  # id(row) of patients whose merged_into_id was set

    def add(self, row: Any) -> None:
        self.rows[id(row)] = row


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    seen = session.info.get(_KEY)
    if not isinstance(seen, _Seen):
        return  # not a unit of work on a server: nothing is collected
    for row in (*session.new, *session.dirty, *session.deleted):
        if row in session.dirty and not session.is_modified(row, include_collections=False):
            continue
        seen.add(row)
        if isinstance(row, Patient) and inspect(row).attrs.merged_into_id.history.added:
            seen.merged.add(id(row))


def watch(db: Session, ctx: ServiceContext) -> None:
    """Note what this unit of work flushes from now on (on a server only)."""
    if ctx.store.is_server:
        db.info[_KEY] = _Seen()


def announce(db: Session, ctx: ServiceContext) -> None:
    """Send what this unit of work changed to the other workstations, inside its transaction
    (so only if it commits). Does nothing unless :func:`watch` started on this session."""
    seen = db.info.get(_KEY)
    if not isinstance(seen, _Seen):
        return
    db.flush()  # rows still pending are part of the change too
    del db.info[_KEY]
    notice = notice_of(seen.rows.values(), seen.merged, ctx)
    if notice.empty:
        return
    channel = channel_for(ctx.audit_key)  # the clinic's own: see domain.change_notices
    for payload in encode(notice):
        db.execute(select(func.pg_notify(channel, payload)))


def notice_of(rows: Iterable[Any], merged: set[int], ctx: ServiceContext) -> ChangeNotice:
    patients: dict[int, set[ChangeKind]] = {}
    items: dict[tuple[str, int], ChangedItem] = {}
    lists: set[SharedList] = set()

    def touch(patient_id: int | None, *kinds: ChangeKind) -> None:
        if patient_id is not None:
            patients.setdefault(int(patient_id), set()).update(kinds)

    for row in rows:
        if isinstance(row, ClinicalItem):
            item_type = type(row).__item_type__
            kind = ITEM_CHANGES.get(item_type)
            touch(row.patient_id, *((kind,) if kind is not None else ()))
            items[(item_type, row.id)] = ChangedItem(
                item_type, int(row.id), int(row.version), int(row.patient_id)
            )
            lists.update(ITEM_LISTS.get(item_type, ()))
        elif isinstance(row, _RECORD_ROWS):
            pid = row.id if isinstance(row, Patient) else row.patient_id
            touch(pid, ChangeKind.DEMOGRAPHICS)
            if id(row) in merged:
                touch(pid, *_MERGE_KINDS)
                touch(row.merged_into_id, *_MERGE_KINDS)
        elif isinstance(row, ClinicalNote):
            touch(row.patient_id, ChangeKind.NOTES)
        elif isinstance(row, EncounterAddendum):
            touch(row.patient_id, ChangeKind.ENCOUNTERS)
        elif isinstance(row, InboxItem):
            lists.add(SharedList.INBOX)
        # Anything else is left out: version rows come with the row they keep; drafts, audit
        # events, accounts, settings, sign-in counters, disclosures and import logs are on
        # nobody else's open screen.
    return ChangeNotice(
        sender=ctx.sender,
        at=ctx.now(),
        patients={pid: frozenset(kinds) for pid, kinds in patients.items()},
        items=tuple(items.values()),
        lists=frozenset(lists),
    )


def listen(
    ctx: ServiceContext,
    on_notice: Callable[[ChangeNotice], None],
    *,
    on_reconnect: Callable[[], None] | None = None,
) -> ChangeListener | None:
    """Start listening for the other installations' notices (None on the SQLCipher file: no
    other workstation). ``on_notice`` runs on the listener's thread; notices this installation
    sent itself are skipped (its own screens were told when it saved). Stop it with
    ``stop()`` before the store closes."""
    if not ctx.store.is_server:
        return None
    own = ctx.sender

    def received(payload: str) -> None:
        notice = decode(payload)
        if notice is not None and notice.sender != own and not notice.empty:
            on_notice(notice)

    channel = channel_for(ctx.audit_key)
    return ChangeListener(ctx.store.engine, channel, received, on_reconnect=on_reconnect).start()
