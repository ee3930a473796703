"""The append-only audit trail and its HMAC chain head (DESIGN §5)."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base


class AuditEvent(Base):
    """One event. UPDATE and DELETE are refused by database triggers."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(128))
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    entry_point: Mapped[str] = mapped_column(String(96))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    mac: Mapped[str] = mapped_column(String(64))
    # Forward-secure MAC under the evolving key (security.audit_chain); NULL only on events
    # written before schema 0005.
    fs_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # "Recent patients" reads a user's newest events.
    __table_args__ = (Index("ix_audit_event_user_id_seq", "user_id", "seq"),)


class AuditHead(Base):
    """The chain's last link, itself MACed, so deleting the newest events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))
    head_mac: Mapped[str] = mapped_column(String(64))
    # The forward-secure key for the next event (hex). Earlier keys cannot be derived from it.
    fs_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
