"""A clinic file holding every kind of record, built once per test run, for the move to a
clinic server (tests/integration/test_server_move*.py): the demo clinic with its charts,
visits, documents, scans and coding work, plus what the demo does not make (settings, a
clinic result template, a form draft, an emergency grant, a failed sign-in's pause, a FHIR
import, a release of information, a merge into a later registration, a split scan)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.db import table_copy
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import AuthenticationError
from medrec_desktop.domain.panels import TemplateInput
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.domain.results import ResultInput
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.services.drafts import REGISTRATION, REGISTRATION_KEY
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic, make_clinic, sign_in_all
from tests.support import argon2_cost
from tests.support.built_once import copy_of
from tests.support.clock import FakeClock
from tests.support.code_sets import code_sets_copy
from tests.support.fhir_bundles import record_bundle, to_bytes

PATIENTS = 12
#: tables a clinic may well have empty; every other one holds rows in the built clinic
MAY_BE_EMPTY: frozenset[str] = frozenset()


def clinic_folder(factory: pytest.TempPathFactory) -> Path:
    """A private copy of the built clinic's folder (``data`` inside)."""
    codes = code_sets_copy(factory) / STORE_FILE
    return copy_of(factory, "server-move-clinic", partial(_build, codes=codes))


@contextmanager
def opened(folder: Path, clock: FakeClock | None = None) -> Iterator[Clinic]:
    paths = DataPaths(folder / "data")
    clock = clock or FakeClock()
    inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE), clock=clock)
    recovery = (folder / "recovery-key.txt").read_text()
    clinic = Clinic(inst, paths, "sqlcipher", recovery, sign_in_all(inst), clock)
    try:
        yield clinic
    finally:
        clinic.inst.close()  # the one open now (a test may have reopened it)


def _build(folder: Path, *, codes: Path) -> None:
    folder.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        argon2_cost.lower(mp)
        clinic = make_clinic(folder, "sqlcipher", FakeClock())
        store = CodeSetStore(codes)
        try:
            (folder / "recovery-key.txt").write_text(clinic.recovery_key)
            _every_kind(clinic, store)
        finally:
            store.close()
            clinic.inst.close()


def _every_kind(c: Clinic, store: CodeSetStore) -> None:
    inst, admin = c.inst, c.admin
    records, provider, nurse = (c.sessions[r] for r in (Role.RECORDS, Role.PROVIDER, Role.NURSE))
    create_demo_clinic(
        inst.users,
        inst.demo,
        admin,
        inst.auth.login,
        patients=PATIENTS,
        seed=4,
        password=ROLE_PASSWORD,
        codes=CodeSets(store=store),
    )
    inst.setup.update_settings(admin, {"clinic_name": "Maple Street Clinic (moving)"})
    inst.lab_tests.add_template(
        provider,
        TemplateInput(
            name="Iron studies",
            specimen="Serum",
            analytes=(ResultInput(analyte="Iron", loinc="2498-4", unit="µg/dL", low="60"),),
        ),
    )
    inst.drafts.save_draft(
        records, REGISTRATION_KEY, None, REGISTRATION, None, {"family_name": "Drafted"}
    )
    first = inst.patients.list_all(records)[0].id
    inst.auth.break_glass(nurse, first, "Unconscious patient brought in", ROLE_PASSWORD)
    with pytest.raises(AuthenticationError):
        inst.auth.login("frank", "not the password")  # its pause is kept (a demo user)
    inst.fhir_import.commit(
        records,
        to_bytes(record_bundle(kind="transaction", uuids=True)),
        patient_id=None,
        source="Holy Family Hospital",
    )
    inst.releases.release_pdf(
        records,
        first,
        ReleaseRequest(
            scope=RecordScope((RecordSection.PROBLEMS,)),
            recipient="Dr. Ana Lee, Riverside Cardiology",
            purpose=DisclosurePurpose.TREATMENT,
        ),
    )
    # Merged into a registration made later: the row points at a higher id (copied empty,
    # filled in once the table is there).
    early = inst.patients.register(
        records, PatientInput("Twiceregistered", "Jo", dt.date(1980, 5, 6), "female")
    ).id
    late = inst.patients.register(
        records,
        PatientInput("Twiceregistered", "Joanne", dt.date(1980, 5, 6), "female"),
        duplicates_reviewed=True,
        reason="Registered again at the front desk before the records were compared",
    ).id
    inst.patients.merge(records, late, early, reason="The same person registered twice")
    waiting = [e for e in inst.inbox.entries(records) if e.page_count >= 2]
    scan = waiting[0]
    inst.inbox.split(
        records, scan.id, [(1, 1), (2, scan.page_count)], expected_version=scan.version
    )


def contents(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, as the models read them."""
    return {
        t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
        for t in table_copy.tables()
    }
