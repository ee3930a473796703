"""Enrollment codes (security/enrollment.py): read as people type them, typing mistakes caught
before anything is sent, and the payload sealed to its code and its lookup."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.security import enrollment
from tests.support import argon2_cost


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    argon2_cost.lower(monkeypatch)


PAYLOAD = enrollment.Payload(
    install_id="5f0c5e4e-0000-4000-8000-000000000001",
    workstation_name="Front desk 2",
    server_url="postgresql+psycopg://medrec_app:s3cret@db/medrec",
    keyfile=b'{"format": "medrec-keys"}',
    mwk=b"k" * 32,
    issued_by="admin",
    enrollment_id=7,
)


def test_a_code_reads_back_however_it_is_typed() -> None:
    code = enrollment.new_code()
    text = code.text()
    assert len(text) == 24 and [len(g) for g in text.split("-")] == [4] * 5
    assert enrollment.parse_code(text) == code
    assert enrollment.parse_code(text.lower().replace("-", " ")) == code
    # O and I, L, U are never in a code: read as the characters they are mistaken for.
    typed = text.replace("0", "O").replace("1", "I").replace("V", "U")
    assert enrollment.parse_code(typed) == code
    assert "secret" not in repr(code) and code.secret not in repr(code)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Type the enrollment code"),
        ("K7QM-3XHP", "20 letters and digits"),
        ("K7QM-3XHP-W9RT-2NDV-6JC!", "20 letters and digits"),
    ],
)
def test_a_malformed_code_is_named_on_its_field(typed: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said) as refused:
        enrollment.parse_code(typed)
    assert refused.value.field == "code"


def test_every_single_character_typo_in_a_code_is_caught_or_harmless() -> None:
    """One character changed: the check catches 31 of 32 such slips; the others reach the
    server as a wrong code (counted), never as someone else's code."""
    code = enrollment.new_code()
    text = code.text().replace("-", "")
    caught = 0
    total = 0
    for i in range(len(text)):
        for ch in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
            if ch == text[i]:
                continue
            total += 1
            try:
                enrollment.parse_code(text[:i] + ch + text[i + 1 :])
            except ValidationError:
                caught += 1
    assert caught / total > 0.9


def test_the_payload_opens_only_with_its_code_and_its_lookup() -> None:
    code = enrollment.new_code()
    kdf = enrollment.new_kdf()
    keys = enrollment.derive(code, kdf)
    assert enrollment.derive(code, kdf) == keys  # the joining computer derives the same
    sealed = enrollment.seal(keys, code.lookup, PAYLOAD)
    assert enrollment.open_sealed(keys, code.lookup, sealed) == PAYLOAD
    assert b"s3cret" not in sealed and b"k" * 32 not in sealed
    other = enrollment.derive(enrollment.Code(code.lookup, "0" * enrollment.SECRET_CHARS), kdf)
    with pytest.raises(ValidationError, match="do not decrypt"):
        enrollment.open_sealed(other, code.lookup, sealed)
    with pytest.raises(ValidationError, match="do not decrypt"):
        enrollment.open_sealed(keys, "ZZZZ", sealed)  # moved to another code's row
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(ValidationError, match="do not decrypt"):
        enrollment.open_sealed(keys, code.lookup, flipped)
    # The verifier the server keeps is neither key.
    assert keys.verifier != keys.seal.hex() and keys.verifier != keys.proof.hex()
    assert "Keys(<hidden>)" == repr(keys) and "s3cret" not in repr(PAYLOAD)


@pytest.mark.parametrize(
    "kdf",
    [
        "",
        "scrypt$t=1$m=8192$p=1$AAAAAAAAAAAAAAAAAAAAAA==",
        "argon2id$t=99$m=8192$p=1$AAAAAAAAAAAAAAAAAAAAAA==",
        "argon2id$t=1$m=99999999$p=1$AAAAAAAAAAAAAAAAAAAAAA==",
    ],
)
def test_parameters_a_server_sends_are_bounded(kdf: str) -> None:
    with pytest.raises(ValidationError):
        enrollment.derive(enrollment.new_code(), kdf)
