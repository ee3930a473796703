"""The chronic-condition review's data and word matching (issue 13): affirmed mentions only,
lookalikes left out, codes compared by category and prefix, the rules' codes well formed."""

from __future__ import annotations

import pytest

from medrec_desktop.domain.chronic_rules import (
    EGFR,
    EVIDENCE_RULES,
    HBA1C,
    category,
    chronic_by_category,
    covered,
)
from medrec_desktop.domain.chronic_text import mentioned, mentions, quote
from medrec_desktop.domain.loinc import loinc_valid
from medrec_desktop.domain.problems import icd10cm_shape

WORDS = ("diabetes", "diabetic", "dialysis", "hemodialysis", "type 2 diabetes", "afib")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Type 2 diabetes, well controlled on metformin.", ["Type 2 diabetes"]),
        ("No chest pain, diabetes stable.", ["diabetes"]),
        ("Hx: DM2; diabetic foot exam normal", ["diabetic"]),
        ("On hemodialysis MWF; tolerating dialysis well.", ["hemodialysis", "dialysis"]),
        ("Type 2\ndiabetes", ["Type 2\ndiabetes"]),
        ("Denies diabetes.", []),
        ("Mother has diabetes.", []),
        ("Family history of diabetes", []),
        ("Not on dialysis.", []),
        ("Discussed dialysis options with the patient.", []),
        ("Screening for diabetes ordered", []),
        ("Pre-diabetes, diet advised.", []),
        ("prediabetes", []),
        ("Diabetes insipidus after surgery", []),
        ("non-diabetic", []),
    ],
)
def test_affirmed_mentions_only(text: str, found: list[str]) -> None:
    assert [m.phrase for m in mentions(text, WORDS)] == found


def test_refinements_read_without_negation_and_quotes_cut_at_words() -> None:
    assert mentioned("for AFib", ("afib",)) and not mentioned("", ("afib",))
    text = "Assessment: " + "word " * 20 + "diabetes" + " more" * 20
    start = text.index("diabetes")
    cut = quote(text, start, start + len("diabetes"), width=20)
    assert cut.startswith("…word") and cut.endswith("more…") and "diabetes" in cut


def test_codes_compare_by_category_and_prefix() -> None:
    assert category("e11.65") == "E11" and covered("Z86.718", ("Z867",))
    assert not covered("Z86.11", ("Z867",))
    assert chronic_by_category("I10") and chronic_by_category("Z79.4")
    assert not chronic_by_category("J06.9")


def test_every_rule_names_well_formed_codes_and_loincs() -> None:
    for rule in EVIDENCE_RULES:
        for code in (rule.code, *(r.code for r in rule.refinements)):
            assert icd10cm_shape(code) == code, rule.id
        assert rule.drugs or rule.labs or rule.note_words or rule.procedures, rule.id
        assert all(p == p.upper() and "." not in p for p in rule.settled_by), rule.id
    assert [r.id for r in EVIDENCE_RULES] == list(dict.fromkeys(r.id for r in EVIDENCE_RULES))
    for check in (HBA1C, EGFR):
        assert all(loinc_valid(c) for c in check.loincs)
    assert HBA1C.beyond(6.5) and not HBA1C.beyond(6.4)
    assert EGFR.beyond(59) and not EGFR.beyond(60)
