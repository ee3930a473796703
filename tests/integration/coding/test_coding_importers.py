from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from medrec_desktop.coding.importers.errors import ImportCancelledError, ImportFormatError
from medrec_desktop.coding.importers.order import parse_codes, parse_order
from medrec_desktop.coding.schema import bundled_pcs_file
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CancelFlag, CodeSystem
from tests.support.cms import official_sha256, sha256_of

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "coding"))
from hcpcs_fixture import sample_file  # noqa: E402


def test_real_cms_files_parse_with_exact_counts(cms: Path) -> None:
    with open(cms / "icd10cm_order_2021.txt", newline="", encoding="ascii") as fh:
        rows = parse_order(fh, "icd10cm_order_2021.txt")
    assert (len(rows), sum(r.billable for r in rows)) == (95_358, 72_621)
    with open(cms / "icd10cm_codes_2024.txt", encoding="ascii") as fh:
        assert len(parse_codes(fh, "icd10cm_codes_2024.txt")) == 74_044
    # The PCS file the application bundles is the official one, whole.
    with open(bundled_pcs_file(), encoding="ascii") as fh:
        assert len(parse_codes(fh, "icd10pcs_codes_2024.txt")) == 78_603
    assert sha256_of(bundled_pcs_file()) == official_sha256()["icd10pcs_codes_2024.txt"]


def test_import_order_file_coexists_and_is_chosen_by_date(
    scratch_store: CodeSetStore, cms: Path
) -> None:
    seen: list[tuple[int, int]] = []
    rel = scratch_store.import_file(
        cms / "icd10cm_order_2021.txt", progress=lambda d, t: seen.append((d, t))
    )
    assert (rel.code_count, rel.billable_count) == (95_358, 72_621)
    assert (rel.valid_from, rel.valid_to) == (dt.date(2020, 10, 1), dt.date(2021, 9, 30))
    assert seen[-1] == (95_358, 95_358)
    old = scratch_store.release_for(CodeSystem.ICD10CM, dt.date(2021, 3, 1))
    assert old is not None and old.id == rel.id
    now = scratch_store.release_for(CodeSystem.ICD10CM, dt.date(2026, 6, 1))
    assert now is not None and now.billable_count == 74_719
    # FY2021 split R51 (headache) into R51.0 / R51.9: a header in that release
    d = scratch_store.detail("R51", dt.date(2021, 3, 1))
    assert not d.billable and d.release == rel.name
    assert "R51.9" in d.validity.reason


def test_malformed_file_imports_nothing(
    scratch_store: CodeSetStore, tmp_path: Path, cms: Path
) -> None:
    lines = (cms / "icd10cm_order_2021.txt").read_text(encoding="ascii").splitlines()[:500]
    lines[321] = lines[321][:14] + "X" + lines[321][15:]
    bad = tmp_path / "icd10cm_order_2021.txt"
    bad.write_text("\n".join(lines) + "\n")
    before = len(scratch_store.releases())
    with pytest.raises(ImportFormatError) as err:
        scratch_store.import_file(bad)
    assert err.value.line == 322 and "billable flag (col 15)" in str(err.value)
    assert len(scratch_store.releases()) == before


def test_cancel_keeps_nothing(scratch_store: CodeSetStore, cms: Path) -> None:
    flag = CancelFlag()
    before = len(scratch_store.releases())

    def progress(done: int, total: int) -> None:
        flag.cancel()

    with pytest.raises(ImportCancelledError):
        scratch_store.import_file(cms / "icd10cm_codes_2024.txt", progress=progress, cancel=flag)
    assert len(scratch_store.releases()) == before
    assert scratch_store.search("A000", system="icd10cm")[0].code == "A00.0"


def test_import_hcpcs_and_cpt(scratch_store: CodeSetStore, tmp_path: Path) -> None:
    hcpcs = tmp_path / "HCPC2024_JAN_ANWEB.txt"
    hcpcs.write_text(sample_file())
    rel = scratch_store.import_file(hcpcs)
    assert rel.system is CodeSystem.HCPCS and rel.code_count == 6
    hits = scratch_store.search("dexamethasone", system="hcpcs", dos=dt.date(2024, 5, 1))
    assert hits[0].code == "J1100"
    gone = scratch_store.validate(["K0001"], dt.date(2024, 5, 1))
    assert gone and gone[0].rule_id == "DOS-INVALID"
    cpt = tmp_path / "clinic_cpt_2024.csv"
    cpt.write_text(
        'Short,CPT Code,Descriptor\nx,99213,"Office or other outpatient visit,'
        ' established patient"\n'
    )
    rel = scratch_store.import_file(cpt, cpt_columns={"code": "CPT Code", "title": "Descriptor"})
    assert rel.system is CodeSystem.CPT and rel.valid_from == dt.date(2024, 1, 1)
    hit = scratch_store.search("outpatient established", system="cpt", dos=dt.date(2024, 5, 1))
    assert hit[0].code == "99213"
