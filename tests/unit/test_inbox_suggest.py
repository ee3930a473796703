"""Clues for a suggested patient read from scan file names and PDF text (domain only), and how
the patients found through them are ranked.

The texts are written the way referral letters, fax cover sheets and lab report headers look
when pypdf reads them back: one field after another on a line, with wide gaps or single spaces.
"""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.dto import PatientId, PatientInfo
from medrec_desktop.domain.inbox_suggest import (
    FILE_NAME,
    Clues,
    DateClue,
    Hit,
    MrnClue,
    NameClue,
    Place,
    find_clues,
    rank,
)

TODAY = dt.date(2026, 11, 20)
APRIL_12 = dt.date(1961, 4, 12)


def clues(file_name: str = "scan.pdf", *pages: str) -> Clues:
    return find_clues(file_name, list(pages), today=TODAY)


def names(found: Clues) -> list[tuple[str, tuple[str, ...], Place]]:
    return [(n.shown, n.words, n.place) for n in found.names]


def births(found: Clues) -> list[dt.date]:
    return [d.date for d in found.birth_dates]


def mrns(found: Clues) -> list[str]:
    return [m.number for m in found.mrns]


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("file_name", "shown"),
    [
        ("Rivera_Ana_referral.pdf", "Rivera Ana"),
        ("ana-rivera 2026-11-02.pdf", "ana rivera"),
        ("RIVERA ANA M - outside lab.pdf", "RIVERA ANA"),
        ("RiveraAna.pdf", "Rivera Ana"),
        ("referral.Rivera.Ana.tif", "Rivera Ana"),
        ("Fax from 5035550100 - Rivera Ana.pdf", "Rivera Ana"),
        (r"C:\Scans\Inbox\Rivera_Ana_consent_signed.pdf", "Rivera Ana"),
    ],
)
def test_a_name_in_the_file_name(file_name: str, shown: str) -> None:
    found = clues(file_name)
    assert [(n.shown, n.place) for n in found.names][:1] == [(shown, FILE_NAME)]
    assert set(found.names[0].words) == {"rivera", "ana"}


@pytest.mark.parametrize(
    "file_name",
    [
        "SCAN_20261102_093012.pdf",
        "IMG_0001.pdf",
        "scan0001.pdf",
        "Scan 2026-11-02 09.30.12.pdf",
        "doc00123420261102093012.pdf",
        "RICOH_MP_C3004_20261102.pdf",
        "fax_incoming_5035550100_p3.tif",
        "Outside lab results.pdf",
        "Untitled.pdf",
    ],
)
def test_scanner_file_names_give_no_clue(file_name: str) -> None:
    found = clues(file_name)
    assert found.empty
    assert found.names == () and found.mrns == ()


def test_a_scanner_timestamp_is_only_a_plain_date() -> None:
    found = clues("SCAN_20261102_093012.pdf")
    assert [(d.date, d.labeled) for d in found.dates] == [(dt.date(2026, 11, 2), False)]


def test_a_longer_run_of_words_offers_each_neighbouring_pair() -> None:
    found = clues("Valley_Orthopaedic_Rivera_Ana.pdf")
    assert "Rivera Ana" in [n.shown for n in found.names]


def test_a_labeled_mrn_and_birth_date_in_the_file_name() -> None:
    found = clues("MRN100234_dob_04-12-1961_OBrien_Sean.pdf")
    assert mrns(found) == ["100234"]
    assert births(found) == [APRIL_12]
    assert [n.shown for n in found.names] == ["OBrien Sean"]
    # An unlabeled number in a file name is never read as an MRN.
    assert clues("100234_Rivera_Ana.pdf").mrns == ()


# --------------------------------------------------------------------------- text: MRNs


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("MRN: 100234", "100234"),
        ("MRN 100234", "100234"),
        ("M.R.N. 00100234", "00100234"),
        ("MRN#100234", "100234"),
        ("Med Rec #: 100234", "100234"),
        ("Medical Record Number: 100234", "100234"),
        ("Medical Record No. 100-234", "100234"),
        ("Patient ID: 100234", "100234"),
        ("Pt ID 100234", "100234"),
        ("Chart #: 100234", "100234"),
        ("PATIENT: RIVERA, ANA   MRN: 100234   DOB: 04/12/1961", "100234"),
    ],
)
def test_labeled_mrns_in_the_text(line: str, number: str) -> None:
    assert mrns(clues("scan.pdf", line)) == [number]


