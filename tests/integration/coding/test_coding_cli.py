from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from medrec_desktop.coding.store import CodeSetStore
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.support.cli import medrec


def run(
    args: list[str], codes_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDREC_CODES_DIR": str(codes_dir)}
    return subprocess.run(
        [sys.executable, "-m", "medrec_desktop.coding.cli", "codes", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_search_json_and_stdin(store: CodeSetStore) -> None:
    d = store.path.parent
    out = run(["search", "--json", "--limit", "3", "e1165"], d)
    assert out.returncode == 0
    assert json.loads(out.stdout)[0] == {
        "code": "E11.65",
        "billable": True,
        "system": "icd10cm",
        "title": "Type 2 diabetes mellitus with hyperglycemia",
    }
    out = run(["search", "--limit", "2", "-"], d, stdin="htn\ne11.65\n\nbypass cerebral\n")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 4 and rows[0][0]["code"] == "I10" and rows[2] == []
    assert rows[3][0]["system"] == "icd10pcs"


def test_search_says_how_it_read_the_query_on_stderr(store: CodeSetStore) -> None:
    """stdout stays one code per line; the correction and the procedure reading are told."""
    d = store.path.parent
    out = run(["search", "--limit", "3", "pnuemonia lobar"], d)
    assert out.returncode == 0 and out.stdout.startswith("J18.1")
    assert "Showing results for \u201cpneumonia lobar\u201d" in out.stderr
    out = run(["search", "--limit", "3", "lap chole"], d)
    assert out.stdout.startswith("0FT44ZZ")
    assert "read as Resection of Gallbladder" in out.stderr


def test_validate_json(store: CodeSetStore) -> None:
    out = run(
        ["validate", "G63", "E11.42", "--dos", "2026-06-01", "--age", "60", "--sex", "F", "--json"],
        store.path.parent,
    )
    assert out.returncode == 0
    found = json.loads(out.stdout)["findings"]
    assert {"severity", "rule_id", "message", "codes", "rule"} <= set(found[0])
    assert "SEQ-MANIFESTATION-FIRST" in {f["rule_id"] for f in found}


def test_info_and_exit_codes(store: CodeSetStore, tmp_path: Path, local_clinic: Clinic) -> None:
    out = run(["info"], store.path.parent)
    assert "74,719 billable" in out.stdout and "78,603" in out.stdout
    bad = tmp_path / "junk.txt"
    bad.write_text("hello world\n")
    local_clinic.inst.close()
    data = str(local_clinic.paths.root)
    env = {"MEDREC_CODES_DIR": str(store.path.parent)}
    out = medrec("--data-dir", data, "--user", "admin", "codes", "import", str(bad), env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "line 1" in out.stderr


def test_imports_need_a_signed_in_role_that_may_import(
    store: CodeSetStore, tmp_path: Path, local_clinic: Clinic
) -> None:
    local_clinic.inst.close()
    data = str(local_clinic.paths.root)
    env = {"MEDREC_CODES_DIR": str(store.path.parent)}
    hcpcs = tmp_path / "HCPC2026_ANWEB.txt"
    hcpcs.write_text("")
    out = medrec("--data-dir", data, "codes", "import", str(hcpcs), env=env)
    assert out.returncode == 2 and "--user" in out.stderr  # nobody signed in: nothing runs
    coder = {**env, "MEDREC_PASSWORD": ROLE_PASSWORD}
    out = medrec("--data-dir", data, "--user", "coder", "codes", "import", str(hcpcs), env=coder)
    assert out.returncode == 1 and "may not" in out.stderr, out.stderr
    # The standalone code-set tool answers look-ups only: it has no way around the service.
    out = run(["import", str(hcpcs)], store.path.parent)
    assert out.returncode == 2 and "invalid choice" in out.stderr
    assert run(["search"], store.path.parent).returncode == 2
