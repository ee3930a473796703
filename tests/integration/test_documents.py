"""Documents through the real services, on SQLCipher and PostgreSQL: real files in, the same
bytes back (SHA-256 equal), every refusal leaving nothing stored, the size limit from the
clinic's settings, re-filing to another patient, audited views and exports, and stored bytes
that not even a direct SQL statement may change."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os

import pytest
from PIL import Image
from reportlab.pdfgen import canvas
from sqlalchemy import func, select, text

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import DatabaseFileError, PermissionDeniedError, ValidationError
from medrec_desktop.models import Document, DocumentBlob
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient

FILED = DocumentInput(
    doc_type=DocumentType.REFERRAL,
    document_date=dt.date(2026, 11, 2),
    author="Dr. Lena Park, Cardiology",
    description="Referral for palpitations",
    file_name="referral-park.pdf",
)


def pdf_bytes(pages: int, words: str = "Referral letter") -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"{words}, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def noise_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def counts(c: Clinic) -> tuple[int, int]:
    with c.inst.store.engine.connect() as conn:
        docs = conn.execute(select(func.count()).select_from(Document)).scalar_one()
        blobs = conn.execute(select(func.count()).select_from(DocumentBlob)).scalar_one()
    return int(docs), int(blobs)


def test_a_pdf_is_filed_and_read_back_byte_for_byte(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    content = pdf_bytes(3)
    saved = clinic.inst.documents.attach(records, pid, FILED, content)
    d = saved.data
    assert (d.doc_type, d.page_count, d.content_type, d.size) == (
        DocumentType.REFERRAL,
        3,
        "application/pdf",
        len(content),
    )
    assert d.sha256 == hashlib.sha256(content).hexdigest()
    opened = clinic.inst.documents.open_file(provider, saved.id)
    assert opened.content == content and opened.page_count == 3
    assert [i.id for i in clinic.inst.documents.list(provider, pid).items] == [saved.id]
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    points = [(e.entry_point, e.action, e.outcome) for e in events]
    assert ("DocumentService.attach", "create", "success") in points
    assert ("DocumentService.open_file", "view", "success") in points


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml", "Word"),
        (pdf_bytes(2)[:-400], "damaged or incomplete"),
    ],
    ids=["empty", "word-document", "truncated-pdf"],
)
def test_a_refused_file_leaves_nothing_stored(clinic: Clinic, content: bytes, words: str) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    before = counts(clinic)
    with pytest.raises(ValidationError) as refused:
        clinic.inst.documents.attach(records, pid, FILED, content)
    assert refused.value.field == "file"
    assert words in str(refused.value)
    assert counts(clinic) == before


def test_a_form_error_after_the_file_was_read_leaves_no_bytes_behind(clinic: Clinic) -> None:
    """One transaction per user action: the bytes are not kept when the filing is refused."""
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    before = counts(clinic)
    future = DocumentInput(doc_type="referral", document_date=dt.date(2999, 1, 1))
    with pytest.raises(ValidationError) as refused:
        clinic.inst.documents.attach(records, pid, future, pdf_bytes(1))
    assert refused.value.field == "document_date"
    assert counts(clinic) == before


def test_the_clinic_sets_the_size_limit(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    docs = clinic.inst.documents
    assert docs.max_file_mb(records) == 50
    with pytest.raises(ValidationError):
        docs.set_max_file_mb(clinic.admin, 0)
    assert docs.set_max_file_mb(clinic.admin, 1) == 1
    pid = new_patient(clinic)
    big = noise_png(720)  # random pixels do not compress: about 1.5 MB
    with pytest.raises(ValidationError) as refused:
        docs.attach(records, pid, FILED, big)
    assert "limit is 1 MB" in str(refused.value)
    docs.set_max_file_mb(clinic.admin, 50)
    assert docs.attach(records, pid, FILED, big).data.size == len(big)


def test_refiling_to_another_patient_keeps_the_bytes_and_the_trail(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    wrong, right = new_patient(clinic), new_patient(clinic)
    content = pdf_bytes(2)
    first = clinic.inst.documents.attach(records, wrong, FILED, content)
    moved = clinic.inst.documents.refile(
        records, first.id, right, reason="name matched, DOB did not", expected_version=1
    )
    assert moved.patient_id == right and moved.data.blob_id == first.data.blob_id
    assert clinic.inst.documents.open_file(provider, moved.id).content == content
    old = clinic.inst.documents.get(records, first.id)
    assert old.status is ItemStatus.ENTERED_IN_ERROR
    assert old.reason is not None and "name matched, DOB did not" in old.reason
    assert clinic.inst.documents.list(provider, wrong).items == ()
    with pytest.raises(ValidationError):  # already moved: the old filing is closed
        clinic.inst.documents.refile(records, first.id, right, reason="again", expected_version=2)


def test_an_export_is_audited_as_an_export(clinic: Clinic) -> None:
    records, provider = clinic.sessions[Role.RECORDS], clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    saved = clinic.inst.documents.attach(records, pid, FILED, pdf_bytes(1))
    got = clinic.inst.documents.export_file(provider, saved.id)
    assert got.file_name == "referral-park.pdf"
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    assert any(
        e.entry_point == "DocumentService.export_file" and e.action == "export" for e in events
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE document_blob SET content = :junk",
        "DELETE FROM document_blob",
    ],
    ids=["update", "delete"],
)
def test_stored_bytes_cannot_be_changed_even_with_sql(clinic: Clinic, statement: str) -> None:
    """The attack: an insider with the database open rewrites or removes a stored file."""
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    content = pdf_bytes(1)
    saved = clinic.inst.documents.attach(records, pid, FILED, content)
    with pytest.raises(Exception, match="never"):
        with clinic.inst.store.engine.begin() as conn:
            conn.execute(text(statement), {"junk": b"forged"} if ":junk" in statement else {})
    got = clinic.inst.documents.open_file(records, saved.id)
    assert hashlib.sha256(got.content).hexdigest() == saved.data.sha256


def test_only_who_may_enter_in_error_and_file_may_move_a_document(clinic: Clinic) -> None:
    """A nurse may edit clinical items but not enter them in error: nor move a document."""
    records, nurse = clinic.sessions[Role.RECORDS], clinic.sessions[Role.NURSE]
    wrong, right = new_patient(clinic), new_patient(clinic)
    first = clinic.inst.documents.attach(records, wrong, FILED, pdf_bytes(1))
    with pytest.raises(PermissionDeniedError):
        clinic.inst.documents.refile(nurse, first.id, right, reason="x", expected_version=1)
    assert clinic.inst.documents.get(records, first.id).status is ItemStatus.ACTIVE


def test_stored_bytes_cannot_be_replaced_or_truncated_either(clinic: Clinic) -> None:
    """SQLite's INSERT OR REPLACE deletes without DELETE triggers; PostgreSQL's TRUNCATE fires
    no row trigger: both are refused too."""
    records = clinic.sessions[Role.RECORDS]
    saved = clinic.inst.documents.attach(records, new_patient(clinic), FILED, pdf_bytes(1))
    if clinic.backend != "postgresql":
        attack = (
            "INSERT OR REPLACE INTO document_blob(id, sha256, content_type, page_count, size,"
            " content, created_by, created_at) SELECT id, sha256, content_type, page_count,"
            " size, :junk, created_by, created_at FROM document_blob WHERE id = :id"
        )
    else:
        attack = "TRUNCATE document_blob CASCADE"
    with pytest.raises(Exception, match="never"):
        with clinic.insider() as insider, insider.begin() as conn:
            conn.execute(text(attack), {"junk": b"forged", "id": saved.data.blob_id})
    assert clinic.inst.documents.open_file(records, saved.id).content.startswith(b"%PDF")


def test_bytes_swapped_behind_the_applications_back_are_refused(clinic: Clinic) -> None:
    """The attack: an insider with the database key drops the lock and rewrites a stored
    file. The item's checksum (kept in its versions) no longer matches: the file is refused,
    never shown as the document."""
    records = clinic.sessions[Role.RECORDS]
    saved = clinic.inst.documents.attach(records, new_patient(clinic), FILED, pdf_bytes(1))
    forged = pdf_bytes(1, words="Forged letter")
    with clinic.insider() as insider, insider.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER document_blob_no_update"))
        else:
            conn.execute(text("ALTER TABLE document_blob DISABLE TRIGGER document_blob_locked"))
        conn.execute(
            text("UPDATE document_blob SET content = :forged, sha256 = :sum WHERE id = :id"),
            {
                "forged": forged,
                "sum": hashlib.sha256(forged).hexdigest(),
                "id": saved.data.blob_id,
            },
        )
    with pytest.raises(DatabaseFileError, match="changed outside the application"):
        clinic.inst.documents.open_file(records, saved.id)
