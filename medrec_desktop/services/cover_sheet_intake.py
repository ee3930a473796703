"""Cover sheets at intake (issue 12): a scan whose first page carries one of the clinic's
cover-sheet barcodes is filed at once to that patient and type, the cover page dropped.
Filled in by the cover-sheet work; until then no scan is filed by a cover sheet."""

from __future__ import annotations

from medrec_desktop.models import InboxItem
from medrec_desktop.services.base import Op
from medrec_desktop.services.documents import DocumentService


def apply_cover_sheet(
    op: Op, item: InboxItem, content: bytes, documents: DocumentService
) -> int | None:
    """Inside ``InboxService.receive``'s transaction, after the item is flushed: file the
    scan by its cover sheet and return the document id, or leave it waiting (with
    ``item.note`` saying why, when a cover sheet was found but cannot be used) and return
    None."""
    del op, item, content, documents
    return None
