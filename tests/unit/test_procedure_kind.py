"""A procedure as typed: its code checked by shape in its code set (worked out from the
shape when not chosen), when it was done in UTC and never ahead, and every refusal naming
its field without repeating what was typed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.histories import Laterality
from medrec_desktop.domain.procedures import (
    ProcedureCodeSystem,
    ProcedureInput,
    procedure_code,
)

TODAY = dt.date(2026, 11, 26)
PCS, HCPCS, CPT = ProcedureCodeSystem.PCS, ProcedureCodeSystem.HCPCS, ProcedureCodeSystem.CPT
LOCAL = dt.timezone(dt.timedelta(hours=-5))
TYPED = ProcedureInput(
    description="Laparoscopic appendectomy",
    code="0dtj4zz",
    performed_at=dt.datetime(2026, 11, 19, 22, 30, tzinfo=LOCAL),
    performed_by="Dr. Osei",
    body_site="appendix",
    laterality="not-applicable",
    outcome="completed as planned",
    complications="",
    problem_id=7,
)


@pytest.mark.parametrize(
    ("typed", "system", "kept"),
    [
        ("0dtj4zz", None, (PCS, "0DTJ4ZZ")),
        (" 0DT J4ZZ ", "pcs", (PCS, "0DTJ4ZZ")),
        ("j1100", None, (HCPCS, "J1100")),
        ("G0121", "hcpcs", (HCPCS, "G0121")),
        ("45378", None, (CPT, "45378")),
        ("3074f", None, (CPT, "3074F")),
        ("0042T", "cpt", (CPT, "0042T")),
        ("", None, (None, None)),
        ("  ", "", (None, None)),
    ],
)
def test_codes_are_kept_in_the_coders_spelling_with_their_code_set(
    typed: str, system: str | None, kept: tuple[ProcedureCodeSystem | None, str | None]
) -> None:
    assert procedure_code(typed, system) == kept


@pytest.mark.parametrize(
    ("typed", "system", "words"),
    [
        ("appendectomy", None, "does not look like a procedure code"),
        ("0DTX4Z", None, "seven characters (0DTJ4ZZ)"),
        ("0DTI4ZZ", None, "does not look like a procedure code"),  # PCS never uses I or O
        ("45378", "pcs", "an ICD-10-PCS code (seven characters"),
        ("0DTJ4ZZ", "hcpcs", "an HCPCS Level II code (a letter and four digits"),
        ("J1100", "cpt", "a CPT code (five characters"),
        ("W1100", "hcpcs", "HCPCS Level II"),  # W-Z are not HCPCS Level II letters
        ("", "pcs", "Type or pick the ICD-10-PCS code"),
    ],
)
def test_a_code_of_the_wrong_shape_is_refused_under_the_code(
    typed: str, system: str | None, words: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)) as refused:
        procedure_code(typed, system)
    assert refused.value.field == "code"
    if typed.strip():
        assert typed not in refused.value.message


def test_an_unknown_code_set_is_refused_by_its_field() -> None:
    with pytest.raises(ValidationError, match="Choose a code set") as refused:
        procedure_code("0DTJ4ZZ", "icd9")
    assert refused.value.field == "code_system"


def test_the_form_input_becomes_the_stored_content() -> None:
    data = TYPED.validated(TODAY)
    assert data.performed_at == dt.datetime(2026, 11, 20, 3, 30, tzinfo=dt.UTC)
    assert (data.code_system, data.code, data.code_text) == (PCS, "0DTJ4ZZ", "0DTJ4ZZ (ICD-10-PCS)")
    assert data.laterality is Laterality.NOT_APPLICABLE
    assert (data.problem_id, data.encounter_id, data.complications) == (7, None, None)
    item = ItemInfo(
        id=ItemId(3),
        item_type="procedure",
        patient_id=PatientId(1),
        version=1,
        status=ItemStatus.ACTIVE,
        sensitivity=None,
        created_by="Nina",
        created_at=data.performed_at,
        changed_by="Nina",
        changed_at=data.performed_at,
        reason=None,
        data=data,
    )
    again = ProcedureInput.editing(item)
    assert again.validated(TODAY) == data  # opening it and saving it changes nothing


@pytest.mark.parametrize(
    ("changed", "field", "words"),
    [
        ({"description": "  "}, "description", "Say what was done"),
        ({"performed_at": None}, "performed_at", "Enter when the procedure was done"),
        (
            {"performed_at": dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)},
            "performed_at",
            "cannot be in the future",
        ),
        ({"performed_at": dt.datetime(1899, 5, 1, tzinfo=dt.UTC)}, "performed_at", "before 1900"),
        ({"laterality": "middle"}, "laterality", "Choose a side"),
        ({"status": ItemStatus.RESOLVED}, "status", "recorded or set aside"),
        ({"body_site": "x" * 201}, "body_site", "201 characters long"),
    ],
)
def test_each_refusal_names_its_field(changed: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as refused:
        replace(TYPED, **changed).validated(TODAY)  # type: ignore[arg-type]
    assert refused.value.field == field
