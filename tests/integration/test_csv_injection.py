"""CSV formula injection: a user name typed at sign-in must not become a live formula in the
audit export an administrator opens in a spreadsheet."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from medrec_desktop.domain.errors import AuthenticationError
from medrec_desktop.export.csv_cells import FORMULA_TRIGGERS
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, Clinic

ATTACK = '=HYPERLINK("http://x","y")'


def _medrec(data: Path, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")} | {
        "MEDREC_PASSPHRASE": PASSPHRASE,
        "MEDREC_PASSWORD": password,
    }
    return subprocess.run(
        [sys.executable, "-m", "medrec_desktop.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_cli_audit_export_neutralises_a_formula_user_name(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    # The attacker's part: a failed sign-in with a formula for a user name, on the CLI...
    failed = _medrec(local_clinic.paths.root, "--user", ATTACK, "verify", password="whatever")
    assert failed.returncode == 1 and "Sign-in failed" in failed.stderr
    # ...and at the sign-in screen (the same service call the login dialog makes).
    with pytest.raises(AuthenticationError):
        local_clinic.inst.auth.login("+SUM(1,2)", "whatever")

    out = tmp_path / "audit.csv"
    export = _medrec(
        local_clinic.paths.root,
        "--user",
        "admin",
        "audit",
        "export",
        "--csv",
        str(out),
        "--action",
        "login_failed",
        password=ADMIN_PASSWORD,
    )
    assert export.returncode == 0, export.stderr
    rows = _cells(out)
    typed = ATTACK.lower()  # user names are stored folded to lower case
    assert {r["username"] for r in rows} == {"'" + typed, "'+sum(1,2)"}
    for row in rows:
        assert not any(str(v).startswith(FORMULA_TRIGGERS) for v in row.values()), row
        assert int(row["seq"]) > 0  # numbers stay numbers
