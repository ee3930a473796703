"""Splitting a scan: the page ranges a records specialist types, checked in plain words."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.inbox_split import check_parts, parse_parts

PDF = "application/pdf"


def test_ranges_and_single_pages_are_read() -> None:
    assert parse_parts("1-3, 4 ,5 - 6") == [(1, 3), (4, 4), (5, 6)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give the pages of each part, for example 1-3,4-6."),
        ("1-3,x", "Part 2 (x) is not a page or a range of pages like 4-6."),
        ("1-3,,4-6", "Part 2 is empty: put pages between the commas, like 1-3,4-6."),
        ("1-3;4-6", "Part 1 (1-3;4-6) is not a page"),
    ],
)
def test_what_is_not_a_range_is_named(text: str, message: str) -> None:
    with pytest.raises(
        ValidationError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
    ):
        parse_parts(text)


def test_parts_covering_every_page_once_in_order_pass() -> None:
    check_parts([(1, 3), (4, 6), (7, 7)], 7, PDF)


@pytest.mark.parametrize(
    ("parts", "pages", "message"),
    [
        ([(1, 4), (3, 5)], 5, "Pages 3-5 overlap part 1."),
        ([(1, 3), (3, 3), (4, 5)], 5, "Page 3 overlaps part 1."),
        ([(1, 3), (4, 6)], 7, "Page 7 is in no part: every page must go to one part"),
        ([(1, 2), (5, 7)], 7, "Pages 3-4 are in no part"),
        ([(4, 6), (1, 3)], 6, "List the parts in page order: part 2 (1-3) comes before part 1."),
        ([(1, 3), (6, 4)], 6, "Part 2 (6-4) runs backwards; write it as 4-6."),
        ([(1, 3), (4, 9)], 6, "Part 2 (4-9) goes past the last page: the scan has 6 pages."),
        ([(0, 3), (4, 6)], 6, "Pages are numbered from 1."),
        ([(1, 6)], 6, "Give at least two parts"),
        ([(1, 1), (1, 1)], 1, "This scan has one page: it cannot be split."),
    ],
)
def test_a_wrong_split_is_refused_in_plain_words(
    parts: list[tuple[int, int]], pages: int, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        check_parts(parts, pages, PDF)
    assert refused.value.message.startswith(message)
    assert refused.value.field == "pages"


def test_a_png_or_jpeg_is_one_page() -> None:
    with pytest.raises(ValidationError, match="A PNG image is a single page: it cannot be split"):
        check_parts([(1, 1), (2, 2)], 1, "image/png")
    with pytest.raises(ValidationError, match="A JPEG image is a single page"):
        check_parts([(1, 1), (2, 2)], 2, "image/jpeg")
