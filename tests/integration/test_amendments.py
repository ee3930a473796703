"""Amendment requests (HIPAA right to amend): recorded as the patient made them, accepted as an
addendum to the signed note citing the request, or denied with the basis and the patient's
statement of disagreement; every step a version in the request's history (SQLCipher and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from medrec_desktop.domain.amendments import AmendmentDecision, AmendmentInput
from medrec_desktop.domain.clinical import ItemId, ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.services.amendments import NEEDS_SIGNED_NOTE, NOTE_NOT_SIGNED
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.encounter_kinds import DECIDED, DECIDED_STAYS
from medrec_desktop.services.encounter_links import NO_SUCH_ENCOUNTER
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import PROVIDER_ID, SAMPLE_INPUTS, new_patient

REQUEST = SAMPLE_INPUTS["amendment-request"]
assert isinstance(REQUEST, AmendmentInput)
CHANGE = "Former smoker: quit in 2019 (the note said current smoker)."


def _note(c: Clinic, pid: PatientId, *, signed: bool = True) -> ItemId:
    provider = c.sessions[Role.PROVIDER]
    visit = c.inst.encounters.add(provider, pid, SAMPLE_INPUTS["encounter"])
    if signed:
        c.inst.encounters.sign(provider, visit.id, password=ROLE_PASSWORD, expected_version=1)
    return visit.id


def _request(c: Clinic, pid: PatientId, encounter_id: int | None) -> ItemId:
    typed = replace(REQUEST, encounter_id=encounter_id)
    return c.inst.amendments.add(c.sessions[Role.RECORDS], pid, typed).id


def test_an_accepted_request_becomes_an_addendum_citing_it(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid = _note(clinic, pid)
    rid = _request(clinic, pid, eid)
    pending = clinic.inst.amendments.get(records, rid)
    assert pending.data.decision is AmendmentDecision.PENDING
    assert pending.data.received_on == dt.date(2026, 11, 23)
    assert pending.data.due_on == dt.date(2027, 1, 22)
    clinic.clock.advance(days=3)
    decided, addendum = clinic.inst.amendments.accept(
        provider, rid, text=CHANGE, expected_version=1
    )
    assert (decided.version, decided.data.decision, decided.data.decided_by) == (
        2,
        AmendmentDecision.ACCEPTED,
        PROVIDER_ID,
    )
    assert decided.data.decided_on == dt.date(2026, 11, 29)
    assert (addendum.encounter_id, addendum.amendment_request_id, addendum.text) == (
        eid,
        rid,
        CHANGE,
    )
    assert addendum.reason == "Amendment requested by the patient on 11/23/2026, accepted"
    detail = clinic.inst.encounters.detail(records, eid)
    assert detail.addenda == (addendum,)
    assert [a.id for a in detail.amendments] == [rid]
    assert detail.amendments[0].data.decision is AmendmentDecision.ACCEPTED
    [recorded, accepted] = clinic.inst.amendments.history(records, rid)
    assert recorded.summary == "recorded"
    assert (accepted.changed_by, accepted.reason) == ("Test Provider", "Accepted")
    assert [c.label for c in accepted.changes] == ["Decision", "Decided by", "Decided on"]
    with pytest.raises(ValidationError, match="decided already"):
        clinic.inst.amendments.deny(
            records, rid, reason="accurate", disagreement=None, expected_version=2
        )
    # The request, now decided, is not edited through its form.
    with pytest.raises(ValidationError, match=DECIDED):
        clinic.inst.amendments.update(
            records, rid, replace(REQUEST, encounter_id=eid, concerns="x"), expected_version=2
        )


def test_a_denied_request_keeps_the_basis_and_the_patients_disagreement(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    rid = _request(clinic, pid, _note(clinic, pid))
    with pytest.raises(ValidationError) as refused:
        clinic.inst.amendments.deny(records, rid, reason=" ", disagreement=None, expected_version=1)
    assert refused.value.field == "denial_reason"
    with pytest.raises(ValidationError, match="answers a denial"):
        clinic.inst.amendments.record_disagreement(
            records, rid, text="I disagree.", expected_version=1
        )
    denied = clinic.inst.amendments.deny(
        records,
        rid,
        reason="The record is accurate and complete: the patient said so on 11/20/2026.",
        disagreement=None,
        expected_version=1,
    )
    assert (denied.data.decision, denied.data.disagreement) == (AmendmentDecision.DENIED, None)
    clinic.clock.advance(days=10)
    statement = clinic.inst.amendments.record_disagreement(
        records, rid, text="I never said that; I quit in 2019.", expected_version=2
    )
    assert statement.data.disagreement == "I never said that; I quit in 2019."
    assert statement.data.denial_reason == denied.data.denial_reason
    history = clinic.inst.amendments.history(records, rid)
    assert [(v.version, v.reason) for v in history] == [
        (1, None),
        (2, "Denied"),
        (3, "Statement of disagreement received"),
    ]
    assert [c.label for c in history[1].changes] == [
        "Decision",
        "Decided by",
        "Decided on",
        "Reason for denial",
    ]
    # Nothing was added to the note.
    note = clinic.inst.encounters.detail(records, denied.data.encounter_id or 0)
    assert note.addenda == ()


def test_a_denial_may_carry_the_statement_given_with_it(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    rid = _request(clinic, pid, _note(clinic, pid))
    denied = clinic.inst.amendments.deny(
        provider, rid, reason="Not created by us.", disagreement="I disagree.", expected_version=1
    )
    assert (denied.data.denial_reason, denied.data.disagreement) == (
        "Not created by us.",
        "I disagree.",
    )


def test_accepting_needs_the_signed_note_and_a_deciding_role(clinic: Clinic) -> None:
    records, nurse = clinic.sessions[Role.RECORDS], clinic.sessions[Role.NURSE]
    pid, other = new_patient(clinic), new_patient(clinic)
    unsigned = _note(clinic, pid, signed=False)
    for encounter_id, message in ((None, NEEDS_SIGNED_NOTE), (unsigned, NOTE_NOT_SIGNED)):
        rid = _request(clinic, pid, encounter_id)
        with pytest.raises(ValidationError, match=message) as refused:
            clinic.inst.amendments.accept(records, rid, text=CHANGE, expected_version=1)
        assert refused.value.field == "encounter_id"
        assert clinic.inst.amendments.get(records, rid).version == 1
    rid = _request(clinic, pid, _note(clinic, pid))
    with pytest.raises(PermissionDeniedError, match="provider or a records specialist"):
        clinic.inst.amendments.accept(nurse, rid, text=CHANGE, expected_version=1)
    [event] = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
        if e.entry_point == "AmendmentService.accept" and e.username == nurse.username
    ]
    assert event.outcome == "denied"
    # A request is about one of this patient's notes.
    with pytest.raises(ValidationError, match=NO_SUCH_ENCOUNTER):
        _request(clinic, other, unsigned)


def test_a_decided_request_is_never_marked_entered_in_error(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid = _note(clinic, pid)
    accepted, denied, pending = (_request(clinic, pid, eid) for _ in range(3))
    clinic.inst.amendments.accept(provider, accepted, text=CHANGE, expected_version=1)
    clinic.inst.amendments.deny(
        records, denied, reason="The note is accurate.", disagreement=None, expected_version=1
    )
    for rid in (accepted, denied):
        with pytest.raises(ValidationError, match=DECIDED_STAYS):
            clinic.inst.amendments.mark_entered_in_error(
                records, rid, reason="typed on the wrong chart", expected_version=2
            )
        assert clinic.inst.amendments.get(records, rid).status is ItemStatus.ACTIVE
    # One still pending, recorded by mistake, may be.
    marked = clinic.inst.amendments.mark_entered_in_error(
        records, pending, reason="typed on the wrong chart", expected_version=1
    )
    assert marked.status is ItemStatus.ENTERED_IN_ERROR


def test_a_request_about_a_labelled_note_is_decided_by_a_provider(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    visit = replace(SAMPLE_INPUTS["encounter"], sensitivity=Sensitivity.BEHAVIORAL_HEALTH)
    eid = clinic.inst.encounters.add(provider, pid, visit).id
    clinic.inst.encounters.sign(provider, eid, password=ROLE_PASSWORD, expected_version=1)
    typed = replace(REQUEST, encounter_id=eid, sensitivity=Sensitivity.BEHAVIORAL_HEALTH)
    rid = clinic.inst.amendments.add(provider, pid, typed).id
    # Records specialists read labelled notes but do not change them: a plain refusal.
    decisions = (
        lambda: clinic.inst.amendments.accept(records, rid, text=CHANGE, expected_version=1),
        lambda: clinic.inst.amendments.deny(
            records, rid, reason="accurate", disagreement=None, expected_version=1
        ),
    )
    for decide in decisions:
        with pytest.raises(PermissionDeniedError, match="a provider must decide this one"):
            decide()
    assert clinic.inst.amendments.get(records, rid).version == 1
    assert clinic.inst.encounters.detail(records, eid).addenda == ()
    denied = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
        if e.username == records.username and e.entry_point.startswith("AmendmentService.")
    ]
    assert [e.outcome for e in denied] == ["denied", "denied"]
    decided, _ = clinic.inst.amendments.accept(provider, rid, text=CHANGE, expected_version=1)
    assert decided.data.decision is AmendmentDecision.ACCEPTED
