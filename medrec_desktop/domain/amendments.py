"""Amendment requests (the HIPAA right to amend, 45 CFR 164.526) and addenda to signed notes
(issue 10).

A request is recorded as the patient made it (:class:`AmendmentInput`, always pending); the
decision is a later version of the same item, made by ``AmendmentService.accept`` (the change
becomes an addendum to the signed note, citing the request) or ``deny`` (the basis for the
denial, and the patient's statement of disagreement if any). Everything stays with the
record and in its history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, clean_reason, label
from medrec_desktop.domain.dates import parse_date
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import optional_text, required_text

AMENDMENT_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
AMENDMENT_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Current",
    ItemStatus.INACTIVE: "Withdrawn by the patient",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
REQUEST_TEXT_MAX = 5_000
DENIAL_REASON_MAX = 2_000
# Addenda and statements of disagreement may be as long as a SOAP section.
LONG_TEXT_MAX = 20_000
# The covered entity acts on a request within 60 days (45 CFR 164.526(b)(2)).
DECISION_DAYS = 60


class AmendmentDecision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DENIED = "denied"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class AmendmentData:
    """``decided_by`` is a user id; dates are dates (when it was received and decided)."""

    received_on: dt.date = field(metadata=label("Received on"))
    encounter_id: int | None = field(metadata=label("Note concerned"))
    concerns: str | None = field(metadata=label("What it concerns"))
    requested_change: str = field(metadata=label("Change requested"))
    patient_reason: str | None = field(default=None, metadata=label("Patient's reason"))
    decision: AmendmentDecision = field(
        default=AmendmentDecision.PENDING, metadata=label("Decision")
    )
    decided_by: int | None = field(default=None, metadata=label("Decided by"))
    decided_on: dt.date | None = field(default=None, metadata=label("Decided on"))
    denial_reason: str | None = field(default=None, metadata=label("Reason for denial"))
    disagreement: str | None = field(default=None, metadata=label("Statement of disagreement"))

    @property
    def due_on(self) -> dt.date:
        """The date the decision is due by."""
        return self.received_on + dt.timedelta(days=DECISION_DAYS)


@dataclass(frozen=True, kw_only=True)
class AmendmentInput(ItemInput[AmendmentData]):
    """The request form as typed: blank ``received_on`` means today. The decision is never
    typed here (always pending): it is ``AmendmentService.accept`` or ``deny``."""

    received_on: str = ""
    encounter_id: int | None = None
    concerns: str = ""
    requested_change: str = ""
    patient_reason: str = ""

    def validated(self, today: dt.date) -> AmendmentData:
        if self.status not in AMENDMENT_STATUSES:
            raise ValidationError(
                "A request is current or withdrawn by the patient.", field="status"
            )
        received = (
            parse_date(self.received_on, field="received_on", today=today)
            if self.received_on.strip()
            else today
        )
        if received > today:
            raise ValidationError(
                "The request cannot be received in the future.", field="received_on"
            )
        return AmendmentData(
            received_on=received,
            encounter_id=self.encounter_id,
            concerns=optional_text(
                self.concerns, field="concerns", what="text", limit=REQUEST_TEXT_MAX
            ),
            requested_change=required_text(
                self.requested_change,
                field="requested_change",
                what="requested change",
                missing="Write down the change the patient asks for.",
                limit=REQUEST_TEXT_MAX,
            ),
            patient_reason=optional_text(
                self.patient_reason,
                field="patient_reason",
                what="patient's reason",
                limit=REQUEST_TEXT_MAX,
            ),
        )

    @classmethod
    def editing(cls, item: ItemInfo[AmendmentData]) -> AmendmentInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            received_on=data.received_on.strftime("%m/%d/%Y"),
            encounter_id=data.encounter_id,
            concerns=data.concerns or "",
            requested_change=data.requested_change,
            patient_reason=data.patient_reason or "",
        )


@dataclass(frozen=True)
class AddendumInfo:
    """Text added to a signed note: who (``author``, a display name), when (UTC), why. An
    addendum made by accepting an amendment request names it."""

    id: int
    encounter_id: int
    author: str
    written_at: dt.datetime
    reason: str
    text: str
    amendment_request_id: int | None = None


def addendum_text(reason: str, text: str) -> tuple[str, str]:
    """An addendum's reason (one line, required) and text (required), or a plain error."""
    why = clean_reason(reason, required=True, what="this addendum is needed")
    assert why is not None  # required
    body = required_text(
        text,
        field="text",
        what="addendum",
        missing="Write the text of the addendum.",
        limit=LONG_TEXT_MAX,
    )
    return why, body


def denial_text(reason: str, disagreement: str | None) -> tuple[str, str | None]:
    """The basis for a denial (required) and the patient's statement, if given."""
    why = required_text(
        reason,
        field="denial_reason",
        what="reason for denial",
        missing="Give the basis for the denial (the patient receives it in writing).",
        limit=DENIAL_REASON_MAX,
    )
    statement = optional_text(
        disagreement or "", field="disagreement", what="statement", limit=LONG_TEXT_MAX
    )
    return why, statement
