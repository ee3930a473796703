"""Chronic-condition review (issue 13) on SQLCipher and PostgreSQL, through the coding
service: each rule fires with its evidence and stops once the code is on the encounter; a
dismissal moves its suggestion aside with the reason; labelled items the role may not see
are never evidence; the number of queries does not grow with the record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import Severity
from medrec_desktop.domain.chronic_review import ReviewSuggestion, SuggestionKind
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput, finding_key
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import CodingView, EncounterCodingService
from medrec_desktop.services.versioning import VersionConflictError
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient

VISIT: EncounterInput = SAMPLE_INPUTS["encounter"]  # type: ignore[assignment]
DOS = dt.date(2026, 11, 20)


def noon(day: dt.date) -> dt.datetime:
    # Noon UTC is the same date in every clinic's time zone the tests run in.
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)


def _service(c: Clinic, store: CodeSetStore) -> EncounterCodingService:
    return EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=store))


def visit(c: Clinic, pid: PatientId, day: dt.date = DOS, **note: str) -> int:
    """A signed office visit on ``day`` (its note's parts as given)."""
    provider = c.sessions[Role.PROVIDER]
    data = replace(VISIT, starts_at=noon(day), **note)  # type: ignore[arg-type]
    added = c.inst.encounters.add(provider, pid, data)
    c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
    return added.id


def dx(*codes: str) -> tuple[CodedDiagnosis, ...]:
    return tuple(CodedDiagnosis(code=code, title="") for code in codes)


def code(
    svc: EncounterCodingService, c: Clinic, eid: int, *codes: str, mark: bool = False
) -> CodingView:
    """Save these diagnoses on the encounter (and mark it coded, overriding any error)."""
    coder = c.sessions[Role.CODER]
    before = svc.get(coder, eid)
    saved = svc.save(
        coder,
        eid,
        CodingInput(diagnoses=dx(*codes)),
        expected_version=before.version,
        reason="re-coded in the test" if before.state is not None else None,
    )
    if not mark:
        return saved
    errors = {
        finding_key(f.rule_id, f.codes): "accepted in the test"
        for f in saved.findings
        if f.severity is Severity.ERROR
    }
    return svc.mark_coded(coder, eid, expected_version=saved.version or 0, overrides=errors)


def by_key(found: tuple[ReviewSuggestion, ...]) -> dict[str, ReviewSuggestion]:
    return {s.key: s for s in found}


def test_problem_list_and_codes_of_the_last_12_months(clinic: Clinic, store: CodeSetStore) -> None:
    svc = _service(clinic, store)
    coder, provider = clinic.sessions[Role.CODER], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    problems = clinic.inst.problems
    diabetes = problems.add(
        provider,
        pid,
        ProblemInput(description="Type 2 diabetes", icd10cm="E11.9", onset="2012", chronic=True),
    )
    # Chronic by its code though nobody ticked "chronic"; an acute problem is not suggested,
    # nor a resolved one; a chronic problem without a code is, with no code to add.
    problems.add(provider, pid, ProblemInput(description="Hypertension", icd10cm="I10"))
    problems.add(provider, pid, ProblemInput(description="Sinusitis", icd10cm="J01.90"))
    problems.add(
        provider,
        pid,
        ProblemInput(
            description="Hypothyroidism",
            icd10cm="E03.9",
            chronic=True,
            status=ItemStatus.RESOLVED,
        ),
    )
    problems.add(provider, pid, ProblemInput(description="Chronic low back pain", chronic=True))
    # Coded in the spring: hyperlipidemia (chronic) and a cold (not); an older visit's
    # code is out of the 12 months; a visit being coded (not finished) does not count.
    spring = visit(clinic, pid, dt.date(2026, 3, 10))
    code(svc, clinic, spring, "E78.5", "J06.9", mark=True)
    old = visit(clinic, pid, dt.date(2025, 9, 1))
    code(svc, clinic, old, "M81.0", mark=True)
    pending = visit(clinic, pid, dt.date(2026, 6, 1))
    code(svc, clinic, pending, "G47.33")
    eid = visit(clinic, pid, problems_addressed=(diabetes.id,))  # type: ignore[arg-type]

    found = by_key(svc.review(coder, eid).suggestions)
    assert set(found) == {
        "problem_list:E11",
        "problem_list:I10",
        f"problem_list:problem-{_problem_id(clinic, pid, 'Chronic low back pain')}",
        "coded_before:E78",
    }
    dm = found["problem_list:E11"]
    assert dm.kind is SuggestionKind.PROBLEM_LIST and dm.code == "E11.9"
    assert dm.title == "Type 2 diabetes mellitus without complications"
    assert dm.evidence == (
        "Problem list: Type 2 diabetes (E11.9), chronic, since 2012",
        "The note says this visit addressed it",
    )
    assert dm.hcc is not None and dm.hcc.startswith("HCC38")
    back = next(s for s in found.values() if s.title == "Chronic low back pain")
    assert back.code == "" and "no code" in back.evidence[0]
    lipids = found["coded_before:E78"]
    assert lipids.kind is SuggestionKind.CODED_BEFORE and lipids.code == "E78.5"
    assert lipids.evidence == (
        "Coded 03/10/2026 (office visit): E78.5 Hyperlipidemia, unspecified",
    )
    assert "1 visit in the 12 months" in lipids.reason

    # Once coded here (a code of the same category will do), they leave the review.
    code(svc, clinic, eid, "E11.65", "I10", "E78.2")
    left = svc.review(coder, eid).suggestions
    assert [s.title for s in left] == ["Chronic low back pain"]


def _problem_id(c: Clinic, pid: PatientId, description: str) -> int:
    items = c.inst.problems.list(c.sessions[Role.PROVIDER], pid).items
    return next(p.id for p in items if p.data.description == description)


def test_hcc_captured_last_year_and_not_yet_this_year(clinic: Clinic, store: CodeSetStore) -> None:
    svc = _service(clinic, store)
    coder = clinic.sessions[Role.CODER]
    pid = new_patient(clinic)
    # 2025: heart failure, diabetes, COPD; 2026 so far: diabetes only.
    last_year = visit(clinic, pid, dt.date(2025, 6, 15))
    code(svc, clinic, last_year, "I50.9", "E11.9", "J44.9", mark=True)
    this_year = visit(clinic, pid, dt.date(2026, 2, 3))
    code(svc, clinic, this_year, "E11.9", mark=True)
    eid = visit(clinic, pid)

    found = by_key(svc.review(coder, eid).suggestions)
    assert set(found) == {"hcc_gap:HCC226", "hcc_gap:HCC280", "coded_before:E11"}
    hf = found["hcc_gap:HCC226"]
    assert hf.kind is SuggestionKind.HCC_GAP and hf.code == "I50.9"
    assert hf.hcc == "HCC226 Heart Failure, Except End-Stage and Acute"
    assert "captured in 2025 and not yet in 2026" in hf.reason
    assert "CMS-HCC V28, payment year 2027" in hf.reason
    assert hf.evidence == ("Captured 06/15/2025 (office visit): I50.9 Heart failure, unspecified",)

    # A higher category of the same hierarchy captured this year covers it (HCC224 is
    # above HCC226); coding COPD here closes the other gap.
    code(svc, clinic, eid, "I50.23", "J44.9")
    found = by_key(svc.review(coder, eid).suggestions)
    assert set(found) == {"coded_before:E11"}


def test_medications_results_and_note_point_to_uncoded_conditions(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder, provider, nurse = (clinic.sessions[r] for r in (Role.CODER, Role.PROVIDER, Role.NURSE))
    pid = new_patient(clinic)
    meds = clinic.inst.medications
    for name, strength, route, indication in (
        ("Metformin", "500 mg", "oral", ""),
        ("Apixaban", "5 mg", "oral", "atrial fibrillation"),
        ("Levothyroxine", "50 mcg", "oral", ""),
        ("Albuterol HFA", "90 mcg/puff", "inhaled", ""),
        # A nasal steroid points to rhinitis, not asthma.
        ("Fluticasone nasal spray", "50 mcg", "intranasal", ""),
    ):
        meds.add(
            provider,
            pid,
            MedicationInput(
                name=name, strength=strength, route=route, indication=indication, start="2020"
            ),
        )
    labs = clinic.inst.lab_tests
    for day, name, loinc, value, unit in (
        (dt.date(2026, 11, 19), "Hemoglobin A1c", "4548-4", "7.2", "%"),
        (dt.date(2026, 4, 2), "eGFR", "98979-8", "52", "mL/min/1.73m2"),
        (dt.date(2026, 10, 30), "eGFR", "98979-8", "41", "mL/min/1.73m2"),
    ):
        labs.add(
            nurse,
            pid,
            LabTestInput(
                name=name,
                loinc=loinc,
                collected_at=noon(day),
                results=(ResultInput(analyte=name, value=value, unit=unit, loinc=loinc),),
            ),
        )
    clinic.inst.procedures.add(
        provider,
        pid,
        ProcedureInput(description="Hemodialysis", code="90935", performed_at=noon(DOS)),
    )
    eid = visit(
        clinic,
        pid,
        assessment="ESRD on hemodialysis three times weekly. Denies chest pain.",
        plan="Continue dialysis MWF.",
    )
    found = by_key(svc.review(coder, eid).suggestions)
    assert {k: s.code for k, s in found.items()} == {
        "evidence:diabetes": "E11.9",
        "evidence:anticoagulant": "I48.91",
        "evidence:dialysis-esrd": "N18.6",
        "evidence:dialysis-status": "Z99.2",
        "evidence:hypothyroidism": "E03.9",
        "evidence:asthma-copd": "J45.909",
    }
    diabetes = found["evidence:diabetes"]
    assert diabetes.kind is SuggestionKind.EVIDENCE
    assert diabetes.evidence == (
        "Medication: Metformin 500 mg, oral",
        "Result: Hemoglobin A1c 7.2 %, 11/19/2026",
    )
    assert "HbA1c ≥ 6.5" in diabetes.reason
    esrd = found["evidence:dialysis-esrd"]
    # Both eGFRs below 60, months apart: the kidney disease merges into ESRD's suggestion.
    assert esrd.evidence == (
        "Note, assessment: “ESRD on hemodialysis three times weekly.…”",
        "Note, plan: “Continue dialysis MWF.”",
        "Procedure: Hemodialysis (90935), 11/20/2026",
        "Result: eGFR 41 mL/min/1.73m2, 10/30/2026",
        "Result: eGFR 52 mL/min/1.73m2, 04/02/2026",
    )
    assert found["evidence:anticoagulant"].evidence == ("Medication: Apixaban 5 mg, oral",)
    assert found["evidence:hypothyroidism"].title == "Hypothyroidism, unspecified"

    # Coded, each leaves; diabetes coded brings the long-term use of its medication.
    code(svc, clinic, eid, "N18.6", "Z99.2", "E11.9", "Z79.01", "E03.9", "J45.909")
    found = by_key(svc.review(coder, eid).suggestions)
    assert {k: s.code for k, s in found.items()} == {"evidence:oral-hypoglycemic-use": "Z79.84"}
    code(svc, clinic, eid, "N18.6", "Z99.2", "E11.9", "Z79.01", "E03.9", "J45.909", "Z79.84")
    assert svc.review(coder, eid).suggestions == ()


def test_kidney_disease_staged_by_the_latest_egfr_and_negated_words(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder, nurse = clinic.sessions[Role.CODER], clinic.sessions[Role.NURSE]
    pid = new_patient(clinic)
    for day, value in ((dt.date(2026, 5, 1), "55"), (dt.date(2026, 10, 1), "38")):
        clinic.inst.lab_tests.add(
            nurse,
            pid,
            LabTestInput(
                name="Estimated GFR",
                collected_at=noon(day),
                results=(ResultInput(analyte="eGFR", value=value, unit="mL/min/1.73m2"),),
            ),
        )
    eid = visit(clinic, pid, assessment="Denies diabetes. Mother has heart failure.")
    [ckd] = svc.review(coder, eid).suggestions
    assert (ckd.key, ckd.code, ckd.title) == (
        "evidence:ckd",
        "N18.32",
        "Chronic kidney disease, stage 3b",
    )
    assert ckd.hcc is not None and ckd.hcc.startswith("HCC328")
    code(svc, clinic, eid, "N18.32")
    assert svc.review(coder, eid).suggestions == ()

    # One low eGFR is not kidney disease.
    other = new_patient(clinic)
    clinic.inst.lab_tests.add(
        nurse,
        other,
        LabTestInput(
            name="eGFR",
            collected_at=noon(dt.date(2026, 10, 1)),
            results=(ResultInput(analyte="eGFR", value="44", loinc="98979-8"),),
        ),
    )
    assert svc.review(coder, visit(clinic, other)).suggestions == ()


def test_a_dismissal_moves_the_suggestion_aside_with_its_reason(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder, provider = clinic.sessions[Role.CODER], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    clinic.inst.problems.add(
        provider, pid, ProblemInput(description="Hypertension", icd10cm="I10", chronic=True)
    )
    clinic.inst.medications.add(
        provider, pid, MedicationInput(name="Metformin", strength="500 mg", route="oral")
    )
    eid = visit(clinic, pid)
    found = by_key(svc.review(coder, eid).suggestions)
    htn = found["problem_list:I10"]
    dismissed = svc.dismiss(
        coder,
        eid,
        expected_version=None,
        key=htn.key,
        code=htn.code,
        reason="Not addressed at this telehealth visit",
    )
    assert dismissed.version == 1
    result = svc.review(coder, eid)
    assert [s.key for s in result.suggestions] == ["evidence:diabetes"]
    assert [(s.key, why) for s, why in result.dismissed] == [
        ("problem_list:I10", "Not addressed at this telehealth visit")
    ]
    # A stale pane's dismissal is refused, never overwrites.
    with pytest.raises(VersionConflictError):
        svc.dismiss(
            coder,
            eid,
            expected_version=None,
            key="evidence:diabetes",
            code="E11.9",
            reason="Prediabetes only",
        )
    svc.dismiss(
        coder, eid, expected_version=1, key="evidence:diabetes", code="E11.9", reason="Prediabetes"
    )
    result = svc.review(coder, eid)
    assert result.suggestions == () and len(result.dismissed) == 2

    # The audit names the patient and counts; it holds no code.
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    reviews = [e for e in events if e.entry_point == "EncounterCodingService.review"]
    assert reviews and all("I10" not in (e.detail or "") for e in reviews)


def test_labelled_items_are_evidence_only_for_roles_that_see_them(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder, provider = clinic.sessions[Role.CODER], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    label = Sensitivity.BEHAVIORAL_HEALTH
    clinic.inst.problems.add(
        provider,
        pid,
        ProblemInput(
            description="Major depression, recurrent", icd10cm="F33.1", chronic=True,
            sensitivity=label,
        ),
    )  # fmt: skip
    clinic.inst.medications.add(
        provider, pid, MedicationInput(name="Levothyroxine", route="oral", sensitivity=label)
    )
    eid = visit(clinic, pid)

    assert svc.review(coder, eid).suggestions == ()
    seen = {s.key for s in svc.review(provider, eid).suggestions}
    assert seen == {"problem_list:F33", "evidence:hypothyroidism"}


@contextmanager
def counted(c: Clinic) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(c.inst.store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(c.inst.store.engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_record(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = _service(clinic, store)
    coder = clinic.sessions[Role.CODER]
    counts = []
    for visits in (1, 6):
        pid = new_patient(clinic)
        for n in range(visits):
            earlier = visit(clinic, pid, DOS - dt.timedelta(days=40 * (n + 1)))
            code(svc, clinic, earlier, "E11.9", "I10", mark=True)
        eid = visit(clinic, pid)
        with counted(clinic) as statements:
            svc.review(coder, eid)
        counts.append(len(statements))
    assert counts[0] == counts[1]
