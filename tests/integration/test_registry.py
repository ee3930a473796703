"""Patient registry: search as people type, validation, duplicates, merge, versions, recents."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.services.patients import DuplicatesFoundError, PatientInput
from tests.conftest import Clinic

JOSE = PatientInput(
    "Núñez Smith",
    "José Luis",
    dt.date(1980, 3, 14),
    "male",
    "(503) 555-0142",
    PatientDetails(
        email="jose@example.org",
        postal_code="97205",
        state="or",
        contacts=(ContactInfo("Ana Núñez", "spouse", "503-555-0199"),),
        coverages=(CoverageInfo("Aetna", "w123456789", plan="PPO", group_number="G1"),),
    ),
)
OTHERS = [
    PatientInput("Smith", "John", dt.date(1975, 6, 1), "male", "503-555-7000"),
    PatientInput("Smithers", "Joanna", dt.date(1990, 1, 2), "female"),
    PatientInput("Jones", "Smita", dt.date(1988, 8, 8), "female"),
]


@pytest.fixture
def registry(clinic: Clinic) -> Clinic:
    desk = clinic.sessions[Role.FRONT_DESK]
    clinic.inst.patients.register(desk, JOSE)
    for p in OTHERS:
        clinic.inst.patients.register(desk, p)
    return clinic


def names(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{p.given_names} {p.family_name}" for p in found]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smi jo", ["José Luis Núñez Smith", "John Smith", "Joanna Smithers", "Smita Jones"]),
        ("jo smi", ["José Luis Núñez Smith", "John Smith", "Joanna Smithers", "Smita Jones"]),
        ("NUNEZ", ["José Luis Núñez Smith"]),
        ("núñez josé", ["José Luis Núñez Smith"]),
        ("smith 1980-03-14", ["José Luis Núñez Smith"]),
        ("03/14/1980", ["José Luis Núñez Smith"]),
        ("03141980", ["José Luis Núñez Smith"]),
        ("3/14/80", ["José Luis Núñez Smith"]),
        ("5035550142", ["José Luis Núñez Smith"]),
        ("555-0142", ["José Luis Núñez Smith"]),
        ("0142", ["José Luis Núñez Smith"]),
        ("zzz", []),
        ("", []),
    ],
)
def test_search_finds_patients_the_way_staff_type(
    registry: Clinic, typed: str, expected: list[str]
) -> None:
    found = registry.inst.patients.search(registry.sessions[Role.FRONT_DESK], typed)
    assert sorted(names(found)) == sorted(expected)


def test_search_by_mrn(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    jose = registry.inst.patients.search(desk, "jose")[0]
    assert names(registry.inst.patients.search(desk, jose.mrn)) == ["José Luis Núñez Smith"]
    assert registry.inst.patients.find_by_mrn(desk, jose.mrn.lstrip("0")).id == jose.id


def test_registration_keeps_every_uscdi_field(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    jose = registry.inst.patients.search(desk, "jose")[0]
    record = registry.inst.patients.record(desk, jose.id)
    assert record.details.state == "OR"
    assert record.details.coverages[0].member_id == "W123456789"
    assert record.details.contacts[0].name == "Ana Núñez"
    assert jose.mrn == "00000001"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"birth_date": dt.date(2999, 1, 1)}, "birth_date", "future"),
        ({"family_name": "  "}, "family_name", "family"),
        ({"phone": "555-12"}, "phone", "10 digits"),
        ({"details": PatientDetails(email="jose@")}, "email", "name@example.com"),
        ({"details": PatientDetails(postal_code="9720")}, "postal_code", "5 digits"),
        (
            {
                "details": PatientDetails(
                    coverages=(CoverageInfo("Aetna", "W1", subscriber_relationship="spouse"),)
                )
            },
            "coverage.1.member_id",
            "member ID",
        ),
        (
            {"details": PatientDetails(contacts=(ContactInfo("Ana", "", None),))},
            "contact.1.relationship",
            "related",
        ),
    ],
)
def test_invalid_input_names_the_field_and_saves_nothing(
    clinic: Clinic,
    change: dict,
    field: str,
    words: str,  # type: ignore[type-arg]
) -> None:
    from dataclasses import replace

    desk = clinic.sessions[Role.FRONT_DESK]
    with pytest.raises(ValidationError, match=words) as err:
        clinic.inst.patients.register(desk, replace(JOSE, **change))
    assert err.value.field == field
    assert clinic.inst.patients.list_all(desk) == []


def test_likely_duplicates_stop_registration_until_reviewed(registry: Clinic) -> None:
    desk = registry.sessions[Role.FRONT_DESK]
    again = PatientInput("Nunez-Smith", "Jose L", dt.date(1980, 3, 14), "male")
    found = registry.inst.patients.find_duplicates(desk, again)
    assert [c.patient.given_names for c in found] == ["José Luis"]
    assert "similar name and same date of birth" in found[0].reasons
    # The very same name (accents and order aside) is called the same, not "similar".
    same = PatientInput("Núñez Smith", "José Luis", dt.date(1980, 3, 14), "male")
    assert "same name and same date of birth" in (
        registry.inst.patients.find_duplicates(desk, same)[0].reasons
    )
    with pytest.raises(DuplicatesFoundError) as err:
        registry.inst.patients.register(desk, again)
    assert "José" not in str(err.value)  # no PHI in the error text
    assert err.value.candidate_ids == (found[0].patient.id,)
    by_phone = PatientInput("Other", "Person", dt.date(2001, 1, 1), "female", "503.555.0142")
    assert registry.inst.patients.find_duplicates(desk, by_phone)[0].reasons == (
        "same phone number",
    )
    by_card = PatientInput(
        "Else",
        "Someone",
        dt.date(2002, 2, 2),
        "male",
        details=PatientDetails(coverages=(CoverageInfo("aetna", "W123456789"),)),
    )
    assert (
        "same insurance member ID"
        in registry.inst.patients.find_duplicates(desk, by_card)[0].reasons
    )
    created = registry.inst.patients.register(
        desk, again, duplicates_reviewed=True, reason="a different person (checked)"
    )
    assert created.mrn == "00000005"


def test_merge_moves_everything_and_keeps_the_merged_record_traceable(registry: Clinic) -> None:
    records = registry.sessions[Role.RECORDS]
    keep = registry.inst.patients.search(records, "jose")[0]
    dup = registry.inst.patients.register(
        records,
        PatientInput("Nunez", "Jose", dt.date(1980, 3, 14), "male"),
        duplicates_reviewed=True,
        reason="a different person (checked)",
    )
    registry.inst.patients.add_note(registry.sessions[Role.NURSE], dup.id, "Flu shot given")
    with pytest.raises(PermissionDeniedError):
        registry.inst.patients.merge(
            registry.sessions[Role.NURSE], keep.id, dup.id, reason="Same person"
        )
    registry.inst.patients.merge(records, keep.id, dup.id, reason="Same person")
    notes = registry.inst.patients.notes(registry.sessions[Role.NURSE], keep.id)
    assert [n.text for n in notes] == ["Flu shot given"]
    assert registry.inst.patients.record(records, dup.id).merged_into == keep.id
    assert dup.id not in [p.id for p in registry.inst.patients.search(records, "jose")]
    history = registry.inst.patients.history(records, dup.id)
    assert "merged into" in history[-1].summary
    with pytest.raises(ValidationError, match="merged"):
        registry.inst.patients.merge(records, keep.id, dup.id, reason="Same person")


def test_every_save_is_a_version(registry: Clinic) -> None:
    records = registry.sessions[Role.RECORDS]
    p = registry.inst.patients.search(records, "smita")[0]
    registry.inst.patients.update(
        records,
        p.id,
        PatientInput("Jones", "Smita", dt.date(1988, 8, 8), "female", "503-555-1111"),
        expected_version=p.version,
    )
    history = registry.inst.patients.history(records, p.id)
    assert [h.summary for h in history] == ["registered", "changed phone"]
    assert history[-1].changed_by == "Test Records specialist"


def test_recent_patients_are_the_ones_this_user_opened(registry: Clinic) -> None:
    nurse = registry.sessions[Role.NURSE]
    everyone = registry.inst.patients.list_all(nurse)
    for p in (everyone[0], everyone[2], everyone[0]):
        registry.inst.patients.get(nurse, p.id)
    assert [p.id for p in registry.inst.patients.recent(nurse)] == [everyone[0].id, everyone[2].id]
    assert registry.inst.patients.recent(registry.sessions[Role.CODER]) == []
