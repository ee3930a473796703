"""Searches run on a worker thread while an import (on another thread) reloads the store: a
reader must never see half of a reload, nor a committed release its snapshot does not know."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CodeSystem, Severity

IMPORTS = 8
#: caps on the readers' rounds, so the test ends even if the writer dies early
MAX_QUICK_ROUNDS = 500_000
MAX_FULL_ROUNDS = 5_000
DOS = dt.date(2026, 6, 1)


def cpt_file(tmp_path: Path, n: int) -> Path:
    """A licensed-CPT-shaped CSV for year 2020 + n: forty shared codes and one of its own, so
    a reader can ask for a code that exists only once that import has been committed."""
    rows = [f"{99200 + i},Office or other outpatient visit level {i}" for i in range(40)]
    rows.append(f"{98000 + n},Outpatient service added in {2020 + n}")
    path = tmp_path / f"clinic_cpt_{2020 + n}.csv"
    path.write_text("Code,Description\n" + "\n".join(rows) + "\n")
    return path


def test_reads_stay_consistent_while_imports_reload_the_store(
    scratch_store: CodeSetStore, tmp_path: Path
) -> None:
    store = scratch_store
    files = [cpt_file(tmp_path, n) for n in range(IMPORTS)]
    own_codes = [f"{98000 + n}" for n in range(IMPORTS)]
    cm_in_force = store.release_for(CodeSystem.ICD10CM, DOS)
    assert cm_in_force is not None
    errors: list[BaseException] = []
    started = threading.Barrier(3)
    writer_done = threading.Event()
    rounds = {"quick": 0, "full": 0}

    def quick_round() -> None:
        """Cheap calls, many times per reload: the ones that read several store attributes."""
        for code in own_codes:
            found = store.lookup(code)
            if found is not None:
                row, rel = found
                assert rel.id == row.release_id and rel.system is CodeSystem.CPT
        cpt = store.release_for(CodeSystem.CPT)
        assert cpt is None or cpt.system is CodeSystem.CPT
        assert store.release_ids(CodeSystem.ICD10CM, DOS)[0] == cm_in_force.id

    def full_round() -> None:
        releases = store.releases()
        assert len({r.id for r in releases}) == len(releases)
        for rel in releases:
            assert store.release_by_id(rel.id) == rel
        hits = store.search("outpatient visit", system="cpt")
        assert all(h.system is CodeSystem.CPT for h in hits)
        assert store.search("hypertension", dos=DOS)[0].code == "I10"
        assert store.release_for(CodeSystem.ICD10CM, DOS) == cm_in_force
        assert store.detail("E11.9", DOS).billable
        findings = store.validate(["E11.9", "I10"], DOS)
        assert not [f for f in findings if f.severity is Severity.ERROR]

    def reader(name: str, one_round: Callable[[], None], cap: int) -> None:
        try:
            started.wait()
            while rounds[name] < cap and not writer_done.is_set():
                one_round()
                rounds[name] += 1
            one_round()  # and once more after the last reload
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)
            started.abort()

    def writer() -> None:
        try:
            started.wait()
            for path in files:
                store.import_file(path)
        except BaseException as exc:
            errors.append(exc)
        finally:
            writer_done.set()

    threads = [
        threading.Thread(target=reader, args=("quick", quick_round, MAX_QUICK_ROUNDS)),
        threading.Thread(target=reader, args=("full", full_round, MAX_FULL_ROUNDS)),
        threading.Thread(target=writer),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    assert rounds["quick"] > IMPORTS and rounds["full"] > 0  # they really ran alongside
    assert len([r for r in store.releases() if r.system is CodeSystem.CPT]) == IMPORTS
    found = store.lookup(own_codes[-1])
    assert found is not None and found[1].valid_from == dt.date(2020 + IMPORTS - 1, 1, 1)
