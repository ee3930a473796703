"""The demo clinic's charts (issue 9, item 7), on SQLCipher and PostgreSQL: every item reads
back through its service (lists, histories, the summary), multi-version items show their
differences, entered-in-error items leave the working lists, labelled items are withheld from a
nurse, and nothing is ever written into a real patient's chart."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from typing import Any

import pytest
from pypdf import PdfReader

from medrec_desktop.domain.clinical import ItemId, ItemStatus
from medrec_desktop.domain.document_files import inspect_file
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.demo import DEMO_USERS, create_demo_clinic
from medrec_desktop.services.installation import Installation
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ROLE_PASSWORD, Clinic

PATIENTS = 40
KINDS = (
    "problems",
    "allergies",
    "allergy_statements",
    "medications",
    "immunizations",
    "vitals",
    "medical_history",
    "surgical_history",
    "family_history",
    "social_history",
)


def services(inst: Installation) -> dict[str, ClinicalItemService[Any, Any]]:
    return {name: getattr(inst, name) for name in KINDS}


@pytest.fixture
def demo(clinic: Clinic) -> Clinic:
    # A real patient registered before the demo is loaded: the demo must leave them alone.
    clinic.inst.patients.register(
        clinic.sessions[Role.RECORDS],
        PatientInput("Real", "Person", dt.date(1970, 1, 1), "female", "503-555-0199"),
    )
    create_demo_clinic(
        clinic.inst.users,
        clinic.inst.demo,
        clinic.admin,
        clinic.inst.auth.login,
        patients=PATIENTS,
        seed=4,
        password=ROLE_PASSWORD,
    )
    return clinic


def test_every_demo_item_reads_back_through_its_service(demo: Clinic) -> None:
    inst = demo.inst
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
    seen: Counter[str] = Counter()
    for patient in inst.patients.list_all(provider):
        if patient.family_name == "Real":
            continue
        inst.chart.summary(provider, patient.id)
        for name, service in services(inst).items():
            items = service.list(
                provider, patient.id, include_inactive=True, include_entered_in_error=True
            ).items
            seen[name] += len(items)
            for item in items:
                history = service.history(provider, item.id)
                assert [v.version for v in history] == list(range(1, item.version + 1))
                assert history[-1].item == item  # the last version is the item as stored
                seen["versions"] += len(history)
                seen["several versions"] += item.version > 1
                seen["entered in error"] += item.status is ItemStatus.ENTERED_IN_ERROR
                seen["labelled"] += item.sensitivity is not None
    assert all(seen[name] for name in ("problems", "medications", "immunizations", "vitals"))
    assert seen["social_history"] == PATIENTS  # one each
    assert seen["allergies"] + seen["allergy_statements"] > 0
    assert seen["several versions"] >= 10
    assert seen["entered in error"] >= 1
    assert seen["labelled"] >= 1


def test_a_multi_version_item_shows_what_changed(demo: Clinic) -> None:
    inst = demo.inst
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
    changed: list[str] = []
    for patient in inst.patients.list_all(provider):
        for med in inst.medications.list(provider, patient.id, include_inactive=True).items:
            if med.version > 1:
                history = inst.medications.history(provider, med.id)
                assert history[-1].changes and history[-1].reason
                changed += [c.field for c in history[-1].changes]
    assert changed  # dose raised, stopped, completed: the fields say which
    assert {"strength", "status", "stop"} & set(changed)


def test_entered_in_error_items_leave_the_working_lists(demo: Clinic) -> None:
    inst = demo.inst
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
    hidden = 0
    for patient in inst.patients.list_all(provider):
        for service in services(inst).values():
            working = service.list(provider, patient.id, include_inactive=True).items
            assert all(i.status is not ItemStatus.ENTERED_IN_ERROR for i in working)
            every = service.list(
                provider, patient.id, include_inactive=True, include_entered_in_error=True
            ).items
            hidden += len(every) - len(working)
    assert hidden >= 1


def test_labelled_items_are_withheld_from_a_nurse(demo: Clinic) -> None:
    inst = demo.inst
    nurse = inst.auth.login(DEMO_USERS[Role.NURSE][0], ROLE_PASSWORD)
    withheld = 0
    for patient in inst.patients.list_all(nurse):
        for service in services(inst).values():
            found = service.list(nurse, patient.id, include_inactive=True)
            assert all(i.sensitivity is None for i in found.items)
            withheld += sum(found.withheld.values())
    assert withheld >= 1


def test_no_real_patient_gets_a_demo_chart_even_when_loaded_again(demo: Clinic) -> None:
    inst = demo.inst
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
    real = next(p for p in inst.patients.list_all(provider) if p.family_name == "Real")
    assert inst.demo.load_charts(provider, seed=9) == 0  # every demo patient has one already
    for service in services(inst).values():
        assert service.list(provider, real.id, include_entered_in_error=True).items == ()


def test_patients_registered_after_the_demo_get_fresh_ids(demo: Clinic) -> None:
    """The demo loads patients with explicit ids: the next registration (PostgreSQL's
    sequence included) must not collide with them."""
    desk = demo.sessions[Role.FRONT_DESK]
    made = demo.inst.patients.register(
        desk, PatientInput("After", "Demo", dt.date(1981, 2, 3), "male", "503-555-0177")
    )
    assert demo.inst.patients.get(desk, made.id).family_name == "After"
    assert len({p.mrn for p in demo.inst.patients.list_all(desk, limit=1000)}) == PATIENTS + 2


def test_every_demo_document_reads_back_with_its_bytes(demo: Clinic) -> None:
    """Issue 12, item 7: each document's bytes read back through the service with the
    SHA-256 it was filed with, are what the stored facts say (checked again from the bytes),
    and name the patient; PDFs of several pages, PNG and JPEG cards, some linked to a visit,
    some labelled."""
    inst = demo.inst
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], ROLE_PASSWORD)
    today = demo.clock.now.date()
    seen: Counter[str] = Counter()
    for patient in inst.patients.list_all(provider):
        docs = inst.documents.list(provider, patient.id).items
        seen["patients with documents"] += bool(docs)
        for doc in docs:
            got = inst.documents.open_file(provider, doc.id)
            assert hashlib.sha256(got.content).hexdigest() == got.sha256 == doc.data.sha256
            found = inspect_file(got.content)
            assert (found.content_type.value, found.page_count, found.size) == (
                doc.data.content_type,
                doc.data.page_count,
                doc.data.size,
            )
            assert patient.birth_date <= doc.data.document_date <= today
            assert doc.created_at.date() >= doc.data.document_date - dt.timedelta(days=1)
            seen[doc.data.content_type] += 1
            seen[f"pages {min(doc.data.page_count, 3)}"] += 1
            seen["linked"] += doc.data.encounter_id is not None
            seen["labelled"] += doc.sensitivity is not None
            if found.content_type.value == "application/pdf":
                words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
                assert patient.family_name in words, doc.data.file_name
            if doc.data.encounter_id is not None:
                encounter = inst.encounters.get(provider, ItemId(doc.data.encounter_id))
                assert encounter.patient_id == patient.id
                assert encounter.data.starts_at.date() == doc.data.document_date
    assert seen["patients with documents"] >= PATIENTS // 2
    assert {"application/pdf", "image/png", "image/jpeg"} <= set(seen), seen
    assert seen["pages 3"] and seen["pages 2"] and seen["pages 1"], seen
    assert seen["linked"] >= 1 and seen["labelled"] >= 1, seen


def test_labelled_demo_documents_are_withheld_from_a_nurse(demo: Clinic) -> None:
    inst = demo.inst
    nurse = inst.auth.login(DEMO_USERS[Role.NURSE][0], ROLE_PASSWORD)
    withheld = 0
    for patient in inst.patients.list_all(nurse):
        found = inst.documents.list(nurse, patient.id)
        assert all(d.sensitivity is None for d in found.items)
        withheld += sum(found.withheld.values())
    assert withheld >= 1


def test_the_demo_inbox_waits_with_old_scans_and_one_filed_by_its_cover_sheet(
    demo: Clinic,
) -> None:
    """Issue 12, item 7: a handful of unfiled scans picked up by the demo nurse over the last
    week (some older than the highlight days), and one that filed itself by its cover sheet."""
    inst = demo.inst
    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], ROLE_PASSWORD)
    now = demo.clock.now
    days = inst.inbox.settings(records).highlight_days
    waiting = inst.inbox.entries(records)
    assert len(waiting) == 5
    assert sum(e.is_old(now, days) for e in waiting) == 2
    assert {e.content_type for e in waiting} == {"application/pdf", "image/tiff"}
    assert max(e.page_count for e in waiting) == 5  # the stack to split
    assert all(e.note is None for e in waiting)
    filed = [e for e in inst.inbox.entries(records, include_closed=True) if e.document_id]
    assert len(filed) == 1 and filed[0].closed_by == DEMO_USERS[Role.NURSE][0]
    doc = inst.documents.get(records, ItemId(filed[0].document_id or 0))
    assert (doc.data.description, doc.data.page_count, filed[0].page_count) == (
        "Filed by cover sheet",
        2,
        3,
    )
    patient = inst.patients.get(records, doc.patient_id)
    got = inst.documents.open_file(records, doc.id)
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
    assert patient.family_name in words
    # The faxed referral names its patient in its text: evidence for the suggestion.
    fax = next(e for e in waiting if e.source_name.endswith("_0931.pdf"))
    text = PdfReader(io.BytesIO(inst.inbox.open_file(records, fax.id).content)).pages[1]
    assert patient.mrn in text.extract_text()
