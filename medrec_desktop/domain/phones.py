"""How phone numbers are stored and shown.

A North American number (10 digits, or 11 with the leading country code 1, with or without
"+") is stored and shown as ``(503) 555-0123``: one form however it was typed, so the
registry, the search table and the compare dialogs all look alike. Anything else (an
international number, an extension, a number only partly known) is kept exactly as typed:
reformatting it would risk changing what it means. Search goes by digits alone, so
"5035550123", "555-0123" and "0123" all find it whichever form is stored.
"""

from __future__ import annotations

import re

# Only the characters the registration form accepts: anything else is kept as typed.
_NANP_CHARS = re.compile(r"^\+?[\d\s().\-]+$")


def _nanp_digits(text: str) -> str | None:
    if not _NANP_CHARS.match(text):
        return None
    number = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+") and not number.startswith("1"):
        return None  # "+44 ...": another country's number
    if len(number) == 11 and number[0] == "1":
        number = number[1:]
    # Area codes and exchanges never start with 0 or 1: such a number is not North American.
    if len(number) != 10 or number[0] in "01" or number[3] in "01":
        return None
    return number


def format_phone(text: str | None) -> str | None:
    """The canonical form of a North American number; any other number as it was typed."""
    if text is None:
        return None
    value = text.strip()
    number = _nanp_digits(value)
    if number is None:
        return value or None
    return f"({number[:3]}) {number[3:6]}-{number[6:]}"
