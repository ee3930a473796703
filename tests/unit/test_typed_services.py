"""Service calls are typed end to end: mypy sees each audited method's own parameters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.services.auth import AuthService
from medrec_desktop.services.patients import PatientService


def wrong(p: PatientService, a: AuthService, s: UserSession) -> None:
    p.update("x", 1, 2, bogus=True)  # not a session, not an id, not an input
    a.login("u", 3)  # the password is a str
    p.get(s)  # the patient id is missing


def right(p: PatientService, a: AuthService) -> None:
    s = a.login("u", "pw")
    reveal_type(p.get(s, p.get(s, PatientId(7)).id))  # noqa
"""


def test_mypy_checks_the_arguments_of_audited_calls(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--config-file",
            str(REPO / "pyproject.toml"),
            str(probe),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert 'Argument 1 to "update" of "PatientService" has incompatible type "str"' in out, out
    assert 'Argument 2 to "login" of "AuthService" has incompatible type "int"' in out, out
    assert 'Missing positional argument "patient_id" in call to "get"' in out, out
    # A correct call is accepted and its result keeps its type.
    assert 'Revealed type is "medrec_desktop.domain.dto.PatientInfo"' in out, out
    assert ":14: error" not in out and ":15: error" not in out, out
