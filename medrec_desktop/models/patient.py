"""The patient record: USCDI demographics, related persons, insurance, notes and versions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base


def _bytewise(length: int) -> String:
    """Text compared byte by byte, as SQLite compares it: on a PostgreSQL server too, whatever
    the database's own collation, so name order and prefix ranges are the file's (schema
    0020). (Under ICU's en-US rules "ærø" sorts beside "abbott"; byte by byte, after "z".)"""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Patient(Base):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    family_name: Mapped[str] = mapped_column(String(128))
    given_names: Mapped[str] = mapped_column(String(128))
    birth_date: Mapped[dt.date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # USCDI demographics (schema 0003)
    previous_names: Mapped[str | None] = mapped_column(Text, nullable=True)
    gender_identity: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sexual_orientation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    race: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ethnicity: Mapped[str | None] = mapped_column(String(64), nullable=True)
    preferred_language: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address_line1: Mapped[str | None] = mapped_column(String(128), nullable=True)
    address_line2: Mapped[str | None] = mapped_column(String(128), nullable=True)
    city: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mobile_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(128), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Set when this record was merged into another; it stays for traceability.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id"), nullable=True, index=True
    )
    # Folded "family<TAB>given" (schema 0004): the order patients are listed in.
    sort_key: Mapped[str] = mapped_column(_bytewise(260), default="")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (Index("ix_patient_listing", "merged_into_id", "sort_key", "id"),)


class RelatedPerson(Base):
    """Emergency contact, guardian, next of kin..."""

    __tablename__ = "related_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    relationship: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    emergency_contact: Mapped[bool] = mapped_column(Boolean, default=True)


class Coverage(Base):
    """Insurance coverage; priority 1 is primary."""

    __tablename__ = "coverage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    payer: Mapped[str] = mapped_column(String(128))
    plan: Mapped[str | None] = mapped_column(String(128), nullable=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    group_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subscriber_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    subscriber_relationship: Mapped[str] = mapped_column(String(32), default="self")


class PatientSearchToken(Base):
    """Normalised words, phone digits and MRN of each patient, for prefix search by index."""

    __tablename__ = "patient_search_token"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    token: Mapped[str] = mapped_column(_bytewise(64), primary_key=True)
    # Folded "family given id": results come out of this index already in name order, so a
    # search never reads (and decrypts) the rows of patients it will not show.
    sort_key: Mapped[str] = mapped_column(_bytewise(280), default="")

    __table_args__ = (
        Index("ix_patient_search_token_token_sort", "token", "sort_key", "patient_id"),
    )


class PatientSearchText(Base):
    """A patient's search tokens in one row, `` token token ... `` (sorted, a space either
    side of each), kept by reindexing with the tokens themselves (schema 0020).

    The file never reads it. On a PostgreSQL server a trigram index over ``tokens`` finds
    the patients holding several typed fragments at once (``tokens LIKE '% smi%' AND tokens
    LIKE '% jo%'``) without joining one token row per fragment, and an index in name order
    that carries ``tokens`` walks the clinic without reading the table
    (services.patient_search_server).
    """

    __tablename__ = "patient_search_text"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    # The token rows' sort key: "family<TAB>given<TAB>id", so it orders patients by itself.
    sort_key: Mapped[str] = mapped_column(_bytewise(280))
    tokens: Mapped[str] = mapped_column(Text)


# Indexes only a PostgreSQL server has (schema 0020): a GIN trigram index (an extension's
# operator class) and a covering index (INCLUDE); the file never reads patient_search_text.
SERVER_ONLY_INDEXES = frozenset({"ix_patient_search_text_trgm", "ix_patient_search_text_walk"})


class ClinicalNote(Base):
    """A free-text note. ``sensitive`` notes (behavioral health, substance use) need more rights."""

    __tablename__ = "clinical_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)


class RecordVersion(Base):
    """Every saved state of an editable record: nothing clinical is destroyed (DESIGN §6)."""

    __tablename__ = "record_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data_json: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[str] = mapped_column(String(32))
