"""What validation remembers between claims (MCE edits of one- and two-code claims) and reads
ahead within one (a claim's rows, ranges and rules in one query each) changes no finding: the
same encounters checked with nothing remembered, then again with everything remembered and in
another order, give the same findings, in the same order."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem, Finding, Setting

PCS = CodeSystem.ICD10PCS
HCPCS = CodeSystem.HCPCS
ENCOUNTERS: list[tuple[list[str], list[tuple[CodeSystem, str]], dt.date, int, str, Setting]] = [
    (
        [
            "E11.65",
            "E11.42",
            "I10",
            "N18.30",
            "E78.5",
            "Z79.4",
            "I25.10",
            "J44.9",
            "M17.11",
            "K21.9",
            "F32.A",
            "Z68.30",
        ],
        [(HCPCS, "G0008"), (HCPCS, "J1100"), (HCPCS, "J1100")],
        dt.date(2026, 6, 1),
        68,
        "F",
        Setting.OUTPATIENT,
    ),
    (
        ["S72.001A", "W10.8XXA", "Y92.009", "E11.9", "E10.9", "G62.9", "C61"],
        [(PCS, "0QS604Z"), (PCS, "0QS634Z")],
        dt.date(2024, 6, 1),
        80,
        "F",
        Setting.INPATIENT,
    ),
    (
        ["G63", "E11.42", "S72.001", "T814XXA", "Z00.00", "Z23", "P07.30", "N40.0"],
        [(CodeSystem.CPT, "99213")],
        dt.date(2025, 6, 1),
        30,
        "M",
        Setting.INPATIENT,
    ),
    (
        ["Z3A.20", "O80", "I50.9", "I10", "N18.6"],
        [],
        dt.date(2026, 11, 20),
        29,
        "F",
        Setting.OUTPATIENT,
    ),
]


def _all(store: CodeSetStore, order: list[int]) -> dict[int, list[Finding]]:
    return {i: store.validate_encounter(*ENCOUNTERS[i]) for i in order}


def test_remembered_edits_change_no_finding(store: CodeSetStore) -> None:
    store.mce.close()  # nothing remembered
    first = _all(store, [0, 1, 2, 3])
    again = _all(store, [3, 2, 1, 0])
    assert again == first
    assert {f.rule_id for f in first[0]} >= {"COMBO-HTN-CKD", "NOTE-USE-ADDITIONAL"}
    assert any(f.rule_id == "EXCLUDES1" for f in first[1])
    # One encounter at a time with nothing remembered before each: the same again.
    for i in range(len(ENCOUNTERS)):
        store.mce.close()
        assert store.validate_encounter(*ENCOUNTERS[i]) == first[i]
