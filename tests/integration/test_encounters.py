"""Encounters: recording the visit and its SOAP note, signing it (only its provider, the
password again), the lock that follows, addenda, the lists (SQLCipher and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounter_views import WITHHELD
from medrec_desktop.domain.encounters import EncounterInput, EncounterType, encounter_title
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.addenda import NOT_SIGNED
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.encounter_kinds import NO_SUCH_PROBLEM, NO_SUCH_PROVIDER, SIGNED_NOTE
from medrec_desktop.services.encounter_links import (
    LOCKED_ENTRY,
    NO_SUCH_ENCOUNTER,
    SIGNED_ENCOUNTER,
)
from medrec_desktop.services.encounters import ONLY_PROVIDER, WRONG_PASSWORD
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import PROVIDER_ID, SAMPLE_INPUTS, new_patient
from tests.integration.test_results import selects

VISIT = SAMPLE_INPUTS["encounter"]
assert isinstance(VISIT, EncounterInput)
# Words of the sample note: none may reach an audit event's detail or reason.
NOTE_WORDS = ("blood pressure", "headaches", "lisinopril", "Room 2", "Late entry", "called")


def _visit(c: Clinic, pid: PatientId, **changes: object) -> tuple[int, int]:
    """A visit recorded by the provider: (id, version)."""
    added = c.inst.encounters.add(c.sessions[Role.PROVIDER], pid, replace(VISIT, **changes))
    return added.id, added.version


def _sign(c: Clinic, encounter_id: int, version: int = 1) -> None:
    c.inst.encounters.sign(
        c.sessions[Role.PROVIDER], encounter_id, password=ROLE_PASSWORD, expected_version=version
    )


def test_a_visit_is_recorded_and_edited_like_every_item(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    assert provider.user_id == PROVIDER_ID
    pid = new_patient(clinic)
    htn = clinic.inst.problems.add(provider, pid, ProblemInput(description="Hypertension"))
    # A provider charting their own visit need not choose themselves.
    mine = clinic.inst.encounters.add(
        provider, pid, replace(VISIT, provider_id=None, problems_addressed=(htn.id,))
    )
    assert (mine.data.provider_id, mine.data.problems_addressed) == (PROVIDER_ID, (htn.id,))
    assert mine.data.signed_by is None and mine.data.signed_at is None
    # A nurse records the objective part of it.
    changed = clinic.inst.encounters.update(
        nurse,
        mine.id,
        replace(EncounterInput.editing(mine), objective="BP 150/95 on arrival, 138/88 later."),
        expected_version=1,
    )
    assert changed.version == 2
    [_, second] = clinic.inst.encounters.history(nurse, mine.id)
    assert [c.label for c in second.changes] == ["Objective"]
    assert second.changed_by == "Test Nurse"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason_for_visit": "  "}, "reason_for_visit"),
        ({"starts_at": dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"encounter_type": "house call"}, "encounter_type"),
        ({"subjective": "headaches " * 3000}, "subjective"),
        ({"location": "x" * 201}, "location"),
        ({"provider_id": 3}, "provider_id"),  # the nurse is not a provider
    ],
    ids=lambda v: str(v)[:24],
)
def test_a_refused_visit_names_the_field_in_plain_words(
    local_clinic: Clinic, changes: dict[str, object], field: str
) -> None:
    pid = new_patient(local_clinic)
    with pytest.raises(ValidationError) as refused:
        local_clinic.inst.encounters.add(
            local_clinic.sessions[Role.NURSE], pid, replace(VISIT, **changes)
        )
    assert refused.value.field == field
    assert "headaches" not in refused.value.message
    if field == "provider_id":
        assert refused.value.message == NO_SUCH_PROVIDER


def test_a_visit_tomorrow_morning_may_be_entered_ahead(local_clinic: Clinic) -> None:
    pid = new_patient(local_clinic)
    tomorrow = local_clinic.clock.now + dt.timedelta(hours=20)
    added = local_clinic.inst.encounters.add(
        local_clinic.sessions[Role.PROVIDER], pid, replace(VISIT, starts_at=tomorrow)
    )
    assert added.data.starts_at == tomorrow.replace(microsecond=0)
    with pytest.raises(ValidationError) as refused:
        local_clinic.inst.encounters.add(
            local_clinic.sessions[Role.PROVIDER],
            pid,
            replace(VISIT, starts_at=local_clinic.clock.now + dt.timedelta(hours=25)),
        )
    assert refused.value.field == "starts_at"


def test_problems_addressed_are_this_patients_and_not_entered_in_error(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid, other = new_patient(clinic), new_patient(clinic)
    theirs = clinic.inst.problems.add(provider, other, ProblemInput(description="Gout"))
    wrong = clinic.inst.problems.add(provider, pid, ProblemInput(description="Asthma"))
    clinic.inst.problems.mark_entered_in_error(
        provider, wrong.id, reason="wrong chart", expected_version=1
    )
    for problem_id, message in ((theirs.id, NO_SUCH_PROBLEM), (999_999, NO_SUCH_PROBLEM)):
        with pytest.raises(ValidationError, match=message) as refused:
            _visit(clinic, pid, problems_addressed=(problem_id,))
        assert refused.value.field == "problems_addressed"
    with pytest.raises(ValidationError, match="entered in error") as refused:
        _visit(clinic, pid, problems_addressed=(wrong.id,))
    assert refused.value.field == "problems_addressed"


def test_the_provider_signs_with_the_password_and_history_says_who_and_when(
    clinic: Clinic,
) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    clinic.clock.advance(hours=2)
    signed = clinic.inst.encounters.sign(provider, eid, password=ROLE_PASSWORD, expected_version=1)
    assert (signed.version, signed.data.signed_by) == (2, PROVIDER_ID)
    assert signed.data.signed_at == clinic.clock.now
    [_, signing] = clinic.inst.encounters.history(provider, eid)
    assert (signing.changed_by, signing.changed_at, signing.reason) == (
        "Test Provider",
        clinic.clock.now,
        "Signed",
    )
    assert [c.label for c in signing.changes] == ["Signed by", "Signed at"]
    detail = clinic.inst.encounters.detail(provider, eid)
    assert (detail.locked, detail.signed_by, detail.provider) == (
        True,
        "Test Provider",
        "Test Provider",
    )
    with pytest.raises(ValidationError, match="already signed"):
        _sign(clinic, eid, 2)


def test_a_wrong_password_signs_nothing_and_is_audited_as_a_failure(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    with pytest.raises(ValidationError, match=WRONG_PASSWORD) as refused:
        clinic.inst.encounters.sign(provider, eid, password="not my password", expected_version=1)
    assert refused.value.field == "password"
    stored = clinic.inst.encounters.get(provider, eid)
    assert (stored.version, stored.data.signed_at) == (1, None)
    [event] = [
        e
        for e in clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
        if e.entry_point == "EncounterService.sign"
    ]
    assert (event.outcome, event.reason, event.username) == (
        "failure",
        "bad password",
        provider.username,
    )
    # The right one still works (the failure only started the sign-in throttle's count).
    _sign(clinic, eid)


def test_only_the_visits_own_provider_signs(clinic: Clinic) -> None:
    admin = clinic.admin
    clinic.inst.users.add_user(
        admin, "drtwo", "Second Provider", Role.PROVIDER, ROLE_PASSWORD, must_change_password=False
    )
    other = clinic.inst.auth.login("drtwo", ROLE_PASSWORD)
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    for session in (other, clinic.sessions[Role.NURSE], clinic.sessions[Role.RECORDS]):
        with pytest.raises(PermissionDeniedError, match=ONLY_PROVIDER):
            clinic.inst.encounters.sign(session, eid, password=ROLE_PASSWORD, expected_version=1)
    refusals = [
        e
        for e in clinic.inst.audit.events(admin, AuditFilter(patient_id=pid))
        if e.entry_point == "EncounterService.sign"
    ]
    assert [e.outcome for e in refusals] == ["denied"] * 3
    assert clinic.inst.encounters.get(other, eid).data.signed_at is None


def test_a_signed_note_and_its_vitals_refuse_changes_in_plain_words(clinic: Clinic) -> None:
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    pid, other = new_patient(clinic), new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    vitals_typed = replace(SAMPLE_INPUTS["vitals"], encounter_id=eid)
    assert isinstance(vitals_typed, VitalsInput)
    taken = clinic.inst.vitals.add(provider, pid, vitals_typed)
    assert taken.data.encounter_id == eid
    # Not another patient's encounter.
    with pytest.raises(ValidationError, match=NO_SUCH_ENCOUNTER):
        clinic.inst.vitals.add(provider, other, vitals_typed)
    _sign(clinic, eid)
    note = clinic.inst.encounters.get(provider, eid)
    edited = replace(EncounterInput.editing(note), plan="Stop lisinopril.")
    with pytest.raises(ValidationError, match=SIGNED_NOTE):
        clinic.inst.encounters.update(provider, eid, edited, expected_version=2)
    with pytest.raises(ValidationError, match=SIGNED_NOTE):
        clinic.inst.encounters.mark_entered_in_error(
            records, eid, reason="wrong chart", expected_version=2
        )
    # What was recorded in it is locked with it; nothing more is recorded in it.
    with pytest.raises(ValidationError, match=LOCKED_ENTRY) as refused:
        clinic.inst.vitals.update(
            provider, taken.id, replace(vitals_typed, pulse="80"), expected_version=1
        )
    assert refused.value.field == "encounter_id"
    with pytest.raises(ValidationError, match=LOCKED_ENTRY):
        clinic.inst.vitals.update(
            provider, taken.id, replace(vitals_typed, encounter_id=None), expected_version=1
        )
    with pytest.raises(ValidationError, match=LOCKED_ENTRY):
        clinic.inst.vitals.mark_entered_in_error(
            records, taken.id, reason="wrong patient", expected_version=1
        )
    with pytest.raises(ValidationError, match=SIGNED_ENCOUNTER):
        clinic.inst.vitals.add(provider, pid, vitals_typed)
    loose = clinic.inst.vitals.add(provider, pid, replace(vitals_typed, encounter_id=None))
    with pytest.raises(ValidationError, match=SIGNED_ENCOUNTER):
        clinic.inst.vitals.update(provider, loose.id, vitals_typed, expected_version=1)
    assert clinic.inst.encounters.get(provider, eid).version == 2
    assert clinic.inst.vitals.get(provider, taken.id).version == 1


def test_addenda_go_under_a_signed_note_oldest_first(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    with pytest.raises(ValidationError, match=NOT_SIGNED):
        clinic.inst.encounters.add_addendum(provider, eid, reason="Late entry", text="More.")
    _sign(clinic, eid)
    with pytest.raises(ValidationError) as refused:
        clinic.inst.encounters.add_addendum(provider, eid, reason=" ", text="More.")
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError) as refused:
        clinic.inst.encounters.add_addendum(provider, eid, reason="Late entry", text="")
    assert refused.value.field == "text"
    clinic.clock.advance(days=1)
    first = clinic.inst.encounters.add_addendum(
        provider, eid, reason="Late entry", text="Patient called: BP 124/80 at home."
    )
    clinic.clock.advance(hours=3)
    second = clinic.inst.encounters.add_addendum(
        nurse, eid, reason="Correction", text="Home readings were taken on the left arm."
    )
    assert (first.author, first.written_at, first.amendment_request_id) == (
        "Test Provider",
        clinic.clock.now - dt.timedelta(hours=3),
        None,
    )
    detail = clinic.inst.encounters.detail(nurse, eid)
    assert detail.addenda == (first, second)
    assert [(a.author, a.reason) for a in detail.addenda] == [
        ("Test Provider", "Late entry"),
        ("Test Nurse", "Correction"),
    ]
    [row] = clinic.inst.encounters.list_for_patient(nurse, pid).rows
    assert (row.signed, row.addenda) == (True, 2)


def test_the_encounter_view_holds_what_was_recorded_in_it(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    htn = clinic.inst.problems.add(provider, pid, ProblemInput(description="Hypertension"))
    eid, _ = _visit(clinic, pid, problems_addressed=(htn.id,))
    taken = dt.datetime(2026, 11, 20, 9, 40, tzinfo=dt.UTC)
    high = VitalsInput(taken_at=taken, systolic="190", diastolic="125", encounter_id=eid)
    clinic.inst.vitals.add(provider, pid, high)
    clinic.inst.vitals.add(provider, pid, replace(high, systolic="", diastolic="", pulse="70"))
    detail = clinic.inst.encounters.detail(provider, eid)
    assert detail.problems == ((htn.id, "Hypertension"),)
    assert [(v.text, v.abnormal) for v in detail.vitals] == [
        ("BP 190/125 mmHg", True),
        ("pulse 70/min", False),
    ]
    assert (detail.tests, detail.procedures, detail.amendments, detail.locked) == (
        (),
        (),
        (),
        False,
    )
    assert detail.item.data.reason_for_visit == VISIT.reason_for_visit


def test_the_patients_list_is_newest_first_and_entered_in_error_on_request(
    clinic: Clinic,
) -> None:
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    days = [dt.datetime(2026, 11, d, 10, 0, tzinfo=dt.UTC) for d in (3, 20, 11)]
    ids = [_visit(clinic, pid, starts_at=when)[0] for when in days]
    _sign(clinic, ids[0])
    clinic.inst.encounters.mark_entered_in_error(
        records, ids[2], reason="wrong chart", expected_version=1
    )
    listed = clinic.inst.encounters.list_for_patient(provider, pid)
    assert [(r.id, r.signed, r.provider) for r in listed.rows] == [
        (ids[1], False, "Test Provider"),
        (ids[0], True, "Test Provider"),
    ]
    assert listed.rows[0].encounter_type is EncounterType.OFFICE
    everything = clinic.inst.encounters.list_for_patient(
        provider, pid, include_entered_in_error=True
    )
    assert [r.id for r in everything.rows] == [ids[1], ids[2], ids[0]]
    assert everything.rows[1].status is ItemStatus.ENTERED_IN_ERROR
    assert clinic.inst.encounters.open_choices(provider, pid) == (
        (ids[1], encounter_title(days[1], EncounterType.OFFICE)),
    )
    assert clinic.inst.encounters.providers(provider) == ((PROVIDER_ID, "Test Provider"),)


def test_todays_list_is_clinic_wide_in_order_of_time(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    first, second = new_patient(clinic, "Alvarez"), new_patient(clinic, "Brown")
    local = dt.datetime(2026, 11, 25, 0, 0).astimezone()  # local midnight
    late, _ = _visit(clinic, first, starts_at=local + dt.timedelta(hours=15))
    early, _ = _visit(clinic, second, starts_at=local + dt.timedelta(hours=8, minutes=30))
    _visit(clinic, second, starts_at=local - dt.timedelta(minutes=1))  # the day before
    cancelled = _visit(clinic, first, starts_at=local + dt.timedelta(hours=11))
    clinic.inst.encounters.update(
        nurse,
        cancelled[0],
        replace(VISIT, status=ItemStatus.INACTIVE, starts_at=local + dt.timedelta(hours=11)),
        expected_version=1,
    )
    day = clinic.inst.encounters.today(nurse, dt.date(2026, 11, 25))
    assert [(r.encounter_id, r.patient_name.split(",")[0], r.signed) for r in day] == [
        (early, "Brown", False),
        (late, "Alvarez", False),
    ]
    assert day[0].reason == VISIT.reason_for_visit and day[0].provider == "Test Provider"
    [event] = clinic.inst.audit.events(clinic.admin, AuditFilter(username=nurse.username))[-1:]
    assert event.entry_point == "EncounterService.today"
    assert event.detail == f"day list: 2 patients: {second},{first}"


def test_unsigned_notes_follow_the_clinic_setting_and_the_provider(clinic: Clinic) -> None:
    provider, nurse, admin = (
        clinic.sessions[Role.PROVIDER],
        clinic.sessions[Role.NURSE],
        clinic.admin,
    )
    pid = new_patient(clinic)
    now = clinic.clock.now
    old = _visit(clinic, pid, starts_at=now - dt.timedelta(days=5))[0]
    recent = _visit(clinic, pid, starts_at=now - dt.timedelta(days=2))[0]
    signed = _visit(clinic, pid, starts_at=now - dt.timedelta(days=9))[0]
    _sign(clinic, signed)
    assert clinic.inst.encounters.unsigned_note_days(nurse) == 3
    listed = clinic.inst.encounters.unsigned(provider)
    assert [(r.encounter_id, r.days_open) for r in listed] == [(old, 5)]
    # Someone else's list is empty unless they ask for the provider's.
    assert clinic.inst.encounters.unsigned(nurse) == ()
    assert clinic.inst.encounters.unsigned(nurse, provider_id=PROVIDER_ID) == listed
    assert clinic.inst.encounters.set_unsigned_note_days(admin, 0) == 0
    assert [r.encounter_id for r in clinic.inst.encounters.unsigned(provider)] == [old, recent]
    clinic.inst.setup.update_settings(admin, {"unsigned_note_days": "7"})
    assert clinic.inst.encounters.unsigned(provider) == ()
    for wrong in (-1, 366):
        with pytest.raises(ValidationError) as refused:
            clinic.inst.encounters.set_unsigned_note_days(admin, wrong)
        assert refused.value.field == "unsigned_note_days"
    with pytest.raises(ValidationError):
        clinic.inst.setup.update_settings(admin, {"unsigned_note_days": "a week"})
    with pytest.raises(PermissionDeniedError):
        clinic.inst.encounters.set_unsigned_note_days(provider, 1)
    assert clinic.inst.encounters.unsigned_note_days(provider) == 7


def test_every_call_is_audited_without_the_notes_words(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    clinic.inst.encounters.get(provider, eid)
    clinic.inst.encounters.update(
        provider, eid, replace(VISIT, plan="Recheck BP in 2 weeks."), expected_version=1
    )
    _sign(clinic, eid, 2)
    clinic.inst.encounters.add_addendum(provider, eid, reason="Late entry", text="Pt called.")
    clinic.inst.encounters.detail(provider, eid)
    clinic.inst.encounters.list_for_patient(provider, pid)
    clinic.inst.encounters.history(provider, eid)
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    seen = [(e.entry_point, e.action, e.outcome) for e in events[1:]]  # after registration
    assert seen == [
        ("ClinicalItemService.add", "create", "success"),
        ("ClinicalItemService.get", "view", "success"),
        ("ClinicalItemService.update", "update", "success"),
        ("EncounterService.sign", "update", "success"),
        ("EncounterService.add_addendum", "create", "success"),
        ("EncounterService.detail", "view", "success"),
        ("EncounterService.list_for_patient", "view", "success"),
        ("ClinicalItemService.history", "view", "success"),
    ]
    for e in events:
        text = f"{e.detail or ''} {e.reason or ''}".lower()
        assert not any(w.lower() in text for w in NOTE_WORDS), e
    assert events[4].detail == f"encounter {eid} signed, version 3"


def test_a_labelled_visit_shows_only_that_it_happens_to_roles_without_access(
    clinic: Clinic,
) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    local = dt.datetime(2026, 11, 25, 0, 0).astimezone()  # local midnight
    labelled = [new_patient(clinic) for _ in range(3)]
    plain = new_patient(clinic)
    for n, pid in enumerate(labelled):
        _visit(
            clinic,
            pid,
            starts_at=local + dt.timedelta(hours=9 + n),
            encounter_type=EncounterType.TELEHEALTH,
            reason_for_visit="Opioid use disorder follow-up",
            sensitivity=Sensitivity.SUBSTANCE_USE,
        )
    _visit(clinic, plain, starts_at=local + dt.timedelta(hours=15))
    # The nurse holds an emergency grant for the patient without a labelled visit.
    clinic.inst.auth.break_glass(nurse, plain, "collapsed in the waiting room", ROLE_PASSWORD)
    with selects(clinic) as seen:
        day = clinic.inst.encounters.today(nurse, dt.date(2026, 11, 25))
    assert len([s for s in seen if "break_glass_grant" in s]) == 1  # one for the whole list
    *hidden, shown = day
    assert [(r.patient_id, r.withheld) for r in hidden] == [(p, True) for p in labelled]
    for row in hidden:
        assert (row.encounter_type, row.provider, row.reason) == (None, WITHHELD, "")
        assert row.mrn and row.patient_name and row.starts_at  # the visit happens
    assert (shown.withheld, shown.provider, shown.reason) == (
        False,
        "Test Provider",
        VISIT.reason_for_visit,
    )
    [event] = clinic.inst.audit.events(clinic.admin, AuditFilter(username=nurse.username))[-1:]
    assert event.entry_point == "EncounterService.today" and not event.emergency
    # A grant for a patient with a labelled visit shows that visit, and flags the event.
    clinic.inst.auth.break_glass(nurse, labelled[1], "seizure at the front desk", ROLE_PASSWORD)
    day = clinic.inst.encounters.today(nurse, dt.date(2026, 11, 25))
    assert [r.withheld for r in day] == [True, False, True, False]
    assert day[1].encounter_type is EncounterType.TELEHEALTH
    [event] = clinic.inst.audit.events(clinic.admin, AuditFilter(username=nurse.username))[-1:]
    assert event.emergency
    # The provider sees everything, unflagged.
    assert not any(r.withheld for r in clinic.inst.encounters.today(provider, local.date()))


def test_a_labelled_unsigned_note_is_withheld_from_who_may_not_see_it(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    eid, _ = _visit(
        clinic,
        pid,
        starts_at=clinic.clock.now - dt.timedelta(days=5),
        sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
    )
    [row] = clinic.inst.encounters.unsigned(nurse, provider_id=PROVIDER_ID)
    assert (row.encounter_id, row.withheld, row.encounter_type, row.reason) == (
        eid,
        True,
        None,
        "",
    )
    [own] = clinic.inst.encounters.unsigned(provider)
    assert (own.withheld, own.encounter_type) == (False, EncounterType.OFFICE)


def test_a_signed_note_shows_its_problems_as_they_were_when_signed(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    problems = clinic.inst.problems
    htn = problems.add(provider, pid, ProblemInput(description="Hypertension"))
    dm = problems.add(provider, pid, ProblemInput(description="Prediabetes"))
    clinic.clock.advance(minutes=5)
    problems.update(
        provider, dm.id, ProblemInput(description="Prediabetes, diet"), expected_version=1
    )
    clinic.clock.advance(minutes=5)
    eid, _ = _visit(clinic, pid, problems_addressed=(dm.id, htn.id))
    _sign(clinic, eid)
    unsigned, _ = _visit(clinic, pid, problems_addressed=(htn.id,))
    clinic.clock.advance(days=30)
    problems.update(
        provider,
        htn.id,
        ProblemInput(description="Hypertension, resistant"),
        expected_version=1,
    )
    problems.update(
        provider, dm.id, ProblemInput(description="Type 2 diabetes"), expected_version=2
    )
    detail = clinic.inst.encounters.detail(provider, eid)
    assert detail.problems == ((dm.id, "Prediabetes, diet"), (htn.id, "Hypertension"))
    # An unsigned note is still being written: it shows the problems as they are now.
    assert clinic.inst.encounters.detail(provider, unsigned).problems == (
        (htn.id, "Hypertension, resistant"),
    )


def test_a_procedure_without_complications_is_not_marked(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    eid, _ = _visit(clinic, pid)
    procedure = SAMPLE_INPUTS["procedure"]
    said = ("none", "None.", " NIL ", "no", "", "Minor bleeding, stopped with pressure")
    for complications in said:
        clinic.inst.procedures.add(
            provider, pid, replace(procedure, complications=complications, encounter_id=eid)
        )
    detail = clinic.inst.encounters.detail(provider, eid)
    assert [p.abnormal for p in detail.procedures] == [False] * 5 + [True]
