"""The coded answers of the bundled analytes (urinalysis dipstick), in SNOMED CT qualifier
values, and which of them are normal (issue 10).

Kept apart from the panel templates (``domain/panels.py``, which offer them) so that a
result can be judged by them when it is read from a form (``domain/results.py``): an answer
the template calls abnormal flags the result whatever the form's tick said.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """A coded answer offered for an analyte; ``normal`` answers leave the result unflagged."""

    code: str
    display: str
    normal: bool = False


NEGATIVE = Choice("260385009", "Negative", normal=True)
POSITIVE = Choice("10828004", "Positive")
TRACE = Choice("260405006", "Trace")
PLUS = (
    Choice("260347006", "1+"),
    Choice("260348001", "2+"),
    Choice("260349009", "3+"),
    Choice("260350009", "4+"),
)
GRADED = (NEGATIVE, TRACE, *PLUS)

# LOINC code of a bundled coded analyte -> the answers offered for it.
ANSWERS: dict[str, tuple[Choice, ...]] = {
    "5804-0": GRADED,  # protein
    "5792-7": GRADED,  # glucose
    "5797-6": GRADED,  # ketones
    "5794-3": GRADED,  # blood
    "5770-3": (NEGATIVE, *PLUS[:3]),  # bilirubin
    "5802-4": (NEGATIVE, POSITIVE),  # nitrite
    "5799-2": GRADED,  # leukocyte esterase
}


def abnormal_answer(loinc: str | None, code: str | None) -> bool:
    """Whether ``code`` is an answer the bundled analyte ``loinc`` marks abnormal (False for
    a normal answer, an unknown analyte or an answer it does not offer)."""
    if not loinc or not code:
        return False
    return any(c.code == code and not c.normal for c in ANSWERS.get(loinc, ()))
