"""A coding query must not lead: wording about what a diagnosis would be paid is refused
(AHIMA/ACDIS query practice brief), in the singular or the plural, and a clinical question
that merely contains similar letters is not."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.coder_queries import OTHER, UNABLE, QueryInput
from medrec_desktop.domain.errors import ValidationError


@pytest.mark.parametrize(
    "question",
    [
        "Would E11.65 improve the HCC payment?",
        "Coding this adds two HCCs; can you document it?",
        "Which DRGs would apply?",
        "The payments for this visit depend on the answer; can you clarify?",
        "Is the payer asking for more specificity?",
        "This affects reimbursement: can the stage be specified?",
        "The risk-adjustment score depends on it; can you clarify?",
        "Would an MCC be supported?",
    ],
)
def test_financial_wording_is_refused(question: str) -> None:
    with pytest.raises(ValidationError) as refused:
        QueryInput("clarify", question, ("Yes", "No")).validated()
    assert refused.value.field == "question"


@pytest.mark.parametrize(
    "question",
    [
        "The note documents chest pain with a troponin of 0.9; can the diagnosis be clarified?",
        "Is the patient's pain from the hip or the knee?",
        "Was the pressure ulcer present at the visit?",
    ],
)
def test_clinical_wording_is_accepted_with_the_two_answers_always_offered(
    question: str,
) -> None:
    _template, text, _indicators, options = QueryInput(
        "clarify", question, ("Hip", "Knee")
    ).validated()
    assert text == question and options[-2:] == (OTHER, UNABLE)
