"""Search forgives misspelt names (after the exact matches), reads dates of birth as people
type them, and phones have one stored form; on SQLCipher and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, delete, text, update

from medrec_desktop.db import migrate
from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.enums import Role
from medrec_desktop.models import Patient, PatientSearchToken
from medrec_desktop.services.patient_index import SOUND_PREFIX
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic

PEOPLE = [
    PatientInput("Anderson", "Mary", dt.date(1935, 10, 27), "female", "5035550123"),
    PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "1-503-555-7000"),
    PatientInput("Smyth", "Anna", dt.date(1990, 7, 1), "female", "+44 20 7946 0958"),
    PatientInput("Smithers", "Joanna", dt.date(1982, 2, 2), "female"),
    PatientInput("Thompson", "Katherine", dt.date(1962, 12, 12), "female"),
    # Phone digits that begin like a birth date typed without separators (12121955...).
    PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male", "(121) 219-5512"),
    PatientInput("Lindqvist", "Erik", dt.date(1955, 12, 12), "male"),
]


@pytest.fixture
def registry(clinic: Clinic) -> Clinic:
    records = clinic.sessions[Role.RECORDS]
    for p in PEOPLE:
        clinic.inst.patients.register(records, p, duplicates_reviewed=True)
    return clinic


def names(found: list[PatientInfo]) -> list[str]:
    return [f"{p.given_names} {p.family_name}" for p in found]


@pytest.mark.parametrize(
    ("typed", "similar"),
    [
        ("andersen", ["Mary Anderson"]),  # sounds alike
        ("andersn mary", ["Mary Anderson"]),  # a letter missing
        ("smtih john", ["John Smith"]),  # two letters swapped
        ("jon smyth", ["John Smith"]),  # both words sound alike
        ("tomson kath", ["Katherine Thompson"]),
        ("kathryn", ["Katherine Thompson"]),
    ],
)
def test_misspelt_names_are_found_as_similar(
    registry: Clinic, typed: str, similar: list[str]
) -> None:
    found = registry.inst.patients.search(registry.sessions[Role.FRONT_DESK], typed)
    assert (found.exact, names(found)) == (0, similar)


def test_exact_matches_come_first_then_similar_spellings(registry: Clinic) -> None:
    found = registry.inst.patients.search(registry.sessions[Role.FRONT_DESK], "smith")
    # Exact: every name starting "smith", in name order; then Smyth, which only sounds alike.
    assert names(found) == ["John Smith", "Joanna Smithers", "Anna Smyth"]
    assert (found.exact, found.similar) == (2, 1)


def test_fragments_being_typed_are_not_treated_as_misspellings(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    # "smi" is three letters of a name still being typed: prefix matches only.
    found = registry.inst.patients.search(desk, "smi")
    assert names(found) == ["John Smith", "Joanna Smithers"] and found.similar == 0
    assert registry.inst.patients.search(desk, "zzzz") == []


def test_the_duplicate_check_uses_the_same_notion_of_similar(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    andersen = PatientInput("Andersen", "Mary", dt.date(1935, 10, 27), "female")
    (dup,) = registry.inst.patients.find_duplicates(desk, andersen)
    assert dup.patient.family_name == "Anderson"
    assert dup.reasons == ("similar name and same date of birth",)
    # Sound-alike words that are far apart letter for letter are still the same person.
    kate = PatientInput("Tomson", "Cathryn", dt.date(1962, 12, 12), "female")
    assert [d.patient.family_name for d in registry.inst.patients.find_duplicates(desk, kate)] == [
        "Thompson"
    ]


@pytest.mark.parametrize(
    "typed",
    ["10271935", "10/27/1935", "10/27/35", "10-27-35", "19351027", "1935-10-27", "ande 10/27/35"],
)
def test_dates_of_birth_as_people_type_them(registry: Clinic, typed: str) -> None:
    found = registry.inst.patients.search(registry.sessions[Role.FRONT_DESK], typed)
    assert names(found) == ["Mary Anderson"] and found.exact == 1


def test_eight_digits_search_as_a_birth_date_and_as_a_number(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    # 12121955: born 12/12/1955 (Erik), and the first digits of Chidi's phone. Both are shown,
    # the birth date first.
    assert names(registry.inst.patients.search(desk, "12121955")) == [
        "Erik Lindqvist",
        "Chidi Okafor",
    ]
    # A whole MRN is not a date: it finds that patient only.
    mrn = registry.inst.patients.search(desk, "anderson")[0].mrn
    assert names(registry.inst.patients.search(desk, mrn)) == ["Mary Anderson"]


def test_phones_are_stored_in_one_form_and_found_by_any_digits(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    by_name = {p.family_name: p.phone for p in registry.inst.patients.list_all(desk)}
    assert by_name["Anderson"] == "(503) 555-0123"
    assert by_name["Smith"] == "(503) 555-7000"  # the country code 1 is implied
    assert by_name["Smyth"] == "+44 20 7946 0958"  # not North American: as typed
    assert by_name["Okafor"] == "(121) 219-5512"  # no such area code: as typed
    for typed in ("5035550123", "(503) 555-0123", "503.555.0123", "555-0123", "0123"):
        assert names(registry.inst.patients.search(desk, typed)) == ["Mary Anderson"], typed
    assert names(registry.inst.patients.search(desk, "15035557000")) == ["John Smith"]


def test_phones_stored_as_typed_before_are_shown_in_the_same_form(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    with registry.inst.store.unit_of_work() as db:  # as an older release saved them
        db.execute(
            update(Patient)
            .where(Patient.family_name == "Anderson")
            .values(phone="503.555.0123", mobile_phone="5035550999")
        )
    (mary,) = registry.inst.patients.search(desk, "anderson")
    assert mary.phone == "(503) 555-0123"
    record = registry.inst.patients.record(desk, mary.id)
    assert record.details.mobile_phone == "(503) 555-0999"


def test_an_older_database_gets_sound_tokens_on_upgrade(registry: Clinic) -> None:
    with registry.insider() as engine:
        _sound_tokens_added_by_0006(registry, engine)


def _sound_tokens_added_by_0006(registry: Clinic, engine: Engine) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    # The database as schema 0005 left it: no sound tokens.
    with engine.begin() as conn:
        conn.execute(
            delete(PatientSearchToken).where(PatientSearchToken.token.startswith(SOUND_PREFIX))
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    # Kathryn is not one typo from Katherine: only its sound finds her.
    assert registry.inst.patients.search(desk, "kathryn") == []
    # Only the step that adds them: later schema steps are already in this database.
    migrate.upgrade(engine, "0006")
    assert migrate.current_revision(engine) == "0006"
    assert names(registry.inst.patients.search(desk, "kathryn")) == ["Katherine Thompson"]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = :head"),
            {"head": migrate.head_revision()},
        )
