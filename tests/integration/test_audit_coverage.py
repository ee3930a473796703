"""Every public service entry point writes an audit event, on success and on refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import medrec_desktop.services as services_pkg
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput, WorklistFilter
from medrec_desktop.domain.dto import NoteId, PatientId
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import KnownError, PermissionDeniedError
from medrec_desktop.domain.panels import TemplateInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import (
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.domain.server_move import MoveTarget
from medrec_desktop.security import permissions
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.base import Service, audited, entry_points
from medrec_desktop.services.coding import CodeSets, CodingService
from medrec_desktop.services.coding_reports import CodingReportService
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.server_move import move_to_server
from medrec_desktop.services.workstations import new_here
from tests.conftest import ADMIN_PASSWORD, ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_DOCUMENT, SAMPLE_INPUTS, sample_pdf
from tests.integration.coding.conftest import codes_dir, scratch_store, store  # noqa: F401
from tests.support.fhir_bundles import record_bundle, to_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402

PATIENT = PatientInput("Testperson", "Pat", dt.date(1970, 1, 2), "female", "555-010-0000")


def all_service_classes() -> list[type[Service]]:
    for mod in pkgutil.iter_modules(services_pkg.__path__):
        importlib.import_module(f"{services_pkg.__name__}.{mod.name}")
    found: list[type[Service]] = []
    todo = list(Service.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.startswith("medrec_desktop.")]


def _patient(c: Clinic) -> PatientId:
    records = c.sessions[Role.RECORDS]
    return c.inst.patients.register(
        records, PATIENT, duplicates_reviewed=True, reason="a different person (checked)"
    ).id


def _hcpcs_file(c: Clinic) -> Path:
    path = c.paths.root / "HCPC2024_JAN_ANWEB.txt"
    path.write_text(sample_file())
    return path


def _with_coding(request: pytest.FixtureRequest, c: Clinic, entry: str) -> None:
    """Coding entry points need the workstation's code sets: a private copy of the store."""
    if entry.startswith("CodingService."):
        codes = CodeSets(store=request.getfixturevalue("scratch_store"))
        c.coding = CodingService(ctx=c.inst.ctx, codes=codes)  # type: ignore[attr-defined]
    if entry.startswith(("EncounterCodingService.", "BillingExportService.")):
        codes = CodeSets(store=request.getfixturevalue("store"))
        c.coding_work = EncounterCodingService(ctx=c.inst.ctx, codes=codes)  # type: ignore[attr-defined]
    if entry.startswith("CodingReportService."):
        codes = CodeSets(store=request.getfixturevalue("store"))
        c.coding_reports = CodingReportService(ctx=c.inst.ctx, codes=codes)  # type: ignore[attr-defined]


REPORT_FROM, REPORT_TO = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
HTN = CodingInput(diagnoses=(CodedDiagnosis("I10", ""),))
QUERY = QueryInput("clarify", "Can the cause of the anemia be clarified?", ("Iron deficiency",))


def _coded(c: Clinic) -> int:
    """A signed encounter with its codes saved (version 1)."""
    eid = _encounter(c, signed=True)
    c.coding_work.save(c.sessions[Role.CODER], eid, HTN, expected_version=None)  # type: ignore[attr-defined]
    return eid


def _marked_coded(c: Clinic) -> int:
    """A signed encounter marked coded (its date of service is in November 2026)."""
    eid = _coded(c)
    c.coding_work.mark_coded(c.sessions[Role.CODER], eid, expected_version=1)  # type: ignore[attr-defined]
    return eid


NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
RELEASE = ReleaseRequest(
    scope=RecordScope((RecordSection.PROBLEMS,)),
    recipient="Dr. Ana Lee",
    purpose="treatment",
)


def _returned(c: Clinic) -> int:
    eid = _encounter(c, signed=True)
    c.coding_work.return_to_provider(  # type: ignore[attr-defined]
        c.sessions[Role.CODER], eid, expected_version=None, reason="assessment missing"
    )
    return eid


def _query(c: Clinic) -> int:
    eid = _encounter(c, signed=True)
    return c.inst.coder_queries.ask(c.sessions[Role.CODER], eid, QUERY).id


PROBLEM = ProblemInput(description="Seasonal allergic rhinitis", icd10cm="J30.2")


def _problem(c: Clinic) -> ItemId:
    return c.inst.problems.add(c.sessions[Role.PROVIDER], _patient(c), PROBLEM).id


IRON = TemplateInput(
    name="Iron studies", analytes=(ResultInput(analyte="Iron", unit="µg/dL", low="60"),)
)


def _template(c: Clinic) -> int:
    found = c.inst.lab_tests.add_template(c.sessions[Role.NURSE], IRON).template_id
    assert found is not None
    return found


