"""Suggested patients for scans without a cover sheet, through the real services on SQLCipher
and PostgreSQL: real PDFs (reportlab) with a text layer, a scan that is only a picture, and
scanner file names; ranked with the evidence; a namesake born on another day ranked lower;
an MRN beating a name; merged records never suggested (the record kept is, found through
them); nothing filed; records specialists only; the audit event holds ids, not clues."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from medrec_desktop.domain.dto import PatientId, PatientInfo
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patient_input import PatientInput
from tests.conftest import Clinic

APRIL_12 = dt.date(1961, 4, 12)


def register(c: Clinic, family: str, given: str, born: dt.date) -> PatientInfo:
    return c.inst.patients.register(
        c.sessions[Role.RECORDS],
        PatientInput(family, given, born, "female"),
        duplicates_reviewed=True,
        reason="checked: a different person",
    )


def letter(*pages: list[str]) -> bytes:
    """A PDF whose pages carry these lines as real text (one drawString per line)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for lines in pages:
        y = 740
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def picture_pdf() -> bytes:
    """What a scanner without text recognition makes: a page that is one picture."""
    page = Image.new("L", (306, 396), 255)
    png = io.BytesIO()
    page.save(png, "PNG")
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, 612, 792)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def arrive(c: Clinic, name: str, content: bytes) -> int:
    return c.inst.inbox.receive(c.sessions[Role.NURSE], name, content, 1).inbox_id


REFERRAL = [
    "VALLEY CARDIOLOGY ASSOCIATES",
    "1200 Oak Street, Portland OR 97201    Tel 503-555-0100",
    "November 2, 2026",
    "RE: Ana Rivera",
    "DOB: 04/12/1961",
    "Dear Dr. Lee,",
    "Thank you for referring Ms. Rivera, whom I saw on 11/02/2026 for palpitations.",
]


