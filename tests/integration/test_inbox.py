"""The scanner inbox through the real services, on SQLCipher and PostgreSQL: a picked-up scan
waits unfiled, is filed to a patient as a document with the same bytes, or is marked not ours
with a reason; the same arrival is never stored twice; two specialists cannot both file one
scan; inbox rows cannot be deleted even with plain SQL; only records specialists read it; a
multi-page PDF or TIFF is split into parts with their own pages, a wrong split writing
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import func, select, text

from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.models import DocumentBlob, InboxItem
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient
from tests.integration.test_documents import noise_png, pdf_bytes

FILING = DocumentInput(
    doc_type=DocumentType.OUTSIDE_LAB,
    document_date=dt.date(2026, 11, 20),
    author="Valley Labs",
)


def blobs(c: Clinic) -> int:
    with c.inst.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DocumentBlob)).scalar_one())


def test_a_scan_waits_then_is_filed_with_the_same_bytes(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    content = pdf_bytes(2, "Outside lab")
    got = clinic.inst.inbox.receive(clinic.sessions[Role.NURSE], "scan0001.pdf", content, 1)
    assert not got.already
    waiting = clinic.inst.inbox.entries(records)
    assert [(e.id, e.source_name, e.page_count, e.status) for e in waiting] == [
        (got.inbox_id, "scan0001.pdf", 2, InboxStatus.UNFILED)
    ]
    assert clinic.inst.inbox.count(records) == 1
    assert clinic.inst.inbox.open_file(records, got.inbox_id).content == content
    doc = clinic.inst.inbox.file(records, got.inbox_id, pid, FILING, expected_version=1)
    assert doc.data.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.data.file_name == "scan0001.pdf"
    assert clinic.inst.documents.open_file(records, doc.id).content == content
    assert clinic.inst.inbox.count(records) == 0
    done = clinic.inst.inbox.get(records, got.inbox_id)
    assert (done.status, done.document_id, done.closed_by) == (
        InboxStatus.FILED,
        doc.id,
        clinic.sessions[Role.RECORDS].username,
    )
    assert blobs(clinic) == 1  # filing points at the scan's bytes, it does not copy them


def test_the_same_arrival_is_stored_once(clinic: Clinic) -> None:
    nurse = clinic.sessions[Role.NURSE]
    content = pdf_bytes(1)
    first = clinic.inst.inbox.receive(nurse, "fax.pdf", content, 42)
    again = clinic.inst.inbox.receive(nurse, "/srv/scans/fax.pdf", content, 42)
    assert again.already and again.inbox_id == first.inbox_id
    # The same bytes sent again later are a new arrival.
    later = clinic.inst.inbox.receive(nurse, "fax.pdf", content, 43)
    assert not later.already
    assert blobs(clinic) == 2


def test_a_file_the_clinic_cannot_keep_is_refused_and_nothing_is_stored(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="“notes.pdf”"):
        clinic.inst.inbox.receive(clinic.sessions[Role.NURSE], "notes.pdf", b"PK\x03\x04zip", 1)
    assert blobs(clinic) == 0


def test_not_ours_needs_a_reason_and_a_scan_is_dealt_with_once(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    got = clinic.inst.inbox.receive(records, "scan.pdf", pdf_bytes(1), 1)
    with pytest.raises(ValidationError, match="Say why"):
        clinic.inst.inbox.reject(records, got.inbox_id, "  ", expected_version=1)
    closed = clinic.inst.inbox.reject(
        records, got.inbox_id, "Fax for Dr. Ortiz's practice", expected_version=1
    )
    assert (closed.status, closed.close_reason) == (
        InboxStatus.NOT_OURS,
        "Fax for Dr. Ortiz's practice",
    )
    # A second specialist working from the list as it was:
    with pytest.raises(ConflictError, match="not ours"):
        clinic.inst.inbox.file(records, got.inbox_id, pid, FILING, expected_version=1)
    assert clinic.inst.inbox.entries(records) == []
    assert [e.id for e in clinic.inst.inbox.entries(records, include_closed=True)] == [got.inbox_id]


def test_only_records_specialists_read_or_file_the_inbox(clinic: Clinic) -> None:
    got = clinic.inst.inbox.receive(clinic.sessions[Role.PROVIDER], "scan.pdf", pdf_bytes(1), 1)
    for role in (Role.PROVIDER, Role.NURSE, Role.CODER, Role.FRONT_DESK, Role.ADMIN):
        with pytest.raises(PermissionDeniedError):
            clinic.inst.inbox.open_file(clinic.sessions[role], got.inbox_id)
    with pytest.raises(PermissionDeniedError):
        clinic.inst.inbox.receive(clinic.sessions[Role.FRONT_DESK], "x.pdf", pdf_bytes(1), 2)


def test_inbox_rows_cannot_be_deleted_with_plain_sql(clinic: Clinic) -> None:
    clinic.inst.inbox.receive(clinic.sessions[Role.RECORDS], "scan.pdf", pdf_bytes(1), 1)
    for statement in ("DELETE FROM inbox_item",):
        with pytest.raises(Exception, match="never deleted"):
            with clinic.inst.store.engine.begin() as conn:
                conn.execute(text(statement))
    with clinic.inst.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(InboxItem)).scalar_one() == 1


def test_settings_need_an_administrator_and_a_full_path(clinic: Clinic) -> None:
    admin = clinic.admin
    assert clinic.inst.inbox.settings(clinic.sessions[Role.NURSE]).folder is None
    with pytest.raises(ValidationError, match="full path"):
        clinic.inst.inbox.set_folder(admin, "scans")
    assert clinic.inst.inbox.set_folder(admin, "/srv/scans").folder == "/srv/scans"
    assert clinic.inst.inbox.set_highlight_days(admin, 5).highlight_days == 5
    with pytest.raises(ValidationError, match="1 to 90"):
        clinic.inst.inbox.set_highlight_days(admin, 0)
    with pytest.raises(PermissionDeniedError):
        clinic.inst.inbox.set_folder(clinic.sessions[Role.RECORDS], "/tmp")


# ---------------------------------------------------------------- splitting a scan


def tiff_bytes(frames: int) -> bytes:
    """A multi-page TIFF as a fax program writes one: black-and-white pages, Group 4."""
    pages = []
    for n in range(frames):
        page = Image.new("1", (400, 300), 1)
        ImageDraw.Draw(page).text((20, 20 + 40 * n), f"Fax page {n + 1}", fill=0)
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="group4")
    return out.getvalue()


def test_a_pdf_batch_is_split_into_parts_that_wait_on_their_own(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    got = clinic.inst.inbox.receive(records, "batch 0007.pdf", pdf_bytes(6, "Batch"), 7)
    parts = clinic.inst.inbox.split(
        records, got.inbox_id, [(1, 2), (3, 3), (4, 6)], expected_version=1
    )
    assert [
        (p.source_name, p.page_count, p.pages_of_parent, p.parent_id, p.status) for p in parts
    ] == [
        ("batch 0007 (pages 1-2).pdf", 2, "1-2", got.inbox_id, InboxStatus.UNFILED),
        ("batch 0007 (pages 3).pdf", 1, "3", got.inbox_id, InboxStatus.UNFILED),
        ("batch 0007 (pages 4-6).pdf", 3, "4-6", got.inbox_id, InboxStatus.UNFILED),
    ]
    # Each part holds its own pages: the text of its first page says which.
    for part, first in zip(parts, (1, 3, 4), strict=True):
        content = clinic.inst.inbox.open_file(records, part.id).content
        assert hashlib.sha256(content).hexdigest() == part.sha256
        reader = PdfReader(io.BytesIO(content))
        assert f"Batch, page {first}" in reader.pages[0].extract_text()
    original = clinic.inst.inbox.get(records, got.inbox_id)
    assert (original.status, original.close_reason) == (
        InboxStatus.SPLIT,
        "Split into 3 parts (1-2, 3, 4-6)",
    )
    # The parts wait as long as the scan did, and are filed like any scan.
    assert {p.arrived_at for p in parts} == {original.arrived_at}
    assert [e.id for e in clinic.inst.inbox.entries(records)] == [p.id for p in parts]
    assert blobs(clinic) == 4
    pid = new_patient(clinic)
    filed = clinic.inst.inbox.file(records, parts[2].id, pid, FILING, expected_version=1)
    assert filed.data.page_count == 3
    with pytest.raises(ConflictError, match="split into parts"):
        clinic.inst.inbox.split(records, got.inbox_id, [(1, 3), (4, 6)], expected_version=1)


def test_a_tiff_fax_is_split_frame_by_frame(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    content = tiff_bytes(3)
    got = clinic.inst.inbox.receive(records, "fax.tif", content, 1)
    first, rest = clinic.inst.inbox.split(
        records, got.inbox_id, [(1, 1), (2, 3)], expected_version=1
    )
    assert (first.page_count, rest.page_count, first.content_type) == (1, 2, "image/tiff")
    with Image.open(io.BytesIO(content)) as whole:
        wanted = []
        for n in range(3):
            whole.seek(n)
            wanted.append(whole.tobytes())
    made = []
    for part in (first, rest):
        with Image.open(io.BytesIO(clinic.inst.inbox.open_file(records, part.id).content)) as image:
            assert image.info["compression"] == "group4"  # not blown up uncompressed
            for n in range(image.n_frames):
                image.seek(n)
                made.append(image.tobytes())
    assert made == wanted  # every page, pixel for pixel, in order


def test_a_wrong_split_writes_nothing(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    got = clinic.inst.inbox.receive(records, "scan.pdf", pdf_bytes(7), 1)
    photo = clinic.inst.inbox.receive(records, "card.png", noise_png(16), 1)
    before = blobs(clinic)
    for inbox_id, parts, message in (
        (got.inbox_id, [(1, 5), (3, 7)], "Pages 3-7 overlap part 1"),
        (got.inbox_id, [(1, 3), (4, 6)], "Page 7 is in no part"),
        (photo.inbox_id, [(1, 1), (2, 2)], "A PNG image is a single page: it cannot be split"),
    ):
        with pytest.raises(ValidationError, match=message):
            clinic.inst.inbox.split(records, inbox_id, parts, expected_version=1)
    with pytest.raises(PermissionDeniedError):
        clinic.inst.inbox.split(
            clinic.sessions[Role.NURSE], got.inbox_id, [(1, 3), (4, 7)], expected_version=1
        )
    assert blobs(clinic) == before
    assert clinic.inst.inbox.get(records, got.inbox_id).status is InboxStatus.UNFILED
    assert clinic.inst.inbox.get(records, got.inbox_id).version == 1
