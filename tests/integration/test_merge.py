"""Merging two records of the same person: the required reason, where it is recorded, and
the suggestion of which record to keep (SQLCipher and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails, PatientInfo
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic

ESTABLISHED = PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "503-555-7000")
NEW_DUPLICATE = PatientInput(
    "Smith",
    "Jo",
    dt.date(1975, 6, 1),
    "male",
    "503-555-7001",
    PatientDetails(
        email="jo@example.org",
        city="Portland",
        postal_code="97205",
        contacts=(ContactInfo("Ann Smith", "spouse", "503-555-0199"),),
        coverages=(CoverageInfo("Aetna", "W123456789"),),
    ),
)
REASON = "Same person: registered twice at front desk"


def register(c: Clinic, data: PatientInput) -> PatientInfo:
    return c.inst.patients.register(
        c.sessions[Role.RECORDS], data, duplicates_reviewed=True, reason="registered twice"
    )


def merge_events(c: Clinic, patient_id: int) -> list:  # type: ignore[type-arg]
    found = c.inst.audit.events(c.admin, AuditFilter(patient_id=patient_id))
    return [e for e in found if e.entry_point == "PatientService.merge"]


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("", "Say why these are the same person"),
        ("  \n\t ", "Say why these are the same person"),
        ("Smith " * 100, "The reason is 599 characters long; keep it to 500."),
    ],
)
def test_a_merge_needs_a_reason_and_without_one_nothing_moves(
    clinic: Clinic, reason: str, said: str
) -> None:
    records = clinic.sessions[Role.RECORDS]
    keep, dup = register(clinic, ESTABLISHED), register(clinic, NEW_DUPLICATE)
    with pytest.raises(ValidationError, match=said) as refused:
        clinic.inst.patients.merge(records, keep.id, dup.id, reason=reason)
    assert refused.value.field == "reason"
    assert "Smith" not in refused.value.message  # what was typed may name the patient
    assert clinic.inst.patients.record(records, dup.id).merged_into is None
    assert clinic.inst.patients.record(records, dup.id).details.coverages
    [event] = merge_events(clinic, keep.id)
    assert (event.outcome, event.reason) == ("failure", "ValidationError")


def test_the_reason_is_recorded_in_the_audit_event_and_both_histories(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    keep, dup = register(clinic, ESTABLISHED), register(clinic, NEW_DUPLICATE)
    typed = "  Same person:   registered twice\nat front desk "
    kept = clinic.inst.patients.merge(records, keep.id, dup.id, reason=typed)
    assert kept.id == keep.id
    [event] = merge_events(clinic, keep.id)
    assert event.outcome == "success"
    assert event.reason == REASON
    # Typed words only in the reason field: the details hold ids.
    assert event.detail == f"merged patient {dup.id} (MRN {dup.mrn}) into {keep.id}"
    kept_history = clinic.inst.patients.history(records, keep.id)
    assert kept_history[-1].summary == f"merged MRN {dup.mrn} into this record. Reason: {REASON}"
    gone_history = clinic.inst.patients.history(records, dup.id)
    assert gone_history[-1].summary == f"merged into MRN {keep.mrn}. Reason: {REASON}"
    assert [v.summary for v in gone_history[:-1]] == ["registered"]
    # A later save is summarised by its changes again, against the merged state.
    moved = clinic.inst.patients.record(records, keep.id)
    assert [c.name for c in moved.details.contacts] == ["Ann Smith"]
    clinic.inst.patients.update(
        records,
        keep.id,
        PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "503-555-7002", moved.details),
        expected_version=moved.info.version,
    )
    assert clinic.inst.patients.history(records, keep.id)[-1].summary == "changed phone"


def test_opened_from_a_new_full_record_the_established_one_is_suggested(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    old = register(clinic, ESTABLISHED)
    clinic.clock.advance(days=800)
    new = register(clinic, NEW_DUPLICATE)
    clinic.clock.advance(minutes=6)
    s = clinic.inst.patients.merge_suggestion(records, new.id, old.id)
    assert (s.keep.patient.id, s.merge.patient.id) == (old.id, new.id)
    assert s.why == (
        f"Keep Smith, John (MRN {old.mrn}): it was registered 2 years ago, "
        f"Smith, Jo (MRN {new.mrn}) only 6 minutes ago, so that one is most likely the "
        "duplicate."
    )
    assert s.merge.on_file_text() == ("4 filled fields, no notes, 1 contact, 1 insurance plan")
    assert s.keep.registered_at == clinic.clock.now - dt.timedelta(days=800, minutes=6)
    # The suggestion names both records in its audit event, which is about the open one.
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=new.id))
    [viewed] = [e for e in events if e.entry_point == "PatientService.merge_suggestion"]
    assert viewed.detail == f"2 patients: {new.id},{old.id}"


def test_note_counts_say_no_more_than_the_role_may_see(clinic: Clinic) -> None:
    a, b = register(clinic, ESTABLISHED), register(clinic, NEW_DUPLICATE)
    provider = clinic.sessions[Role.PROVIDER]
    clinic.inst.patients.add_note(provider, a.id, "Routine visit")
    clinic.inst.patients.add_note(provider, a.id, "Counselling", sensitive=True)
    wrong = clinic.inst.patients.add_note(provider, a.id, "Wrong chart")
    clinic.inst.patients.mark_note_entered_in_error(clinic.sessions[Role.RECORDS], wrong.id)

    def notes_seen(role: Role) -> int | None:
        s = clinic.inst.patients.merge_suggestion(clinic.sessions[role], a.id, b.id)
        return (s.keep if s.keep.patient.id == a.id else s.merge).notes

    assert notes_seen(Role.RECORDS) == 2  # records specialists read sensitive notes
    assert notes_seen(Role.NURSE) == 1
    assert notes_seen(Role.ADMIN) is None  # administrators merge on demographics only


def test_no_suggestion_for_the_same_record_or_one_already_merged(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    keep, dup = register(clinic, ESTABLISHED), register(clinic, NEW_DUPLICATE)
    with pytest.raises(ValidationError, match="two different patients"):
        clinic.inst.patients.merge_suggestion(records, keep.id, keep.id)
    clinic.inst.patients.merge(clinic.admin, keep.id, dup.id, reason=REASON)
    with pytest.raises(ValidationError, match="already merged"):
        clinic.inst.patients.merge_suggestion(records, keep.id, dup.id)
