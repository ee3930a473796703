"""`medrec codes ...` through the real `medrec` command line: --json before or after the
command, and JSON that carries what the text shows."""

from __future__ import annotations

import json
import subprocess

from medrec_desktop.coding.store import CodeSetStore
from tests.support.cli import medrec


def codes(store: CodeSetStore, *args: str) -> subprocess.CompletedProcess[str]:
    result = medrec(*args, env={"MEDREC_CODES_DIR": str(store.path.parent)})
    assert result.returncode == 0, result.stderr
    return result


def test_codes_search_json_before_or_after_carries_the_text(store: CodeSetStore) -> None:
    query = ("search", "diabetes", "--limit", "8")
    before = json.loads(codes(store, "--json", "codes", *query).stdout)
    after = json.loads(codes(store, "codes", *query, "--json").stdout)
    between = json.loads(codes(store, "codes", "--json", *query).stdout)
    assert before == after == between and len(before) == 8
    text = codes(store, "codes", *query).stdout.splitlines()
    for hit, line in zip(before, text, strict=True):
        # Text: the code, "H" when it is a header (not billable), the title.
        assert line.split()[0] == hit["code"] and line.endswith(hit["title"])
        assert (line[9] == "H") == (not hit["billable"])


def test_codes_info_json_carries_the_text(store: CodeSetStore) -> None:
    releases = json.loads(codes(store, "codes", "info", "--json").stdout)
    text = codes(store, "codes", "info").stdout
    assert len(releases) == text.count("effective") > 0
    for rel in releases:
        assert rel["name"] in text and rel["source"] in text
        assert f"{rel['code_count']:,} codes, {rel['billable_count']:,} billable" in text
        assert f"effective {rel['valid_from']} to {rel['valid_to'] or 'open'}" in text
    cm = [r for r in releases if r["system"] == "icd10cm"]
    assert any(r["billable_count"] == 74_719 for r in cm)  # the bundled April 2026 tabular


def test_codes_validate_json_after_the_codes(store: CodeSetStore) -> None:
    claim = ("validate", "G63", "E11.42", "--dos", "2026-06-01", "--age", "60", "--sex", "F")
    found = json.loads(codes(store, "codes", *claim, "--json").stdout)["findings"]
    text = codes(store, "codes", *claim).stdout
    assert found and all(f["rule_id"] in text and f["message"] in text for f in found)
