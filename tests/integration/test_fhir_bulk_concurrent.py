"""A bulk FHIR export does not stop the clinic's other saves (issue 14, item 6).

The export reads every patient in one read transaction (a consistent moment of the record)
and records its disclosure and audit event in one short write at the end, so another
workstation's save goes through while it runs. The proof: from inside the export's progress
callback (between two patients, while its read transaction is open), a second installation on
the same clinic, with a short lock wait, registers a patient; the save completes there and
then, and the export still finishes and is recorded. No sleeps, no timing: the save either
completes inside the callback or fails with "the database is in use".
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import KnownError, PermissionDeniedError
from medrec_desktop.domain.fhir_export import MANIFEST, ExportCancelledError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.models import AppMeta, Disclosure, DisclosurePatient
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic

PATIENTS = 4
REQUEST = ReleaseRequest(
    scope=RecordScope(tuple(RecordSection)),
    recipient="Clinic data warehouse (migration)",
    purpose=DisclosurePurpose.OPERATIONS,
)
#: how long the other workstation waits for the write lock: short, so a blocked save fails
#: quickly instead of after the default five seconds
SHORT_WAIT = 0.5
LATE_PROBLEM = "Problem recorded while the export ran"


class SaveMidway:
    """The export's job: after patient ``at``, another workstation registers a patient."""

    def __init__(self, other: Installation, clinic: Clinic, at: int = 2) -> None:
        self.other, self.clinic, self.at = other, clinic, at
        self.saved: list[str] = []
        self.refused: list[str] = []
        self.cancel = False

    @property
    def cancelled(self) -> bool:
        return self.cancel

    def progress(self, done: int, total: int) -> None:
        if done != self.at:
            return
        try:
            made = self.other.patients.register(
                self.clinic.sessions[Role.FRONT_DESK],
                PatientInput("Midway", f"Saved During{done}", dt.date(1970, 1, 2), "female"),
            )
        except KnownError as err:
            self.refused.append(err.message)
        else:
            self.saved.append(made.mrn)


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


@pytest.fixture
def other(demo: Clinic) -> Iterator[Installation]:
    """A second workstation on the same clinic (its own engine and connections)."""
    inst = Installation.open(
        demo.paths, Unlock(passphrase=PASSPHRASE), clock=demo.clock, busy_timeout=SHORT_WAIT
    )
    yield inst
    inst.close()


def test_other_saves_go_through_during_a_bulk_export(
    demo: Clinic, other: Installation, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    job = SaveMidway(other, demo)
    done = demo.inst.fhir_export.bulk_export(demo.admin, folder, REQUEST, job)
    assert job.refused == [] and len(job.saved) == 1
    # The export is one moment of the record: the patient saved meanwhile is not in it.
    assert done.patients == PATIENTS
    assert (folder / MANIFEST).is_file()
    registered = {p.mrn for p in demo.inst.patients.list_all(demo.admin)}
    assert job.saved[0] in registered
    with demo.inst.ctx.store.unit_of_work() as db:
        [disclosure] = db.execute(select(Disclosure)).scalars()
        assert disclosure.patient_count == PATIENTS == done.patients
        assert len(list(db.execute(select(DisclosurePatient)).scalars())) == PATIENTS
    [event] = demo.inst.audit.events(demo.admin, AuditFilter(action="export"))
    assert event.outcome == "success" and f"disclosure {disclosure.id}" in (event.detail or "")


def test_a_cancel_after_another_save_still_records_nothing(
    demo: Clinic, other: Installation, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    job = SaveMidway(other, demo)
    original = job.progress

    def then_cancel(done: int, total: int) -> None:
        original(done, total)
        job.cancel = done == job.at

    job.progress = then_cancel  # type: ignore[method-assign]
    with pytest.raises(ExportCancelledError):
        demo.inst.fhir_export.bulk_export(demo.admin, folder, REQUEST, job)
    assert len(job.saved) == 1 and list(folder.iterdir()) == []
    with demo.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(Disclosure)).first() is None


def test_an_account_disabled_meanwhile_records_nothing_and_keeps_no_file(
    demo: Clinic, other: Installation, tmp_path: Path
) -> None:
    """The final write reads the account as stored then: an administrator disabled by
    another during the export is refused there, and the files already written are removed
    (a folder of patient data with no disclosure recorded must not stay behind)."""
    admin = demo.admin
    demo.inst.users.add_user(
        admin, "second", "Second Admin", Role.ADMIN, ROLE_PASSWORD, must_change_password=False
    )
    second = other.auth.login("second", ROLE_PASSWORD)
    folder = tmp_path / "export"
    folder.mkdir()

    class DisableMidway:
        cancelled = False

        def progress(self, done: int, total: int) -> None:
            if done == 2:
                other.users.disable_user(second, admin.username)

    with pytest.raises(PermissionDeniedError, match="disabled"):
        demo.inst.fhir_export.bulk_export(admin, folder, REQUEST, DisableMidway())
    assert list(folder.iterdir()) == []
    with demo.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(Disclosure)).first() is None
        assert db.execute(select(DisclosurePatient)).first() is None
    events = demo.inst.audit.events(second, AuditFilter(action="export"))
    assert [(e.username, e.outcome) for e in events] == [("admin", "denied")]