def _lab_test(c: Clinic) -> PatientId:
    """A patient with one potassium result (a trend of one point)."""
    pid = _patient(c)
    test = LabTestInput(
        name="Potassium",
        collected_at=dt.datetime(2026, 11, 19, 8, 10, tzinfo=dt.UTC),
        results=(ResultInput(analyte="Potassium", loinc="2823-3", value="4.1"),),
    )
    c.inst.lab_tests.add(c.sessions[Role.NURSE], pid, test)
    return pid


def _note(c: Clinic) -> NoteId:
    pid = _patient(c)
    return c.inst.patients.add_note(c.sessions[Role.PROVIDER], pid, "note text").id


def _encounter(c: Clinic, *, signed: bool = False) -> ItemId:
    provider = c.sessions[Role.PROVIDER]
    added = c.inst.encounters.add(provider, _patient(c), SAMPLE_INPUTS["encounter"])
    if signed:
        c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
    return added.id


def _request(c: Clinic, *, denied: bool = False) -> ItemId:
    """An amendment request about a signed note (version 1, or 2 once denied)."""
    records = c.sessions[Role.RECORDS]
    encounter = c.inst.encounters.get(records, _encounter(c, signed=True))
    typed = replace(SAMPLE_INPUTS["amendment-request"], encounter_id=encounter.id)
    request = c.inst.amendments.add(records, encounter.patient_id, typed)
    if denied:
        c.inst.amendments.deny(
            records, request.id, reason="accurate", disagreement=None, expected_version=1
        )
    return request.id


def _document(c: Clinic) -> ItemId:
    records = c.sessions[Role.RECORDS]
    return c.inst.documents.attach(records, _patient(c), SAMPLE_DOCUMENT, sample_pdf()).id


_SCANS = iter(range(1, 1_000_000))


def _scan(c: Clinic) -> int:
    """A scan waiting in the inbox (version 1)."""
    return c.inst.inbox.receive(
        c.sessions[Role.NURSE], "scan.pdf", sample_pdf(), next(_SCANS)
    ).inbox_id


def _bulk_folder(c: Clinic) -> Path:
    """A patient to export, and a new empty folder to export into."""
    _patient(c)
    folder = c.paths.root.parent / f"bulk-{next(_SCANS)}"
    folder.mkdir()
    return folder


