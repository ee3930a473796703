"""A draft survives a crash: a separate process signs in, types into a form (the autosave
writes the draft) and is killed without any shutdown; the next sign-in of the same user on a
freshly opened installation gets the draft back, nobody else does, and the typed text is in
no plaintext file (database, WAL, logs at DEBUG, temp folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from medrec_desktop.domain.drafts import new_form_key
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import new_patient
from tests.integration.test_leak_scan import _canary, _needles, _scan

REPO = Path(__file__).resolve().parents[2]

TYPIST = r"""
import json, logging, sys
from pathlib import Path
from medrec_desktop import logs
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, Unlock

cfg = json.loads(sys.argv[1])
paths = DataPaths(Path(cfg["data"]))
inst = Installation.open(paths, Unlock(passphrase=cfg["passphrase"]))
logs.configure(paths, level=logging.DEBUG)
nurse = inst.auth.login("nurse", cfg["password"])
fields = {"description": cfg["typed"], "onset": "2019"}
inst.drafts.save_draft(nurse, cfg["key"], cfg["patient"], "problem", None, fields)
try:  # a refused draft must not leave its text in a log either
    inst.drafts.save_draft(nurse, cfg["key"], cfg["patient"], "no-such-kind", None, fields)
except ValidationError:
    pass
print("SAVED", flush=True)
sys.stdin.readline()  # killed while waiting: no close, no sign-out, no checkpoint
"""


def test_a_draft_survives_a_kill_and_is_offered_to_its_author_only(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    c = local_clinic
    pid = new_patient(c)
    key = new_form_key("problem", pid)
    typed = f"Chest pain {_canary()} on exertion"
    temp = tmp_path / "tmp"
    temp.mkdir()
    cfg = {
        "data": str(c.paths.root),
        "passphrase": PASSPHRASE,
        "password": ROLE_PASSWORD,
        "key": key,
        "patient": pid,
        "typed": typed,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")}
    env |= {"TMPDIR": str(temp), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    child = subprocess.Popen(
        [sys.executable, "-c", TYPIST, json.dumps(cfg)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        said = child.stdout.readline()
        assert said.strip() == "SAVED", child.communicate(timeout=60)[1]
    finally:
        child.kill()  # SIGKILL: the crash
        child.communicate(timeout=60)
    assert child.returncode == -9

    needles = _needles({"typed": typed.split()[2]})
    hits, files = _scan([c.paths.root, temp], needles)
    names = {p.name for p in files}
    assert {"medrec.db", "medrec.db-wal", "medrec.log"} <= names, names
    assert not hits, hits

    inst = c.reopen()
    nurse = inst.auth.login("nurse", ROLE_PASSWORD)
    [offered] = inst.drafts.my_drafts(nurse)
    assert (offered.key, offered.patient_id, offered.item_type) == (key, pid, "problem")
    draft = inst.drafts.draft(nurse, key)
    assert draft is not None and draft.fields == {"description": typed, "onset": "2019"}
    provider = inst.auth.login("provider", ROLE_PASSWORD)
    assert inst.drafts.my_drafts(provider) == []
    assert inst.drafts.draft(provider, key) is None
