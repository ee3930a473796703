"""Claim checks by setting, by date of service and from the Guidelines: each rule with a claim
that fires it and one that does not, on the real store."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import Finding, Setting

JUNE_2026 = dt.date(2026, 6, 1)
OUT, IN = Setting.OUTPATIENT, Setting.INPATIENT


def check(
    store: CodeSetStore,
    codes: list[str],
    setting: Setting = OUT,
    dos: dt.date = JUNE_2026,
    age: int | None = 50,
    sex: str | None = "M",
) -> list[Finding]:
    return store.validate(codes, dos, age, sex, setting)


def ids(findings: list[Finding], severity: str | None = None) -> set[str]:
    return {f.rule_id for f in findings if severity is None or f.severity.value == severity}


CLEAN_OFFICE_CLAIMS = [
    ["Z00.00", "I10", "E78.5"],
    ["J06.9"],
    ["E11.9", "Z79.84"],
    ["S93.401A", "W10.8XXA", "Y92.009"],
    ["I12.9", "N18.30", "E78.5"],
    ["E11.22", "N18.30", "Z79.4"],
    ["Z23"],
    ["O80", "Z3A.39", "Z37.0"],
]


@pytest.mark.parametrize("codes", CLEAN_OFFICE_CLAIMS, ids=lambda c: "+".join(c))
def test_a_clean_office_claim_raises_no_error_and_no_warning(
    store: CodeSetStore, codes: list[str]
) -> None:
    sex = "F" if codes[0].startswith("O") else "M"
    age = 30 if sex == "F" else 50
    found = check(store, codes, OUT, age=age, sex=sex)
    assert not ids(found, "error") and not ids(found, "warning"), found


@pytest.mark.parametrize(
    # an annual exam or a vaccination is no reason for a hospital stay (MCE: unacceptable
    # principal diagnosis), so those two are office claims only
    "codes",
    [c for c in CLEAN_OFFICE_CLAIMS if c[0] not in ("Z00.00", "Z23")],
    ids=lambda c: "+".join(c),
)
def test_clean_claims_raise_no_error_inpatient_either(
    store: CodeSetStore, codes: list[str]
) -> None:
    sex = "F" if codes[0].startswith("O") else "M"
    assert not ids(check(store, codes, IN, age=30, sex=sex), "error")


def test_inpatient_only_mce_edits_apply_to_inpatient_claims_only(store: CodeSetStore) -> None:
    # Z00.00 is an unacceptable principal diagnosis for a hospital stay, the right first code
    # of an annual office exam; E11.9 a questionable reason for admission
    assert "UNACCEPTABLE_PDX" in ids(check(store, ["Z00.00", "I10"], IN), "error")
    assert "UNACCEPTABLE_PDX" not in ids(check(store, ["Z00.00", "I10"], OUT))
    assert "QUESTIONABLE_ADMISSION" in ids(check(store, ["E11.9", "Z79.84"], IN))
    assert "QUESTIONABLE_ADMISSION" not in ids(check(store, ["E11.9", "Z79.84"], OUT))
    # what is wrong in any setting stays wrong in both: age, manifestation first
    for setting in (OUT, IN):
        assert "AGE_CONFLICT" in ids(check(store, ["O80"], setting, age=70, sex="F"))
        assert "MANIFESTATION_AS_PDX" in ids(check(store, ["G63", "E11.42"], setting))


@pytest.mark.parametrize(
    ("code", "split_into"),
    [("G20", "G20.A1"), ("I47.1", "I47.10"), ("E79.8", "E79.81"), ("Z05.8", "Z05.81")],
)
def test_a_code_split_on_october_1_2023_is_billable_before_and_a_header_after(
    store: CodeSetStore, code: str, split_into: str
) -> None:
    before = check(store, [code], dos=dt.date(2023, 6, 1), age=0)
    assert not {"CODE-HEADER", "DOS-INVALID", "INVALID_CODE"} & ids(before)
    after = check(store, [code], dos=dt.date(2024, 6, 1), age=0)
    header = [f for f in after if f.rule_id == "CODE-HEADER"]
    assert header and header[0].severity.value == "error" and split_into in header[0].message


def test_a_code_split_for_fy2027_follows_the_date_too(store: CodeSetStore) -> None:
    assert not ids(check(store, ["D69.1"], dos=JUNE_2026), "error")
    after = check(store, ["D69.1"], dos=dt.date(2026, 11, 20))
    assert after[0].rule_id == "CODE-HEADER" and "D69.11, D69.19" in after[0].message
    assert not ids(check(store, ["D69.11"], dos=dt.date(2026, 11, 20)), "error")


def test_use_additional_code_note_names_the_code_to_add(store: CodeSetStore) -> None:
    found = [f for f in check(store, ["E11.9"]) if f.rule_id == "NOTE-USE-ADDITIONAL"]
    assert found and found[0].severity.value == "warning"
    assert "Z79.4" in found[0].message and "Z79.84" in found[0].message
    assert "NOTE-USE-ADDITIONAL" not in ids(check(store, ["E11.9", "Z79.4"]), "warning")


def test_code_also_note(store: CodeSetStore) -> None:
    # N00-N08 glomerular diseases: "Code also any associated kidney failure (N17-N19)"
    found = [f for f in check(store, ["N03.9"]) if f.rule_id == "NOTE-CODE-ALSO"]
    assert found and "N17-N19" in found[0].message
    assert "NOTE-CODE-ALSO" not in ids(check(store, ["N03.9", "N18.30"]))


@pytest.mark.parametrize(
    ("wrong", "right", "rule", "target"),
    [
        (["I10", "N18.30"], ["I12.9", "N18.30"], "COMBO-HTN-CKD", "I12.9"),
        (["I10", "N18.6"], ["I12.0", "N18.6"], "COMBO-HTN-CKD", "I12.0"),
        (["I10", "I50.9"], ["I11.0", "I50.9"], "COMBO-HTN-HF", "I11.0"),
        # cardiomegaly (I51.7) and heart disease NOS (I51.9) are presumed hypertensive too
        (["I10", "I51.7"], ["I11.9", "I51.7"], "COMBO-HTN-HEART", "I11.9"),
        (["I10", "I51.9"], ["I11.9", "I51.9"], "COMBO-HTN-HEART", "I11.9"),
        (["I10", "I51.7", "N18.4"], ["I13.10", "I51.7", "N18.4"], "COMBO-HTN-HEART-CKD", "I13.10"),
        (["I10", "I50.9", "N18.4"], ["I13.0", "I50.9", "N18.4"], "COMBO-HTN-HEART-CKD", "I13.0"),
        (["I11.0", "I50.9", "N18.4"], ["I13.0", "I50.9", "N18.4"], "COMBO-HTN-HEART-CKD", "I13.0"),
    ],
)
def test_hypertension_combinations(
    store: CodeSetStore, wrong: list[str], right: list[str], rule: str, target: str
) -> None:
    found = [f for f in check(store, wrong) if f.rule_id == rule]
    assert found and target in found[0].message
    assert rule not in ids(check(store, right))


@pytest.mark.parametrize(
    ("condition", "combination"),
    [
        ("N18.30", "E11.22"),
        ("G62.9", "E11.42"),
        ("K31.84", "E11.43"),
        ("I73.9", "E11.51"),
        ("L97.409", "E11.621"),
        ("R73.9", "E11.65"),
        ("H35.00", "E11.319"),
    ],
)
def test_diabetes_with_conventions(store: CodeSetStore, condition: str, combination: str) -> None:
    found = [f for f in check(store, ["E11.9", condition]) if f.rule_id == "COMBO-DIABETES-WITH"]
    assert found and combination in found[0].message
    assert "COMBO-DIABETES-WITH" not in ids(check(store, [combination, condition]))


@pytest.mark.parametrize("condition", ["G60.9", "H35.033", "H35.061"])
def test_conditions_that_are_not_diabetic_by_definition_ask_for_no_combination(
    store: CodeSetStore, condition: str
) -> None:
    """Hereditary/idiopathic neuropathy, hypertensive retinopathy and retinal vasculitis are not
    what the Index lists under diabetes "with"."""
    assert "COMBO-DIABETES-WITH" not in ids(check(store, ["E11.9", condition]))


def test_diabetes_without_beside_with_complications_is_an_error(store: CodeSetStore) -> None:
    found = [f for f in check(store, ["E11.9", "E11.22", "N18.30"]) if "WITHOUT" in f.rule_id]
    assert found[0].rule_id == "DIABETES-WITHOUT-AND-WITH" and found[0].severity.value == "error"
    assert "DIABETES-WITHOUT-AND-WITH" not in ids(check(store, ["E11.22", "N18.30"]))


@pytest.mark.parametrize("setting", [OUT, IN])
@pytest.mark.parametrize("code", ["Z00.00", "Z34.00", "Z51.11", "Z01.419", "Z02.89", "Z76.2"])
def test_first_listed_only_z_codes(store: CodeSetStore, code: str, setting: Setting) -> None:
    age, sex = (1, "F") if code == "Z76.2" else (30, "F")
    later = check(
        store, ["C50.911", code] if code == "Z51.11" else ["I10", code], setting, age=age, sex=sex
    )
    assert "SEQ-FIRST-LISTED-ONLY" in ids(later, "error")
    first = check(store, [code, "I10"], setting, age=age, sex=sex)
    assert "SEQ-FIRST-LISTED-ONLY" not in ids(first)


def test_first_listed_only_exceptions(store: CodeSetStore) -> None:
    # Z01.81- (pre-procedural exams), Z00.6, Z02.9, Z52.9 are not restricted
    for code in ("Z01.818", "Z02.9"):
        assert "SEQ-FIRST-LISTED-ONLY" not in ids(check(store, ["I10", code]))


@pytest.mark.parametrize("setting", [OUT, IN])
def test_external_cause_and_secondary_only_codes_never_first(
    store: CodeSetStore, setting: Setting
) -> None:
    found = check(store, ["W10.8XXA", "S93.401A"], setting)
    assert "SEQ-EXTERNAL-CAUSE-FIRST" in ids(found, "error")
    assert "SEQ-EXTERNAL-CAUSE-FIRST" not in ids(check(store, ["S93.401A", "W10.8XXA"], setting))
    found = check(store, ["Z68.30", "E66.9"], setting)
    assert "SEQ-SECONDARY-ONLY" in ids(found, "error")
    assert "SEQ-SECONDARY-ONLY" not in ids(check(store, ["E66.9", "Z68.30"], setting))
    found = check(store, ["Z3A.20", "O99.281"], setting, age=30, sex="F")
    assert "SEQ-SECONDARY-ONLY" in ids(found, "error")


@pytest.mark.parametrize(
    ("typed", "fix"),
    [
        ("S02.0A", "S02.0XXA"),
        ("T36.01A", "T36.0X1A"),
        ("O40.30", "O40.3XX0"),
        ("W10.8A", "W10.8XXA"),
    ],
)
def test_placeholder_x_missing_suggests_the_code(store: CodeSetStore, typed: str, fix: str) -> None:
    found = [f for f in check(store, [typed], age=30, sex="F") if f.rule_id == "CODE-PLACEHOLDER-X"]
    assert found and found[0].severity.value == "error" and fix in found[0].message
    assert "CODE-PLACEHOLDER-X" not in ids(check(store, [fix], age=30, sex="F"))


def test_perinatal_code_on_an_older_patient_is_a_warning_not_an_error(
    store: CodeSetStore,
) -> None:
    for setting in (OUT, IN):
        found = check(store, ["P07.39"], setting, age=8)
        assert not ids(found, "error"), found
        warn = [f for f in found if f.rule_id == "PERINATAL-OLDER-PATIENT"]
        assert warn and warn[0].severity.value == "warning" and "I.C.16.a.4" in warn[0].message
    assert "PERINATAL-OLDER-PATIENT" not in ids(check(store, ["P07.39"], age=0))


def test_every_new_rule_has_its_text(store: CodeSetStore) -> None:
    from medrec_desktop.coding.validate import RULES

    claim = ["W10.8XXA", "E11.9", "E11.22", "I10", "N18.30", "I50.9", "Z00.00", "P07.39", "S02.0A"]
    for f in check(store, claim, age=8):
        assert f.rule and f.codes
        if f.rule_id in RULES:
            assert f.rule == RULES[f.rule_id][1]
