"""User accounts and break-the-glass grants."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # ISO-8601 UTC strings: portable between SQLite and PostgreSQL and exact in the audit HMAC.
    created_at: Mapped[str] = mapped_column(String(32))
    # The audit root key wrapped under this administrator's password (security.audit_root);
    # lets an administrator verify the forward-secure chain. NULL for everyone else.
    audit_root: Mapped[str | None] = mapped_column(Text, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class BreakGlassGrant(Base):
    """Time-boxed emergency access to one patient's record, granted after re-authentication."""

    __tablename__ = "break_glass_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32))


class LoginThrottle(Base):
    """Failed-login state per typed user name, existing or not, so that the delay and the lockout
    behave the same for unknown names and nobody learns which accounts exist."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    locked_until: Mapped[str | None] = mapped_column(String(32), nullable=True)
