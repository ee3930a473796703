"""Which record a merge suggests keeping, and the words that say why (pure logic)."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.dto import PatientId, PatientInfo
from medrec_desktop.domain.merge_choice import MergeFacts, ago, suggest_keep

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def facts(
    pid: int,
    *,
    registered: dt.timedelta,
    fields: int = 3,
    notes: int | None = 0,
    contacts: int = 0,
    coverages: int = 0,
    family: str = "Smith",
    given: str = "John",
) -> MergeFacts:
    patient = PatientInfo(
        PatientId(pid), f"{pid:08d}", family, given, dt.date(1975, 6, 1), "male", None, 1
    )
    return MergeFacts(patient, NOW - registered, fields, notes, contacts, coverages)


def test_an_established_empty_record_beats_a_full_one_registered_minutes_ago() -> None:
    old = facts(45, registered=dt.timedelta(days=3 * 365 + 10), fields=1)
    new = facts(123, registered=dt.timedelta(minutes=4), fields=12, contacts=2, coverages=1)
    for a, b in ((old, new), (new, old)):  # whichever record the dialog was opened from
        s = suggest_keep(a, b, now=NOW)
        assert (s.keep, s.merge) == (old, new)
        assert s.why == (
            "Keep Smith, John (MRN 00000045): it was registered 3 years ago, "
            "Smith, John (MRN 00000123) only 4 minutes ago, so that one is most likely the "
            "duplicate."
        )


def test_between_established_records_clearly_more_on_file_wins() -> None:
    older = facts(10, registered=dt.timedelta(days=900), fields=2)
    fuller = facts(20, registered=dt.timedelta(days=400), fields=6, notes=3, contacts=1)
    s = suggest_keep(older, fuller, now=NOW)
    assert (s.keep, s.merge) == (fuller, older)
    assert "it has more on file (6 filled fields, 3 notes, 1 contact, no insurance)" in s.why
    assert "(2 filled fields, no notes, no contacts, no insurance)" in s.why


def test_a_field_or_two_more_does_not_outweigh_the_older_record() -> None:
    older = facts(10, registered=dt.timedelta(days=900), fields=4)
    newer = facts(20, registered=dt.timedelta(days=40), fields=6)
    s = suggest_keep(newer, older, now=NOW)
    assert (s.keep, s.merge) == (older, newer)
    assert s.why == (
        "Keep Smith, John (MRN 00000010): both hold about as much, and it was registered "
        "first (2 years ago; Smith, John (MRN 00000020) 40 days ago)."
    )


def test_two_new_records_keep_the_older_and_equal_times_keep_the_lower_mrn() -> None:
    first = facts(7, registered=dt.timedelta(hours=3))
    second = facts(8, registered=dt.timedelta(hours=1))
    assert suggest_keep(second, first, now=NOW).keep == first
    same_a = facts(9, registered=dt.timedelta(days=30))
    same_b = facts(11, registered=dt.timedelta(days=30))
    s = suggest_keep(same_b, same_a, now=NOW)
    assert s.keep == same_a
    assert s.why.endswith("it has the lower MRN, so it was registered first.")


def test_notes_a_role_may_not_see_are_not_mentioned() -> None:
    hidden = facts(5, registered=dt.timedelta(days=9), notes=None, coverages=2)
    assert hidden.on_file_text() == "3 filled fields, no contacts, 2 insurance plans"


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(minutes=1), "1 minute ago"),
        (dt.timedelta(minutes=59), "59 minutes ago"),
        (dt.timedelta(hours=5), "5 hours ago"),
        (dt.timedelta(days=1), "1 day ago"),
        (dt.timedelta(days=60), "60 days ago"),
        (dt.timedelta(days=400), "13 months ago"),
        (dt.timedelta(days=3 * 365 + 1), "3 years ago"),
    ],
)
def test_ages_read_the_way_people_say_them(delta: dt.timedelta, said: str) -> None:
    assert ago(NOW - delta, NOW) == said
