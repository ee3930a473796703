"""Bulk FHIR export of every patient (issue 14, item 6), on SQLCipher and PostgreSQL, from the
demo clinic: NDJSON files, one per resource type, every line valid R4 (R4B models) and every
reference resolved across the files; a manifest whose SHA-256s and line counts match the
files; private files in a new folder; one disclosure with a row per patient; administrators
only (through the bulk-export right: they still read no chart); a cancelled export leaves no
file and no disclosure behind."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import KnownError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.fhir_export import MANIFEST, BulkExport, ExportCancelledError
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.export.fhir.validate import references
from medrec_desktop.export.files import PrivateFolder
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.demo import create_demo_clinic
from tests.conftest import ROLE_PASSWORD, Clinic

PATIENTS = 12
EVERYTHING = RecordScope(tuple(RecordSection))
REQUEST = ReleaseRequest(
    scope=EVERYTHING,
    recipient="Clinic data warehouse (migration)",
    purpose=DisclosurePurpose.OPERATIONS,
)


class CancelAfter:
    """A job whose user presses Cancel after ``n`` patients (noting, then, what files the
    export had written under ``watch``)."""

    def __init__(self, n: int | None = None, watch: Path | None = None) -> None:
        self.n = n
        self.watch = watch
        self.seen: list[tuple[int, int]] = []
        self.written: list[str] = []

    @property
    def cancelled(self) -> bool:
        return self.n is not None and len(self.seen) >= self.n

    def progress(self, done: int, total: int) -> None:
        self.seen.append((done, total))
        if self.watch is not None and done == self.n:
            self.written = sorted(p.name for p in self.watch.rglob("*.ndjson"))


@pytest.fixture
def demo(clinic: Clinic) -> Clinic:
    create_demo_clinic(
        clinic.inst.users,
        clinic.inst.demo,
        clinic.admin,
        clinic.inst.auth.login,
        patients=PATIENTS,
        seed=7,
        password=ROLE_PASSWORD,
    )
    return clinic


def bulk(
    c: Clinic, out: Path, job: CancelAfter | None = None, role: Role = Role.ADMIN
) -> BulkExport:
    with PrivateFolder(out) as target:
        done = c.inst.fhir_export.bulk_export(c.sessions[role], target.path, REQUEST, job)
        target.commit()
    return done


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_every_patient_as_ndjson_with_a_manifest_that_checks_out(
    demo: Clinic, tmp_path: Path
) -> None:
    out = tmp_path / "export-2026-11-26"
    job = CancelAfter()
    done = bulk(demo, out, job)
    assert job.seen[-1] == (PATIENTS, PATIENTS) and len(job.seen) == PATIENTS
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    names = sorted(p.name for p in out.iterdir())
    assert MANIFEST in names and "Patient.ndjson" in names and "Observation.ndjson" in names
    manifest = json.loads((out / MANIFEST).read_text())
    assert hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest() == done.manifest_sha256
    assert manifest["transactionTime"] == done.generated_at.isoformat(timespec="seconds")
    extension = manifest["extension"]
    assert extension["generatedBy"]["username"] == "admin"
    assert extension["patients"] == PATIENTS and extension["purpose"] == "operations"
    assert extension["labelledIncluded"] is False and extension["labelledWithheld"]

    everything: dict[str, dict[str, Any]] = {}
    for entry in manifest["output"]:
        path = out / entry["url"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert data.count(b"\n") == entry["count"] and len(data) == entry["size"]
        model = get_fhir_model_class(entry["type"])
        for resource in lines(path):
            assert resource["resourceType"] == entry["type"]
            model.model_validate(resource)
            key = f"{resource['resourceType']}/{resource['id']}"
            assert key not in everything  # the clinic and its providers written once
            everything[key] = resource
    assert sorted(e["url"] for e in manifest["output"]) == [n for n in names if n != MANIFEST]
    for resource in everything.values():
        for target in references(resource):
            assert target in everything, target
        assert "security" not in resource.get("meta", {})  # no labelled item left
    patients = [r for k, r in everything.items() if k.startswith("Patient/")]
    assert len(patients) == PATIENTS == done.patients
    assert sum(f.count for f in done.files) == len(everything) == done.resource_count

    with demo.inst.ctx.store.unit_of_work() as db:
        [disclosure] = db.execute(select(Disclosure)).scalars()
        rows = list(db.execute(select(DisclosurePatient)).scalars())
        assert disclosure.medium == "ndjson" and disclosure.purpose == "operations"
        assert disclosure.sha256 == done.manifest_sha256 and disclosure.patient_count == PATIENTS
        assert disclosure.id == done.disclosure_id
        assert len(rows) == PATIENTS and len({r.patient_id for r in rows}) == PATIENTS
    [event] = demo.inst.audit.events(demo.admin, AuditFilter(action="export"))
    assert event.entry_point == "FhirExportService.bulk_export"
    assert event.category == "bulk_export" and event.outcome == "success"
    assert event.username == "admin" and f"{PATIENTS} patients" in (event.detail or "")


def test_a_cancelled_export_leaves_nothing_behind(demo: Clinic, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    job = CancelAfter(3, watch=exports)
    with pytest.raises(ExportCancelledError):
        bulk(demo, exports / "export", job)
    assert len(job.seen) == 3
    assert "Patient.ndjson" in job.written  # three patients were written, then...
    assert list(exports.iterdir()) == []  # ...neither the folder nor its staging copy is left
    with demo.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(Disclosure)).first() is None
        assert db.execute(select(DisclosurePatient)).first() is None
    [event] = demo.inst.audit.events(demo.admin, AuditFilter(action="export"))
    assert event.outcome == "failure" and event.reason == "ExportCancelledError"


def test_only_administrators_export_in_bulk_and_they_still_read_no_chart(
    demo: Clinic, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    for role in (Role.RECORDS, Role.PROVIDER, Role.CODER):
        with pytest.raises(PermissionDeniedError):
            bulk(demo, exports / role.value, role=role)
    assert list(exports.iterdir()) == []
    some = demo.inst.patients.list_all(demo.admin)[0].id
    with pytest.raises(PermissionDeniedError):
        demo.inst.fhir_export.export_patient(
            demo.admin, some, ReleaseRequest(EVERYTHING, "x", DisclosurePurpose.TREATMENT)
        )
    with pytest.raises(PermissionDeniedError):
        demo.inst.releases.preview(demo.admin, some, EVERYTHING)
    # The bulk right is no right to labelled items: asking for them is refused.
    labelled = dataclasses.replace(REQUEST, scope=dataclasses.replace(REQUEST.scope, labelled=True))
    with pytest.raises(PermissionDeniedError), PrivateFolder(exports / "labelled") as target:
        demo.inst.fhir_export.bulk_export(demo.admin, target.path, labelled)
    assert list(exports.iterdir()) == []
    denied = demo.inst.audit.events(demo.admin, AuditFilter(action="export"))
    assert {e.outcome for e in denied} == {"denied"}


def test_the_folder_must_be_new_and_empty(demo: Clinic, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    with pytest.raises(KnownError, match="already exists"):
        bulk(demo, taken)
    (taken / "old.ndjson").write_text("{}\n")
    with pytest.raises(ValidationError, match="not empty"):
        demo.inst.fhir_export.bulk_export(demo.admin, taken, REQUEST)
    assert [p.name for p in taken.iterdir()] == ["old.ndjson"]
