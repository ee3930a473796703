"""Every table that belongs to a patient is registered, and a merge moves every registered
table's rows while the moved items keep their history (SQLCipher and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, select

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput
from medrec_desktop.domain.drafts import new_form_key
from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails, PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.models import ITEM_MODELS, NOT_MOVED, PATIENT_OWNED, Base
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.integration.chart_samples import (
    SAMPLE_DOCUMENT,
    SAMPLE_INPUTS,
    new_patient,
    sample_pdf,
    services,
    sign_with_addendum,
)
from tests.integration.coding.conftest import codes_dir, store  # noqa: F401 - fixtures


def tables_pointing_at_patients() -> set[str]:
    return {
        table.name
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "patient" and fk.column.name == "id"
    }


def test_every_table_with_a_patient_foreign_key_is_registered_or_exempt() -> None:
    pointing = tables_pointing_at_patients()
    forgotten = pointing - set(PATIENT_OWNED) - set(NOT_MOVED)
    assert not forgotten, (
        f"{sorted(forgotten)} point at patients but are not registered: decorate the model "
        "with models.registry.patient_owned (merge moves its rows), or add it to NOT_MOVED "
        "with the reason its rows stay"
    )
    assert not set(PATIENT_OWNED) & set(NOT_MOVED)
    assert set(NOT_MOVED) <= pointing, "an exemption for a table that no longer exists"
    # Registered tables name their patient in patient_id, the column merge moves.
    for name, model in PATIENT_OWNED.items():
        assert any(
            fk.column.table.name == "patient" for fk in model.__table__.c.patient_id.foreign_keys
        ), name
    assert set(ITEM_MODELS.values()) <= set(PATIENT_OWNED.values())


def _count(c: Clinic, table: Table, patient_id: int) -> int:
    with c.inst.store.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(table).where(table.c.patient_id == patient_id)
            ).scalar_one()
        )


def _fill_every_registered_table(c: Clinic, codes: CodeSetStore) -> PatientId:
    """A patient with rows in every registered table, through the services."""
    provider, records = c.sessions[Role.PROVIDER], c.sessions[Role.RECORDS]
    details = PatientDetails(
        contacts=(ContactInfo("Ann Duplicate", "spouse", "503-555-0199"),),
        coverages=(CoverageInfo("Aetna", "W987654321"),),
    )
    gone = c.inst.patients.register(
        records,
        PatientInput("Duplicate", "Dana", dt.date(1970, 2, 3), "female", "503-555-0100", details),
        duplicates_reviewed=True,
        reason="checked: different",
    ).id
    c.inst.patients.add_note(provider, gone, "Seen for a cough.")
    svcs = services(c)
    # The statement first: an active allergy added before it would make it refused.
    for item_type in sorted(svcs, key=lambda t: t != "allergy-statement"):
        added = svcs[item_type].add(provider, gone, SAMPLE_INPUTS[item_type])
        if item_type == "encounter":  # a signed note moves too, with its addendum
            sign_with_addendum(c, added.id, added.version)
            # ... and its codes and a coder's query about it (issue 13)
            coder = c.sessions[Role.CODER]
            work = EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=codes))
            htn = CodingInput(diagnoses=(CodedDiagnosis("I10", ""),))
            work.save(coder, added.id, htn, expected_version=None)
            question = QueryInput("clarify", "Is the hypertension controlled?", ("Yes", "No"))
            c.inst.coder_queries.ask(coder, added.id, question)
    c.inst.drafts.save_draft(
        provider, new_form_key("problem", gone), gone, "problem", None, {"description": "Cough"}
    )
    # A document is attached with its bytes, not added like the other kinds.
    c.inst.documents.attach(records, gone, SAMPLE_DOCUMENT, sample_pdf())
    return gone


def test_merge_moves_the_rows_of_every_registered_table(
    clinic: Clinic,
    store: CodeSetStore,  # noqa: F811 - the fixture imported above
) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    keep = new_patient(clinic)
    gone = _fill_every_registered_table(clinic, store)
    tables: dict[str, Any] = {name: m.__table__ for name, m in PATIENT_OWNED.items()}
    before = {
        name: (_count(clinic, t, keep), _count(clinic, t, gone)) for name, t in tables.items()
    }
    empty = [name for name, (_, n) in before.items() if n == 0]
    assert not empty, f"the test gives the merged patient no rows in {empty}: add them above"
    histories = {
        t: [
            (i.id, svc.history(provider, i.id))
            for i in svc.list(provider, gone, include_inactive=True).items
        ]
        for t, svc in services(clinic).items()
    }
    clinic.inst.patients.merge(records, keep, gone, reason="registered twice at the front desk")
    for name, table in tables.items():
        kept_before, moved = before[name]
        assert (_count(clinic, table, keep), _count(clinic, table, gone)) == (
            kept_before + moved,
            0,
        ), name
    assert all(histories.values())
    for item_type, svc in services(clinic).items():
        for item_id, versions in histories[item_type]:
            # Moved, with their history untouched (no new version, nothing rewritten).
            assert svc.history(provider, item_id) == versions
            assert svc.get(provider, item_id).patient_id == keep
