"""The one CSV writer: text that a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from medrec_desktop.export.csv_cells import FORMULA_TRIGGERS, safe_cell, write_csv


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\uff1d1+1",  # full-width equals sign
        "-5",  # text that looks like a negative number is still prefixed (OWASP)
    ],
)
def test_formula_text_gets_a_leading_quote(text: str) -> None:
    buf = io.StringIO(newline="")
    write_csv(buf, ["cell"], [[text]])
    [row] = list(csv.reader(io.StringIO(buf.getvalue())))[1:]
    assert row == ["'" + text]
    assert not row[0].startswith(FORMULA_TRIGGERS)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-5, "-5"),  # a number cannot carry a formula: kept as a number
        (-2.5, "-2.5"),
        (Decimal("-10.25"), "-10.25"),
        (0, "0"),
        (True, "True"),
        (None, ""),
        ("plain text", "plain text"),
        ("a=b", "a=b"),  # only a leading trigger matters
        ("", ""),
    ],
)
def test_numbers_and_ordinary_text_are_written_as_they_are(value: object, written: str) -> None:
    buf = io.StringIO(newline="")
    write_csv(buf, ["cell"], [[value]])
    assert list(csv.reader(io.StringIO(buf.getvalue())))[1] == [written]


def test_safe_cell_leaves_non_text_objects_as_text() -> None:
    class Thing:
        def __str__(self) -> str:
            return "=evil()"

    assert safe_cell(Thing()) == "'=evil()"
