from __future__ import annotations

import datetime as dt

from medrec_desktop.coding.store import CodeSetStore

JUNE_2026 = dt.date(2026, 6, 1)


def rules(
    store: CodeSetStore,
    codes: list[str],
    dos: dt.date = JUNE_2026,
    age: int | None = 50,
    sex: str | None = "M",
) -> dict[str, str]:
    return {f.rule_id: f.severity.value for f in store.validate(codes, dos, age, sex)}


def test_header_and_missing_seventh_character(store: CodeSetStore) -> None:
    found = rules(store, ["E11", "S72.001", "S02.0A"])
    assert found["CODE-HEADER"] == "error"
    assert found["CODE-7TH-CHAR"] == "error"
    messages = [f.message for f in store.validate(["S02.0A"], JUNE_2026)]
    assert any("S02.0XXA" in m for m in messages)
    assert found["CODE-PLACEHOLDER-X"] == "error"  # S02.0A: its own rule since issue 11


def test_not_valid_on_date_of_service_names_replacements(store: CodeSetStore) -> None:
    # D69.1 was split on 2026-10-01: from then on it is a header over D69.11 and D69.19
    f = store.validate(["D69.1"], dt.date(2026, 11, 20))
    assert f[0].rule_id == "CODE-HEADER" and "D69.11, D69.19" in f[0].message
    f = store.validate(["D69.11"], JUNE_2026)
    assert f[0].rule_id == "DOS-INVALID" and "added on 2026-10-01" in f[0].message


def test_excludes1_between_codes_on_the_claim(store: CodeSetStore) -> None:
    f = [x for x in store.validate(["E11.9", "E10.9"], JUNE_2026) if x.rule_id == "EXCLUDES1"]
    assert f and f[0].severity.value == "error" and "(E10.-)" in f[0].message


def test_manifestation_first(store: CodeSetStore) -> None:
    found = rules(store, ["G63", "E11.42"])
    assert found["SEQ-MANIFESTATION-FIRST"] == "error"
    assert found["MANIFESTATION_AS_PDX"] == "error"
    assert "SEQ-MANIFESTATION-FIRST" not in rules(store, ["E11.42", "G63"])


def test_mce_age_conflict_and_duplicates(store: CodeSetStore) -> None:
    assert rules(store, ["O80"], age=70, sex="F")["AGE_CONFLICT"] == "error"
    assert rules(store, ["I10", "I10"])["DUPLICATE"] == "warning"


def test_sex_conflict_is_an_error_only_up_to_fy2024(store: CodeSetStore) -> None:
    assert rules(store, ["C61"], dt.date(2024, 6, 1), 60, "F")["SEX_CONFLICT"] == "error"
    later = rules(store, ["C61"], dt.date(2025, 6, 1), 60, "F")
    assert "SEX_CONFLICT" not in later
    assert later["SEX-EDIT-RETIRED"] == "warning"
    # only the chapter's 'use additional code' reminder (info) is left
    assert set(rules(store, ["C61"], dt.date(2025, 6, 1), 60, "M").values()) <= {"info"}


def test_every_finding_carries_its_rule_text(store: CodeSetStore) -> None:
    for f in store.validate(["E11", "G63", "O80", "D69.1"], dt.date(2026, 11, 20), 70, "F"):
        assert f.rule and f.rule_id and f.codes
