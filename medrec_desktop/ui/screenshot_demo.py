"""A small demo clinic for one screen's pictures (``python -m <screen>_screenshots OUT``):
a developer's quick look without running all of ``make screenshots``. Offscreen Qt, the
screenshots' time zone, a new encrypted demo clinic in a temporary folder (removed after)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.demo import CHARTS_MAX, create_demo_clinic
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.ui.tasks import OpRunner

PASSWORD = "demo password 2026"
PASSPHRASE = "demo workstation passphrase"
CLINIC = {
    "clinic_name": "Maple Street Family Clinic (DEMO)",
    "clinic_address": "1200 Maple Street, Portland, OR 97205",
    "clinic_phone": "(503) 555-0100",
}


@dataclass(frozen=True)
class QuickDemo:
    out: Path
    app: QApplication
    inst: Installation
    runner: OpRunner
    code_sets: CodeSets
    password: str = PASSWORD


@contextmanager
def quick_demo(
    argv: list[str], *, patients: int, seed: int = 11, charts: int = CHARTS_MAX
) -> Iterator[QuickDemo]:
    """``argv[1]``: the folder for the pictures (docs/screenshots by default)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["TZ"] = os.environ.get("MEDREC_SCREENSHOT_TZ", "America/Los_Angeles")
    time.tzset()
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    runner = OpRunner()
    code_sets = CodeSets()
    with tempfile.TemporaryDirectory(prefix="medrec-shots-") as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "demo"),
            admin=NewAdmin("admin", "Dana Admin", PASSWORD),
            passphrase=PASSPHRASE,
            clinic=CLINIC,
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            create_demo_clinic(
                inst.users,
                inst.demo,
                admin,
                inst.auth.login,
                patients=patients,
                seed=seed,
                password=PASSWORD,
                codes=code_sets,
                charts=charts,
            )
            yield QuickDemo(out, app, inst, runner, code_sets)
        finally:
            runner.shutdown()
            inst.close()
            code_sets.close()


def print_paths(paths: Iterable[Path]) -> int:
    for path in paths:
        print(path, file=sys.stdout)
    return 0
