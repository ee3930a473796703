"""Procedure names as people type them list the right ICD-10-PCS table's codes first."""

from __future__ import annotations

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem


def _codes(store: CodeSetStore, query: str, n: int = 5, **kw: object) -> list[str]:
    return [h.code for h in store.search(query, limit=n, **kw)]  # type: ignore[arg-type]


def test_abbreviations_and_eponyms_find_their_table(store: CodeSetStore) -> None:
    assert _codes(store, "lap appy")[0] == "0DTJ4ZZ"
    assert _codes(store, "TURP")[0] == "0VT08ZZ"
    assert _codes(store, "D&C")[0].startswith("0UDB")
    assert _codes(store, "C-section")[0] == "10D00Z1"
    assert _codes(store, "I&D")[0].startswith("0J9")
    assert _codes(store, "ORIF left ankle")[0].startswith(("0QSH", "0QSK"))
    assert _codes(store, "whipple")[0].startswith("0FBG0")
    assert all(c.startswith("0SR") for c in _codes(store, "tka"))


def test_the_approach_word_picks_the_approach(store: CodeSetStore) -> None:
    assert _codes(store, "laparoscopic hysterectomy")[0].startswith("0UT94")
    assert _codes(store, "open hysterectomy")[0].startswith("0UT90")
    assert _codes(store, "hysterectomy open approach")[0].startswith("0UT90")
    assert _codes(store, "open appendectomy")[0] == "0DTJ0ZZ"
    assert _codes(store, "laparoscopic nephrectomy")[0][4] == "4"
    assert _codes(store, "percutaneous liver biopsy")[0] == "0FB03ZX"


def test_laterality_picks_the_body_part(store: CodeSetStore) -> None:
    assert all(c.startswith("0SRD") for c in _codes(store, "left total knee replacement"))
    assert all(c.startswith("0SR9") for c in _codes(store, "total hip replacement right"))
    assert all(c.startswith("0UT0") for c in _codes(store, "right oophorectomy", 2))


def test_biopsy_gives_the_diagnostic_excision_codes(store: CodeSetStore) -> None:
    liver = _codes(store, "liver biopsy")
    assert liver and all(c.startswith("0FB0") and c.endswith("X") for c in liver)
    kidney = _codes(store, "biopsy of left kidney")
    assert kidney and all(c.startswith("0TB1") and c.endswith("X") for c in kidney)
    breast = _codes(store, "breast biopsy right")
    assert breast and all(c.startswith("0HBT") and c.endswith("X") for c in breast)


def test_the_query_says_how_it_was_read(store: CodeSetStore) -> None:
    found = store.find("lap chole")
    assert found.hits[0].code == "0FT44ZZ"
    (note,) = found.understood
    assert "lap chole" in note and "Resection of Gallbladder" in note and "0FT44" in note
    assert store.find("appendicitis").understood == ()


def test_a_diagnosis_is_not_read_as_a_procedure(store: CodeSetStore) -> None:
    for query in ("appendicitis", "gallstones", "liver cyst", "knee pain", "kidney stone"):
        hits = store.search(query, limit=5)
        assert hits and all(h.system != CodeSystem.ICD10PCS for h in hits), query
    # a past procedure is a status (Z) code, not the procedure
    assert store.search("history of appendectomy")[0].code == "Z90.49"
    assert store.search("s/p hysterectomy")[0].code == "Z90.710"
    assert store.find("status post appendectomy").understood == ()


def test_a_diagnosis_filter_gets_no_procedure_codes(store: CodeSetStore) -> None:
    found = store.find("lap appy", system="icd10cm", limit=10)
    assert all(h.system == CodeSystem.ICD10CM for h in found.hits)
    assert found.understood == ()
    assert _codes(store, "lap appy", system="icd10pcs")[0] == "0DTJ4ZZ"


def test_the_note_names_no_side_the_query_did_not_name(store: CodeSetStore) -> None:
    """'knee replacement' lists both knees' codes; the note must not say 'Right Knee'."""
    note = store.find("knee replacement", limit=10).understood[0]
    assert "Right" not in note and "Left" not in note
    assert "right or left" in note and "(0SR)" in note
    sided = store.find("left knee replacement", limit=10).understood[0]
    assert "Left Knee Joint" in sided
