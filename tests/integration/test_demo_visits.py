"""The demo clinic's visits (issue 10, item 8), on SQLCipher and PostgreSQL: every patient has
years of encounters, signed and unsigned, some with addenda; an amendment request accepted
(its addendum cites it), one denied with the patient's disagreement, one pending; test
results from the bundled panels with abnormal and critical values; procedures coded with
codes of the shipped release; vitals recorded in their visit. Everything reads back through
the services (lists, the encounter view, histories, the results grid), signed notes are
locked like any other, and `verify` finds nothing wrong."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from medrec_desktop.coding.sanity import STABLE_CODES
from medrec_desktop.coding.schema import bundled_pcs_file
from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.amendments import AmendmentDecision
from medrec_desktop.domain.clinical import ItemId, ItemStatus
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_codec import to_plain
from medrec_desktop.domain.panels import BUNDLED
from medrec_desktop.domain.procedures import ProcedureCodeSystem
from medrec_desktop.domain.results import Flag
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services import demo_visit_texts, versioning
from medrec_desktop.services.amendments import ACCEPTED, DENIED, DISAGREEMENT
from medrec_desktop.services.demo import DEMO_USERS, create_demo_clinic
from medrec_desktop.services.encounters import SIGNED
from medrec_desktop.services.installation import Installation, Unlock
from tests.conftest import (
    BACKENDS,
    PASSPHRASE,
    ROLE_PASSWORD,
    Clinic,
    make_clinic,
    pg_schema,
    sign_in_all,
)
from tests.support import argon2_cost
from tests.support.built_once import copy_of
from tests.support.clock import FakeClock

PATIENTS = 40


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Clinic]:
    """The demo clinic, made once per database for this module (on SQLCipher once for the
    test run, each worker opening its own copy). The tests only read it: a refused edit and
    `verify` add audit events, nothing else."""
    if request.param == "postgresql":
        with pg_schema() as url, pytest.MonkeyPatch.context() as mp:
            argon2_cost.lower(mp)  # made before conftest's per-test fixtures run
            clinic = make_clinic(tmp_path_factory.mktemp("demo"), "postgresql", FakeClock(), url)
            try:
                _load_demo(clinic)
                yield clinic
            finally:
                clinic.inst.close()
        return
    folder = copy_of(tmp_path_factory, "demo-visits", _build_local)
    paths, clock = DataPaths(folder / "data"), FakeClock()
    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE), clock=clock)
    try:
        recovery_key = (folder / "recovery-key.txt").read_text()
        yield Clinic(inst, paths, "sqlcipher", recovery_key, sign_in_all(inst), clock)
    finally:
        inst.close()


def _build_local(folder: Path) -> None:
    folder.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        argon2_cost.lower(mp)
        clinic = make_clinic(folder, "sqlcipher", FakeClock())
        try:
            (folder / "recovery-key.txt").write_text(clinic.recovery_key)
            _load_demo(clinic)
        finally:
            clinic.inst.close()


def _load_demo(clinic: Clinic) -> None:
    create_demo_clinic(
        clinic.inst.users,
        clinic.inst.demo,
        clinic.admin,
        clinic.inst.auth.login,
        patients=PATIENTS,
        seed=4,
        password=ROLE_PASSWORD,
    )


def doctor(c: Clinic) -> UserSession:
    return c.inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)


def test_the_demo_procedure_codes_are_in_the_shipped_release() -> None:
    pcs = {line[:7] for line in bundled_pcs_file().read_text().splitlines()}
    for done in demo_visit_texts.PROCEDURES.values():
        if done.system == "pcs":
            assert done.code in pcs, done.description
        elif done.system == "hcpcs":
            assert done.code in STABLE_CODES[CodeSystem.HCPCS], done.description


def test_every_patient_has_years_of_encounters_that_read_back(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    seen: Counter[str] = Counter()
    today = demo.clock.now.date()
    for patient in inst.patients.list_all(doc):
        listed = inst.encounters.list_for_patient(doc, patient.id, include_entered_in_error=True)
        rows = listed.rows
        assert rows, patient.mrn
        assert [r.starts_at for r in rows] == sorted((r.starts_at for r in rows), reverse=True)
        if age_on(patient.birth_date, today) >= 5:  # several years of visits
            assert (demo.clock.now - rows[-1].starts_at).days > 2 * 365, patient.mrn
        for row in rows:
            seen[row.encounter_type] += 1
            seen["signed" if row.signed else "unsigned"] += 1
            seen["addenda"] += row.addenda
            seen[row.status] += 1
            seen["labelled"] += row.sensitivity is not None
            item = inst.encounters.get(doc, row.id)
            history = inst.encounters.history(doc, row.id)
            assert [v.version for v in history] == list(range(1, item.version + 1))
            assert history[-1].item == item
            assert item.data.signed == row.signed
            if row.signed:  # signing is the last version, as the service writes it
                assert history[-1].reason == SIGNED and item.data.signed_by is not None
                assert [c.field for c in history[-1].changes] == ["signed_by", "signed_at"]
            seen["completed later"] += any(v.reason == "Assessment and plan completed"
                                           for v in history)  # fmt: skip
    assert set(EncounterType) <= set(seen)
    assert seen["signed"] > 10 * seen["unsigned"] > 0
    assert seen["addenda"] >= 5
    assert seen[ItemStatus.INACTIVE] >= 1  # a cancelled visit
    assert seen[ItemStatus.ENTERED_IN_ERROR] >= 1
    assert seen["labelled"] >= 1
    assert seen["completed later"] >= 5
    # A few notes were never signed: they are on the provider's list.
    assert inst.encounters.unsigned(doc)


def test_encounters_show_what_was_recorded_in_them(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    found: Counter[str] = Counter()
    for patient in inst.patients.list_all(doc)[:15]:
        for row in inst.encounters.list_for_patient(doc, patient.id).rows:
            detail = inst.encounters.detail(doc, row.id)
            note = detail.item.data
            assert note.reason_for_visit and detail.provider == "Dr. Priya Patel"
            assert detail.locked == row.signed
            if detail.addenda:
                assert [a.written_at for a in detail.addenda] == sorted(
                    a.written_at for a in detail.addenda
                )
                assert all(a.written_at > note.signed_at for a in detail.addenda)  # type: ignore[operator]
            for entry in detail.vitals + detail.tests + detail.procedures:
                assert entry.when >= note.starts_at
                if row.signed:
                    assert note.signed_at is not None and note.signed_at > note.starts_at
            found["vitals"] += len(detail.vitals)
            found["tests"] += len(detail.tests)
            found["abnormal tests"] += sum(t.abnormal for t in detail.tests)
            found["procedures"] += len(detail.procedures)
            found["problems"] += len(detail.problems)
            if note.encounter_type is EncounterType.OFFICE and note.objective:
                found["office notes with a full SOAP"] += bool(
                    note.subjective and note.assessment and note.plan
                )
    assert all(found[k] for k in ("vitals", "tests", "abnormal tests", "procedures", "problems"))
    assert found["office notes with a full SOAP"] >= 20
    # The vitals the chart holds were taken at the visits: recorded in their encounter.
    linked = total = 0
    for patient in inst.patients.list_all(doc):
        for v in inst.vitals.list(doc, patient.id).items:
            total += 1
            linked += v.data.encounter_id is not None
    assert linked == total > 0


def test_results_trend_with_abnormal_and_critical_values(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    flags: Counter[Flag] = Counter()
    names: set[str] = set()
    tests = 0
    for patient in inst.patients.list_all(doc):
        grid = inst.results.grid(doc, patient.id)
        tests += grid.tests
        for row in grid.rows:
            flags.update(cell.flag for cell in row.cells if cell is not None)
            names.add(row.panel)
        for test in inst.lab_tests.list(doc, patient.id, include_inactive=True).items:
            history = inst.lab_tests.history(doc, test.id)
            assert history[-1].item == test
            assert test.data.encounter_id is not None  # drawn at a visit
    assert tests >= 5 * PATIENTS // 2
    assert {t.name for t in BUNDLED} - {"Basic metabolic panel (BMP)"} <= names
    assert flags[Flag.NORMAL] > flags[Flag.HIGH] + flags[Flag.LOW] > 0
    assert flags[Flag.ABNORMAL] > 0  # urinalysis answers
    assert flags[Flag.CRITICAL_HIGH] + flags[Flag.CRITICAL_LOW] >= 1
    # Values fit the patient's conditions: a diabetic's A1c runs higher.
    a1c: dict[bool, list[float]] = {True: [], False: []}
    for patient in inst.patients.list_all(doc):
        problems = inst.problems.list(doc, patient.id).items
        diabetic = any(p.data.icd10cm == "E11.9" for p in problems)
        if "loinc:4548-4" in {r.key for r in inst.results.grid(doc, patient.id).rows}:
            trend = inst.results.trend(doc, patient.id, "loinc:4548-4")
            a1c[diabetic] += [p.value for p in trend.points]
    assert a1c[True] and a1c[False]
    assert min(a1c[True] + a1c[False]) > 4 and max(a1c[True]) < 12
    assert sum(a1c[True]) / len(a1c[True]) > 6.5 > sum(a1c[False]) / len(a1c[False])


def test_procedures_are_coded_and_recorded_in_their_visit(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    pcs = {line[:7] for line in bundled_pcs_file().read_text().splitlines()}
    systems: Counter[ProcedureCodeSystem | None] = Counter()
    for patient in inst.patients.list_all(doc):
        problems = {p.id for p in inst.problems.list(doc, patient.id, include_inactive=True).items}
        for item in inst.procedures.list(doc, patient.id).items:
            data = item.data
            systems[data.code_system] += 1
            if data.code_system is ProcedureCodeSystem.PCS:
                assert data.code in pcs
            elif data.code_system is ProcedureCodeSystem.HCPCS:
                assert data.code in STABLE_CODES[CodeSystem.HCPCS]
            assert data.encounter_id is not None and data.performed_by
            assert data.problem_id is None or data.problem_id in problems
            assert inst.procedures.history(doc, item.id)[-1].item == item
    assert systems[ProcedureCodeSystem.PCS] and systems[ProcedureCodeSystem.HCPCS]


def test_amendment_requests_accepted_denied_and_pending(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    decided: dict[AmendmentDecision, int] = Counter()
    for patient in inst.patients.list_all(doc):
        for request in inst.amendments.list(doc, patient.id).items:
            data = request.data
            decided[data.decision] += 1
            history = inst.amendments.history(doc, request.id)
            assert history[-1].item == request
            assert data.encounter_id is not None
            note = inst.encounters.detail(doc, ItemId(data.encounter_id))
            assert note.locked and request.id in [a.id for a in note.amendments]
            citing = [a for a in note.addenda if a.amendment_request_id == request.id]
            if data.decision is AmendmentDecision.ACCEPTED:
                assert history[1].reason == ACCEPTED and data.decided_on is not None
                assert len(citing) == 1 and "accepted" in citing[0].reason
            elif data.decision is AmendmentDecision.DENIED:
                assert history[1].reason == DENIED and data.denial_reason
                assert data.disagreement  # with the denial or received later
                assert [v.reason for v in history[2:]] in ([], [DISAGREEMENT])
                assert not citing
            else:
                assert len(history) == 1 and not citing
    assert all(decided[d] >= 1 for d in AmendmentDecision)


def test_signed_demo_notes_are_locked_and_verify_is_clean(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    patient = inst.patients.list_all(doc)[0]
    signed = next(r for r in inst.encounters.list_for_patient(doc, patient.id).rows if r.signed)
    note = inst.encounters.get(doc, signed.id)
    edited = dataclasses.replace(EncounterInput.editing(note), plan="Changed after signing")
    with pytest.raises(ValidationError, match="signed"):
        inst.encounters.update(doc, note.id, edited, expected_version=note.version)
    taken = next(
        v
        for p in inst.patients.list_all(doc)
        for v in inst.vitals.list(doc, p.id).items
        if v.data.encounter_id is not None
        and inst.encounters.get(doc, ItemId(v.data.encounter_id)).data.signed
    )
    changed = dataclasses.replace(VitalsInput.editing(taken), pulse="99")
    with pytest.raises(ValidationError, match="signed"):
        inst.vitals.update(doc, taken.id, changed, expected_version=taken.version)
    nurse = inst.auth.login(DEMO_USERS[Role.NURSE][0], ROLE_PASSWORD)
    assert sum(
        sum(inst.encounters.list_for_patient(nurse, p.id).withheld.values())
        for p in inst.patients.list_all(nurse)
    )
    report = inst.verify(demo.admin)
    assert report.ok, report.problems
    assert report.row_counts["encounter"] > PATIENTS and report.row_counts["encounter_addendum"] > 0


def test_a_day_of_the_clinic_lists_the_demo_visits(demo: Clinic) -> None:
    inst, doc = demo.inst, doctor(demo)
    days = Counter(
        r.starts_at.astimezone().date()
        for p in inst.patients.list_all(doc)
        for r in inst.encounters.list_for_patient(doc, p.id).rows
        if r.status is ItemStatus.ACTIVE
    )
    busiest, count = days.most_common(1)[0]
    assert len(inst.encounters.today(doc, busiest)) == count > 1


def test_demo_versions_hold_exactly_what_the_services_write(demo: Clinic) -> None:
    """The last version of every demo encounter, test, procedure, amendment request and
    vitals holds the JSON ``versioning.snapshot`` would write for the item as stored."""
    inst, doc = demo.inst, doctor(demo)
    services = {
        "encounter": inst.encounters,
        "lab-test": inst.lab_tests,
        "procedure": inst.procedures,
        "amendment-request": inst.amendments,
        "vitals": inst.vitals,
    }
    stored = [
        (item_type, item)
        for patient in inst.patients.list_all(doc)[:10]
        for item_type, service in services.items()
        for item in service.list(  # type: ignore[attr-defined]
            doc, patient.id, include_inactive=True, include_entered_in_error=True
        ).items
    ]
    checked: Counter[str] = Counter()
    with inst.store.unit_of_work() as db:
        for item_type, item in stored:
            last = versioning.version_rows(db, item_type, item.id)[-1]
            assert last.data_json == json.dumps(to_plain(item), sort_keys=True)
            checked[item_type] += 1
    assert all(checked[t] for t in ("encounter", "lab-test", "procedure", "vitals"))
