"""Cover sheets at intake (issue 12): a scan whose first page carries one of the clinic's
cover-sheet barcodes is filed at once to that patient and type, the cover page dropped.

Runs inside ``InboxService.receive``'s transaction, after the inbox item is written: the
first page is drawn small (``domain.scan_pages``) and searched for a QR code with the
clinic's token prefix (``domain.cover_sheets``). Other barcodes are none of our business:
the scan simply waits. A token of ours that cannot be used leaves the scan waiting with a
note saying why (no PHI: the note is shown in the inbox list to whoever files scans).

Everything that could make filing fail is checked before anything is written, so a scan is
never refused (and left in the scanner folder) because of its cover sheet: at worst it waits
in the inbox with a note. The scan's own bytes stay behind the inbox item (the proof of what
arrived); the document gets new bytes, the pages after the cover sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace

from sqlalchemy import select

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.cover_sheets import find_token, parse_token
from medrec_desktop.domain.document_files import DocumentContent, inspect_file
from medrec_desktop.domain.documents import DocumentInput
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.domain.scan_pages import (
    first_page_image,
    later_pages_show,
    without_first_page,
)
from medrec_desktop.models import CoverSheet, DocumentBlob, Encounter, InboxItem, Patient
from medrec_desktop.security import permissions
from medrec_desktop.services.base import Op
from medrec_desktop.services.context import from_iso, iso
from medrec_desktop.services.documents import DocumentService
from medrec_desktop.services.encounter_links import patients_encounter

log = logging.getLogger(__name__)

UNKNOWN = "Cover sheet not recognised (not printed by this clinic's records)"
EXPIRED = "Cover sheet expired on {day}; file by hand"
MERGED = "Cover sheet was printed for a record since merged into another; check and file by hand"
ONLY_COVER = "Only the cover sheet was scanned"
NOT_ALLOWED = (
    "Cover sheet found, but the user who picked this scan up may not file to charts; file by hand"
)
SIGNED_VISIT = "Cover sheet names a visit whose note has been signed since; file by hand"
VISIT = "Cover sheet names a visit this scan cannot be filed to automatically; file by hand"
SEVERAL = (
    "More than one cover sheet in this scan (or too many pages to check): split it at each"
    " sheet, then file the parts"
)
NOT_SEPARATED = "Cover sheet found, but the pages after it could not be separated; file by hand"
DESCRIPTION = "Filed by cover sheet"


def apply_cover_sheet(
    op: Op, item: InboxItem, content: bytes, documents: DocumentService
) -> int | None:
    """Inside ``InboxService.receive``'s transaction, after the item is flushed: file the
    scan by its cover sheet and return the document id, or leave it waiting (with
    ``item.note`` saying why, when a cover sheet was found but cannot be used) and return
    None."""
    text = _read_first_page(content, DocumentContent(item.content_type))
    if text is None:
        return None
    token = parse_token(text)
    sheet = (
        op.db.scalars(select(CoverSheet).where(CoverSheet.token == token)).first()
        if token is not None
        else None
    )
    if sheet is None:
        item.note = UNKNOWN
        return None
    item.cover_sheet_id = sheet.id
    why = _why_not(op, item, sheet)
    if why is not None:
        item.note = why
        return None
    if _another_sheet(content, DocumentContent(item.content_type)):
        # A stack scanned with a sheet before each patient's pages: filing it all by the
        # first sheet would put the other patients' pages (and sheets) in this chart.
        item.note = SEVERAL
        return None
    return _file(op, item, sheet, content, documents)


def _another_sheet(content: bytes, kind: DocumentContent) -> bool:
    """Whether a page after the first carries one of our cover-sheet codes (any token:
    known or not, it marks where another patient's pages begin)."""
    try:
        return later_pages_show(content, kind, lambda page: find_token(page) is not None)
    except Exception:
        log.warning("could not look for more cover sheets in a scan", exc_info=False)
        return True  # unsure: a person files it


def _read_first_page(content: bytes, kind: DocumentContent) -> str | None:
    """Our barcode's text on the first page, or None (none there, or the page could not be
    drawn: then the scan waits like any other)."""
    started = time.perf_counter()
    try:
        return find_token(first_page_image(content, kind))
    except Exception:
        # Already checked readable by inspect_file; a page pdfium or Pillow still cannot
        # draw just means no cover sheet is read. Logged without the file or its name.
        log.warning("could not look for a cover sheet on a scan's first page", exc_info=False)
        return None
    finally:
        log.debug("cover sheet check: %.0f ms", (time.perf_counter() - started) * 1000)


def _why_not(op: Op, item: InboxItem, sheet: CoverSheet) -> str | None:
    """Why a known sheet cannot file this scan (a note), or None."""
    expires = from_iso(sheet.expires_at)
    if expires <= op.ctx.now():
        return EXPIRED.format(day=f"{expires.astimezone():%m/%d/%Y}")
    patient = op.db.get(Patient, sheet.patient_id)
    if patient is None or patient.merged_into_id is not None:
        return MERGED
    if item.page_count < 2:
        return ONLY_COVER
    # The role, never an emergency grant: filing unseen is not an emergency.
    if not permissions.allowed(op.role, Action.CREATE, DataCategory.CLINICAL):
        return NOT_ALLOWED
    if sheet.encounter_id is None:
        return None
    # The rules for linking an entry to a visit (services.encounter_links), asked before
    # anything is written: this patient's visit, not entered in error, its note unsigned,
    # and its label (which the document would carry) one the user may set.
    try:
        encounter = patients_encounter(op, sheet.patient_id, sheet.encounter_id, kept=False)
    except ValidationError:
        return VISIT
    if encounter.signed_at is not None:
        return SIGNED_VISIT
    if encounter.sensitivity and not permissions.allowed(
        op.role, Action.CREATE, DataCategory.SENSITIVE
    ):
        return VISIT
    return None


def _visit_label(op: Op, sheet: CoverSheet) -> Sensitivity | None:
    """An entry in a labelled visit carries the visit's label."""
    if sheet.encounter_id is None:
        return None
    encounter = op.db.get(Encounter, sheet.encounter_id)
    if encounter is None or not encounter.sensitivity:
        return None
    return Sensitivity(encounter.sensitivity)


def _file(
    op: Op, item: InboxItem, sheet: CoverSheet, content: bytes, documents: DocumentService
) -> int | None:
    now = op.ctx.now()
    try:
        rest = without_first_page(content, DocumentContent(item.content_type))
        checked = inspect_file(rest, max_bytes=max(documents._max_bytes(op), len(content)))
    except Exception:
        log.warning("could not take the cover sheet off a scan", exc_info=False)
        item.note = NOT_SEPARATED
        return None
    data = DocumentInput(
        sensitivity=_visit_label(op, sheet),
        doc_type=sheet.doc_type,
        type_name=sheet.type_name or "",
        document_date=_arrival_day(item, now),
        description=DESCRIPTION,
        encounter_id=sheet.encounter_id,
        file_name=item.source_name[-200:],
        blob_id=1,  # checked here before the bytes are written; set below
        content_type=checked.content_type.value,
        page_count=checked.page_count,
        size=checked.size,
        sha256=checked.sha256,
    )
    try:
        documents._validated(op, data)
    except ValidationError:
        item.note = VISIT if sheet.encounter_id is not None else NOT_SEPARATED
        return None
    blob = DocumentBlob(
        sha256=checked.sha256,
        content_type=checked.content_type.value,
        page_count=checked.page_count,
        size=checked.size,
        content=rest,
        created_by=op.user.id,
        created_at=iso(now),
    )
    op.db.add(blob)
    op.db.flush()
    saved = documents._add_new(op, sheet.patient_id, replace(data, blob_id=blob.id))
    # Closed as InboxService closes a scan it files: by whoever picked it up, now.
    item.status = InboxStatus.FILED.value
    item.closed_by = op.user.id
    item.closed_at = iso(now)
    item.document_id = saved.id
    item.version += 1
    sheet.used_count += 1
    sheet.last_used_at = iso(now)
    op.about_patient(sheet.patient_id)
    op.event.detail = (
        f"inbox item {item.id}: {item.page_count} page(s), filed by cover sheet {sheet.id}"
        f" as document {saved.id}"
    )
    return saved.id


def _arrival_day(item: InboxItem, now: dt.datetime) -> dt.date:
    """The day the scan arrived, as the clinic's calendar has it (local time), and never
    after today as the form's check counts it (UTC): east of Greenwich the local date can
    be a day ahead."""
    local = from_iso(item.arrived_at).astimezone().date()
    return min(local, now.date())
