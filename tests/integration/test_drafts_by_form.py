"""Drafts are kept for whoever may save the form they are typed in, on SQLCipher and
PostgreSQL: front desk keeps demographics and new-registration drafts (never chart items),
a labelled item's draft needs the label's access, and a new registration (no patient yet)
keeps one draft per user. Each refusal is audited, under what the draft holds."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.drafts import item_form_key, new_form_key
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.security import permissions
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.drafts import (
    REGISTRATION,
    REGISTRATION_KEY,
    form_permission,
    keeps_drafts,
)
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

TYPED_NEW = {"family_name": "Rivera", "given_names": "Ana", "birth_date": "04/12/1987"}


def _events(c: Clinic, entry: str, username: str) -> list:  # type: ignore[type-arg]
    found = c.inst.audit.events(c.admin, AuditFilter(username=username), limit=500)
    return [e for e in found if e.entry_point == entry]


def test_front_desk_keeps_a_demographics_draft_and_only_they_are_offered_it(
    clinic: Clinic,
) -> None:
    desk, nurse = clinic.sessions[Role.FRONT_DESK], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    version = clinic.inst.patients.get(desk, pid).version
    key = item_form_key("demographics", pid)
    clinic.inst.drafts.save_draft(desk, key, pid, "demographics", version, {"email": "a@b.org"})
    [offered] = clinic.inst.drafts.my_drafts(desk)
    assert (offered.key, offered.patient_id, offered.item_type) == (key, pid, "demographics")
    assert not offered.changed_meanwhile
    draft = clinic.inst.drafts.draft(desk, key)
    assert draft is not None and dict(draft.fields) == {"email": "a@b.org"}
    # The nurse may write demographics too, but the draft is the front desk's own.
    assert clinic.inst.drafts.my_drafts(nurse) == []
    assert clinic.inst.drafts.draft(nurse, key) is None
    # Filed under demographics, naming the patient, without what was typed.
    [event] = _events(clinic, "DraftService.save_draft", desk.username)
    assert (event.category, event.patient_id, event.outcome) == ("demographics", pid, "success")
    assert "a@b.org" not in (event.detail or "")
    clinic.inst.drafts.discard_draft(desk, key)
    assert clinic.inst.drafts.my_drafts(desk) == []


def test_front_desk_keeps_no_chart_item_draft_and_the_refusal_is_audited(
    clinic: Clinic,
) -> None:
    desk = clinic.sessions[Role.FRONT_DESK]
    pid = new_patient(clinic)
    with pytest.raises(PermissionDeniedError, match="Front desk"):
        clinic.inst.drafts.save_draft(
            desk, new_form_key("problem", pid), pid, "problem", None, {"description": "x"}
        )
    [event] = _events(clinic, "DraftService.save_draft", desk.username)
    assert (event.category, event.outcome, event.patient_id) == ("clinical", "denied", pid)
    assert clinic.inst.drafts.my_drafts(desk) == []


def test_a_new_registration_keeps_one_draft_per_user_without_a_patient(clinic: Clinic) -> None:
    desk, records = clinic.sessions[Role.FRONT_DESK], clinic.sessions[Role.RECORDS]
    drafts = clinic.inst.drafts
    drafts.save_draft(desk, REGISTRATION_KEY, None, REGISTRATION, None, {"family_name": "Riv"})
    clinic.clock.advance(seconds=2)
    drafts.save_draft(desk, REGISTRATION_KEY, None, REGISTRATION, None, TYPED_NEW)  # autosave
    drafts.save_draft(records, REGISTRATION_KEY, None, REGISTRATION, None, {"family_name": "Li"})
    [offered] = drafts.my_drafts(desk)
    assert (offered.key, offered.item_type) == (REGISTRATION_KEY, REGISTRATION)
    assert offered.patient_id is None and offered.mrn is None and offered.item_id is None
    assert offered.patient_name == "Rivera, Ana"  # the name as typed, for its author only
    assert offered.saved_at == clinic.clock.now
    draft = drafts.draft(desk, REGISTRATION_KEY)
    assert draft is not None and dict(draft.fields) == TYPED_NEW
    [theirs] = drafts.my_drafts(records)
    assert theirs.patient_name == "Li"
    # Nobody else: not a nurse, not an administrator.
    assert drafts.my_drafts(clinic.sessions[Role.NURSE]) == []
    assert drafts.draft(clinic.sessions[Role.NURSE], REGISTRATION_KEY) is None
    [event] = _events(clinic, "DraftService.draft", desk.username)
    assert (event.category, event.patient_id) == ("demographics", None)
    assert "Rivera" not in (event.detail or "")
    drafts.discard_draft(desk, REGISTRATION_KEY)
    assert drafts.my_drafts(desk) == []
    assert [d.key for d in drafts.my_drafts(records)] == [REGISTRATION_KEY]


def test_a_registration_draft_is_refused_for_roles_that_cannot_register(clinic: Clinic) -> None:
    coder = clinic.sessions[Role.CODER]
    with pytest.raises(PermissionDeniedError):
        clinic.inst.drafts.save_draft(coder, REGISTRATION_KEY, None, REGISTRATION, None, TYPED_NEW)
    [event] = _events(clinic, "DraftService.save_draft", coder.username)
    assert event.outcome == "denied"
    assert clinic.inst.drafts.my_drafts(coder) == []


@pytest.mark.parametrize(
    ("key", "patient", "item_type", "error", "said"),
    [
        ("registration:other", None, REGISTRATION, ValidationError, "registration draft"),
        (REGISTRATION_KEY, "a patient", REGISTRATION, ValidationError, "registration draft"),
        ("problem:new", None, "problem", NotFoundError, "patient does not exist"),
        ("demographics:1", None, "demographics", NotFoundError, "patient does not exist"),
    ],
)
def test_a_draft_that_mixes_up_new_and_saved_records_is_refused(
    local_clinic: Clinic, key: str, patient: str | None, item_type: str, error: type, said: str
) -> None:
    records = local_clinic.sessions[Role.RECORDS]
    pid = new_patient(local_clinic) if patient else None
    base = 1 if item_type == "demographics" else None
    with pytest.raises(error, match=said):
        local_clinic.inst.drafts.save_draft(records, key, pid, item_type, base, TYPED_NEW)
    assert local_clinic.inst.drafts.my_drafts(records) == []


def test_a_labelled_items_draft_needs_the_labels_access(clinic: Clinic) -> None:
    provider, records = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    item = clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Opioid use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    key = item_form_key("problem", item.id)
    clinic.inst.drafts.save_draft(provider, key, pid, "problem", 1, {"description": "x"})
    assert clinic.inst.drafts.draft(provider, key) is not None
    # Records specialists read labelled items but do not change them: no draft of an edit.
    with pytest.raises(PermissionDeniedError, match="sensitive"):
        clinic.inst.drafts.save_draft(records, key, pid, "problem", 1, {"description": "x"})
    assert clinic.inst.drafts.my_drafts(records) == []


def test_a_changed_role_is_offered_only_the_drafts_it_may_still_save(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    version = clinic.inst.patients.get(nurse, pid).version
    problem_key, demo_key = new_form_key("problem", pid), item_form_key("demographics", pid)
    clinic.inst.drafts.save_draft(nurse, problem_key, pid, "problem", None, {"description": "x"})
    clinic.inst.drafts.save_draft(nurse, demo_key, pid, "demographics", version, {"phone": "1"})
    clinic.inst.users.set_role(clinic.admin, nurse.username, Role.FRONT_DESK)
    # The role is read from the account as stored now: the open session sees it at once.
    assert [d.key for d in clinic.inst.drafts.my_drafts(nurse)] == [demo_key]
    with pytest.raises(PermissionDeniedError):
        clinic.inst.drafts.draft(nurse, problem_key)
    # Their own leftover can still be cleared away.
    clinic.inst.drafts.discard_draft(nurse, problem_key)
    clinic.inst.users.set_role(clinic.admin, nurse.username, Role.NURSE)
    assert [d.key for d in clinic.inst.drafts.my_drafts(nurse)] == [demo_key]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_that_fills_a_form_passes_the_services_demographics_floor(role: Role) -> None:
    """DraftService admits on demographics access, then requires each form's own permission:
    the floor must never shut out a role that may fill some form."""
    clinical = permissions.allowed(role, *form_permission("problem", new=True))
    if keeps_drafts(role):
        for action in (Action.UPDATE, Action.VIEW, Action.QUERY):
            assert permissions.allowed(role, action, DataCategory.DEMOGRAPHICS), action
    assert keeps_drafts(role) == (role not in (Role.CODER, Role.ADMIN))
    assert clinical == (role in (Role.NURSE, Role.PROVIDER, Role.RECORDS))
