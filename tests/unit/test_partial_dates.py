"""Partial dates: typed the way clinics get them, shown as typed, stored sortable, never in
the future, refused in plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.partial_dates import PartialDate, parse_optional, refuse_before

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("typed", "year", "month", "day", "shown", "stored"),
    [
        ("1998", 1998, None, None, "1998", "1998"),
        ("03/1998", 1998, 3, None, "03/1998", "1998-03"),
        ("3/1998", 1998, 3, None, "03/1998", "1998-03"),
        ("3-1998", 1998, 3, None, "03/1998", "1998-03"),
        ("1998-03", 1998, 3, None, "03/1998", "1998-03"),
        ("03/14/1998", 1998, 3, 14, "03/14/1998", "1998-03-14"),
        ("1998-03-14", 1998, 3, 14, "03/14/1998", "1998-03-14"),
        ("  1998-3-4 ", 1998, 3, 4, "03/04/1998", "1998-03-04"),
        ("2026-11", 2026, 11, None, "11/2026", "2026-11"),
        ("11/26/2026", 2026, 11, 26, "11/26/2026", "2026-11-26"),
    ],
)
def test_typed_forms_keep_their_precision(
    typed: str, year: int, month: int | None, day: int | None, shown: str, stored: str
) -> None:
    found = PartialDate.parse(typed, today=TODAY)
    assert (found.year, found.month, found.day) == (year, month, day)
    assert found.display == shown == str(found)
    assert found.storage == stored
    assert PartialDate.from_storage(stored) == found


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Enter a date."),
        ("13/1998", "there is no month 13"),
        ("00/1998", "there is no month 0"),
        ("02/30/1998", "not a real date"),
        ("1998/03", "Type the date like 1998, 03/1998 or 03/14/1998"),
        ("spring 1998", "Type the date like 1998, 03/1998 or 03/14/1998"),
        ("98", "Type the date like 1998, 03/1998 or 03/14/1998"),
        ("1850", "1850 is before 1900; check the year."),
        ("2027", "2027 is in the future."),
        ("12/2026", "12/2026 is in the future."),
        ("11/27/2026", "11/27/2026 is in the future."),
    ],
)
def test_bad_input_is_refused_in_plain_words(typed: str, said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PartialDate.parse(typed, today=TODAY, field="onset")
    assert said in refused.value.message
    assert refused.value.field == "onset"


def test_sorting_puts_a_year_before_its_months_and_days() -> None:
    typed = ["03/14/1998", "1999", "1998", "03/1998", "12/31/1997", "01/1998", "01/01/1998"]
    ordered = sorted(PartialDate.parse(t, today=TODAY) for t in typed)
    assert [d.display for d in ordered] == [
        "12/31/1997",
        "1998",
        "01/1998",
        "01/01/1998",
        "03/1998",
        "03/14/1998",
        "1999",
    ]


def test_the_stored_text_sorts_like_the_dates() -> None:
    dates = [PartialDate(1998), PartialDate(1998, 1), PartialDate(1998, 1, 1), PartialDate(1997)]
    assert sorted(dates) == sorted(dates, key=lambda d: d.storage)


def test_range_of_each_precision() -> None:
    assert PartialDate(2024, 2).latest == dt.date(2024, 2, 29)
    assert PartialDate(1998, 12).latest == dt.date(1998, 12, 31)
    assert PartialDate(1998).earliest == dt.date(1998, 1, 1)
    assert PartialDate(1998).latest == dt.date(1998, 12, 31)
    assert PartialDate(1998, 3, 14).earliest == PartialDate(1998, 3, 14).latest


def test_blank_is_unknown_and_overlapping_precisions_are_not_contradictions() -> None:
    assert parse_optional("  ", today=TODAY, field="onset") is None
    # "resolved 1998" after "onset 03/1998" may well be true: accepted.
    refuse_before(PartialDate(1998), PartialDate(1998, 3), field="resolution", message="no")
    with pytest.raises(ValidationError, match="before its onset") as refused:
        refuse_before(
            PartialDate(1997),
            PartialDate(1998, 3),
            field="resolution",
            message="The problem cannot be resolved before its onset.",
        )
    assert refused.value.field == "resolution"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), st.sampled_from([1, 2, 3]))
def test_any_shown_date_reads_back_as_itself(day: dt.date, precision: int) -> None:
    date = PartialDate(
        day.year, day.month if precision > 1 else None, day.day if precision > 2 else None
    )
    assert PartialDate.parse(date.display, today=TODAY) == date
    assert PartialDate.parse(date.storage, today=TODAY) == date
    assert PartialDate.from_storage(date.storage) == date
