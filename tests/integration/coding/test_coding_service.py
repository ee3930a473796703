"""The coding service: lookups for anyone who codes, imports checked and audited with counts."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ReleaseLooksIncompleteError
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.coding import CodeSets, CodingService
from tests.conftest import Clinic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402


@pytest.fixture
def coding(local_clinic: Clinic, scratch_store: CodeSetStore) -> CodingService:
    return CodingService(ctx=local_clinic.inst.ctx, codes=CodeSets(store=scratch_store))


def hcpcs_file(tmp_path: Path) -> Path:
    path = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    path.write_text(sample_file())
    return path


def last_event(c: Clinic):  # type: ignore[no-untyped-def]
    # the query's own event comes after the one asked for
    return c.inst.audit.events(c.admin, AuditFilter(), limit=1)[0]


def test_lookups_need_no_session_and_write_no_audit_event(
    local_clinic: Clinic, coding: CodingService
) -> None:
    before = last_event(local_clinic).seq
    hits = coding.search("diab hyperglyc", dos=dt.date(2026, 6, 1))
    assert "E11.65" in [h.code for h in hits]
    assert coding.detail("E11.65", dt.date(2026, 6, 1)).code == "E11.65"
    assert {r.system for r in coding.releases()} >= {CodeSystem.ICD10CM}
    # Only the audit query's own event: the lookups themselves recorded nothing.
    assert last_event(local_clinic).seq == before + 1


def test_records_specialist_import_is_audited_with_file_release_and_counts(
    local_clinic: Clinic, coding: CodingService, tmp_path: Path
) -> None:
    records = local_clinic.sessions[Role.RECORDS]
    release = coding.import_file(records, hcpcs_file(tmp_path))
    assert release.system is CodeSystem.HCPCS and release.code_count == 6
    event = last_event(local_clinic)
    assert event.entry_point == "CodingService.import_file"
    assert event.outcome == "success" and event.username == records.username
    assert event.category == "code_set" and event.action == "create"
    assert "file=HCPC2024_JAN_ANWEB.txt" in event.detail
    assert "system=hcpcs" in event.detail
    assert f"release={release.name}" in event.detail
    assert "codes=6" in event.detail and f"billable={release.billable_count}" in event.detail


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.NURSE, Role.CODER])
def test_roles_without_the_right_are_refused_and_audited_as_denied(
    local_clinic: Clinic,
    coding: CodingService,
    scratch_store: CodeSetStore,
    tmp_path: Path,
    role: Role,
) -> None:
    before = len(scratch_store.releases())
    session = local_clinic.sessions[role]
    with pytest.raises(PermissionDeniedError):
        coding.import_file(session, hcpcs_file(tmp_path))
    event = last_event(local_clinic)
    assert event.entry_point == "CodingService.import_file"
    assert event.outcome == "denied" and event.username == session.username
    assert len(scratch_store.releases()) == before  # nothing was read, nothing was stored


def test_a_failed_import_is_audited_as_a_failure(
    local_clinic: Clinic, coding: CodingService, tmp_path: Path
) -> None:
    lines = sample_file().split("\r\n")
    lines[1] = lines[1][:5] + "ABCDE" + lines[1][10:]
    bad = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    bad.write_text("\r\n".join(lines))
    with pytest.raises(Exception, match="line 2"):
        coding.import_file(local_clinic.sessions[Role.RECORDS], bad)
    event = last_event(local_clinic)
    assert event.entry_point == "CodingService.import_file" and event.outcome == "failure"


def tiny_cm_order_file(tmp_path: Path) -> Path:
    """An ICD-10-CM order file for FY2027 with three codes (two billable): a truncated
    download."""
    rows = [
        ("00001", "A00", "0", "Cholera", "Cholera"),
        (
            "00002",
            "A000",
            "1",
            "Cholera due to Vibrio cholerae 01, biovar cholerae",
            "Cholera due to Vibrio cholerae 01, biovar cholerae",
        ),
        (
            "00003",
            "A001",
            "1",
            "Cholera due to Vibrio cholerae 01, biovar eltor",
            "Cholera due to Vibrio cholerae 01, biovar eltor",
        ),
    ]
    path = tmp_path / "icd10cm_order_2027.txt"
    path.write_text("".join(f"{o:<5} {c:<7} {b} {s:<60} {long}\n" for o, c, b, s, long in rows))
    return path


def test_an_incomplete_release_is_refused_until_forced_and_both_are_audited(
    local_clinic: Clinic, coding: CodingService, tmp_path: Path
) -> None:
    records = local_clinic.sessions[Role.RECORDS]
    path = tiny_cm_order_file(tmp_path)
    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        coding.import_file(records, path)
    # the store compares billable codes: 2 here against the whole bundled release
    assert refused.value.new_count == 2 and refused.value.previous_count > 70_000
    event = last_event(local_clinic)
    assert event.outcome == "failure" and "refused" in event.detail
    release = coding.import_file(records, path, force=True)
    assert release.code_count == 3
    event = last_event(local_clinic)
    assert event.outcome == "success" and "force" in event.detail
