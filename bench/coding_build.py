"""Store build time and peak RSS from the bundled data (fresh process, fresh directory).

Baseline: importing the simple-icd-10-cm package, which parses the same tabular XML into its
own structures (what a naive build would start from), measured in the same run.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

CHILD = """
import resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
t = time.perf_counter()
{body}
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def child(body: str) -> tuple[float, float]:
    code = CHILD.format(root=str(ROOT), body=body)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        seconds, rss = child(
            "from medrec_desktop.coding.build import build_store\n"
            f"build_store(Path({tmp!r}) / 'codesets.sqlite')"
        )
    base_s, base_rss = child("import simple_icd_10_cm")
    print(f"store build {seconds:.2f} s, peak RSS {rss:.0f} MB (targets < 10 s, < 150 MB)")
    print(f"baseline: import simple_icd_10_cm {base_s:.2f} s, peak RSS {base_rss:.0f} MB")
    machine = (
        f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"
        f", {resource.getpagesize()} B pages"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name, figure, unit, value, base, target in (
        (
            "coding_build_time",
            "code-set store build from bundled data",
            "s",
            seconds,
            base_s,
            "< 10 s",
        ),
        ("coding_build_rss", "code-set store build peak RSS", "MB", rss, base_rss, "< 150 MB"),
    ):
        (RESULTS / f"{name}.json").write_text(
            json.dumps(
                {
                    "figure": figure,
                    "unit": unit,
                    "value": round(value, 2),
                    "baseline": "import simple_icd_10_cm (parses the same XML), same run",
                    "baseline_value": round(base, 2),
                    "target": target,
                    "machine": machine,
                    "date": date.today().isoformat(),
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
