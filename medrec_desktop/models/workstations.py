"""The clinic server's workstations and the enrollment codes that join them (issue 15, schema
0021). On a one-computer file the tables exist and stay empty: nothing joins a file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.chart_more import UtcText


class Workstation(Base):
    """A computer whose data folder works on this clinic's server. ``uid`` is what the folder
    remembers (services/workstations.py); removing a workstation sets ``revoked_*``, and the
    app refuses to open that folder from then on."""

    __tablename__ = "workstation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[dt.datetime] = mapped_column(UtcText)
    # NULL: the workstation recorded itself (the one that created the clinic before schema
    # 0021, or a folder restored from a backup), not with a code an administrator issued.
    joined_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Enrollment(Base):
    """One enrollment code: only its public ``lookup`` part, the salt and Argon2id parameters
    (``kdf``), the SHA-256 of the proof the code gives (``verifier``) and the sealed payload
    (``ciphertext``, emptied once the code is used, locked or found expired). The code itself
    is stored nowhere (security/enrollment.py)."""

    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(8), unique=True)
    workstation_name: Mapped[str] = mapped_column(String(64))
    kdf: Mapped[str] = mapped_column(String(128))
    verifier: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcText)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcText)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    used_by_workstation: Mapped[int | None] = mapped_column(
        ForeignKey("workstation.id"), nullable=True
    )
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The two-step claim (migration 0021): the transaction that claimed the code and SHA-256
    # of its nonce (the payload goes only to that claimant, once that transaction committed),
    # and the transaction of the last attempt (which may not ask for the outcome itself).
    claim_txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claim_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempt_txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
