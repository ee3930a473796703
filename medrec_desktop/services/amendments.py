"""Amendment requests (the HIPAA right to amend): the generic clinical item service for the
request as the patient made it, plus the decision, each a version of the request so its
history shows who decided what and when.

Accepting makes the change as an addendum to the signed note the request concerns, citing
the request; denying records the basis and the patient's statement of disagreement, if any
(one received later is added with :meth:`AmendmentService.record_disagreement`). Decisions
are made by providers and records specialists.
"""

from __future__ import annotations

from dataclasses import replace

from medrec_desktop.domain.amendments import (
    AddendumInfo,
    AmendmentData,
    AmendmentDecision,
    AmendmentInput,
    addendum_text,
    denial_text,
)
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.item_codec import from_plain
from medrec_desktop.domain.item_fields import required_text
from medrec_desktop.models import AmendmentRequest, Encounter
from medrec_desktop.services import versioning
from medrec_desktop.services.addenda import write_addendum
from medrec_desktop.services.base import Op, audited
from medrec_desktop.services.clinical_items import ClinicalItemService

DECIDERS = frozenset({Role.PROVIDER, Role.RECORDS})
ACCEPTED = "Accepted"
DENIED = "Denied"
DISAGREEMENT = "Statement of disagreement received"
NEEDS_SIGNED_NOTE = (
    "Accepting makes the change as an addendum to the signed note the request concerns. "
    "Choose that note on the request first."
)
LABELLED = (
    "This request concerns a note with a sensitivity label, which your role ({role}) may not "
    "change: a provider must {act}. This attempt was recorded."
)
NOTE_NOT_SIGNED = (
    "The note this request concerns is not signed yet: correct the note itself and sign "
    "it, then accept the request."
)


class AmendmentService(ClinicalItemService[AmendmentData, AmendmentInput]):
    """``inst.amendments``: requests recorded and edited like every item while pending, and
    decided by :meth:`accept` or :meth:`deny`."""

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def accept(
        self, op: Op, request_id: ItemId, *, text: str, expected_version: int
    ) -> tuple[ItemInfo[AmendmentData], AddendumInfo]:
        """Accept the request: ``text`` (the change) becomes an addendum to the signed note
        it concerns, citing the request, and the request is decided (a new version)."""
        row = self._pending(op, request_id, expected_version)
        if row.encounter_id is None:
            raise ValidationError(NEEDS_SIGNED_NOTE, field="encounter_id")
        encounter = op.db.get(Encounter, row.encounter_id, with_for_update=True)
        if encounter is None or encounter.signed_at is None:
            raise ValidationError(NOTE_NOT_SIGNED, field="encounter_id")
        if encounter.sensitivity is not None and not op.can(
            Action.CREATE, DataCategory.SENSITIVE, encounter.patient_id
        ):
            raise PermissionDeniedError(LABELLED.format(role=op.role.label, act="decide this one"))
        current = self._data(row)
        why, body = addendum_text(
            f"Amendment requested by the patient on {current.received_on:%m/%d/%Y}, accepted",
            text,
        )
        saved = self._decide(
            op,
            row,
            replace(
                current,
                decision=AmendmentDecision.ACCEPTED,
                decided_by=op.user.id,
                decided_on=op.ctx.now().date(),
            ),
            ACCEPTED,
        )
        added = write_addendum(op, encounter, why, body, request_id=row.id)
        op.event.detail = (
            f"amendment-request {row.id} accepted; addendum {added.id} to encounter {encounter.id}"
        )
        return saved, added

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def deny(
        self,
        op: Op,
        request_id: ItemId,
        *,
        reason: str,
        disagreement: str | None,
        expected_version: int,
    ) -> ItemInfo[AmendmentData]:
        """Deny the request with its basis (``reason``, required) and the patient's
        statement of disagreement if they gave one."""
        row = self._pending(op, request_id, expected_version)
        why, statement = denial_text(reason, disagreement)
        decided = replace(
            self._data(row),
            decision=AmendmentDecision.DENIED,
            denial_reason=why,
            disagreement=statement,
            decided_by=op.user.id,
            decided_on=op.ctx.now().date(),
        )
        saved = self._decide(op, row, decided, DENIED)
        op.event.detail = f"amendment-request {row.id} denied"
        return saved

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def record_disagreement(
        self, op: Op, request_id: ItemId, *, text: str, expected_version: int
    ) -> ItemInfo[AmendmentData]:
        """The patient's statement of disagreement with a denial, received after it (it
        replaces an earlier statement; the history keeps both)."""
        row = self._request(op, request_id, expected_version, act="record this statement")
        if row.decision != AmendmentDecision.DENIED:
            raise ValidationError(
                "A statement of disagreement answers a denial; this request was not denied."
            )
        statement = required_text(
            text,
            field="disagreement",
            what="statement",
            missing="Write down the patient's statement of disagreement.",
            limit=20_000,
        )
        changed = replace(self._data(row), disagreement=statement)
        saved = self._decide(op, row, changed, DISAGREEMENT)
        op.event.detail = f"amendment-request {row.id} statement of disagreement"
        return saved

    # ------------------------------------------------------------------ helpers

    def _request(
        self, op: Op, request_id: int, expected_version: int, *, act: str = "decide this one"
    ) -> AmendmentRequest:
        """The request's row, locked, checked for its label, version and status. A labelled
        request (about a labelled note) is changed only by a role that may change labelled
        items: records specialists read and release them but do not change them."""
        row = self._row(op, request_id)
        if not isinstance(row, AmendmentRequest):  # pragma: no cover - the kind's model
            raise TypeError("not an amendment request")
        if row.sensitivity is not None and not op.can(
            Action.UPDATE, DataCategory.SENSITIVE, row.patient_id
        ):
            raise PermissionDeniedError(LABELLED.format(role=op.role.label, act=act))
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, AmendmentData)
        )
        if row.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError("This request was entered in error; it cannot be decided.")
        return row

    def _pending(self, op: Op, request_id: int, expected_version: int) -> AmendmentRequest:
        row = self._request(op, request_id, expected_version)
        if op.role not in DECIDERS:
            raise PermissionDeniedError(
                "Amendment requests are decided by a provider or a records specialist. "
                "This attempt was recorded."
            )
        if row.decision != AmendmentDecision.PENDING:
            raise ValidationError("This request has been decided already.")
        if row.status == ItemStatus.INACTIVE:
            raise ValidationError("The patient withdrew this request; there is nothing to decide.")
        return row

    @staticmethod
    def _data(row: AmendmentRequest) -> AmendmentData:
        fields = versioning.content_fields(AmendmentData)
        return from_plain(AmendmentData, {n: getattr(row, n) for n in fields})

    @staticmethod
    def _decide(
        op: Op, row: AmendmentRequest, decided: AmendmentData, reason: str
    ) -> ItemInfo[AmendmentData]:
        versioning.assign(row, decided)
        return versioning.save(op, row, AmendmentData, reason=reason)
