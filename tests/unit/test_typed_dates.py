"""Dates as clinic staff type them: month first, with or without separators, two-digit years
resolved to the past; the help text names only forms that are read."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.dates import FORMATS_HELP, looks_like_date, parse_date
from medrec_desktop.domain.errors import ValidationError

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("10271935", dt.date(1935, 10, 27)),  # MMDDYYYY
        ("19351027", dt.date(1935, 10, 27)),  # YYYYMMDD: month 19 is no month
        ("10/27/1935", dt.date(1935, 10, 27)),
        ("10-27-1935", dt.date(1935, 10, 27)),
        ("10/27/35", dt.date(1935, 10, 27)),  # 2035 has not happened yet
        ("10-27-35", dt.date(1935, 10, 27)),
        ("3/4/80", dt.date(1980, 3, 4)),
        ("11/26/26", dt.date(2026, 11, 26)),  # today is not in the future
        ("11/27/26", dt.date(1926, 11, 27)),  # tomorrow is: the last century
        ("01/02/05", dt.date(2005, 1, 2)),
        ("1935-10-27", dt.date(1935, 10, 27)),
        ("02/29/00", dt.date(2000, 2, 29)),
        ("12122012", dt.date(2012, 12, 12)),
    ],
)
def test_typed_dates_are_read_month_first_and_never_in_the_future(
    typed: str, meant: dt.date
) -> None:
    assert looks_like_date(typed)
    assert parse_date(typed, today=TODAY) == meant


def test_eight_digits_prefer_a_real_past_date() -> None:
    # 20300101 as YYYYMMDD is in the future and month 20 does not exist: refused in words.
    assert parse_date("20250101", today=TODAY) == dt.date(2025, 1, 1)
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date("13322020", today=TODAY)


@pytest.mark.parametrize("typed", ["14.03.1980", "03.14.1980", "March 14", "3/14", "1980"])
def test_other_forms_are_refused_with_the_forms_that_work(typed: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_date(typed, field="birth_date", today=TODAY)
    assert err.value.field == "birth_date"
    assert FORMATS_HELP in err.value.message


def test_impossible_dates_are_named_in_plain_words() -> None:
    for typed in ("02/30/1985", "02/29/01", "13/01/80"):
        with pytest.raises(ValidationError, match="is not a real date"):
            parse_date(typed, today=TODAY)


def test_the_help_text_shows_month_first_forms_only() -> None:
    assert "14.03" not in FORMATS_HELP
    for example in FORMATS_HELP.replace(" or", ",").split(", "):
        assert parse_date(example, today=TODAY) == dt.date(1980, 3, 14), example
