"""Addenda to signed notes: written once (the database refuses any change, schema 0012),
read in the order written. Used inside audited bodies (EncounterService, AmendmentService)."""

from __future__ import annotations

from sqlalchemy import select

from medrec_desktop.domain.amendments import AddendumInfo
from medrec_desktop.models import Encounter, EncounterAddendum
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op

NOT_SIGNED = "This note is not signed yet: change the note itself; addenda are for signed notes."


def write_addendum(
    op: Op, encounter: Encounter, reason: str, text: str, *, request_id: int | None = None
) -> AddendumInfo:
    """Add the (already validated) addendum to ``encounter``'s signed note, by the caller."""
    row = EncounterAddendum(
        encounter_id=encounter.id,
        patient_id=encounter.patient_id,
        author_id=op.user.id,
        written_at=op.ctx.now(),
        reason=reason,
        text=text,
        amendment_request_id=request_id,
    )
    op.db.add(row)
    op.db.flush()
    return _info(row, op.user.display_name)


def addenda_of(op: Op, encounter_id: int) -> tuple[AddendumInfo, ...]:
    """The note's addenda, oldest first (ties in the order written)."""
    rows = list(
        op.db.execute(
            select(EncounterAddendum)
            .where(EncounterAddendum.encounter_id == encounter_id)
            .order_by(EncounterAddendum.written_at, EncounterAddendum.id)
        ).scalars()
    )
    names = versioning.display_names(op.db, (r.author_id for r in rows))
    return tuple(_info(r, names.get(r.author_id, "(unknown user)")) for r in rows)


def _info(row: EncounterAddendum, author: str) -> AddendumInfo:
    return AddendumInfo(
        id=row.id,
        encounter_id=row.encounter_id,
        author=author,
        written_at=row.written_at,
        reason=row.reason,
        text=row.text,
        amendment_request_id=row.amendment_request_id,
    )