@pytest.mark.parametrize(
    "line",
    [
        "Account: 100234",
        "Fax: 503-555-0100",
        "Invoice 100234",
        "Patient ID: 04/12/1961",
        "MRN: 12",
        "Call 1-800-555-0199 with questions.",
    ],
)
def test_numbers_that_are_not_mrns(line: str) -> None:
    assert clues("scan.pdf", line).mrns == ()


# --------------------------------------------------------------------------- text: dates


@pytest.mark.parametrize(
    "line",
    [
        "DOB 04/12/1961",
        "DOB: 4/12/61",
        "D.O.B. 04-12-1961",
        "Date of birth: April 12, 1961",
        "Date of Birth: Apr. 12th, 1961",
        "Birth Date (MM/DD/YYYY): 1961-04-12",
        "Birthdate: 12 April 1961",
        "DOB/Age: 04/12/1961 (65 y)",
        "Born 12-APR-1961",
        "RE: Ana Rivera, DOB 04/12/1961",
        "PATIENT: RIVERA, ANA M DOB: 04/12/1961 SEX: F",
    ],
)
def test_labeled_dates_of_birth(line: str) -> None:
    assert births(clues("scan.pdf", line)) == [APRIL_12]


@pytest.mark.parametrize(
    "line",
    [
        "Date of service: 04/12/1961",
        "Collected: 04/12/1961 08:15",
        "11/02/2026 09:30 FAX 5035550100 VALLEY CARDIOLOGY P.001",
        "Born in Texas, seen on 04/12/1961.",
        "Dear Dr. Lee, I saw your patient on April 12, 1961.",
    ],
)
def test_other_dates_are_plain_dates(line: str) -> None:
    found = clues("scan.pdf", line)
    assert births(found) == []
    assert found.dates and not any(d.labeled for d in found.dates)


def test_a_birth_date_in_the_future_is_a_misread_not_a_birth_date() -> None:
    found = clues("scan.pdf", "DOB: 04/12/2061")
    assert births(found) == []


def test_phone_numbers_times_and_impossible_dates_are_not_dates() -> None:
    found = clues("scan.pdf", "Tel 503-555-0123  Fax 503.555.0199  at 09:30  DOB: 02/30/1961")
    assert found.dates == ()


# --------------------------------------------------------------------------- text: names


@pytest.mark.parametrize(
    ("text", "shown", "words"),
    [
        ("Patient: Rivera, Ana   DOB 04/12/1961", "Rivera, Ana", ("rivera", "ana")),
        ("Patient Name: RIVERA, ANA M   Sex: F", "RIVERA, ANA M", ("rivera", "ana")),
        ("PATIENT: RIVERA, ANA M DOB: 04/12/1961 SEX: F", "RIVERA, ANA M", ("rivera", "ana")),
        ("Name: Ana M Rivera", "Ana M Rivera", ("ana", "rivera")),
        ("Name: Ms. Ana M. Rivera", "Ms. Ana M. Rivera", ("ana", "rivera")),
        ("RE: Ana Rivera, DOB 04/12/1961", "Ana Rivera", ("ana", "rivera")),
        ("Re: Ana Rivera seen today for follow-up", "Ana Rivera", ("ana", "rivera")),
        ("Pt Name: Rivera, Ana  Acct: 5566", "Rivera, Ana", ("rivera", "ana")),
        ("MRN: 100234 Name: Rivera, Ana", "Rivera, Ana", ("rivera", "ana")),
        ("Patient: José Núñez Jr.", "José Núñez Jr.", ("jose", "nunez")),
        ("Patient: O'Brien, Sean", "O'Brien, Sean", ("o", "brien", "sean")),
        ("Patient: Garcia-Lopez, Maria", "Garcia-Lopez, Maria", ("garcia", "lopez", "maria")),
        ("Last Name: Rivera     First Name: Ana", "Rivera, Ana", ("rivera", "ana")),
    ],
)
def test_labeled_names_in_the_text(text: str, shown: str, words: tuple[str, ...]) -> None:
    found = clues("scan.pdf", text)
    assert names(found)[:1] == [(shown, words, Place(1))]


@pytest.mark.parametrize(
    "text",
    [
        "Referring Physician Name: Dr John Smith",
        "Emergency contact name: Luis Rivera",
        "RE: Referral for cardiology consult",
        "RE: Request for medical records",
        "Patient: Rivera",
        "Patient Name:",
        "Dear Dr. Lee, Thank you for seeing Ana Rivera.",
        "Name: ____________________  Signature: ______________",
        "Subject: Lab results",
    ],
)
def test_texts_without_a_patient_name(text: str) -> None:
    assert clues("scan.pdf", text).names == ()


