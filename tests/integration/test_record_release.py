"""Release of information (issue 14): the record PDF leaves with only what was chosen, is
recorded as a disclosure (who asked, to whom, why, what, the file's SHA-256) in the same
transaction, and the patient's accounting of disclosures lists it; what the rules refuse
writes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError
from sqlalchemy import func, select

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.documents import DocumentInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.models import Disclosure
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient, sample_pdf

PASSWORD = "correct horse battery"


def _text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        reader.decrypt(password)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _disclosures(c: Clinic) -> int:
    with c.inst.store.unit_of_work() as db:
        return int(db.execute(select(func.count(Disclosure.id))).scalar_one())


def _chart(c: Clinic) -> PatientId:
    provider = c.sessions[Role.PROVIDER]
    pid = new_patient(c, "Okonkwo")
    problems = c.inst.problems
    problems.add(provider, pid, ProblemInput(description="Essential hypertension", icd10cm="I10"))
    problems.add(
        provider,
        pid,
        ProblemInput(
            description="Generalized anxiety disorder",
            icd10cm="F41.1",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    )
    c.inst.medications.add(provider, pid, MedicationInput(name="Amlodipine", strength="5 mg"))
    return pid


def _authorization(c: Clinic, pid: PatientId) -> int:
    doc = c.inst.documents.attach(
        c.sessions[Role.RECORDS],
        pid,
        DocumentInput(
            doc_type="release_authorization",
            document_date=dt.date(2026, 11, 20),
            author="The patient",
            description="Authorization to release to Dr. Lee",
            file_name="authorization.pdf",
        ),
        sample_pdf(),
    )
    return int(doc.id)


def test_a_release_carries_only_what_was_chosen_and_is_recorded(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = _chart(clinic)
    auth = _authorization(clinic, pid)
    request = ReleaseRequest(
        scope=RecordScope((RecordSection.PROBLEMS,)),
        recipient="Dr. Ana Lee, Riverside Cardiology",
        purpose=DisclosurePurpose.AUTHORIZATION,
        requester="The patient",
        authorization_document_id=auth,
    )
    released = clinic.inst.releases.release_pdf(records, pid, request)
    text = _text(released.data)
    assert "Essential hypertension" in text and "Okonkwo" in text
    # Minimum necessary: not chosen, not in the file at all.
    assert "Amlodipine" not in text and "Medications" not in text
    assert "anxiety" not in text.lower()  # labelled, and labelled items were not chosen
    assert released.sha256 == hashlib.sha256(released.data).hexdigest()
    assert released.disclosure_id is not None and not released.encrypted

    accounting = clinic.inst.releases.accounting(records, pid)
    [row] = accounting.rows
    assert row.disclosure_id == released.disclosure_id
    assert row.recipient == "Dr. Ana Lee, Riverside Cardiology"
    assert row.medium == "pdf" and row.sections == ("problems",)
    assert row.requester == "The patient" and not row.accountable  # under authorization
    with clinic.inst.store.unit_of_work() as db:
        stored = db.get(Disclosure, released.disclosure_id)
        assert stored is not None and stored.sha256 == released.sha256
        assert stored.authorization_document_id == auth


def test_a_password_protected_release_and_labelled_items_when_chosen(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = _chart(clinic)
    request = ReleaseRequest(
        scope=RecordScope((RecordSection.PROBLEMS, RecordSection.MEDICATIONS), labelled=True),
        recipient="County court clerk",
        purpose=DisclosurePurpose.LEGAL,
        note="Subpoena 2026-CV-118",
    )
    released = clinic.inst.releases.release_pdf(records, pid, request, password=PASSWORD)
    reader = PdfReader(io.BytesIO(released.data))
    assert reader.is_encrypted
    with pytest.raises(FileNotDecryptedError):  # nothing readable without the password
        _text(released.data)
    text = _text(released.data, PASSWORD)
    assert "Generalized anxiety disorder" in text and "Amlodipine" in text
    [row] = clinic.inst.releases.accounting(records, pid).rows
    assert row.accountable and row.encrypted  # a legal disclosure is owed to the patient
    owed = _text(clinic.inst.releases.accounting_pdf(records, pid))
    assert "Accounting of disclosures" in owed and "County court clerk" in owed


def test_refusals_write_nothing(clinic: Clinic) -> None:
    records, nurse = clinic.sessions[Role.RECORDS], clinic.sessions[Role.NURSE]
    pid = _chart(clinic)
    other = new_patient(clinic)
    someone_elses = _authorization(clinic, other)
    base = ReleaseRequest(
        scope=RecordScope((RecordSection.PROBLEMS,)),
        recipient="Dr. Ana Lee",
        purpose=DisclosurePurpose.AUTHORIZATION,
        authorization_document_id=someone_elses,
    )
    before = _disclosures(clinic)
    with pytest.raises(ValidationError, match="not a document filed to this patient"):
        clinic.inst.releases.release_pdf(records, pid, base)
    with pytest.raises(ValidationError) as no_recipient:
        clinic.inst.releases.release_pdf(
            records, pid, dataclasses.replace(base, recipient="  ", authorization_document_id=None)
        )
    assert no_recipient.value.field == "recipient"
    with pytest.raises(ValidationError) as short:
        clinic.inst.releases.release_pdf(
            records,
            pid,
            dataclasses.replace(base, purpose="treatment", authorization_document_id=None),
            password="short",
        )
    assert short.value.field == "password"
    with pytest.raises(PermissionDeniedError):  # a nurse may read the chart, not release it
        clinic.inst.releases.release_pdf(
            nurse,
            pid,
            dataclasses.replace(base, purpose="treatment", authorization_document_id=None),
        )
    assert _disclosures(clinic) == before


def test_a_print_is_recorded_once_the_printer_is_chosen(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = _chart(clinic)
    request = ReleaseRequest(
        scope=RecordScope((RecordSection.MEDICATIONS,)),
        recipient="The patient, in person",
        purpose=DisclosurePurpose.PATIENT_REQUEST,
    )
    before = _disclosures(clinic)
    preview = clinic.inst.releases.print_preview(provider, pid, request)
    assert "Amlodipine" in _text(preview.data) and preview.disclosure_id is None
    assert _disclosures(clinic) == before  # a preview discloses nothing
    disclosure_id = clinic.inst.releases.record_print(
        provider, pid, request, sha256=preview.sha256, pages=1
    )
    [row] = clinic.inst.releases.accounting(provider, pid).rows
    assert row.disclosure_id == disclosure_id and row.medium == "print"


def test_a_merged_away_records_disclosures_stay_in_the_kept_ones_accounting(
    clinic: Clinic,
) -> None:
    """HIPAA's accounting covers every disclosure of the person's information: a record
    released and later merged into another (registered twice) still counts."""
    records = clinic.sessions[Role.RECORDS]
    keep, gone = new_patient(clinic, "Okonkwo"), _chart(clinic)
    request = ReleaseRequest(
        scope=RecordScope((RecordSection.PROBLEMS,)),
        recipient="County Health Department",
        purpose=DisclosurePurpose.PUBLIC_HEALTH,
    )
    released = clinic.inst.releases.release_pdf(records, gone, request)
    clinic.inst.patients.merge(records, keep, gone, reason="registered twice at the front desk")

    accounting = clinic.inst.releases.accounting(records, keep)
    assert [r.disclosure_id for r in accounting.rows] == [released.disclosure_id]
    assert [r.disclosure_id for r in accounting.accountable] == [released.disclosure_id]
    assert "County Health" in _text(clinic.inst.releases.accounting_pdf(records, keep))
