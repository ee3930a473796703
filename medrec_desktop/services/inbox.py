"""The scanner inbox (issue 12): scans picked up from the clinic's scanner folder wait here,
inside the encrypted database, until a records specialist files each one to a patient (a
document item pointing at the same bytes), marks it "not ours" with a reason, or splits it.

Picking a file up is ``receive``: the bytes are checked like any attached file
(``domain.document_files.inspect_file``), then the blob and the inbox row are written in one
transaction. ``services.inbox_intake`` owns the folder side (when a file is complete, reading
it, deleting it only after this commit and a read-back check); the row's (name, SHA-256,
modification time) makes a repeated pick-up of the same arrival find the row it already
wrote instead of storing the scan twice.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import ntpath
import posixpath
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from medrec_desktop.domain.clinical import ItemInfo, clean_reason
from medrec_desktop.domain.document_files import InspectedFile, inspect_file
from medrec_desktop.domain.documents import DocumentData, DocumentInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import (
    ConflictError,
    DatabaseFileError,
    NotFoundError,
    ValidationError,
)
from medrec_desktop.domain.inbox import (
    DEFAULT_HIGHLIGHT_DAYS,
    FOLDER_KEY,
    HIGHLIGHT_DAYS_KEY,
    MAX_HIGHLIGHT_DAYS,
    InboxEntry,
    InboxSettings,
    InboxStatus,
    Received,
)
from medrec_desktop.domain.inbox_split import check_parts, pages_text, split_content
from medrec_desktop.models import ClinicSetting, DocumentBlob, InboxItem, User
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import ServiceContext, iso, stored_utc
from medrec_desktop.services.cover_sheet_intake import apply_cover_sheet
from medrec_desktop.services.documents import DocumentFile, DocumentService

#: the longest file name kept (the column's width); longer names are cut, keeping the end
NAME_MAX = 260


class InboxService(Service):
    def __init__(self, *, ctx: ServiceContext, documents: DocumentService) -> None:
        super().__init__(ctx=ctx)
        self._documents = documents

    # ------------------------------------------------------------------ settings

    # Every role that picks scans up reads where from; no PHI.
    @audited(Action.VIEW, DataCategory.SESSION)
    def settings(self, op: Op) -> InboxSettings:
        """The scanner folder (None: not chosen) and the days after which a waiting scan is
        highlighted."""
        op.event.detail = "inbox settings"
        return self._settings(op)

    @audited(Action.UPDATE, DataCategory.SETTINGS)
    def set_folder(self, op: Op, folder: str | None) -> InboxSettings:
        """Administrators: the folder the clinic's scanner or fax software writes into (a
        local folder or a share), or None to stop picking scans up."""
        text = (folder or "").strip()
        if text and not (posixpath.isabs(text) or ntpath.isabs(text)):
            raise ValidationError(
                "Give the scanner folder's full path (for example /srv/scans or"
                " \\\\server\\scans).",
                field="inbox_folder",
            )
        self._put(op, FOLDER_KEY, text or None)
        op.event.detail = f"changed {FOLDER_KEY}"
        return self._settings(op)

    @audited(Action.UPDATE, DataCategory.SETTINGS)
    def set_highlight_days(self, op: Op, days: int) -> InboxSettings:
        """Administrators: after how many days a scan still waiting is highlighted."""
        if not 1 <= days <= MAX_HIGHLIGHT_DAYS:
            raise ValidationError(
                f"Choose from 1 to {MAX_HIGHLIGHT_DAYS} days.", field="inbox_highlight_days"
            )
        self._put(op, HIGHLIGHT_DAYS_KEY, str(days))
        op.event.detail = f"changed {HIGHLIGHT_DAYS_KEY}"
        return self._settings(op)

    # ------------------------------------------------------------------ arriving

    @audited(Action.CREATE, DataCategory.INBOX)
    def receive(self, op: Op, source_name: str, content: bytes, mtime_ns: int) -> Received:
        """Store a scan found in the scanner folder as a new inbox item (one transaction).

        The same arrival (name, bytes, modification time) already stored returns its item
        with ``already`` True and writes nothing: the caller may delete the file. A file
        the clinic cannot keep (not a PDF or image, damaged, password-protected, too large)
        raises ValidationError and stores nothing: the caller leaves it in the folder."""
        return self._receive(op, source_name, content, mtime_ns)

    def _receive(
        self,
        op: Op,
        source_name: str,
        content: bytes,
        mtime_ns: int,
        *,
        arrived_at: dt.datetime | None = None,
    ) -> Received:
        """``receive``'s body. ``arrived_at`` (default: now) is for the demo clinic only,
        whose scans arrived over the last days (services/demo.py)."""
        name = _short_name(source_name)
        digest = hashlib.sha256(content).hexdigest()
        found = self._arrival(op, name, digest, mtime_ns)
        if found is not None:
            op.event.detail = f"inbox item {found.id}: already picked up"
            return Received(found.id, already=True)
        checked = inspect_file(
            content, max_bytes=self._documents._max_bytes(op), shown_name=f"“{name}”"
        )
        arrived = arrived_at if arrived_at is not None else op.ctx.now()
        item = self._store(op, name, content, checked.sha256, mtime_ns, checked, arrived)
        try:
            # The unique (name, checksum, time) index: another workstation watching the same
            # share may have taken this arrival a moment ago.
            op.db.flush()
        except IntegrityError as exc:
            raise ConflictError(
                "Another workstation picked this scan up at the same moment."
            ) from exc
        op.event.detail = f"inbox item {item.id}: {checked.page_count} page(s)"
        document_id = apply_cover_sheet(op, item, content, self._documents)
        return Received(item.id, document_id=document_id)

    @audited(Action.CREATE, DataCategory.INBOX)
    def confirm_stored(self, op: Op, inbox_id: int, sha256: str) -> bool:
        """The pick-up's read-back check, in its own transaction after ``receive``
        committed: whether the stored bytes of ``inbox_id`` hash to ``sha256`` (the file's
        checksum as read from the folder) and to the checksum the row recorded. Only then
        may the file be deleted from the folder.

        Part of picking a scan up, so it takes the right to pick up (nurses and providers
        pick up too but may not look at the inbox): it answers yes or no and returns no
        bytes."""
        row = op.db.get(InboxItem, inbox_id)
        if row is None:
            op.event.detail = f"inbox item {inbox_id}: not found on read-back"
            return False
        blob = op.db.get(DocumentBlob, row.blob_id)
        stored = hashlib.sha256(blob.content).hexdigest() if blob is not None else ""
        same = stored == sha256 == row.sha256
        op.event.detail = f"inbox item {row.id}: read back " + ("same" if same else "DIFFERENT")
        return same

    # ------------------------------------------------------------------ reading

    @audited(Action.VIEW, DataCategory.INBOX)
    def entries(self, op: Op, *, include_closed: bool = False) -> builtins.list[InboxEntry]:
        """The inbox, oldest first: the scans waiting (and, with ``include_closed``, those
        filed, split or marked not ours too, newest first after them)."""
        query = select(InboxItem)
        if not include_closed:
            query = query.where(InboxItem.status == InboxStatus.UNFILED.value)
        rows = op.db.scalars(query.order_by(InboxItem.arrived_at, InboxItem.id)).all()
        names = self._usernames(op, {r.closed_by for r in rows if r.closed_by is not None})
        waiting = [r for r in rows if r.status == InboxStatus.UNFILED.value]
        closed = sorted(
            (r for r in rows if r.status != InboxStatus.UNFILED.value),
            key=lambda r: (r.closed_at or "", r.id),
            reverse=True,
        )
        op.event.detail = f"{len(rows)} inbox item(s)"
        return [_entry(r, names) for r in [*waiting, *closed]]

    @audited(Action.VIEW, DataCategory.INBOX)
    def get(self, op: Op, inbox_id: int) -> InboxEntry:
        row = self._row(op, inbox_id)
        op.event.detail = f"inbox item {row.id}"
        names = self._usernames(op, {row.closed_by} if row.closed_by is not None else set())
        return _entry(row, names)

    @audited(Action.QUERY, DataCategory.INBOX)
    def count(self, op: Op) -> int:
        """How many scans wait to be filed (the main window's count)."""
        op.event.detail = "inbox count"
        return int(
            op.db.scalar(
                select(func.count())
                .select_from(InboxItem)
                .where(InboxItem.status == InboxStatus.UNFILED.value)
            )
            or 0
        )

    @audited(Action.VIEW, DataCategory.INBOX)
    def open_file(self, op: Op, inbox_id: int) -> DocumentFile:
        """A scan's bytes, to look at before filing it (an audited view)."""
        row = self._row(op, inbox_id)
        op.event.detail = f"inbox item {row.id}"
        return self._file(op, row)

    # ------------------------------------------------------------------ filing

    @audited(Action.UPDATE, DataCategory.INBOX)
    def file(
        self,
        op: Op,
        inbox_id: int,
        patient_id: PatientId,
        data: DocumentInput,
        *,
        expected_version: int,
    ) -> ItemInfo[DocumentData]:
        """File a waiting scan to a patient: a document item (type, date, source, encounter,
        description, label from ``data``) pointing at the scan's bytes, in one transaction
        with closing the inbox item."""
        row = self._waiting(op, inbox_id, expected_version)
        op.about_patient(patient_id)
        op.require(Action.CREATE, DataCategory.CLINICAL, patient_id)
        filed = replace(
            data,
            file_name=data.file_name or row.source_name[-200:],
            blob_id=row.blob_id,
            content_type=row.content_type,
            page_count=row.page_count,
            size=row.size,
            sha256=row.sha256,
        )
        saved = self._documents._add_new(op, patient_id, filed)
        self._close(op, row, InboxStatus.FILED, reason=None)
        row.document_id = saved.id
        op.event.detail = f"inbox item {row.id} filed as document {saved.id}"
        return saved

    @audited(Action.UPDATE, DataCategory.INBOX)
    def reject(self, op: Op, inbox_id: int, reason: str, *, expected_version: int) -> InboxEntry:
        """Not ours (a fax for another practice, a blank page): closed with the reason; the
        bytes stay in the database behind the closed item."""
        why = clean_reason(reason, required=True, what="this scan is not ours")
        row = self._waiting(op, inbox_id, expected_version)
        self._close(op, row, InboxStatus.NOT_OURS, reason=why)
        op.event.detail = f"inbox item {row.id} marked not ours"
        return _entry(row, {op.user.id: op.user.username})

    @audited(Action.UPDATE, DataCategory.INBOX)
    def split(
        self,
        op: Op,
        inbox_id: int,
        parts: builtins.list[tuple[int, int]],
        *,
        expected_version: int,
    ) -> builtins.list[InboxEntry]:
        """Split a waiting multi-page scan: each part (1-based inclusive page ranges, in
        page order, every page in exactly one part, at least two parts) becomes a new
        waiting item with its own bytes; the scan itself is closed as split. One
        transaction: a part that cannot be made leaves the scan as it was."""
        row = self._waiting(op, inbox_id, expected_version)
        check_parts(parts, row.page_count, row.content_type)
        source = self._file(op, row)
        made = split_content(source.content, row.content_type, parts)
        limit = self._documents._max_bytes(op)
        stem, dot, suffix = row.source_name.rpartition(".")
        if not dot:
            stem, suffix = row.source_name, ""
        new_rows = []
        for (first, last), content in zip(parts, made, strict=True):
            pages = pages_text(first, last)
            name = f"{stem} (pages {pages}){dot}{suffix}"
            # Checked as any arriving file: a part must open, and stay within the limit.
            checked = inspect_file(content, max_bytes=limit, shown_name=f"Part {pages}")
            part = self._store(
                op, name[-NAME_MAX:], content, checked.sha256, 0, checked, op.ctx.now()
            )
            part.source_mtime_ns = row.source_mtime_ns
            # The part waits as long as the scan did: its age counts from the arrival.
            part.arrived_at = row.arrived_at
            part.received_by = row.received_by
            part.parent_id = row.id
            part.pages_of_parent = pages
            new_rows.append(part)
        shown = ", ".join(pages_text(a, b) for a, b in parts)
        self._close(op, row, InboxStatus.SPLIT, reason=f"Split into {len(parts)} parts ({shown})")
        op.db.flush()
        op.event.detail = f"inbox item {row.id} split into items " + ", ".join(
            str(r.id) for r in new_rows
        )
        names = self._usernames(op, {op.user.id})
        return [_entry(r, names) for r in new_rows]

    # ------------------------------------------------------------------ helpers

    def _store(
        self,
        op: Op,
        name: str,
        content: bytes,
        digest: str,
        mtime_ns: int,
        checked: InspectedFile,
        arrived: dt.datetime,
    ) -> InboxItem:
        """The blob and a waiting inbox row for checked bytes (no flush of the row)."""
        now = iso(arrived)
        blob = DocumentBlob(
            sha256=digest,
            content_type=checked.content_type.value,
            page_count=checked.page_count,
            size=checked.size,
            content=content,
            created_by=op.user.id,
            created_at=now,
        )
        op.db.add(blob)
        op.db.flush()
        item = InboxItem(
            blob_id=blob.id,
            source_name=name,
            source_mtime_ns=mtime_ns,
            sha256=digest,
            content_type=checked.content_type.value,
            page_count=checked.page_count,
            size=checked.size,
            arrived_at=now,
            received_by=op.user.id,
            status=InboxStatus.UNFILED.value,
            version=1,
        )
        op.db.add(item)
        return item

    @staticmethod
    def _arrival(op: Op, name: str, digest: str, mtime_ns: int) -> InboxItem | None:
        return op.db.scalars(
            select(InboxItem)
            .where(InboxItem.source_name == name)
            .where(InboxItem.sha256 == digest)
            .where(InboxItem.source_mtime_ns == mtime_ns)
        ).first()

    @staticmethod
    def _row(op: Op, inbox_id: int) -> InboxItem:
        row = op.db.get(InboxItem, inbox_id)
        if row is None:
            raise NotFoundError("That scan is not in the inbox.")
        return row

    def _waiting(self, op: Op, inbox_id: int, expected_version: int) -> InboxItem:
        # Locked for this transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
        # write lock) and read afresh: two specialists filing one scan at once on the server
        # would otherwise both pass the version check and file it to two charts.
        row = op.db.get(InboxItem, inbox_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise NotFoundError("That scan is not in the inbox.")
        if row.version != expected_version or row.status != InboxStatus.UNFILED.value:
            done = InboxStatus(row.status)
            raise ConflictError(
                "Someone else dealt with this scan while you were looking at it"
                f" ({done.label.lower()}). The inbox has been refreshed."
            )
        return row

    @staticmethod
    def _close(op: Op, row: InboxItem, status: InboxStatus, *, reason: str | None) -> None:
        row.status = status.value
        row.closed_by = op.user.id
        row.closed_at = iso(op.ctx.now())
        row.close_reason = reason
        row.version += 1

    @staticmethod
    def _file(op: Op, row: InboxItem) -> DocumentFile:
        blob = op.db.get(DocumentBlob, row.blob_id)
        if blob is None or hashlib.sha256(blob.content).hexdigest() != row.sha256:
            raise DatabaseFileError(
                "This scan's stored file does not match the checksum recorded when it arrived:"
                " it was changed outside the application. Restore the database from a backup"
                " and tell the administrator."
            )
        return DocumentFile(
            blob.content, blob.content_type, blob.page_count, row.sha256, row.source_name
        )

    @staticmethod
    def _usernames(op: Op, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = op.db.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
        return {int(i): str(u) for i, u in rows}

    @staticmethod
    def _settings(op: Op) -> InboxSettings:
        folder = op.db.get(ClinicSetting, FOLDER_KEY)
        days = op.db.get(ClinicSetting, HIGHLIGHT_DAYS_KEY)
        try:
            highlight = int(days.value) if days is not None else DEFAULT_HIGHLIGHT_DAYS
        except ValueError:
            highlight = DEFAULT_HIGHLIGHT_DAYS
        return InboxSettings(
            folder=folder.value if folder is not None and folder.value else None,
            highlight_days=highlight,
        )

    @staticmethod
    def _put(op: Op, key: str, value: str | None) -> None:
        row = op.db.get(ClinicSetting, key)
        if row is None:
            op.db.add(ClinicSetting(key=key, value=value or ""))
        else:
            row.value = value or ""


def _short_name(source_name: str) -> str:
    """The file's own name (no folder), cut to the column's width keeping its end."""
    name = ntpath.basename(posixpath.basename(source_name.strip())) or "scan"
    return name if len(name) <= NAME_MAX else name[-NAME_MAX:]


def _entry(row: InboxItem, names: dict[int, str]) -> InboxEntry:
    return InboxEntry(
        id=row.id,
        source_name=row.source_name,
        arrived_at=stored_utc(row.arrived_at),
        content_type=row.content_type,
        page_count=row.page_count,
        size=row.size,
        sha256=row.sha256,
        status=InboxStatus(row.status),
        note=row.note,
        version=row.version,
        closed_at=stored_utc(row.closed_at) if row.closed_at else None,
        closed_by=names.get(row.closed_by) if row.closed_by is not None else None,
        close_reason=row.close_reason,
        document_id=row.document_id,
        parent_id=row.parent_id,
        pages_of_parent=row.pages_of_parent,
    )
