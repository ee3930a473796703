"""LOINC codes as typed: digits, a hyphen and a mod-10 check digit ("2823-3"), checked so a
code copied wrongly from a lab report is caught where it is typed."""

from __future__ import annotations

import re

from medrec_desktop.domain.errors import ValidationError

_LOINC = re.compile(r"^\d{1,7}-\d$")


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit of the part before the hyphen (the Luhn algorithm)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    if not _LOINC.match(code):
        return False
    number, check = code.split("-")
    return loinc_check_digit(number) == int(check)


def clean_loinc(typed: str, *, field: str, where: str = "") -> str | None:
    """A LOINC code as typed ("2823-3"), checked by its check digit; blank -> None."""
    code = typed.strip()
    if not code:
        return None
    if not _LOINC.match(code):
        raise ValidationError(
            f"{where}type the LOINC code as digits, a hyphen and one check digit, for "
            "example 2823-3.",
            field=field,
        )
    if not loinc_valid(code):
        raise ValidationError(
            f"{where}that LOINC code does not check out (its last digit is a check digit); "
            "copy it again from the lab report.",
            field=field,
        )
    return code
