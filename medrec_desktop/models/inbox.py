"""The scanner inbox and cover sheets (issue 12).

An ``inbox_item`` is a file picked up from the clinic's scanner folder: its bytes are already
inside the encrypted database (``document_blob``), it belongs to no patient until a records
specialist files it (then it names the document it became) or marks it "not ours". Rows are
never deleted (triggers refuse it): an inbox item is how the clinic proves a scan arrived and
what became of it.

A ``cover_sheet`` is the opaque token printed as a 2-D barcode on a sheet placed before the
pages it covers: the token alone is in the barcode; which patient and document type it means
is only here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base


class InboxItem(Base):
    """One scanned or faxed file waiting to be filed (or filed, or not ours, or split)."""

    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("document_blob.id"), index=True)
    # The file's name in the scanner folder (scanner software often puts a patient's name
    # in it: it is PHI, kept only here, inside the encrypted database).
    source_name: Mapped[str] = mapped_column(String(260))
    # With the name and the checksum, the file's modification time identifies one arrival:
    # a pick-up interrupted after its commit finds its own row and only deletes the file,
    # while the same bytes sent again later (a new time) are a new arrival.
    source_mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    page_count: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    arrived_at: Mapped[str] = mapped_column(String(32), index=True)
    received_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # domain.inbox.InboxStatus
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Why it waits here rather than being filed automatically (a cover sheet that is unknown,
    # expired or names a merged record); no PHI.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Optimistic locking: two specialists filing the same scan cannot both succeed.
    version: Mapped[int] = mapped_column(Integer, default=1)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    closed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), nullable=True)
    # A part of a split scan names the scan it came from and its pages there ("1-3").
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_item.id"), nullable=True)
    pages_of_parent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The cover sheet found on the first page, if any (filed by it, or refused with a note).
    cover_sheet_id: Mapped[int | None] = mapped_column(ForeignKey("cover_sheet.id"), nullable=True)

    __table_args__ = (
        UniqueConstraint("source_name", "sha256", "source_mtime_ns", name="uq_inbox_item_arrival"),
    )


class CoverSheet(Base):
    """A printed cover sheet's token and what it files to. Stays with the record it was
    printed for (a merge does not move it: a sheet for a merged-away record goes to the
    inbox with that reason)."""

    __tablename__ = "cover_sheet"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random, 128 bits, base32: nothing about the patient can be read from it.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    type_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32))
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