def test_a_middle_name_the_registry_may_lack_is_searched_without_it() -> None:
    found = clues("scan.pdf", "Patient Name: GARCIA LOPEZ, MARIA ELENA  D.O.B. 12-Apr-1961")
    assert found.names[0].lookups() == ["garcia lopez maria elena", "garcia maria"]
    found = clues("scan.pdf", "Name: Ana Maria Rivera")
    assert found.names[0].lookups() == ["ana maria rivera", "ana rivera"]


def test_a_referral_letter() -> None:
    letter = (
        "VALLEY CARDIOLOGY ASSOCIATES\n"
        "1200 Oak Street, Portland OR 97201  Tel 503-555-0100  Fax 503-555-0101\n"
        "November 2, 2026\n"
        "Dr. Helen Lee\n"
        "RE: Ana Rivera\n"
        "DOB: 04/12/1961\n"
        "Dear Dr. Lee,\n"
        "Thank you for referring Ms. Rivera, whom I saw on 11/02/2026 for palpitations.\n"
    )
    found = clues("Rivera_Ana_referral.pdf", letter)
    assert names(found) == [
        ("Ana Rivera", ("ana", "rivera"), Place(1)),  # the text's first: it was labeled
    ]  # the file name's "Rivera Ana" is the same name: kept once
    assert births(found) == [APRIL_12]
    assert {d.date for d in found.dates if not d.labeled} == {dt.date(2026, 11, 2)}


def test_a_lab_report_header_and_a_fax_cover_on_two_pages() -> None:
    fax = (
        "11/02/2026 09:30AM FROM: VALLEY LABS 5035550100 TO: 5035550199 P.001/003\n"
        "FAX COVER SHEET\nPages: 3\nCONFIDENTIAL: contains protected health information\n"
    )
    header = (
        "VALLEY LABS                    FINAL REPORT\n"
        "PATIENT: RIVERA, ANA M         MRN: 00100234       DOB: 04/12/1961   SEX: F\n"
        "COLLECTED: 11/01/2026 08:15    RECEIVED: 11/01/2026 10:02\n"
        "ORDERING: LEE, HELEN MD\n"
        "GLUCOSE     98 mg/dL    70-99\n"
    )
    found = clues("fax_incoming_5035550100.pdf", fax, header)
    assert mrns(found) == ["00100234"]
    assert [m.place for m in found.mrns] == [Place(2)]
    assert names(found) == [("RIVERA, ANA M", ("rivera", "ana"), Place(2))]
    assert births(found) == [APRIL_12]


def test_clues_are_bounded_and_each_once() -> None:
    many = "\n".join(f"Collected: 01/{d:02d}/2026 MRN: {100000 + d}" for d in range(1, 29))
    found = clues("scan.pdf", many, many)
    assert len(found.mrns) == 5 and len(set(mrns(found))) == 5
    assert len(found.dates) == 28  # page 2 repeats page 1: each date once, where first seen
    assert {d.place for d in found.dates} == {Place(1)}


def test_an_empty_text_layer_leaves_the_file_name() -> None:
    found = clues("Rivera_Ana.pdf", "", "")
    assert [n.place for n in found.names] == [FILE_NAME]


# --------------------------------------------------------------------------- ranking


def patient(pid: int, family: str, given: str, born: dt.date, mrn: str = "") -> PatientInfo:
    return PatientInfo(
        id=PatientId(pid),
        mrn=mrn or f"{pid:08d}",
        family_name=family,
        given_names=given,
        birth_date=born,
        sex="female",
        phone=None,
        version=1,
    )


ANA = patient(1, "Rivera", "Ana", APRIL_12)
OTHER_ANA = patient(2, "Rivera", "Ana", dt.date(1985, 7, 3))
ANABEL = patient(3, "Rivera", "Anabel", APRIL_12)
NAME = NameClue("Rivera, Ana", ("rivera", "ana"), Place(1))
BORN = DateClue(APRIL_12, True, Place(1))
MRN = MrnClue("00000002", Place(1))


