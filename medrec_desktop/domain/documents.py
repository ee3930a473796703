"""Documents in the chart (issue 12): what a scanned or received file is, as the records
specialist files it: its type, the date on the document, who it is from, a description, the
encounter it belongs to and a sensitivity label (the item's own column).

The file's bytes are not part of the item: they live once in the encrypted database
(``document_blob``), checked when attached (``document_files.inspect_file``: content type from
the bytes, page count, SHA-256, size). The item names them by ``blob_id`` and carries the
facts about them a list shows (type of content, pages, size, checksum), so a version of the
item says exactly which bytes it described. Re-filing to another patient is not an edit (a
patient's items never move except in a merge): the item is entered in error on the wrong
chart and a new item on the right one points at the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import choice, optional_text
from medrec_desktop.domain.partial_dates import EARLIEST_YEAR

DESCRIPTION_MAX = 500
NAME_MAX = 200

DOCUMENT_STATUSES = frozenset({ItemStatus.ACTIVE})
DOCUMENT_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Filed",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}


class DocumentType(StrEnum):
    REFERRAL = "referral"
    OUTSIDE_LAB = "outside_lab"
    IMAGING_REPORT = "imaging_report"
    CONSENT = "consent"
    RELEASE_AUTHORIZATION = "release_authorization"
    INSURANCE_CARD = "insurance_card"
    CORRESPONDENCE = "correspondence"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    DocumentType.REFERRAL: "Referral",
    DocumentType.OUTSIDE_LAB: "Outside lab report",
    DocumentType.IMAGING_REPORT: "Imaging report",
    DocumentType.CONSENT: "Consent",
    DocumentType.RELEASE_AUTHORIZATION: "Authorization to release",
    DocumentType.INSURANCE_CARD: "Insurance card",
    DocumentType.CORRESPONDENCE: "Correspondence",
    DocumentType.OTHER: "Other",
}


@dataclass(frozen=True, kw_only=True)
class DocumentData:
    """``doc_type`` OTHER carries the clinic's own name for it in ``type_name`` ("Disability
    form"). ``document_date`` is the date on the document (not when it was scanned).
    ``blob_id`` names the stored bytes; ``content_type``, ``page_count``, ``size`` and
    ``sha256`` describe them (set by the service from the bytes, never typed)."""

    doc_type: DocumentType = field(metadata=label("Type"))
    type_name: str | None = field(default=None, metadata=label("Kind of document"))
    document_date: dt.date = field(metadata=label("Document date"))
    author: str | None = field(default=None, metadata=label("From"))
    description: str | None = field(default=None, metadata=label("Description"))
    encounter_id: int | None = field(default=None, metadata=label("Encounter"))
    file_name: str | None = field(default=None, metadata=label("File name"))
    blob_id: int = field(metadata=label("File"))
    content_type: str = field(metadata=label("Content"))
    page_count: int = field(metadata=label("Pages"))
    size: int = field(metadata=label("Size"))
    sha256: str = field(metadata=label("SHA-256"))

    @property
    def type_text(self) -> str:
        """ "Referral", or the clinic's own name for an Other document."""
        if self.doc_type is DocumentType.OTHER and self.type_name:
            return self.type_name
        return self.doc_type.label


@dataclass(frozen=True, kw_only=True)
class DocumentInput(ItemInput[DocumentData]):
    """The filing form as typed. The file's facts (``blob_id`` and what the bytes are) come
    from the service, which stores the bytes first: a form never types them."""

    doc_type: DocumentType | str
    type_name: str = ""
    document_date: dt.date | None = None
    author: str = ""
    description: str = ""
    encounter_id: int | None = None
    file_name: str = ""
    blob_id: int = 0
    content_type: str = ""
    page_count: int = 0
    size: int = 0
    sha256: str = ""

    def validated(self, today: dt.date) -> DocumentData:
        if self.status not in DOCUMENT_STATUSES:
            raise ValidationError("A document is filed (or entered in error).", field="status")
        kind = choice(DocumentType, self.doc_type, field="doc_type", what="the type of document")
        type_name = optional_text(
            self.type_name, field="type_name", what="kind of document", limit=NAME_MAX
        )
        if kind is DocumentType.OTHER and type_name is None:
            raise ValidationError(
                "Say what kind of document this is (for example “Disability form”).",
                field="type_name",
            )
        if self.blob_id <= 0 or self.page_count <= 0 or self.size <= 0 or not self.sha256:
            # A programming error, not a user's: the service sets these from the stored bytes.
            raise ValidationError("Attach the file first.", field="file")
        return DocumentData(
            doc_type=kind,
            type_name=type_name if kind is DocumentType.OTHER else None,
            document_date=document_date(self.document_date, today),
            author=optional_text(self.author, field="author", what="source", limit=NAME_MAX),
            description=optional_text(
                self.description, field="description", what="description", limit=DESCRIPTION_MAX
            ),
            encounter_id=self.encounter_id or None,
            file_name=optional_text(
                self.file_name, field="file_name", what="file name", limit=NAME_MAX
            ),
            blob_id=self.blob_id,
            content_type=self.content_type,
            page_count=self.page_count,
            size=self.size,
            sha256=self.sha256,
        )

    @classmethod
    def editing(cls, item: ItemInfo[DocumentData]) -> DocumentInput:
        d = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            doc_type=d.doc_type,
            type_name=d.type_name or "",
            document_date=d.document_date,
            author=d.author or "",
            description=d.description or "",
            encounter_id=d.encounter_id,
            file_name=d.file_name or "",
            blob_id=d.blob_id,
            content_type=d.content_type,
            page_count=d.page_count,
            size=d.size,
            sha256=d.sha256,
        )


def document_date(value: dt.date | None, today: dt.date) -> dt.date:
    """The date on the document: required, not in the future, not before the records begin."""
    if value is None:
        raise ValidationError(
            "Enter the date on the document (when it was written or signed).",
            field="document_date",
        )
    if value > today:
        raise ValidationError(
            "The document's date cannot be in the future: use the date written on it.",
            field="document_date",
        )
    if value.year < EARLIEST_YEAR:
        raise ValidationError(
            f"That is before {EARLIEST_YEAR}; check the year.", field="document_date"
        )
    return value


def size_text(size: int) -> str:
    """ "820 KB", "12.4 MB": how big a file is, for lists and messages."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