def test_a_referral_letter_ranks_name_and_birth_date_above_a_namesake(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    other = register(clinic, "Rivera", "Ana", dt.date(1985, 7, 3))
    ana = register(clinic, "Rivera", "Ana", APRIL_12)
    register(clinic, "Rivera", "Luis", APRIL_12.replace(year=1959))
    register(clinic, "Okafor", "Grace", dt.date(1990, 1, 5))
    scan = arrive(clinic, "scan0001.pdf", letter(REFERRAL, ["page two of the letter"]))

    found = clinic.inst.inbox_suggestions.suggest(records, scan)

    assert [c.patient_id for c in found] == [ana.id, other.id]
    best, namesake = found
    assert (best.name, best.birth_date, best.mrn) == ("Rivera, Ana", APRIL_12, ana.mrn)
    assert best.evidence == (
        "name “Ana Rivera” in the text on page 1",
        "date of birth 04/12/1961 in the text on page 1",
    )
    assert namesake.evidence[-1] == (
        "date of birth 04/12/1961 in the text on page 1 is not this patient's"
    )
    assert best.score > namesake.score
    # Only ever a suggestion: the scan still waits, nothing was filed.
    waiting = clinic.inst.inbox.get(records, scan)
    assert (waiting.status, waiting.version, waiting.document_id) == (InboxStatus.UNFILED, 1, None)
    assert clinic.inst.documents.list(records, ana.id).items == ()


def test_an_mrn_beats_the_name(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    ana = register(clinic, "Rivera", "Ana", APRIL_12)
    twin = register(clinic, "Rivera", "Ana", APRIL_12)  # a namesake born the same day
    named = register(clinic, "Nguyen", "Linh", dt.date(1975, 3, 9))
    header = [
        "VALLEY LABS                    FINAL REPORT",
        f"PATIENT: NGUYEN, LINH     MRN: {twin.mrn}     SEX: F",
        "COLLECTED: 11/01/2026 08:15",
        "GLUCOSE    98 mg/dL    70-99",
    ]
    found = clinic.inst.inbox_suggestions.suggest(
        records, arrive(clinic, "lab.pdf", letter(header))
    )
    assert [c.patient_id for c in found] == [twin.id, named.id]
    assert found[0].evidence == (f"MRN {twin.mrn} in the text on page 1",)
    assert found[1].evidence == ("name “NGUYEN, LINH” in the text on page 1",)
    # The MRN with the name and date of birth of its patient: the full score.
    header[1] = f"PATIENT: RIVERA, ANA M   MRN: {ana.mrn}   DOB: 04/12/1961"
    found = clinic.inst.inbox_suggestions.suggest(
        records, arrive(clinic, "lab2.pdf", letter(header))
    )
    assert [c.patient_id for c in found] == [ana.id, twin.id]
    assert (found[0].score, len(found[0].evidence)) == (100, 3)


def test_a_scan_without_a_text_layer_has_only_its_file_name(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    ana = register(clinic, "Rivera", "Ana", APRIL_12)
    picture = picture_pdf()
    named = arrive(clinic, "Rivera_Ana_referral.pdf", picture)
    found = clinic.inst.inbox_suggestions.suggest(records, named)
    assert [(c.patient_id, c.evidence) for c in found] == [
        (ana.id, ("name “Rivera Ana” in the file name",))
    ]
    # A scanner's own file name gives nothing to go on: no suggestion rather than a guess.
    for name in ("SCAN_20261102_093012.pdf", "IMG_0001.pdf"):
        assert clinic.inst.inbox_suggestions.suggest(records, arrive(clinic, name, picture)) == []
    png = io.BytesIO()
    Image.new("L", (100, 100), 255).save(png, "PNG")
    image_scan = arrive(clinic, "ana-rivera 04-12-1961.png", png.getvalue())
    found = clinic.inst.inbox_suggestions.suggest(records, image_scan)
    assert [c.patient_id for c in found] == [ana.id]
    assert found[0].evidence == (
        "name “ana rivera” in the file name",
        "date 04/12/1961 in the file name is this patient's date of birth",
    )


def test_a_misspelt_name_is_found_as_spelled_alike_below_the_exact_one(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    rivera = register(clinic, "Rivera", "Ana", dt.date(1970, 1, 1))
    riviera = register(clinic, "Riviera", "Ana", dt.date(1971, 1, 1))
    scan = arrive(clinic, "scan.pdf", letter(["Patient: Riviera, Ana"]))
    found = clinic.inst.inbox_suggestions.suggest(records, scan)
    assert [c.patient_id for c in found] == [riviera.id, rivera.id]
    assert found[1].evidence == ("name “Riviera, Ana” in the text on page 1 (spelled alike)",)


def test_merged_records_are_never_suggested_the_record_kept_is(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    kept = register(clinic, "Rivera", "Ana", APRIL_12)
    gone = register(clinic, "Rivera", "Anna", APRIL_12)
    clinic.inst.patients.merge(records, kept.id, gone.id, reason="same person, typo in name")
    # Written without the clinic's leading zeros, as another office may copy it.
    short = f"{int(gone.mrn):04d}"
    lines = [f"Patient: Rivera, Anna   MRN: {short}", "DOB: 04/12/1961"]
    found = clinic.inst.inbox_suggestions.suggest(records, arrive(clinic, "x.pdf", letter(lines)))
    assert [c.patient_id for c in found] == [kept.id]
    assert found[0].mrn == kept.mrn
    assert found[0].evidence[0] == (
        f"MRN {short} in the text on page 1 (the MRN of a record merged into this one)"
    )
    assert found[0].score == 100


def test_only_records_specialists_and_the_event_holds_ids_only(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    ana = register(clinic, "Rivera", "Ana", APRIL_12)
    scan = arrive(clinic, "Rivera_Ana_referral.pdf", letter(REFERRAL))
    for role in (Role.NURSE, Role.PROVIDER, Role.CODER, Role.FRONT_DESK, Role.ADMIN):
        with pytest.raises(PermissionDeniedError):
            clinic.inst.inbox_suggestions.suggest(clinic.sessions[role], scan)
    with pytest.raises(NotFoundError):
        clinic.inst.inbox_suggestions.suggest(records, scan + 1000)
    clinic.inst.inbox_suggestions.suggest(records, scan, limit=3)
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(), limit=20)
    mine = next(
        e
        for e in events
        if e.entry_point == "InboxSuggestionService.suggest" and e.outcome == "success"
    )
    # What the specialist saw (names, dates, the file's name) is PHI: the event names ids.
    assert mine.detail == f"inbox item {scan}: suggested 1 patient: {ana.id}"
    assert (mine.reason, mine.patient_id) == (None, None)


def test_the_limit_keeps_the_best(clinic: Clinic) -> None:
    records = clinic.sessions[Role.RECORDS]
    people = [register(clinic, "Rivera", "Ana", dt.date(1980, 1, 1 + i)) for i in range(6)]
    born = people[4]
    scan = arrive(clinic, "x.pdf", letter(["Patient: Rivera, Ana   DOB 01/05/1980"]))
    found = clinic.inst.inbox_suggestions.suggest(records, scan, limit=2)
    assert len(found) == 2 and found[0].patient_id == born.id
    assert PatientId(found[1].patient_id) in {p.id for p in people}
