"""Recording a disclosure of a release of information (issue 14): one ``disclosure`` row (to
whom, why, who asked, how, which sections and dates of care, the authorization on file, the
SHA-256 of what left) and one ``disclosure_patient`` row per patient it carried, in the
caller's transaction, so the release and its record are committed together. Both tables are
append-only (triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from collections.abc import Mapping

from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    Medium,
    RecordScope,
    ReleaseRequest,
)
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.services.base import Op


def record_disclosure(
    op: Op,
    req: ReleaseRequest,
    *,
    medium: Medium,
    description: str,
    patients: Mapping[int, str],
    sha256: str,
    encrypted: bool = False,
) -> int:
    """Records the release ``req`` (validated) of ``patients`` (patient id -> what went of
    theirs); ``description``: what left, in words (the request's note, what it is for, is
    added after a dash). Returns the disclosure's id."""
    disclosure = Disclosure(
        disclosed_at=op.ctx.now(),
        disclosed_by=op.user.id,
        recipient=req.recipient,
        purpose=DisclosurePurpose(req.purpose).value,
        description=description + (f" — {req.note}" if req.note else ""),
        patient_count=len(patients),
        requester=req.requester or None,
        medium=medium.value,
        sections=",".join(s.value for s in req.scope.sections),
        period_since=req.scope.since,
        period_until=req.scope.until,
        authorization_document_id=req.authorization_document_id,
        sha256=sha256,
        encrypted=encrypted,
    )
    op.db.add(disclosure)
    op.db.flush()
    op.db.add_all(
        DisclosurePatient(disclosure_id=disclosure.id, patient_id=pid, detail=detail)
        for pid, detail in patients.items()
    )
    op.db.flush()
    return disclosure.id


def sections_text(scope: RecordScope) -> str:
    """The sections in words: "Problems, Medications"."""
    return ", ".join(s.label for s in scope.sections)


def dates_text(scope: RecordScope) -> str:
    """ "; dates of care 01/01/2024 to today", or nothing when the scope has no dates."""
    if scope.since is None and scope.until is None:
        return ""
    since = f"{scope.since:%m/%d/%Y}" if scope.since else "the first entry"
    until = f"{scope.until:%m/%d/%Y}" if scope.until else "today"
    return f"; dates of care {since} to {until}"
