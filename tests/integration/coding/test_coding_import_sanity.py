"""A file that is not a whole release is refused before anything is written, unless the user
confirms (``force``): a three-line ``icd10cm_order_2027.txt`` once emptied searches for today.

Full-size files are written from the bundled release held in the store, so these tests need
no downloaded CMS files.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from medrec_desktop.coding.schema import STORE_FILE
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem, Release
from medrec_desktop.domain.errors import ReleaseLooksIncompleteError
from medrec_desktop.services.audit import AuditFilter
from tests.conftest import ADMIN_PASSWORD, Clinic
from tests.support.cli import medrec

#: a date of service inside FY2027, the year the files below are named for
FY2027_DAY = dt.date(2027, 1, 15)
STABLE_CM = ("I10", "E11.9", "J45.909", "Z00.00", "N39.0", "E78.5", "K21.9", "Z23")


def order_line(n: int, code: str, billable: int, title: str) -> str:
    """One line of a CMS order file: order 1-5, code 7-13, flag 15, short 17-76, long 78-."""
    return f"{n:05d} {code:<7} {billable} {title[:60]:<60} {title}\n"


#: what a download cut short after three lines looks like
THREE_LINES = (
    order_line(1, "A00", 0, "Cholera")
    + order_line(2, "A000", 1, "Cholera due to Vibrio cholerae 01, biovar cholerae")
    + order_line(3, "A001", 1, "Cholera due to Vibrio cholerae 01, biovar eltor")
)


def bundled_cm(store: CodeSetStore) -> Release:
    rel = store.release_for(CodeSystem.ICD10CM, dt.date(2026, 6, 1))
    assert rel is not None and rel.billable_count == 74_719
    return rel


def write_order_file(
    store: CodeSetStore, path: Path, keep: Callable[[str, bool], bool] = lambda c, b: True
) -> tuple[int, int]:
    """An order file (CMS layout) of the bundled ICD-10-CM release's codes that ``keep``
    accepts; returns (codes, billable codes) written."""
    rows = store.conn().execute(
        "SELECT code, billable, title FROM code WHERE release_id = ? AND kind = 'code' ORDER BY id",
        (bundled_cm(store).id,),
    )
    lines = []
    billable = 0
    for code, flag, title in rows:
        if keep(code, bool(flag)):
            lines.append(order_line(len(lines) + 1, code, flag, title))
            billable += flag
    path.write_text("".join(lines), encoding="ascii", errors="replace")
    return len(lines), billable


def snapshot_of(store: CodeSetStore) -> tuple[list[Release], list[str]]:
    hits = store.search("hypertension", dos=FY2027_DAY, limit=10)
    return store.releases(), [h.code for h in hits]


def test_a_three_line_release_is_refused_with_counts_and_nothing_changes(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    path = tmp_path / "icd10cm_order_2027.txt"
    path.write_text(THREE_LINES)
    before = snapshot_of(scratch_store)
    assert before[1][0] == "I10"

    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        scratch_store.import_file(path)

    err = refused.value
    assert (err.new_count, err.previous_count) == (2, 74_719)
    assert err.missing == STABLE_CM
    assert str(err).startswith("This file has 2 billable ICD-10-CM codes;")
    assert "has 74,719" in str(err) and "I10, E11.9" in str(err)
    assert "nothing was imported" in str(err)
    assert snapshot_of(scratch_store) == before
    reopened = CodeSetStore(scratch_store.path)  # nothing of it reached the file either
    try:
        assert snapshot_of(reopened) == before
    finally:
        reopened.close()

    rel = scratch_store.import_file(path, force=True)  # the user confirmed

    assert (rel.code_count, rel.billable_count) == (3, 2)
    assert scratch_store.release_for(CodeSystem.ICD10CM, FY2027_DAY) == rel
    assert scratch_store.search("cholera eltor", dos=FY2027_DAY)[0].code == "A00.1"


def test_a_full_release_imports_without_confirmation(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    path = tmp_path / "icd10cm_order_2027.txt"
    # a yearly update deletes a few dozen to a few hundred codes: drop 300 billable ones
    dropped: set[str] = set()

    def keep(code: str, billable: bool) -> bool:
        if billable and len(dropped) < 300 and code.startswith("S"):
            dropped.add(code)
            return False
        return True

    codes, billable = write_order_file(scratch_store, path, keep)
    assert billable == 74_719 - 300

    rel = scratch_store.import_file(path)

    assert (rel.code_count, rel.billable_count) == (codes, billable)
    assert scratch_store.release_for(CodeSystem.ICD10CM, FY2027_DAY) == rel
    assert scratch_store.search("hypertension", dos=FY2027_DAY)[0].code == "I10"
    found = scratch_store.lookup("I10", FY2027_DAY)
    assert found is not None and found[1] == rel


def test_under_nine_tenths_of_the_codes_is_refused(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    path = tmp_path / "icd10cm_order_2027.txt"
    seen = {"billable": 0}

    def keep(code: str, billable: bool) -> bool:
        if billable:
            seen["billable"] += 1
            return seen["billable"] <= 67_000  # 89.7% of 74,719
        return True

    write_order_file(scratch_store, path, keep)
    before = scratch_store.releases()

    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        scratch_store.import_file(path)

    assert (refused.value.new_count, refused.value.previous_count) == (67_000, 74_719)
    assert "This file has 67,000 billable ICD-10-CM codes" in str(refused.value)
    assert scratch_store.releases() == before


def test_a_full_size_file_without_codes_every_release_has_is_refused(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    path = tmp_path / "icd10cm_order_2027.txt"
    write_order_file(scratch_store, path, lambda code, billable: code not in ("I10", "E119"))
    before = scratch_store.releases()

    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        scratch_store.import_file(path)

    assert refused.value.missing == ("I10", "E11.9")
    assert refused.value.new_count == 74_717
    assert "It lacks I10, E11.9, which every release has." in str(refused.value)
    assert scratch_store.releases() == before


def test_a_truncated_pcs_file_is_refused(scratch_store: CodeSetStore, tmp_path: Path) -> None:
    path = tmp_path / "icd10pcs_codes_2027.txt"
    path.write_text(
        "0016070 Bypass Cerebral Ventricle to Nasopharynx with Autologous Tissue Substitute,"
        " Open Approach\n"
    )
    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        scratch_store.import_file(path)
    assert (refused.value.new_count, refused.value.previous_count) == (1, 78_603)
    assert "0DTJ4ZZ" in refused.value.missing
    assert str(refused.value).startswith("This file has 1 billable ICD-10-PCS code;")


def test_cpt_is_compared_with_the_clinics_previous_cpt_file(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    def cpt(year: int, count: int) -> Path:
        path = tmp_path / f"clinic_cpt_{year}.csv"
        rows = [f"{99201 + i},Office or other outpatient visit level {i}" for i in range(count)]
        path.write_text("Code,Description\n" + "\n".join(rows) + "\n")
        return path

    first = scratch_store.import_file(cpt(2025, 20))  # nothing to compare the first one with
    assert first.billable_count == 20
    with pytest.raises(ReleaseLooksIncompleteError) as refused:
        scratch_store.import_file(cpt(2026, 5))
    assert (refused.value.new_count, refused.value.previous_count) == (5, 20)
    assert refused.value.missing == ()
    assert "the release in use, CPT (licensed) 2025" in str(refused.value)
    assert scratch_store.import_file(cpt(2026, 19)).billable_count == 19  # 95%: a normal year


def run_cli(args: list[str], codes_dir: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """`medrec codes ...` as an administrator of the clinic in ``data``."""
    return medrec(
        "--data-dir",
        str(data),
        "--user",
        "admin",
        "codes",
        *args,
        env={"MEDREC_CODES_DIR": str(codes_dir)},
    )


def test_cli_refuses_without_force_and_imports_with_it(
    store: CodeSetStore, tmp_path: Path, local_clinic: Clinic
) -> None:
    local_clinic.inst.close()
    data = local_clinic.paths.root
    codes_dir = tmp_path / "codesets"
    codes_dir.mkdir()
    shutil.copy(store.path, codes_dir / STORE_FILE)
    path = tmp_path / "icd10cm_order_2027.txt"
    path.write_text(THREE_LINES)
    info_before = run_cli(["info"], codes_dir, data).stdout

    out = run_cli(["import", str(path)], codes_dir, data)

    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "2 billable ICD-10-CM codes" in out.stderr and "74,719" in out.stderr
    assert "--force" in out.stderr
    assert run_cli(["info"], codes_dir, data).stdout == info_before

    out = run_cli(["import", "--force", str(path)], codes_dir, data)

    assert out.returncode == 0, out.stderr
    assert "Imported ICD-10-CM FY2027 (order file, imported): 3 codes, 2 billable." in out.stdout
    assert "ICD-10-CM FY2027 (order file, imported)" in run_cli(["info"], codes_dir, data).stdout
    # Both attempts are in the clinic's audit trail, with what was refused and what went in.
    inst = local_clinic.reopen()
    events = inst.audit.events(
        inst.auth.login("admin", ADMIN_PASSWORD), AuditFilter(action="create")
    )
    imports = [e.detail or "" for e in events if e.entry_point == "CodingService.import_file"]
    assert any("refused: 2 codes" in d for d in imports), imports
    assert any("release=ICD-10-CM FY2027" in d and "force" in d for d in imports), imports
