"""`medrec codes validate --setting outpatient|inpatient`: outpatient by default, and the JSON
says which setting the findings are for."""

from __future__ import annotations

import json

from medrec_desktop.coding.store import CodeSetStore
from tests.integration.coding.test_coding_cli import run

CLAIM = ["validate", "Z00.00", "I10", "--dos", "2026-06-01", "--age", "50", "--sex", "M"]


def test_validate_setting_default_outpatient_and_inpatient(store: CodeSetStore) -> None:
    out = run([*CLAIM, "--json"], store.path.parent)
    assert out.returncode == 0, out.stderr
    default = json.loads(out.stdout)
    assert default["setting"] == "outpatient" and default["dos"] == "2026-06-01"
    assert "UNACCEPTABLE_PDX" not in {f["rule_id"] for f in default["findings"]}
    out = run([*CLAIM, "--setting", "inpatient", "--json"], store.path.parent)
    inpatient = json.loads(out.stdout)
    assert inpatient["setting"] == "inpatient"
    assert "UNACCEPTABLE_PDX" in {f["rule_id"] for f in inpatient["findings"]}
    text = run([*CLAIM, "--setting", "inpatient"], store.path.parent).stdout
    assert "Setting: inpatient" in text and "UNACCEPTABLE_PDX" in text


def test_validate_setting_rejects_other_values(store: CodeSetStore) -> None:
    out = run([*CLAIM, "--setting", "hospice"], store.path.parent)
    assert out.returncode == 2 and "--setting" in out.stderr