# One successful call per entry point: (role, call). A new entry point without a row here fails
# the coverage test below, so it cannot ship unaudited or untested.
Call = Callable[[Clinic, Any], Any]
SAMPLES: dict[str, tuple[Role | None, Callable[[Clinic], Call]]] = {
    "AuthService.login": (None, lambda c: lambda s: c.inst.auth.login("admin", ADMIN_PASSWORD)),
    "AuthService.logout": (Role.NURSE, lambda c: lambda s: c.inst.auth.logout(s)),
    "AuthService.change_password": (
        Role.CODER,
        lambda c: lambda s: c.inst.auth.change_password(s, ROLE_PASSWORD, "a brand new passphrase"),
    ),
    "AuthService.break_glass": (
        Role.NURSE,
        lambda c: (
            lambda pid: (
                lambda s: c.inst.auth.break_glass(s, pid, "patient collapsed", ROLE_PASSWORD)
            )
        )(_patient(c)),
    ),
    "AuthService.active_emergency_grants": (
        Role.NURSE,
        lambda c: lambda s: c.inst.auth.active_emergency_grants(s),
    ),
    "AuthService.has_users": (None, lambda c: lambda s: c.inst.auth.has_users()),
    "UserService.add_user": (
        Role.ADMIN,
        lambda c: (
            lambda s: c.inst.users.add_user(s, "newbie", "New Bie", Role.CODER, "long enough pw 1")
        ),
    ),
    "UserService.list_users": (Role.ADMIN, lambda c: lambda s: c.inst.users.list_users(s)),
    "UserService.disable_user": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.users.disable_user(s, "coder"),
    ),
    "UserService.enable_user": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.users.enable_user(s, "coder"),
    ),
    "UserService.unlock_user": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.users.unlock_user(s, "coder"),
    ),
    "UserService.reset_password": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.users.reset_password(s, "coder", "temporary pw 12345"),
    ),
    "UserService.set_role": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.users.set_role(s, "coder", Role.RECORDS),
    ),
    "AuditService.verify": (Role.ADMIN, lambda c: lambda s: c.inst.audit.verify(s)),
    "AuditService.root_key": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.audit.root_key(s, ADMIN_PASSWORD),
    ),
    "AuditService.events": (Role.ADMIN, lambda c: lambda s: c.inst.audit.events(s, AuditFilter())),
    "AuditService.export": (Role.ADMIN, lambda c: lambda s: c.inst.audit.export(s, AuditFilter())),
    "PatientService.register": (
        Role.FRONT_DESK,
        lambda c: lambda s: c.inst.patients.register(s, PATIENT),
    ),
    "PatientService.get": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.patients.get(s, pid))(_patient(c)),
    ),
    "PatientService.find_by_mrn": (
        Role.FRONT_DESK,
        lambda c: (lambda p: lambda s: c.inst.patients.find_by_mrn(s, p.mrn))(
            c.inst.patients.get(c.sessions[Role.RECORDS], _patient(c))
        ),
    ),
    "PatientService.find_duplicates": (
        Role.FRONT_DESK,
        lambda c: lambda s: c.inst.patients.find_duplicates(s, PATIENT),
    ),
    "PatientService.record": (
        Role.FRONT_DESK,
        lambda c: (lambda pid: lambda s: c.inst.patients.record(s, pid))(_patient(c)),
    ),
    "PatientService.search": (
        Role.FRONT_DESK,
        lambda c: lambda s: c.inst.patients.search(s, "test"),
    ),
    "PatientService.recent": (Role.NURSE, lambda c: lambda s: c.inst.patients.recent(s)),
    "PatientService.history": (
        Role.RECORDS,
        lambda c: (lambda pid: lambda s: c.inst.patients.history(s, pid))(_patient(c)),
    ),
    "PatientService.open_chart": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.patients.open_chart(s, pid))(_patient(c)),
    ),
    "PatientService.merge": (
        Role.RECORDS,
        lambda c: (
            lambda a, b: lambda s: c.inst.patients.merge(s, a, b, reason="registered twice")
        )(_patient(c), _patient(c)),
    ),
    "PatientService.merge_suggestion": (
        Role.RECORDS,
        lambda c: (lambda a, b: lambda s: c.inst.patients.merge_suggestion(s, a, b))(
            _patient(c), _patient(c)
        ),
    ),
    "DemoService.load_patients": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.demo.load_patients(s, 3, seed=2),
    ),
    "DemoService.load_charts": (
        Role.PROVIDER,
        lambda c: (lambda _loaded: lambda s: c.inst.demo.load_charts(s, seed=2))(
            c.inst.demo.load_patients(c.sessions[Role.RECORDS], 2, seed=2)
        ),
    ),
    "DemoService.coding_facts": (
        Role.CODER,
        lambda c: (lambda _loaded: lambda s: c.inst.demo.coding_facts(s))(
            c.inst.demo.load_patients(c.sessions[Role.RECORDS], 2, seed=2)
        ),
    ),
    "DemoService.load_inbox": (
        Role.NURSE,
        lambda c: (lambda _loaded: lambda s: c.inst.demo.load_inbox(s, seed=2))(
            c.inst.demo.load_patients(c.sessions[Role.RECORDS], 2, seed=2)
        ),
    ),
    "PatientService.list_all": (Role.FRONT_DESK, lambda c: lambda s: c.inst.patients.list_all(s)),
    "PatientService.update": (
        Role.RECORDS,
        lambda c: (
            lambda pid: lambda s: c.inst.patients.update(s, pid, PATIENT, expected_version=1)
        )(_patient(c)),
    ),
    "PatientService.add_note": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.patients.add_note(s, pid, "BP checked"))(
            _patient(c)
        ),
    ),
    "PatientService.notes": (
        Role.PROVIDER,
        lambda c: (lambda pid: lambda s: c.inst.patients.notes(s, pid))(_patient(c)),
    ),
    "PatientService.mark_note_entered_in_error": (
        Role.RECORDS,
        lambda c: (lambda nid: lambda s: c.inst.patients.mark_note_entered_in_error(s, nid))(
            _note(c)
        ),
    ),
    "MaintenanceService.verify_database": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.maintenance.verify_database(s),
    ),
    "MaintenanceService.copy_to": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.maintenance.copy_to(s, c.paths.root / "copy.db"),
    ),
    "MaintenanceService.dump_server": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.maintenance.dump_server(s, lambda: None),
    ),
    "MaintenanceService.record_key_change": (
        None,
        lambda c: (
            lambda s: c.inst.maintenance.record_key_change(
                "recovery key holder", "keys recover: test"
            )
        ),
    ),
    "MaintenanceService.authorize": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.maintenance.authorize(s, "test act"),
    ),
    "SetupService.create_first_admin": (
        None,
        lambda c: (
            lambda s: c.inst.setup.create_first_admin("x", "second", "Second", "long enough pw 1")
        ),
    ),
    "SetupService.clinic_settings": (None, lambda c: lambda s: c.inst.setup.clinic_settings()),
    "SetupService.update_settings": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.setup.update_settings(s, {"clinic_name": "Maple"}),
    ),
    "SetupService.install_id": (None, lambda c: lambda s: c.inst.setup.install_id()),
    # The generic clinical item service (one instance per kind; problems stand for all).
    "ClinicalItemService.list": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.problems.list(s, pid))(_patient(c)),
    ),
    "ClinicalItemService.add": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.problems.add(s, pid, PROBLEM))(_patient(c)),
    ),
    "ClinicalItemService.get": (
        Role.NURSE,
        lambda c: (lambda iid: lambda s: c.inst.problems.get(s, iid))(_problem(c)),
    ),
    "ClinicalItemService.history": (
        Role.NURSE,
        lambda c: (lambda iid: lambda s: c.inst.problems.history(s, iid))(_problem(c)),
    ),
    "ClinicalItemService.update": (
        Role.NURSE,
        lambda c: (
            lambda iid: lambda s: c.inst.problems.update(s, iid, PROBLEM, expected_version=1)
        )(_problem(c)),
    ),
    "ClinicalItemService.mark_entered_in_error": (
        Role.RECORDS,
        lambda c: (
            lambda iid: (
                lambda s: c.inst.problems.mark_entered_in_error(
                    s, iid, reason="wrong chart", expected_version=1
                )
            )
        )(_problem(c)),
    ),
    # Test results (issue 10): templates on the lab tests' service, and the grid read model.
    "LabTestService.templates": (Role.NURSE, lambda c: lambda s: c.inst.lab_tests.templates(s)),
    "LabTestService.add_template": (
        Role.NURSE,
        lambda c: lambda s: c.inst.lab_tests.add_template(s, IRON),
    ),
    "LabTestService.retire_template": (
        Role.NURSE,
        lambda c: (lambda tid: lambda s: c.inst.lab_tests.retire_template(s, tid))(_template(c)),
    ),
    "ResultsService.grid": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.results.grid(s, pid))(_patient(c)),
    ),
    "ResultsService.trend": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.results.trend(s, pid, "loinc:2823-3"))(
            _lab_test(c)
        ),
    ),
    "ChartSummaryService.summary": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.chart.summary(s, pid))(_patient(c)),
    ),
    "ChartSummaryService.open": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.chart.open(s, pid))(_patient(c)),
    ),
    "DraftService.save_draft": (
        Role.NURSE,
        lambda c: (
            lambda pid: (
                lambda s: c.inst.drafts.save_draft(
                    s, f"problem:new:patient={pid}", pid, "problem", None, {"description": "x"}
                )
            )
        )(_patient(c)),
    ),
    "DraftService.draft": (Role.NURSE, lambda c: lambda s: c.inst.drafts.draft(s, "problem:1")),
    "DraftService.discard_draft": (
        Role.NURSE,
        lambda c: lambda s: c.inst.drafts.discard_draft(s, "problem:1"),
    ),
    "DraftService.my_drafts": (Role.NURSE, lambda c: lambda s: c.inst.drafts.my_drafts(s)),
    "ChartBannerService.banner": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.chart_banner.banner(s, pid))(_patient(c)),
    ),
    # Issue 10: encounters and amendment requests.
    "EncounterService.sign": (
        Role.PROVIDER,
        lambda c: (
            lambda eid: (
                lambda s: c.inst.encounters.sign(s, eid, password=ROLE_PASSWORD, expected_version=1)
            )
        )(_encounter(c)),
    ),
    "EncounterService.add_addendum": (
        Role.PROVIDER,
        lambda c: (
            lambda eid: (
                lambda s: c.inst.encounters.add_addendum(s, eid, reason="Late entry", text="x")
            )
        )(_encounter(c, signed=True)),
    ),
    "EncounterService.detail": (
        Role.NURSE,
        lambda c: (lambda eid: lambda s: c.inst.encounters.detail(s, eid))(_encounter(c)),
    ),
    "EncounterService.list_for_patient": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.encounters.list_for_patient(s, pid))(_patient(c)),
    ),
    "EncounterService.open_choices": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.encounters.open_choices(s, pid))(_patient(c)),
    ),
    "EncounterService.today": (
        Role.NURSE,
        lambda c: lambda s: c.inst.encounters.today(s, dt.date(2026, 11, 20)),
    ),
    "EncounterService.unsigned": (Role.PROVIDER, lambda c: lambda s: c.inst.encounters.unsigned(s)),
    "EncounterService.providers": (Role.NURSE, lambda c: lambda s: c.inst.encounters.providers(s)),
    "EncounterService.unsigned_note_days": (
        Role.NURSE,
        lambda c: lambda s: c.inst.encounters.unsigned_note_days(s),
    ),
    "EncounterService.set_unsigned_note_days": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.encounters.set_unsigned_note_days(s, 5),
    ),
    "AmendmentService.accept": (
        Role.RECORDS,
        lambda c: (
            lambda rid: (
                lambda s: c.inst.amendments.accept(s, rid, text="Quit 2019.", expected_version=1)
            )
        )(_request(c)),
    ),
    "AmendmentService.deny": (
        Role.RECORDS,
        lambda c: (
            lambda rid: (
                lambda s: c.inst.amendments.deny(
                    s, rid, reason="accurate", disagreement=None, expected_version=1
                )
            )
        )(_request(c)),
    ),
    "AmendmentService.record_disagreement": (
        Role.RECORDS,
        lambda c: (
            lambda rid: (
                lambda s: c.inst.amendments.record_disagreement(
                    s, rid, text="I disagree.", expected_version=2
                )
            )
        )(_request(c, denied=True)),
    ),
    "TrendService.vital": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.trends.vital(s, pid, "pulse"))(_patient(c)),
    ),
    "TrendService.printed": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.trends.printed(s, pid, "vital:pulse"))(_patient(c)),
    ),
    "TrendService.exported": (
        Role.PROVIDER,
        lambda c: (lambda pid: lambda s: c.inst.trends.exported(s, pid, "vital:pulse"))(
            _patient(c)
        ),
    ),
    # issue 12: documents, their bytes inside the database
    "DocumentService.attach": (
        Role.RECORDS,
        lambda c: (
            lambda pid: lambda s: c.inst.documents.attach(s, pid, SAMPLE_DOCUMENT, sample_pdf())
        )(_patient(c)),
    ),
    "DocumentService.open_file": (
        Role.PROVIDER,
        lambda c: (lambda d: lambda s: c.inst.documents.open_file(s, d))(_document(c)),
    ),
    "DocumentService.export_file": (
        Role.PROVIDER,
        lambda c: (lambda d: lambda s: c.inst.documents.export_file(s, d))(_document(c)),
    ),
    "DocumentService.print_file": (
        Role.NURSE,
        lambda c: (lambda d: lambda s: c.inst.documents.print_file(s, d))(_document(c)),
    ),
    "DocumentService.refile": (
        Role.RECORDS,
        lambda c: (
            lambda d, to: (
                lambda s: c.inst.documents.refile(
                    s, d, to, reason="wrong chart", expected_version=1
                )
            )
        )(_document(c), _patient(c)),
    ),
    "DocumentService.max_file_mb": (
        Role.NURSE,
        lambda c: lambda s: c.inst.documents.max_file_mb(s),
    ),
    "DocumentService.set_max_file_mb": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.documents.set_max_file_mb(s, 40),
    ),
    # issue 12: the scanner inbox
    "InboxService.settings": (Role.NURSE, lambda c: lambda s: c.inst.inbox.settings(s)),
    "InboxService.set_folder": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.inbox.set_folder(s, "/srv/scans"),
    ),
    "InboxService.set_highlight_days": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.inbox.set_highlight_days(s, 5),
    ),
    "InboxService.receive": (
        Role.NURSE,
        lambda c: lambda s: c.inst.inbox.receive(s, "fax.pdf", sample_pdf(), next(_SCANS)),
    ),
    "InboxService.entries": (Role.RECORDS, lambda c: lambda s: c.inst.inbox.entries(s)),
    "InboxService.count": (Role.RECORDS, lambda c: lambda s: c.inst.inbox.count(s)),
    "InboxService.get": (
        Role.RECORDS,
        lambda c: (lambda i: lambda s: c.inst.inbox.get(s, i))(_scan(c)),
    ),
    "InboxService.open_file": (
        Role.RECORDS,
        lambda c: (lambda i: lambda s: c.inst.inbox.open_file(s, i))(_scan(c)),
    ),
    "InboxService.file": (
        Role.RECORDS,
        lambda c: (
            lambda i, pid: (
                lambda s: c.inst.inbox.file(s, i, pid, SAMPLE_DOCUMENT, expected_version=1)
            )
        )(_scan(c), _patient(c)),
    ),
    "InboxService.reject": (
        Role.RECORDS,
        lambda c: (lambda i: lambda s: c.inst.inbox.reject(s, i, "not ours", expected_version=1))(
            _scan(c)
        ),
    ),
    "InboxSuggestionService.suggest": (
        Role.RECORDS,
        lambda c: (lambda i: lambda s: c.inst.inbox_suggestions.suggest(s, i))(_scan(c)),
    ),
    "CoverSheetService.issue": (
        Role.NURSE,
        lambda c: (lambda pid: lambda s: c.inst.cover_sheets.issue(s, pid, "referral"))(
            _patient(c)
        ),
    ),
    "InboxService.confirm_stored": (
        Role.NURSE,
        lambda c: (
            lambda i: (
                lambda s: c.inst.inbox.confirm_stored(
                    s, i, hashlib.sha256(sample_pdf()).hexdigest()
                )
            )
        )(_scan(c)),
    ),
    "InboxService.split": (
        Role.RECORDS,
        lambda c: (
            lambda i: lambda s: c.inst.inbox.split(s, i, [(1, 1), (2, 2)], expected_version=1)
        )(
            c.inst.inbox.receive(
                c.sessions[Role.NURSE], "batch.pdf", sample_pdf(2), next(_SCANS)
            ).inbox_id
        ),
    ),
    "EncounterCodingService.get": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.coding_work.get(s, e))(_encounter(c, signed=True)),  # type: ignore[attr-defined]
    ),
    "EncounterCodingService.history": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.coding_work.history(s, e))(_coded(c)),  # type: ignore[attr-defined]
    ),
    "EncounterCodingService.review": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.coding_work.review(s, e))(_coded(c)),  # type: ignore[attr-defined]
    ),
    "EncounterCodingService.worklist": (
        Role.CODER,
        lambda c: lambda s: c.coding_work.worklist(s, WorklistFilter()),  # type: ignore[attr-defined]
    ),
    "EncounterCodingService.returned_to_me": (
        Role.PROVIDER,
        lambda c: lambda s: c.coding_work.returned_to_me(s),  # type: ignore[attr-defined]
    ),
    "EncounterCodingService.save": (
        Role.CODER,
        lambda c: (
            lambda e: lambda s: c.coding_work.save(s, e, HTN, expected_version=None)  # type: ignore[attr-defined]
        )(_encounter(c, signed=True)),
    ),
    "EncounterCodingService.mark_coded": (
        Role.CODER,
        lambda c: (
            lambda e: lambda s: c.coding_work.mark_coded(s, e, expected_version=1)  # type: ignore[attr-defined]
        )(_coded(c)),
    ),
    "EncounterCodingService.return_to_provider": (
        Role.CODER,
        lambda c: (
            lambda e: (
                lambda s: c.coding_work.return_to_provider(  # type: ignore[attr-defined]
                    s, e, expected_version=None, reason="assessment missing"
                )
            )
        )(_encounter(c, signed=True)),
    ),
    "EncounterCodingService.send_back_to_coding": (
        Role.PROVIDER,
        lambda c: (
            lambda e: (
                lambda s: c.coding_work.send_back_to_coding(  # type: ignore[attr-defined]
                    s, e, expected_version=1, note="addendum added"
                )
            )
        )(_returned(c)),
    ),
    "EncounterCodingService.dismiss": (
        Role.CODER,
        lambda c: (
            lambda e: (
                lambda s: c.coding_work.dismiss(  # type: ignore[attr-defined]
                    s, e, expected_version=None, key="k", code="E11.9", reason="not documented"
                )
            )
        )(_encounter(c, signed=True)),
    ),
    "CoderQueryService.ask": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.inst.coder_queries.ask(s, e, QUERY))(
            _encounter(c, signed=True)
        ),
    ),
    "CoderQueryService.answer": (
        Role.PROVIDER,
        lambda c: (
            lambda q: (
                lambda s: c.inst.coder_queries.answer(
                    s, q, expected_version=1, answer="Iron deficiency"
                )
            )
        )(_query(c)),
    ),
    "CoderQueryService.withdraw": (
        Role.CODER,
        lambda c: (
            lambda q: (
                lambda s: c.inst.coder_queries.withdraw(
                    s, q, expected_version=1, reason="answered by phone"
                )
            )
        )(_query(c)),
    ),
    "CoderQueryService.for_encounter": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.inst.coder_queries.for_encounter(s, e))(
            _encounter(c, signed=True)
        ),
    ),
    "CoderQueryService.history": (
        Role.CODER,
        lambda c: (lambda q: lambda s: c.inst.coder_queries.history(s, q))(_query(c)),
    ),
    "CoderQueryService.mine": (Role.PROVIDER, lambda c: lambda s: c.inst.coder_queries.mine(s)),
    "CoderQueryService.sent": (Role.CODER, lambda c: lambda s: c.inst.coder_queries.sent(s)),
    "CoderQueryService.waiting_count": (
        Role.PROVIDER,
        lambda c: lambda s: c.inst.coder_queries.waiting_count(s),
    ),
    "BillingExportService.claim_summary": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.inst.billing.claim_summary(s, e))(_marked_coded(c)),
    ),
    "BillingExportService.superbill_pdf": (
        Role.CODER,
        lambda c: (lambda e: lambda s: c.inst.billing.superbill_pdf(s, e))(_marked_coded(c)),
    ),
    "BillingExportService.record_superbill_print": (
        Role.CODER,
        lambda c: (
            lambda e: (
                lambda s: c.inst.billing.record_superbill_print(s, e, sha256="0" * 64, pages=1)
            )
        )(_marked_coded(c)),
    ),
    "BillingExportService.preview": (
        Role.CODER,
        lambda c: lambda s: c.inst.billing.preview(s, *NOVEMBER),
    ),
    "BillingExportService.export": (
        Role.CODER,
        lambda c: (lambda _e: lambda s: c.inst.billing.export(s, *NOVEMBER))(_marked_coded(c)),
    ),
    "RecordReleaseService.preview": (
        Role.PROVIDER,
        lambda c: (
            lambda s: c.inst.releases.preview(
                s, _patient(c), RecordScope((RecordSection.PROBLEMS, RecordSection.ENCOUNTERS))
            )
        ),
    ),
    "RecordReleaseService.release_pdf": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.releases.release_pdf(s, _patient(c), RELEASE),
    ),
    "RecordReleaseService.print_preview": (
        Role.PROVIDER,
        lambda c: lambda s: c.inst.releases.print_preview(s, _patient(c), RELEASE),
    ),
    "RecordReleaseService.record_print": (
        Role.PROVIDER,
        lambda c: (
            lambda s: c.inst.releases.record_print(
                s, _patient(c), RELEASE, sha256="0" * 64, pages=1
            )
        ),
    ),
    "RecordReleaseService.accounting_pdf": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.releases.accounting_pdf(s, _patient(c)),
    ),
    "RecordReleaseService.accounting_print_preview": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.releases.accounting_print_preview(s, _patient(c)),
    ),
    "RecordReleaseService.record_accounting_print": (
        Role.RECORDS,
        lambda c: (
            lambda s: c.inst.releases.record_accounting_print(
                s, _patient(c), sha256="0" * 64, pages=1
            )
        ),
    ),
    "RecordReleaseService.accounting": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.releases.accounting(s, _patient(c)),
    ),
    "FhirImportService.preview": (
        Role.RECORDS,
        lambda c: lambda s: c.inst.fhir_import.preview(s, to_bytes(record_bundle())),
    ),
    "FhirImportService.commit": (
        Role.RECORDS,
        lambda c: (
            lambda s: c.inst.fhir_import.commit(s, to_bytes(record_bundle()), patient_id=None)
        ),
    ),
    "FhirExportService.export_patient": (
        Role.RECORDS,
        lambda c: (lambda pid: lambda s: c.inst.fhir_export.export_patient(s, pid, RELEASE))(
            _patient(c)
        ),
    ),
    "FhirExportService.bulk_export": (
        Role.ADMIN,
        lambda c: (lambda folder: lambda s: c.inst.fhir_export.bulk_export(s, folder, RELEASE))(
            _bulk_folder(c)
        ),
    ),
    "ServerMoveService.move": (
        Role.ADMIN,
        lambda c: (
            lambda s: move_to_server(
                c.inst, s, MoveTarget(app_url="postgresql://medrec_app@127.0.0.1/x", owner_url="")
            )
        ),
    ),
    "CodingReportService.productivity": (
        Role.CODER,
        lambda c: lambda s: c.coding_reports.productivity(s, REPORT_FROM, REPORT_TO),  # type: ignore[attr-defined]
    ),
    "CodingReportService.diagnoses": (
        Role.ADMIN,
        lambda c: lambda s: c.coding_reports.diagnoses(s, REPORT_FROM, REPORT_TO, by="hcc"),  # type: ignore[attr-defined]
    ),
    "CodingService.import_file": (
        Role.RECORDS,
        lambda c: (lambda p: lambda s: c.coding.import_file(s, p))(_hcpcs_file(c)),  # type: ignore[attr-defined]
    ),
    # Issue 15: the clinic server's workstations (a one-computer file refuses what joins).
    "WorkstationService.list_workstations": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.workstations.list_workstations(s),
    ),
    "WorkstationService.server_status": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.workstations.server_status(s),
    ),
    "WorkstationService.issue_code": (
        Role.ADMIN,
        lambda c: lambda s: c.inst.workstations.issue_code(s, "Front desk 2"),
    ),
    "WorkstationService.revoke": (
        Role.ADMIN,
        lambda c: (
            lambda ws: (
                lambda s: c.inst.workstations.revoke(
                    s, ws.id if ws else 1, "retired", expected_version=ws.version if ws else 1
                )
            )
        )(next(iter(c.inst.workstations.list_workstations(c.admin)), None)),
    ),
    "WorkstationService.record_join": (
        None,
        lambda c: (lambda eid: lambda s: c.inst.workstations.record_join(eid, new_here("Lab")))(
            _enrollment(c)
        ),
    ),
    "WorkstationService.register_self": (
        None,
        # the list has the founder: only a restore's own folder records itself now (a refusal
        # is recorded too: test_workstation_join)
        lambda c: lambda s: c.inst.workstations.register_self(new_here("Old desk"), restored=True),
    ),
    "WorkstationService.refuse_removed": (
        None,
        lambda c: (
            lambda s: c.inst.workstations.refuse_removed(new_here("Laptop"), "It was removed.")
        ),
    ),
}


