"""Unsaved forms kept for their author (issue 9, DESIGN §6: drafts autosave).

The text sits in the clinic database like the chart it belongs to: encrypted at rest in the
SQLCipher file, and on the clinic's PostgreSQL server behind its access controls; never in a
plaintext file beside the program.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.registry import patient_owned


@patient_owned  # a merge moves a draft to the record kept, like the chart it was typed for
class FormDraft(Base):
    """One user's unsaved form (``form_key`` names the form, see ``domain.drafts``)."""

    __tablename__ = "form_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    form_key: Mapped[str] = mapped_column(String(200))
    # None only for a new registration: the patient has no record until the form is saved.
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id"), index=True, nullable=True
    )
    item_type: Mapped[str] = mapped_column(String(32))
    # The saved item the form edits, and the version it was filled from (None: a new item).
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The form's fields as typed: {"description": "...", "onset": "03/19"}.
    data_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[str] = mapped_column(String(32))

    # One draft per user and form: the autosave replaces it (an upsert on this key).
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)