def test_name_and_date_of_birth_beat_the_same_name_with_another_birth_date() -> None:
    found = Clues(names=(NAME,), dates=(BORN,))
    ranked = rank(found, [Hit(OTHER_ANA, NAME), Hit(ANA, NAME), Hit(ANA, BORN)], limit=5)
    assert [c.patient_id for c in ranked] == [1, 2]
    first, second = ranked
    assert first.evidence == (
        "name “Rivera, Ana” in the text on page 1",
        "date of birth 04/12/1961 in the text on page 1",
    )
    assert second.evidence == (
        "name “Rivera, Ana” in the text on page 1",
        "date of birth 04/12/1961 in the text on page 1 is not this patient's",
    )
    assert first.score > 50 > second.score
    assert (first.name, first.birth_date, first.mrn) == ("Rivera, Ana", APRIL_12, "00000001")


def test_an_mrn_beats_a_name_and_date_of_birth() -> None:
    found = Clues(mrns=(MRN,), names=(NAME,), dates=(BORN,))
    ranked = rank(found, [Hit(ANA, NAME), Hit(ANA, BORN), Hit(OTHER_ANA, MRN)], limit=5)
    assert [c.patient_id for c in ranked] == [2, 1]
    assert ranked[0].evidence[0] == "MRN 00000002 in the text on page 1"


def test_every_clue_agreeing_scores_100_and_weak_clues_score_low() -> None:
    found = Clues(mrns=(MrnClue("1", Place(1)),), names=(NAME,), dates=(BORN,))
    ranked = rank(found, [Hit(ANA, found.mrns[0]), Hit(ANA, NAME), Hit(ANABEL, BORN)], limit=5)
    assert [(c.patient_id, c.score) for c in ranked][0] == (1, 100)
    only_birth = ranked[1]
    assert only_birth.evidence == ("date of birth 04/12/1961 in the text on page 1",)
    assert only_birth.score <= 30
    only_name = rank(Clues(names=(NAME,)), [Hit(OTHER_ANA, NAME)], limit=5)[0]
    assert only_name.score <= 30


def test_partial_and_alike_names_say_so_and_rank_below_the_same_name() -> None:
    found = Clues(names=(NAME,))
    typo = patient(4, "Riviera", "Ana", APRIL_12)
    ranked = rank(found, [Hit(typo, NAME, alike=True), Hit(ANABEL, NAME), Hit(ANA, NAME)], limit=5)
    assert [c.patient_id for c in ranked] == [1, 3, 4]
    assert ranked[1].evidence == (
        "name “Rivera, Ana” in the text on page 1 (part of this patient's names)",
    )
    assert ranked[2].evidence == ("name “Rivera, Ana” in the text on page 1 (spelled alike)",)


def test_a_plain_date_counts_only_with_a_name_and_says_which() -> None:
    in_name = DateClue(APRIL_12, False, FILE_NAME)
    found = Clues(names=(NAME,), dates=(in_name,))
    ranked = rank(found, [Hit(OTHER_ANA, NAME), Hit(ANA, NAME)], limit=5)
    assert [c.patient_id for c in ranked] == [1, 2]
    assert (
        ranked[0].evidence[1] == "date 04/12/1961 in the file name is this patient's date of birth"
    )
    assert len(ranked[1].evidence) == 1


def test_an_mrn_of_a_merged_record_says_so() -> None:
    ranked = rank(Clues(mrns=(MRN,)), [Hit(ANA, MRN, merged=True)], limit=5)
    assert ranked[0].evidence == (
        "MRN 00000002 in the text on page 1 (the MRN of a record merged into this one)",
    )


def test_each_patient_once_and_at_most_the_limit() -> None:
    found = Clues(names=(NAME,), dates=(BORN,))
    hits = [Hit(ANA, NAME), Hit(ANA, NAME, alike=True), Hit(ANA, BORN)]
    hits += [Hit(patient(10 + i, "Rivera", "Ana", APRIL_12), NAME) for i in range(8)]
    ranked = rank(found, hits, limit=5)
    assert len(ranked) == 5
    assert len({c.patient_id for c in ranked}) == 5
    assert ranked[0].patient_id == 1


def test_a_name_on_the_line_after_its_label() -> None:
    # Forms laid out as tables extract "Patient:" and its value as separate lines.
    found = clues("lab.pdf", "VALLEY LABS\nPatient:\nRIVERA, ANA M\nCollected: 11/02/2026")
    assert [(shown, words) for shown, words, _ in names(found)] == [
        ("RIVERA, ANA M", ("rivera", "ana"))
    ]
    # An empty label followed by another label is not a name.
    assert names(clues("lab.pdf", "Patient:\nDOB: 04/12/1961")) == []
