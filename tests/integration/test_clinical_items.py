"""Versioned clinical items through the real services, on SQLCipher and PostgreSQL: add,
update, history with field-by-field differences, entered in error, conflicts between two
workstations, and labelled items withheld from roles without access (issue 9)."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.allergies import AllergyData, AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import FieldChange, ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.domain.problems import ProblemData, ProblemInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.chart_kinds import CONTRADICTED
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.versioning import VersionConflictError
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import new_patient

DIABETES = ProblemInput(description="Type 2 diabetes  ", icd10cm="e11.9", onset="03/1998")


def events(c: Clinic, patient_id: int, entry: str) -> list:  # type: ignore[type-arg]
    found = c.inst.audit.events(c.admin, AuditFilter(patient_id=patient_id))
    return [e for e in found if e.entry_point == entry]


def test_history_lists_who_changed_what_field_by_field(clinic: Clinic) -> None:
    nurse, provider = clinic.sessions[Role.NURSE], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    added = clinic.inst.problems.add(nurse, pid, DIABETES)
    assert (added.version, added.status, added.created_by) == (1, ItemStatus.ACTIVE, "Test Nurse")
    # Kept as typed (outer spaces aside); the code in the coders' spelling.
    assert added.data == ProblemData("Type 2 diabetes", "E11.9", PartialDate(1998, 3))
    clinic.clock.advance(minutes=5)
    changed = clinic.inst.problems.update(
        provider,
        added.id,
        ProblemInput(description="Type 2 diabetes", icd10cm="E11.9", onset="1998", chronic=True),
        expected_version=1,
        reason="  The patient remembers\nonly the year ",
    )
    assert (changed.version, changed.changed_by) == (2, "Test Provider")
    assert changed.created_by == "Test Nurse" and changed.created_at == added.created_at
    first, second = clinic.inst.problems.history(clinic.sessions[Role.RECORDS], added.id)
    assert first.changes == (
        FieldChange("status", "Status", "", "Active"),
        FieldChange("description", "Problem", "", "Type 2 diabetes"),
        FieldChange("icd10cm", "ICD-10-CM code", "", "E11.9"),
        FieldChange("onset", "Onset", "", "03/1998"),
    )
    assert (first.changed_by, first.summary) == ("Test Nurse", "recorded")
    assert second.changes == (
        FieldChange("onset", "Onset", "03/1998", "1998"),
        FieldChange("chronic", "Chronic", "No", "Yes"),
    )
    assert second.changed_at == clinic.clock.now
    assert second.reason == "The patient remembers only the year"
    assert second.summary == "changed Onset, Chronic. Reason: The patient remembers only the year"
    # Each version holds the item exactly as it was saved.
    assert (first.item, second.item) == (added, changed)


def test_a_save_that_changes_nothing_makes_no_version(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    added = clinic.inst.problems.add(nurse, pid, DIABETES)
    again = clinic.inst.problems.update(nurse, added.id, DIABETES, expected_version=1)
    assert again == added
    assert len(clinic.inst.problems.history(nurse, added.id)) == 1


@pytest.mark.parametrize(
    ("typed", "field", "said"),
    [
        (ProblemInput(description="   "), "description", "Describe the problem."),
        (ProblemInput(description="x" * 501), "description", "keep it to 500"),
        (ProblemInput(description="Asthma", icd10cm="asthma"), "icd10cm", "ICD-10-CM code"),
        (ProblemInput(description="Asthma", onset="2030"), "onset", "in the future"),
        (
            ProblemInput(
                description="Asthma", onset="2010", resolution="2005", status=ItemStatus.RESOLVED
            ),
            "resolution",
            "resolved before its onset",
        ),
        (
            ProblemInput(description="Asthma", resolution="2005"),
            "resolution",
            "An active problem has no resolution date",
        ),
        (
            ProblemInput(description="Asthma", status=ItemStatus.ENTERED_IN_ERROR),
            "status",
            "active, inactive or resolved",
        ),
    ],
)
def test_refused_values_name_the_field_and_save_nothing(
    local_clinic: Clinic, typed: ProblemInput, field: str, said: str
) -> None:
    nurse = local_clinic.sessions[Role.NURSE]
    pid = new_patient(local_clinic)
    with pytest.raises(ValidationError) as refused:
        local_clinic.inst.problems.add(nurse, pid, typed)
    assert (refused.value.field, said in refused.value.message) == (field, True)
    assert "asthma" not in refused.value.message.lower()  # what was typed may be PHI
    assert local_clinic.inst.problems.list(nurse, pid, include_inactive=True).items == ()
    [event] = events(local_clinic, pid, "ClinicalItemService.add")
    assert (event.outcome, event.reason) == ("failure", "ValidationError")


def test_entered_in_error_leaves_the_lists_and_stays_in_history_and_audit(clinic: Clinic) -> None:
    nurse, records = clinic.sessions[Role.NURSE], clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    added = clinic.inst.problems.add(nurse, pid, DIABETES)
    with pytest.raises(ValidationError, match="Say why this problem was entered in error"):
        clinic.inst.problems.mark_entered_in_error(
            records, added.id, reason="  ", expected_version=1
        )
    with pytest.raises(PermissionDeniedError):  # nurses may not "delete" clinical data
        clinic.inst.problems.mark_entered_in_error(
            nurse, added.id, reason="wrong chart", expected_version=1
        )
    gone = clinic.inst.problems.mark_entered_in_error(
        records, added.id, reason="Entered in the wrong patient's chart", expected_version=1
    )
    assert (gone.status, gone.version, gone.data) == (
        ItemStatus.ENTERED_IN_ERROR,
        2,
        added.data,
    )
    assert clinic.inst.problems.list(nurse, pid, include_inactive=True).items == ()
    review = clinic.inst.problems.list(records, pid, include_entered_in_error=True).items
    assert review == (gone,)
    last = clinic.inst.problems.history(nurse, added.id)[-1]
    assert last.summary == "marked entered in error. Reason: Entered in the wrong patient's chart"
    assert clinic.inst.problems.get(nurse, added.id) == gone
    with pytest.raises(ValidationError, match="entered in error and can no longer be changed"):
        clinic.inst.problems.update(nurse, added.id, DIABETES, expected_version=2)
    [event] = [
        e
        for e in events(clinic, pid, "ClinicalItemService.mark_entered_in_error")
        if e.outcome == "success"
    ]
    assert (event.action, event.reason) == ("delete", "Entered in the wrong patient's chart")


def test_the_second_save_from_another_workstation_is_refused_with_both_versions(
    clinic: Clinic,
) -> None:
    """Two app instances on one file (or two workstations on the server) edit one allergy."""
    here = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    opened = clinic.inst.allergies.add(
        here, pid, AllergyInput(substance="Penicillin", category="drug", reaction="Hives")
    )
    other = Installation.open(clinic.paths, Unlock(passphrase=PASSPHRASE), clock=clinic.clock)
    try:
        there = other.auth.login("provider", ROLE_PASSWORD)
        theirs = other.allergies.update(
            there,
            opened.id,
            AllergyInput(
                substance="Penicillin", category="drug", reaction="Hives", severity="severe"
            ),
            expected_version=opened.version,
        )
    finally:
        other.close()
    mine = AllergyInput(substance="Penicillin", category="drug", reaction="Hives and wheeze")
    with pytest.raises(VersionConflictError) as refused:
        clinic.inst.allergies.update(here, opened.id, mine, expected_version=opened.version)
    assert refused.value.stored == theirs  # for the side-by-side view
    assert refused.value.expected_version == 1
    assert "Test Provider changed this item (version 2)" in refused.value.message
    assert "Penicillin" not in refused.value.message
    stored = clinic.inst.allergies.get(here, opened.id)
    assert stored == theirs and stored.data.reaction == "Hives"  # never a silent overwrite
    # Combining both: a save based on the version now stored goes through.
    combined = clinic.inst.allergies.update(here, opened.id, mine, expected_version=2)
    assert combined.data == AllergyData("Penicillin", theirs.data.category, "Hives and wheeze")
    assert [v.version for v in clinic.inst.allergies.history(here, opened.id)] == [1, 2, 3]


def test_labelled_items_are_withheld_per_label_from_roles_without_access(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    plain = clinic.inst.problems.add(provider, pid, ProblemInput(description="Hypertension"))
    hidden = clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(
            description="Major depressive disorder",
            icd10cm="F33.1",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    )
    clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(description="Opioid use disorder", sensitivity=Sensitivity.SUBSTANCE_USE),
    )
    for role in (Role.PROVIDER, Role.RECORDS):  # roles with access see everything
        seen = clinic.inst.problems.list(clinic.sessions[role], pid)
        assert (len(seen.items), seen.withheld) == (3, {})
    for role in (Role.NURSE, Role.CODER):
        seen = clinic.inst.problems.list(clinic.sessions[role], pid)
        assert seen.items == (plain,)
        assert seen.withheld == {Sensitivity.BEHAVIORAL_HEALTH: 1, Sensitivity.SUBSTANCE_USE: 1}
        assert seen.withheld_notes == (
            "1 item withheld (behavioral health)",
            "1 item withheld (substance use disorder)",
        )
        assert "depressive" not in repr(seen) and "Opioid" not in repr(seen)
    nurse = clinic.sessions[Role.NURSE]
    for refused_call in (
        lambda: clinic.inst.problems.get(nurse, hidden.id),
        lambda: clinic.inst.problems.history(nurse, hidden.id),
        lambda: clinic.inst.problems.update(
            nurse, hidden.id, ProblemInput(description="x"), expected_version=1
        ),
        lambda: clinic.inst.problems.add(
            nurse, pid, ProblemInput(description="x", sensitivity=Sensitivity.GENETIC)
        ),
    ):
        with pytest.raises(PermissionDeniedError) as denied:
            refused_call()
        assert "depressive" not in denied.value.message
    [listed, *_] = [
        e for e in events(clinic, pid, "ClinicalItemService.list") if e.username == "nurse"
    ]
    assert listed.detail == "1 problem items; withheld behavioral-health 1, substance-use 1"


def test_break_the_glass_opens_labelled_items_and_flags_the_event(clinic: Clinic) -> None:
    provider, nurse = clinic.sessions[Role.PROVIDER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    clinic.inst.problems.add(
        provider, pid, ProblemInput(description="HIV disease", sensitivity=Sensitivity.HIV_STI)
    )
    clinic.inst.auth.break_glass(nurse, pid, "unconscious patient in clinic", ROLE_PASSWORD)
    seen = clinic.inst.problems.list(nurse, pid)
    assert [i.data.description for i in seen.items] == ["HIV disease"] and not seen.withheld
    newest = [e for e in events(clinic, pid, "ClinicalItemService.list") if e.username == "nurse"]
    assert newest[-1].emergency


def test_an_unknown_item_or_patient_is_a_plain_error(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    with pytest.raises(NotFoundError, match="That problem does not exist."):
        clinic.inst.problems.history(nurse, 999)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="That patient does not exist."):
        clinic.inst.problems.add(nurse, 999, DIABETES)  # type: ignore[arg-type]


def test_no_known_allergies_is_a_dated_statement_an_allergy_contradicts(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    nka = clinic.inst.allergy_statements.add(nurse, pid, AllergyStatementInput())
    assert nka.data.stated_on == clinic.clock.now.date()  # blank means today
    clinic.inst.allergies.add(nurse, pid, AllergyInput(substance="Peanut", category="food"))
    assert clinic.inst.allergy_statements.list(nurse, pid).items == ()
    [old] = clinic.inst.allergy_statements.list(nurse, pid, include_inactive=True).items
    assert (old.status, old.version, old.reason) == (ItemStatus.INACTIVE, 2, CONTRADICTED)
    with pytest.raises(ValidationError, match="active allergies on record") as refused:
        clinic.inst.allergy_statements.add(nurse, pid, AllergyStatementInput())
    assert refused.value.field == "status"


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        (AllergyInput(substance=" ", category="drug"), "substance"),
        (AllergyInput(substance="Latex", category="plant"), "category"),
        (AllergyInput(substance="Latex", category="other", severity="deadly"), "severity"),
        (AllergyInput(substance="Latex", category="other", onset="13/2001"), "onset"),
        (AllergyStatementInput(stated_on="12/01/2026"), "stated_on"),
    ],
)
def test_refused_allergy_values_name_the_field(
    local_clinic: Clinic, typed: AllergyInput | AllergyStatementInput, field: str
) -> None:
    nurse = local_clinic.sessions[Role.NURSE]
    pid = new_patient(local_clinic)
    with pytest.raises(ValidationError) as refused:
        if isinstance(typed, AllergyInput):
            local_clinic.inst.allergies.add(nurse, pid, typed)
        else:
            local_clinic.inst.allergy_statements.add(nurse, pid, typed)
    assert refused.value.field == field
