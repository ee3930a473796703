"""Documents in the chart (issue 12): the filed item and the bytes it describes.

The bytes live in ``document_blob``, inside the encrypted database (never as plain files):
stored once, never changed (a correction re-files the item, it does not rewrite the bytes).
A blob has no patient column: the item that points at it names the patient, so a re-filed
document (entered in error on one chart, filed anew on another) shares its bytes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.clinical import ClinicalItem


class DocumentBlob(Base):
    """One attached file's bytes, as received, with what they were found to be."""

    __tablename__ = "document_blob"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    page_count: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[str] = mapped_column(String(32))


class Document(ClinicalItem, Base):
    """A document filed to a patient (and optionally an encounter): see domain.documents."""

    __tablename__ = "document"
    __item_type__ = "document"

    doc_type: Mapped[str] = mapped_column(String(32))
    type_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    document_date: Mapped[dt.date] = mapped_column(Date)
    author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter.id"), nullable=True, index=True
    )
    file_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("document_blob.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    page_count: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
