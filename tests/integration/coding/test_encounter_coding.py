"""Coding an encounter (issue 13) through the service, on SQLCipher and PostgreSQL: codes
saved as versions with titles from the code sets, checked with the record's age, sex and date
of service; "mark coded" refused while an Excludes1 error stands, then allowed with a written
override kept on the coded encounter; re-coding needs a reason and its history shows the
codes before and after; return to provider and back; the worklist and its counts; queries
asked, answered by the provider only, withdrawn; who may do what."""

from __future__ import annotations

from dataclasses import replace

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coder_queries import OTHER, UNABLE, QueryInput, QueryState
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    CodingState,
    ProcedureSystem,
    WorklistFilter,
    finding_key,
    move_diagnosis,
    remove_diagnosis,
)
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService, OverrideNeededError
from medrec_desktop.services.versioning import VersionConflictError
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient

VISIT = SAMPLE_INPUTS["encounter"]


def _service(c: Clinic, store: CodeSetStore) -> EncounterCodingService:
    return EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=store))


def _signed_visit(c: Clinic) -> tuple[int, int]:
    pid = new_patient(c)
    provider = c.sessions[Role.PROVIDER]
    added = c.inst.encounters.add(provider, pid, VISIT)  # type: ignore[arg-type]
    c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
    return pid, added.id


def dx(*codes: str) -> tuple[CodedDiagnosis, ...]:
    return tuple(CodedDiagnosis(code=c, title="") for c in codes)