def _enrollment(c: Clinic) -> int:
    """The id of an enrollment code issued on a server (the first in the clinic's copy)."""
    if c.backend == "postgresql":
        c.inst.workstations.issue_code(c.admin, "Lab")
    return 1


# Calls whose sample is a refusal: the first administrator exists already; a removed
# workstation's attempt to open is recorded as the refusal it is; a move to a server records
# its success on the server (tests/integration/test_server_move.py), here it is refused (no
# owner's address; on a server, nothing to move).
REFUSED_BY_DESIGN = {
    "SetupService.create_first_admin",
    "WorkstationService.refuse_removed",
    "ServerMoveService.move",
}
# File copies exist for the local SQLCipher file; a server backup goes through dump_server.
LOCAL_FILE_ONLY = {"MaintenanceService.copy_to"}
# A server backup's pg_dump is recorded through dump_server, which a local file refuses.
SERVER_ONLY = {
    "MaintenanceService.dump_server",
    # Issue 15: workstations join a clinic server, never a one-computer file.
    "WorkstationService.server_status",
    "WorkstationService.issue_code",
    "WorkstationService.revoke",
    "WorkstationService.record_join",
    "WorkstationService.register_self",
}

ENTRY_POINTS = sorted(
    f"{cls.__name__}.{name}"
    for cls in all_service_classes()
    for name, fn in entry_points(cls).items()
    if hasattr(fn, "__audit__")
)
# Lookups that touch neither PHI nor security state (code-set search, ...): no event by design.
NO_PHI_ENTRY_POINTS = sorted(
    f"{cls.__name__}.{name}"
    for cls in all_service_classes()
    for name, fn in entry_points(cls).items()
    if hasattr(fn, "__no_phi__")
)