def test_the_export_is_one_moment_a_later_patients_change_meanwhile_stays_out(
    demo: Clinic, other: Installation, tmp_path: Path
) -> None:
    """Snapshot isolation: a problem added to a patient not yet exported, while the export
    runs, is not in the files (they hold the record as it was when the export began)."""
    provider = demo.sessions[Role.PROVIDER]
    last = max(p.id for p in demo.inst.patients.list_all(demo.admin))
    folder = tmp_path / "export"
    folder.mkdir()

    class ChangeLaterPatient:
        cancelled = False

        def progress(self, done: int, total: int) -> None:
            if done == 1:
                other.problems.add(provider, last, ProblemInput(description=LATE_PROBLEM))

    demo.inst.fhir_export.bulk_export(demo.admin, folder, REQUEST, ChangeLaterPatient())
    conditions = (folder / "Condition.ndjson").read_text(encoding="utf-8")
    assert conditions and LATE_PROBLEM not in conditions
    listed = demo.inst.problems.list(provider, last).items
    assert LATE_PROBLEM in [p.data.description for p in listed]  # it was saved, all the same


def test_the_export_folder_failing_is_said_as_such_recorded_and_leaves_nothing(
    demo: Clinic, tmp_path: Path
) -> None:
    """The export's own folder vanishing (a share dropped) is the folder's failure, in plain
    words, not "the database is full"; the attempt is in the audit trail, nothing recorded
    as disclosed."""
    folder = tmp_path / "export"
    folder.mkdir()

    class FolderGoes:
        cancelled = False

        def progress(self, done: int, total: int) -> None:
            if done == 2:
                shutil.rmtree(folder)

    with pytest.raises(KnownError) as caught:
        demo.inst.fhir_export.bulk_export(demo.admin, folder, REQUEST, FolderGoes())
    assert caught.value.message.startswith(f"Cannot write {folder}")
    assert "database" not in caught.value.message
    with demo.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(Disclosure)).first() is None
    [event] = demo.inst.audit.events(demo.admin, AuditFilter(action="export"))
    assert event.outcome == "failure"


def test_a_write_slipped_into_a_read_snapshot_is_refused_and_connections_write_again(
    clinic: Clinic,
) -> None:
    """A read snapshot is read only on both databases (SQLCipher: query_only), so a write
    there can never commit apart from its audit event; afterwards every pooled connection
    writes normally again."""
    store = clinic.inst.ctx.store
    with pytest.raises(KnownError), store.read_snapshot() as db:
        db.add(AppMeta(key="slipped_in", value="x"))
        db.flush()
    for n in range(4):  # more than the pool holds: each connection was made writable again
        with store.unit_of_work() as db:
            db.add(AppMeta(key=f"after_{n}", value="x"))
    with store.unit_of_work() as db:
        assert db.get(AppMeta, "slipped_in") is None
        assert db.get(AppMeta, "after_3") is not None
