"""Phones: one stored and shown form for North American numbers, anything else as typed."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.phones import format_phone
from medrec_desktop.services.patient_input import check_phone


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("5035550123", "(503) 555-0123"),
        ("503-555-0123", "(503) 555-0123"),
        ("503.555.0123", "(503) 555-0123"),
        (" (503) 555-0123 ", "(503) 555-0123"),
        ("1 503 555 0123", "(503) 555-0123"),
        ("+1 (503) 555-0123", "(503) 555-0123"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),  # another country: as typed
        ("555-010-0000", "555-010-0000"),  # no exchange starts with 0: as typed
        ("503-555-0123 ext 12", "503-555-0123 ext 12"),  # an extension: as typed
        ("555-0123", "555-0123"),  # partly known: as typed
    ],
)
def test_phone_form(typed: str, shown: str) -> None:
    assert format_phone(typed) == shown
    assert format_phone(format_phone(typed)) == shown  # stored and shown alike


def test_validated_phones_are_stored_in_that_form() -> None:
    assert check_phone("5035550123", field="phone") == "(503) 555-0123"
    assert check_phone("+44 20 7946 0958", field="phone") == "+44 20 7946 0958"
    assert check_phone("  ", field="phone") is None
    assert format_phone(None) is None
