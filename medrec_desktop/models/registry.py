"""The one list of patient-owned models (DESIGN §6).

Every table whose rows belong to a patient (a foreign key to ``patient.id``) is either
registered here, so merging two records moves its rows (and later export and the accounting
of disclosures find it), or listed in :data:`NOT_MOVED` with the reason it stays. A test walks
the metadata and fails for a table that is in neither.

Clinical items register themselves (``models.clinical.ClinicalItem``); other models use the
:func:`patient_owned` decorator or call it once where they are imported.
"""

from __future__ import annotations

from typing import TypeVar

from medrec_desktop.models.base import Base

M = TypeVar("M", bound=type[Base])

# Table name -> model, in registration order (the order merge moves them in).
PATIENT_OWNED: dict[str, type[Base]] = {}

# Tables with a foreign key to patient.id whose rows deliberately stay where they are.
NOT_MOVED: dict[str, str] = {
    # The record merged away keeps pointing at the kept one (merged_into_id): that link is
    # what makes the merge traceable.
    "patient": "merged_into_id is the merge itself",
    # Search tokens are derived data: both records are re-indexed after a merge.
    "patient_search_token": "rebuilt from the records by reindexing",
    "patient_search_text": "rebuilt from the records by reindexing",
    # A break-the-glass grant opened one record for one hour; moving it would silently widen
    # an emergency access to the other record's data.
    "break_glass_grant": "an emergency grant covers the record it was given for",
    # A cover sheet printed for the record merged away must not file scans to the kept one
    # silently: its scans go to the inbox saying the record was merged (issue 12).
    "cover_sheet": "a sheet for a merged-away record sends its scans to the inbox",
    # A disclosure is append-only (schema 0016): it names the record as it was released; the
    # accounting of disclosures follows merged records to the kept one instead (issue 13).
    "disclosure_patient": "a disclosure names the record it released; never rewritten",
    # An import log row is append-only (schema 0019): it names the record the Bundle went
    # into; the repeat-import check follows merged records to the kept one instead
    # (patient_merge.with_merged).
    "fhir_import_log": "an import names the record it went into; never rewritten",
}


def patient_owned(model: M) -> M:
    """Register a model whose ``patient_id`` column names its patient (usable as a class
    decorator)."""
    if "patient_id" not in model.__table__.c:
        raise TypeError(f"{model.__name__} has no patient_id column")
    PATIENT_OWNED[model.__tablename__] = model
    return model