def test_codes_are_saved_checked_overridden_and_recoded_with_history(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder = clinic.sessions[Role.CODER]
    pid, eid = _signed_visit(clinic)

    view = svc.get(coder, eid)
    assert view.coding is None and view.context.dos.isoformat() == "2026-11-20"
    assert view.context.sex == "female" and view.context.age >= 0

    # E11.9 with E10.9: Excludes1 under E11 (type 1 diabetes mellitus).
    saved = svc.save(
        coder,
        eid,
        CodingInput(
            diagnoses=dx("e11.9", "E10.9"),
            procedures=(CodedProcedure(ProcedureSystem.HCPCS, "G0008", "flu shot", pointers=(1,)),),
        ),
        expected_version=None,
    )
    assert saved.coding is not None and saved.coding.version == 1
    assert [d.code for d in saved.coding.data.diagnoses] == ["E11.9", "E10.9"]
    assert saved.coding.data.diagnoses[0].title.startswith("Type 2 diabetes mellitus")
    errors = [f for f in saved.findings if f.severity.value == "error"]
    assert [f.rule_id for f in errors] == ["EXCLUDES1"]
    assert saved.coding.data.error_count == 1

    with pytest.raises(OverrideNeededError) as refused:
        svc.mark_coded(coder, eid, expected_version=1)
    key = finding_key("EXCLUDES1", errors[0].codes)
    assert refused.value.keys == (key,)
    assert svc.get(coder, eid).state is CodingState.IN_PROGRESS

    coded = svc.mark_coded(
        coder, eid, expected_version=1, overrides={key: "Both types documented by endocrinology"}
    )
    assert coded.state is CodingState.CODED and coded.coded_by == "Test Coder"
    assert coded.coding is not None
    [override] = coded.coding.data.overrides
    assert override.reason == "Both types documented by endocrinology"

    # Re-coding a coded encounter needs a reason and makes a new version with the difference.
    with pytest.raises(ValidationError):
        svc.save(coder, eid, CodingInput(diagnoses=dx("E11.9")), expected_version=2)
    recoded = svc.save(
        coder,
        eid,
        CodingInput(diagnoses=dx("E11.9")),
        expected_version=2,
        reason="Type 1 was a transcription slip (provider query answered)",
    )
    assert recoded.state is CodingState.IN_PROGRESS
    assert not [f for f in recoded.findings if f.severity.value == "error"]
    history = svc.history(coder, eid)
    assert [v.version for v in history] == [1, 2, 3]
    changed = {c.label: c for c in history[2].changes}
    assert "E10.9" in changed["Diagnoses"].before and "E10.9" not in changed["Diagnoses"].after
    assert history[2].reason == "Type 1 was a transcription slip (provider query answered)"

    # A stale pane is refused, never silently overwrites.
    with pytest.raises(VersionConflictError):
        svc.save(coder, eid, CodingInput(diagnoses=dx("I10")), expected_version=2)
    assert svc.mark_coded(coder, eid, expected_version=3).state is CodingState.CODED

    # Every step is audited under coding, naming the patient; no code or title in the detail.
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    mine = [e for e in events if e.entry_point.startswith("EncounterCodingService.")]
    assert {e.entry_point.split(".")[1] for e in mine} >= {"get", "save", "mark_coded", "history"}
    assert not any("E11" in (e.detail or "") for e in mine)


def test_who_may_code_and_what_the_input_refuses(clinic: Clinic, store: CodeSetStore) -> None:
    svc = _service(clinic, store)
    _, eid = _signed_visit(clinic)
    # The administrator manages code sets but sees no clinical data; a nurse codes nothing.
    with pytest.raises(PermissionDeniedError):
        svc.get(clinic.admin, eid)
    with pytest.raises(PermissionDeniedError):
        svc.save(
            clinic.sessions[Role.NURSE],
            eid,
            CodingInput(diagnoses=dx("I10")),
            expected_version=None,
        )
    coder = clinic.sessions[Role.CODER]
    bad = [
        CodingInput(diagnoses=dx("I10", "i10")),
        CodingInput(
            diagnoses=dx("I10"),
            procedures=(CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", pointers=(2,)),),
        ),
        CodingInput(
            diagnoses=dx("I10"),
            procedures=(
                CodedProcedure(
                    ProcedureSystem.HCPCS, "G0008", "", modifiers=("25", "LT", "RT", "59", "XS")
                ),
            ),
        ),
        CodingInput(
            diagnoses=dx("I10"),
            procedures=(CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", units=0),),
        ),
        CodingInput(
            diagnoses=dx("I10"),
            procedures=(
                CodedProcedure(ProcedureSystem.ICD10PCS, "0DJ08ZZ", "", modifiers=("25",)),
            ),
        ),
        CodingInput(setting="home"),
    ]
    for typed in bad:
        with pytest.raises(ValidationError):
            svc.save(coder, eid, typed, expected_version=None)
    assert svc.get(coder, eid).coding is None  # nothing half-saved

    # An unsigned note is not coded yet.
    pid = new_patient(clinic)
    draft = clinic.inst.encounters.add(clinic.sessions[Role.PROVIDER], pid, VISIT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not signed"):
        svc.save(coder, draft.id, CodingInput(diagnoses=dx("I10")), expected_version=None)


def test_pointers_follow_their_diagnoses_when_reordered_or_removed() -> None:
    px = (CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", pointers=(3, 1)),)
    moved_dx, moved_px = move_diagnosis(dx("A", "B", "C"), px, 2, 0)
    assert [d.code for d in moved_dx] == ["C", "A", "B"] and moved_px[0].pointers == (1, 2)
    kept_dx, kept_px = remove_diagnosis(dx("A", "B", "C"), px, 0)
    assert [d.code for d in kept_dx] == ["B", "C"] and kept_px[0].pointers == (2,)


def test_return_to_provider_worklist_counts_and_queries(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder, provider = clinic.sessions[Role.CODER], clinic.sessions[Role.PROVIDER]
    _, first = _signed_visit(clinic)
    _, second = _signed_visit(clinic)
    _, third = _signed_visit(clinic)
    page = svc.worklist(coder, WorklistFilter())
    assert [r.encounter_id for r in page.rows] == [first, second, third]
    assert page.counts["to_code"] == 3 and page.counts["coded"] == 0

    svc.save(coder, first, CodingInput(diagnoses=dx("E11.9", "E10.9")), expected_version=None)
    returned = svc.return_to_provider(
        coder, second, expected_version=None, reason="Assessment missing for the knee pain"
    )
    assert returned.state is CodingState.RETURNED
    mine = svc.returned_to_me(provider)
    assert [r.encounter_id for r in mine.rows] == [second]
    with pytest.raises(PermissionDeniedError):
        svc.send_back_to_coding(coder, second, expected_version=1, note="done")
    back = svc.send_back_to_coding(provider, second, expected_version=1, note="Addendum added")
    assert back.state is CodingState.IN_PROGRESS

    queries = clinic.inst.coder_queries
    with pytest.raises(ValidationError, match="payment"):
        queries.ask(
            coder,
            third,
            QueryInput("specificity", "Would E11.65 improve the HCC payment?", ("Yes",)),
        )
    asked = queries.ask(
        coder,
        third,
        QueryInput(
            "specificity",
            "The note documents diabetes with an HbA1c of 9.1%. Can the control be specified?",
            ("Type 2 diabetes with hyperglycemia", "Type 2 diabetes without complications"),
            indicators="HbA1c 9.1% on 11/20/2026",
        ),
    )
    assert asked.state is QueryState.OPEN and asked.options[-2:] == (OTHER, UNABLE)
    assert queries.waiting_count(provider) == 1
    filtered = svc.worklist(coder, WorklistFilter(has_open_query=True))
    assert [r.encounter_id for r in filtered.rows] == [third]
    assert filtered.counts["open_query"] == 1 and filtered.counts["errors"] == 1
    errors_only = svc.worklist(coder, WorklistFilter(has_errors=True))
    assert [r.encounter_id for r in errors_only.rows] == [first]

    with pytest.raises(PermissionDeniedError):
        queries.answer(coder, asked.id, expected_version=1, answer=UNABLE)
    with pytest.raises(ValidationError):
        queries.answer(provider, asked.id, expected_version=1, answer=OTHER)
    answered = queries.answer(
        provider, asked.id, expected_version=1, answer="Type 2 diabetes with hyperglycemia"
    )
    assert answered.state is QueryState.ANSWERED and answered.turnaround is not None
    assert queries.waiting_count(provider) == 0
    assert [q.answer for q in queries.for_encounter(coder, third)] == [answered.answer]
    with pytest.raises(ValidationError):
        queries.withdraw(coder, asked.id, expected_version=2, reason="no longer needed")

    other = queries.ask(
        coder, first, QueryInput("poa", "Was the ulcer present at the visit?", ("Yes", "No"))
    )
    withdrawn = queries.withdraw(coder, other.id, expected_version=1, reason="Answered by phone")
    assert withdrawn.state is QueryState.WITHDRAWN
    assert replace(withdrawn, state=QueryState.OPEN) != withdrawn