def _last_event(c: Clinic) -> Any:
    return c.inst.audit.events(c.admin, AuditFilter(), limit=1)[
        0
    ]  # the query's own event comes after


def test_every_entry_point_has_a_sample_call() -> None:
    assert ENTRY_POINTS, "no service entry points found"
    missing = [name for name in ENTRY_POINTS if name not in SAMPLES]
    assert not missing, f"entry points without an audit test sample: {missing}"


def test_unaudited_entry_points_say_why() -> None:
    for entry in NO_PHI_ENTRY_POINTS:
        cls_name, method = entry.split(".")
        reason = getattr(CLASSES[cls_name], method).__no_phi__
        assert isinstance(reason, str) and len(reason) > 10, entry


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_entry_point_writes_an_audit_event(
    clinic: Clinic, entry: str, request: pytest.FixtureRequest
) -> None:
    _with_coding(request, clinic, entry)
    role, make = SAMPLES[entry]
    call = make(clinic)
    before = _last_event(clinic).seq
    session = clinic.sessions[role] if role is not None else None
    refused = (
        entry in REFUSED_BY_DESIGN
        or (clinic.backend == "postgresql" and entry in LOCAL_FILE_ONLY)
        or (clinic.backend == "sqlcipher" and entry in SERVER_ONLY)
    )
    if refused:
        with pytest.raises(KnownError):
            call(session)
    else:
        call(session)
    event = _last_event(clinic)
    assert event.seq > before
    assert event.entry_point == entry
    assert event.outcome == ("success" if not refused else "failure")
    # Whoever called (if anyone was signed in) is named in the event.
    if session is not None:
        assert event.username == session.username


