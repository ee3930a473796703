"""Drafts of chart forms through the real services, on SQLCipher and PostgreSQL: kept for
their author only, replaced by each autosave, offered back with whether the saved item
changed meanwhile, refused in plain words when malformed, forgotten when discarded."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.drafts import TEXT_MAX, item_form_key, new_form_key
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

TYPED = {"description": "Type 2 diabetes, poorly contr", "onset": "03/19", "icd10cm": ""}


def test_a_draft_is_kept_replaced_and_discarded_for_its_author_only(clinic: Clinic) -> None:
    nurse, provider = clinic.sessions[Role.NURSE], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    key = new_form_key("problem", pid)
    assert key == f"problem:new:patient={pid}"
    clinic.inst.drafts.save_draft(nurse, key, pid, "problem", None, TYPED)
    clinic.clock.advance(seconds=2)
    later = TYPED | {"onset": "03/1998"}
    clinic.inst.drafts.save_draft(nurse, key, pid, "problem", None, later)  # the autosave
    [offered] = clinic.inst.drafts.my_drafts(nurse)
    assert (offered.key, offered.patient_id, offered.item_type) == (key, pid, "problem")
    assert offered.item_id is None and offered.base_version is None
    assert offered.saved_at == clinic.clock.now
    assert not offered.changed_meanwhile and not offered.item_gone
    patient = clinic.inst.patients.get(clinic.sessions[Role.RECORDS], pid)
    assert (offered.patient_name, offered.mrn) == (patient.display_name, patient.mrn)
    draft = clinic.inst.drafts.draft(nurse, key)
    assert draft is not None and dict(draft.fields) == later and draft.info == offered
    assert "diabetes" not in repr(draft)
    # Nobody else sees it: not in their offer, not under the same form key.
    assert clinic.inst.drafts.my_drafts(provider) == []
    assert clinic.inst.drafts.draft(provider, key) is None
    assert clinic.inst.drafts.my_drafts(clinic.admin) == []
    # The provider's own draft of the same form is theirs, beside the nurse's.
    clinic.inst.drafts.save_draft(provider, key, pid, "problem", None, {"description": "x"})
    assert dict(clinic.inst.drafts.draft(nurse, key).fields) == later  # type: ignore[union-attr]
    clinic.inst.drafts.discard_draft(nurse, key)
    assert clinic.inst.drafts.my_drafts(nurse) == []
    assert clinic.inst.drafts.draft(nurse, key) is None
    clinic.inst.drafts.discard_draft(nurse, key)  # nothing left: nothing to do
    assert [d.key for d in clinic.inst.drafts.my_drafts(provider)] == [key]
    # Audited without what was typed.
    found = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    saves = [e for e in found if e.entry_point == "DraftService.save_draft"]
    assert len(saves) == 3 and all(e.outcome == "success" for e in saves)
    assert all("diabetes" not in (e.detail or "") for e in found)


def test_the_offer_says_when_someone_saved_the_item_meanwhile(clinic: Clinic) -> None:
    nurse, provider = clinic.sessions[Role.NURSE], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    saved = clinic.inst.problems.add(nurse, pid, ProblemInput(description="Asthma"))
    steady = clinic.inst.problems.add(nurse, pid, ProblemInput(description="Hypertension"))
    edit_key = item_form_key("problem", saved.id)
    clinic.inst.drafts.save_draft(
        nurse, edit_key, pid, "problem", saved.version, {"description": "Asthma, mild"}
    )
    clinic.inst.drafts.save_draft(
        nurse,
        item_form_key("problem", steady.id),
        pid,
        "problem",
        steady.version,
        {"description": "Essential hypertension"},
    )
    clinic.clock.advance(minutes=3)
    theirs = clinic.inst.problems.update(
        provider,
        saved.id,
        ProblemInput(description="Asthma", chronic=True),
        expected_version=saved.version,
    )
    offered = {d.item_id: d for d in clinic.inst.drafts.my_drafts(nurse)}
    changed, unchanged = offered[saved.id], offered[steady.id]
    assert changed.changed_meanwhile and not unchanged.changed_meanwhile
    assert (changed.base_version, changed.current_version) == (1, theirs.version)
    assert (changed.changed_by, changed.changed_at) == ("Test Provider", theirs.changed_at)
    assert changed.current_status is ItemStatus.ACTIVE
    # Newest first: the offer lists the latest typing on top.
    assert [d.item_id for d in clinic.inst.drafts.my_drafts(nurse)] == [steady.id, saved.id]


@pytest.mark.parametrize(
    ("key", "item_type", "base", "fields", "said"),
    [
        ("  ", "problem", None, {"description": "x"}, "form key"),
        ("problem:new", "vaccine-ish", None, {"description": "x"}, "unknown kind of item"),
        ("problem:new", "problem", None, {"": "x"}, "without a proper name"),
        ("problem:new", "problem", None, {"description": "y" * TEXT_MAX}, "more than a draft"),
    ],
)
def test_a_malformed_draft_is_refused_in_plain_words(
    local_clinic: Clinic, key: str, item_type: str, base: int | None, fields: dict, said: str
) -> None:
    nurse = local_clinic.sessions[Role.NURSE]
    pid = new_patient(local_clinic)
    with pytest.raises(ValidationError, match=said) as refused:
        local_clinic.inst.drafts.save_draft(nurse, key, pid, item_type, base, fields)
    assert "yyyy" not in refused.value.message
    assert local_clinic.inst.drafts.my_drafts(nurse) == []


def test_an_edit_draft_must_name_an_item_of_that_patient(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid, other = new_patient(clinic), new_patient(clinic)
    item = clinic.inst.problems.add(nurse, pid, ProblemInput(description="Asthma"))
    key = item_form_key("problem", item.id)
    with pytest.raises(ValidationError, match="does not belong to this patient"):
        clinic.inst.drafts.save_draft(nurse, key, other, "problem", 1, {"description": "x"})
    with pytest.raises(ValidationError, match="needs the version it edits"):
        clinic.inst.drafts.save_draft(nurse, key, pid, "problem", None, {"description": "x"})
    assert clinic.inst.drafts.my_drafts(nurse) == []


def test_roles_that_may_not_write_the_chart_keep_no_drafts(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    for role in (Role.FRONT_DESK, Role.CODER, Role.ADMIN):
        session = clinic.sessions[role]
        with pytest.raises(PermissionDeniedError):
            clinic.inst.drafts.save_draft(
                session, new_form_key("problem", pid), pid, "problem", None, {"description": "x"}
            )
        # The offer at sign-in asks every role, and is simply empty for these.
        assert clinic.inst.drafts.my_drafts(session) == []
