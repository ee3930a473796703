"""Release of information (issue 14): what of a patient's record leaves the clinic, to whom
and why. ``preview`` reads the record in a scope as the release would carry it (the ROI
dialog shows the counts before anything is written); the releases themselves (record PDF,
FHIR) write a ``disclosure`` in the same transaction as the audit event.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.domain.patient_extract import PatientExtract
from medrec_desktop.domain.record_release import (
    ACCOUNTING_YEARS,
    Accounting,
    DisclosureRow,
    RecordScope,
    purpose_accountable,
    purpose_label,
)
from medrec_desktop.models import Disclosure, DisclosurePatient, Patient, User
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.patient_extract import gather


class RecordReleaseService(Service):
    """``inst.releases``."""

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def preview(self, op: Op, patient_id: PatientId, scope: RecordScope) -> PatientExtract:
        """The record in ``scope`` as a release would carry it (nothing is disclosed)."""
        extract = gather(op, patient_id, scope.validated())
        op.event.detail = (
            f"release preview: {','.join(s.value for s in extract.scope.sections)}; "
            f"{extract.item_count} items"
        )
        return extract

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def accounting(
        self, op: Op, patient_id: PatientId, *, today: dt.date | None = None
    ) -> Accounting:
        """Every disclosure of this patient's information recorded in the six years before
        ``today`` (the workstation's date by default), newest first."""
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        until = today or op.ctx.now().astimezone().date()
        since = _years_before(until, ACCOUNTING_YEARS)
        start = dt.datetime.combine(since, dt.time()).astimezone().astimezone(dt.UTC)
        found = op.db.execute(
            select(Disclosure, DisclosurePatient.detail, User.display_name)
            .join(DisclosurePatient, DisclosurePatient.disclosure_id == Disclosure.id)
            .join(User, User.id == Disclosure.disclosed_by)
            .where(DisclosurePatient.patient_id == patient_id, Disclosure.disclosed_at >= start)
            .order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc())
        ).all()
        rows = tuple(_row(d, detail, who) for d, detail, who in found)
        op.event.detail = (
            f"accounting of disclosures: {len(rows)} disclosures, "
            f"{sum(r.accountable for r in rows)} accountable"
        )
        return Accounting(since=since, until=until, rows=rows)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _row(d: Disclosure, detail: str, who: str) -> DisclosureRow:
    return DisclosureRow(
        disclosure_id=d.id,
        disclosed_at=d.disclosed_at,
        disclosed_by=who,
        recipient=d.recipient,
        purpose=d.purpose,
        purpose_label=purpose_label(d.purpose),
        accountable=purpose_accountable(d.purpose),
        description=d.description,
        detail=detail,
        medium=d.medium,
        requester=d.requester,
        sections=tuple(s for s in (d.sections or "").split(",") if s),
        period_since=d.period_since,
        period_until=d.period_until,
        encrypted=d.encrypted,
    )