CLASSES = {cls.__name__: cls for cls in all_service_classes()}


def role_without_right(entry: str) -> Role | None:
    """A role the permission matrix refuses for this entry point, if any role is refused."""
    cls_name, method = entry.split(".")
    spec = getattr(CLASSES[cls_name], method).__audit__
    if spec.anonymous:
        return None
    for role in (Role.ADMIN, Role.FRONT_DESK, Role.CODER, Role.NURSE, Role.PROVIDER):
        if not permissions.allowed(role, spec.action, spec.category):
            return role
    return None


DENIABLE = [e for e in ENTRY_POINTS if e in SAMPLES and role_without_right(e) is not None]


@pytest.mark.parametrize("entry", DENIABLE)
def test_refused_calls_are_audited_as_denied(
    local_clinic: Clinic, entry: str, request: pytest.FixtureRequest
) -> None:
    """A role without the right is refused, and the refusal itself is in the audit trail."""
    _with_coding(request, local_clinic, entry)
    _, make = SAMPLES[entry]
    wrong = role_without_right(entry)
    assert wrong is not None
    call = make(local_clinic)
    with pytest.raises(PermissionDeniedError):
        call(local_clinic.sessions[wrong])
    event = _last_event(local_clinic)
    assert event.entry_point == entry
    assert event.outcome == "denied"
    assert event.username == local_clinic.sessions[wrong].username


def test_a_public_method_without_audit_cannot_be_defined() -> None:
    with pytest.raises(TypeError, match="without @audited"):

        class Leaky(Service):  # noqa: F841 - defining it is the test
            def read_everything(self) -> None: ...


def test_a_public_static_helper_cannot_hide_in_a_service() -> None:
    with pytest.raises(TypeError, match="public service members"):

        class Leaky2(Service):
            @staticmethod
            def peek() -> None: ...


def test_audited_methods_need_the_caller_session(local_clinic: Clinic) -> None:
    class Probe(Service):
        @audited(Action.VIEW, DataCategory.DEMOGRAPHICS)
        def look(self, op: Any) -> int:
            return 1

    probe = Probe(ctx=local_clinic.inst.ctx)
    with pytest.raises(TypeError, match="UserSession"):
        probe.look()
    assert probe.look(local_clinic.sessions[Role.NURSE]) == 1
