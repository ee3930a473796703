"""The demo clinic's coding (issue 13, item 8), on SQLCipher and PostgreSQL: coded and
uncoded visits, one returned to its provider, an Excludes1 error standing and one overridden
with its reason, open and answered queries, two coders over several days, and chronic
conditions left uncoded on purpose (a diabetic on metformin with an HbA1c, a patient on
apixaban, CKD coded last year and not this year); the reports count that work and `verify`
finds nothing wrong."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.chronic_review import SuggestionKind
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.coder_queries import QueryState
from medrec_desktop.domain.coding_work import CodingState, WorklistFilter, WorklistScope
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_reports import CodingReportService
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.demo import DEMO_USERS, DemoResult, create_demo_clinic
from medrec_desktop.services.demo_coding_facts import SECOND_CODER
from tests.conftest import BACKENDS, ROLE_PASSWORD, Clinic, make_clinic, pg_schema
from tests.support import argon2_cost
from tests.support.cli import medrec
from tests.support.clock import FakeClock

PATIENTS = 40


class Demo:
    def __init__(self, clinic: Clinic, result: DemoResult, store: CodeSetStore) -> None:
        self.clinic, self.result = clinic, result
        codes = CodeSets(store=store)
        self.work = EncounterCodingService(ctx=clinic.inst.ctx, codes=codes)
        self.reports = CodingReportService(ctx=clinic.inst.ctx, codes=codes)
        login = clinic.inst.auth.login
        self.coder = login(DEMO_USERS[Role.CODER][0], ROLE_PASSWORD)
        self.provider = login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    store: CodeSetStore,
) -> Iterator[Demo]:
    """The demo clinic with its coding, made once per database for this module; the tests
    only read it."""
    with pytest.MonkeyPatch.context() as mp:
        argon2_cost.lower(mp)
        folder = tmp_path_factory.mktemp("demo-coding")
        if request.param == "postgresql":
            with pg_schema() as url:
                clinic = make_clinic(folder, "postgresql", FakeClock(), url)
                try:
                    yield _load(clinic, store)
                finally:
                    clinic.inst.close()
            return
        clinic = make_clinic(folder, "sqlcipher", FakeClock())
        try:
            yield _load(clinic, store)
        finally:
            clinic.inst.close()


def _load(clinic: Clinic, store: CodeSetStore) -> Demo:
    result = create_demo_clinic(
        clinic.inst.users,
        clinic.inst.demo,
        clinic.admin,
        clinic.inst.auth.login,
        patients=PATIENTS,
        seed=4,
        password=ROLE_PASSWORD,
        codes=CodeSets(store=store),
    )
    return Demo(clinic, result, store)


def test_the_worklist_has_coded_and_uncoded_work(demo: Demo) -> None:
    coding = demo.result.coding
    assert coding is not None
    assert coding.coded >= 15 and coding.in_progress >= 4 and coding.returned == 1
    assert SECOND_CODER[0] in demo.result.users
    page = demo.work.worklist(demo.coder, WorklistFilter(scope=WorklistScope.ALL))
    counts = page.counts
    assert counts["coded"] == coding.coded
    assert counts["to_code"] > counts["coded"]  # older visits wait: the clinic's backlog
    assert counts["returned"] == 1 and counts["errors"] >= 1 and counts["open_query"] >= 2
    started = demo.work.worklist(
        demo.coder, WorklistFilter(scope=WorklistScope.TO_CODE), limit=1000
    )
    states = Counter(r.state for r in started.rows)
    assert states[CodingState.IN_PROGRESS] == coding.in_progress and states[None] > 0
    # The returned visit is on the provider's list, with the coder's reason.
    mine = demo.work.returned_to_me(demo.provider)
    assert len(mine.rows) == 1
    view = demo.work.get(demo.coder, mine.rows[0].encounter_id)
    assert view.coding is not None and "addendum" in (view.coding.data.return_reason or "")


def test_an_error_stands_and_one_was_overridden_with_its_reason(demo: Demo) -> None:
    page = demo.work.worklist(demo.coder, WorklistFilter(scope=WorklistScope.ALL), limit=1000)
    views = [demo.work.get(demo.coder, r.encounter_id) for r in page.rows if r.state is not None]
    standing = [
        v for v in views if v.state is CodingState.IN_PROGRESS and v.coding.data.error_count
    ]  # type: ignore[union-attr]
    assert any(f.rule_id == "EXCLUDES1" for v in standing for f in v.findings)
    overridden = [v for v in views if v.state is CodingState.CODED and v.coding.data.overrides]  # type: ignore[union-attr]
    assert len(overridden) == 1
    [override] = overridden[0].coding.data.overrides  # type: ignore[union-attr]
    assert override.rule_id == "EXCLUDES1" and "guideline I.A.12.a" in override.reason
    # One visit was coded, re-coded with a reason and coded again: its history says so.
    recoded = [v for v in views if v.coding is not None and v.coding.version >= 4]
    assert recoded
    history = demo.work.history(demo.coder, recoded[0].context.encounter_id)
    assert any("metformin" in (h.reason or "") for h in history)


def test_queries_open_and_answered(demo: Demo) -> None:
    inst = demo.clinic.inst
    sent = inst.coder_queries.sent(demo.coder)
    states = Counter(q.state for q in sent)
    assert states[QueryState.OPEN] == 2 and states[QueryState.ANSWERED] == 3
    turnarounds = sorted(q.turnaround for q in sent if q.turnaround is not None)
    assert [t.total_seconds() / 3600 for t in turnarounds] == [3, 20, 52]
    assert len(inst.coder_queries.mine(demo.provider)) == 2
    assert {q.asked_by for q in sent} == {DEMO_USERS[Role.CODER][1], SECOND_CODER[1]}


def test_two_coders_over_several_days_in_the_reports(demo: Demo) -> None:
    today = demo.clinic.clock.now.astimezone().date()
    since = today - dt.timedelta(days=21)
    report = demo.reports.productivity(demo.coder, since, today)
    assert {d.coder for d in report.days} == {DEMO_USERS[Role.CODER][1], SECOND_CODER[1]}
    assert len({d.day for d in report.days}) >= 6
    assert report.overridden == 1 and sum(d.recoded for d in report.days) == 1
    assert report.queries.answered == 3 and report.queries.open == 2
    year = dt.date(today.year - 1, 1, 1)
    chapters = demo.reports.diagnoses(demo.coder, year, today)
    assert chapters.encounters > 10 and len(chapters.groups) >= 4
    hccs = demo.reports.diagnoses(demo.coder, year, today, by="hcc")
    assert hccs.groups


def _items(demo: Demo, who: UserSession, pid: int) -> tuple[set[str], set[str], set[str]]:
    inst = demo.clinic.inst
    meds = {m.data.name for m in inst.medications.list(who, PatientId(pid)).items}
    problems = {p.data.icd10cm or "" for p in inst.problems.list(who, PatientId(pid)).items}
    tests = {t.data.loinc or "" for t in inst.lab_tests.list(who, PatientId(pid)).items}
    return meds, problems, tests


def test_chronic_conditions_left_uncoded_on_purpose(demo: Demo) -> None:
    """The data the chronic-condition review needs is there, and the review finds each
    planted condition (its rules are checked in detail where they are)."""
    planted = demo.result.coding.planted  # type: ignore[union-attr]
    assert set(planted) == {"diabetes", "anticoagulant", "ckd", "ckd last year"}
    doc = demo.provider

    def coded(eid: int) -> tuple[CodingState | None, list[str], int]:
        view = demo.work.get(demo.coder, eid)
        assert view.coding is not None
        data = view.coding.data
        return data.state, [d.code for d in data.diagnoses], view.context.patient_id

    state, codes, pid = coded(planted["diabetes"])
    assert state is CodingState.IN_PROGRESS and codes
    assert not any(c.startswith("E11") for c in codes)
    meds, problems, tests = _items(demo, doc, pid)
    assert "Metformin" in meds and "E11.9" in problems and "4548-4" in tests

    state, codes, pid = coded(planted["anticoagulant"])
    assert state is CodingState.IN_PROGRESS and not any(c.startswith("I48") for c in codes)
    meds, _problems, _tests = _items(demo, doc, pid)
    assert "Apixaban" in meds
    queries = demo.clinic.inst.coder_queries.for_encounter(demo.coder, planted["anticoagulant"])
    assert [q.state for q in queries] == [QueryState.OPEN] and "apixaban" in queries[0].question

    state, codes, pid = coded(planted["ckd"])
    assert state is CodingState.IN_PROGRESS and not any(c.startswith("N18") for c in codes)
    before, before_codes, same = coded(planted["ckd last year"])
    assert before is CodingState.CODED and same == pid
    assert any(c.startswith("N18") for c in before_codes)
    this_year = demo.work.get(demo.coder, planted["ckd"]).context.dos.year
    assert demo.work.get(demo.coder, planted["ckd last year"]).context.dos.year == this_year - 1

    def suggested(eid: int) -> dict[str, tuple[SuggestionKind, str]]:
        """Category -> (kind, evidence lines) of each suggestion of the review."""
        return {
            s.code[:3]: (s.kind, " | ".join(s.evidence))
            for s in demo.work.review(demo.coder, eid).suggestions
            if s.code
        }

    # Diabetes on the problem list, uncoded: suggested with the metformin beside it.
    kind, evidence = suggested(planted["diabetes"])["E11"]
    assert kind is SuggestionKind.PROBLEM_LIST and "Metformin" in evidence
    # An anticoagulant without its indication; CKD coded last year and absent now.
    kind, evidence = suggested(planted["anticoagulant"])["Z79"]
    assert kind is SuggestionKind.EVIDENCE and "Apixaban" in evidence
    kind, evidence = suggested(planted["ckd"])["N18"]
    assert "Coded " in evidence and "Captured " in evidence  # last year's code and its HCC


def test_the_coded_demo_verifies(demo: Demo) -> None:
    report = demo.clinic.inst.verify(demo.clinic.admin)
    assert report.ok, report.problems
    assert report.row_counts["encounter_coding"] > 20 and report.row_counts["coder_query"] == 5


def test_only_demo_visits_get_codes(demo: Demo) -> None:
    """Every coded visit is a signed, unlabelled visit of a demo patient."""
    page = demo.work.worklist(demo.coder, WorklistFilter(scope=WorklistScope.ALL), limit=1000)
    for row in page.rows:
        if row.state is not None:
            encounter = demo.clinic.inst.encounters.get(demo.provider, ItemId(row.encounter_id))
            assert encounter.data.signed and encounter.sensitivity is None


def test_medrec_demo_codes_when_the_code_sets_are_built(codes_dir: Path, tmp_path: Path) -> None:
    """`medrec demo` adds the coders' work when the workstation's code sets are built (and
    says so); without them it says how to get it."""
    env = {"MEDREC_CODES_DIR": str(codes_dir)}
    made = medrec("--data-dir", str(tmp_path / "a"), "demo", "--patients", "12", env=env)
    assert made.returncode == 0, made.stderr
    assert "Coding: " in made.stdout and "encounters coded" in made.stdout
    assert "cody (Coder)" in made.stdout
    empty = {"MEDREC_CODES_DIR": str(tmp_path / "no-code-sets")}
    bare = medrec("--data-dir", str(tmp_path / "b"), "--json", "demo", "--patients", "3", env=empty)
    assert bare.returncode == 0, bare.stderr
    assert json.loads(bare.stdout)["coding"] is None
    assert not (tmp_path / "no-code-sets").exists()  # nothing built behind the user's back
