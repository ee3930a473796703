"""FHIR export of 1,000 patients (issue 14, figure 2): the bulk export's throughput
(patients per second) and peak memory, beside a naive baseline measured in the same run.

Setup, on a real SQLCipher file with the product's pragmas: a demo clinic of 1,000 patients,
every one with a chart (``services/demo.py``: problems, medications, allergies,
immunizations, vitals over the years, histories, visits with signed notes, lab panels,
procedures; some items labelled, some entered in error).

* figure: ``FhirExportService.bulk_export`` as ``medrec export bulk`` calls it (an audited
  call: every patient read in the sections chosen, mapped, each resource validated with the
  R4B models, streamed to NDJSON files hashed as written, the manifest, one disclosure with a
  row per patient), into a ``PrivateFolder``: patients per second, and peak memory;
* baseline, in the same run: the same reading, mapping and validation, but every patient's
  resources gathered into one in-memory Bundle that is serialised with ``json.dumps`` at the
  end and written as one file (what one would write first).

Each run is a process of its own, twice per path, interleaved (baseline, export, export,
baseline); the figures are the means. Memory is the process's peak resident set size during
the export alone: Linux's peak (VmHWM) is reset just before the export starts (after unlocking
and signing in, whose Argon2id key derivation alone peaks near 200 MB), and read after it.

Usage: python bench/fhir_export.py [PATIENTS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, write_result

from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.export.fhir import patient_resources
from medrec_desktop.export.fhir.validate import validate_resource
from medrec_desktop.export.files import PrivateFolder
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.audit_writer import PendingEvent
from medrec_desktop.services.base import Op
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.services.fhir_export import clinic_system
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patient_extract import gather_for_bulk

PATIENTS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
PASSWORD = "correct horse battery"
PASSPHRASE = "bench workstation pass phrase"
TARGET = "streamed: memory flat in the number of patients, not the whole export in memory"
REQUEST = ReleaseRequest(
    scope=RecordScope(tuple(RecordSection)),
    recipient="Bench data warehouse",
    purpose=DisclosurePurpose.OPERATIONS,
)


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        made = make_clinic(root / "data")
        setup = time.perf_counter() - start
        runs: dict[str, list[dict[str, Any]]] = {"streamed": [], "naive": []}
        for n, path in enumerate(("naive", "streamed", "streamed", "naive")):
            runs[path].append(child(root, path, n))
    streamed, naive = (mean(runs[p]) for p in ("streamed", "naive"))
    assert streamed["patients"] == naive["patients"] == PATIENTS
    assert streamed["resources"] == naive["resources"], (streamed, naive)
    rate = PATIENTS / streamed["seconds"]
    baseline_rate = PATIENTS / naive["seconds"]
    mb = 1024 * 1024
    write_result(
        "fhir_export",
        figure=(
            f"bulk FHIR R4 export (FhirExportService.bulk_export, NDJSON, every resource "
            f"validated with the R4B models; SQLCipher) of {PATIENTS} demo patients with charts"
        ),
        unit="patients/s",
        value=rate,
        baseline=(
            "the same reading, mapping and validation into one in-memory Bundle of every "
            "patient, json.dumps at the end, written as one file (same run, own process)"
        ),
        baseline_value=baseline_rate,
        target=TARGET,
        extra={
            "seconds": [round(r["seconds"], 2) for r in runs["streamed"]],
            "baseline_seconds": [round(r["seconds"], 2) for r in runs["naive"]],
            "resources": int(streamed["resources"]),
            "resources_per_second": round(streamed["resources"] / streamed["seconds"], 1),
            "output_mb": round(streamed["bytes"] / mb, 1),
            "baseline_output_mb": round(naive["bytes"] / mb, 1),
            "peak_rss_mb": round(streamed["peak_kb"] / 1024, 1),
            "baseline_peak_rss_mb": round(naive["peak_kb"] / 1024, 1),
            "rss_before_export_mb": round(streamed["before_kb"] / 1024, 1),
            "baseline_rss_before_export_mb": round(naive["before_kb"] / 1024, 1),
            "memory_note": (
                "peak resident set size while exporting (VmHWM reset after sign-in), means of "
                "two runs; before_export is the same process just before it starts"
            ),
            "clinic": made | {"written_in_seconds": round(setup, 1)},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    )


def make_clinic(data: Path) -> dict[str, Any]:
    inst, _ = Installation.create(
        DataPaths(data), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
    )
    try:
        admin = inst.auth.login("admin", PASSWORD)
        create_demo_clinic(
            inst.users,
            inst.demo,
            admin,
            inst.auth.login,
            patients=PATIENTS,
            seed=3,
            password=PASSWORD,
            charts=PATIENTS,
        )
        return {"patients": PATIENTS, "charts": PATIENTS}
    finally:
        inst.close()


def mean(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}


def child(root: Path, path: str, n: int) -> dict[str, Any]:
    """Run one path in a fresh process; what it reports."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", path, str(root), str(n)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    print(f"{path}: {result}", file=sys.stderr)
    return result


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_child(path: str, root: Path, n: int) -> None:
    inst = Installation.open(DataPaths(root / "data"), Unlock(passphrase=PASSPHRASE))
    try:
        admin = inst.auth.login("admin", PASSWORD)
        before = _status_kb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS (VmHWM)
        start = time.perf_counter()
        out = root / f"export-{path}-{n}"
        if path == "streamed":
            with PrivateFolder(out) as target:
                done = inst.fhir_export.bulk_export(admin, target.path, REQUEST)
                target.commit()
            found = {"patients": done.patients, "resources": done.resource_count}
        else:
            found = naive(inst, admin, out)
        seconds = time.perf_counter() - start
        peak = _status_kb("VmHWM")
        size = sum(p.stat().st_size for p in ([out] if out.is_file() else out.iterdir()))
    finally:
        inst.close()
    print(
        json.dumps(
            found | {"seconds": seconds, "peak_kb": peak, "before_kb": before, "bytes": size}
        )
    )


def naive(inst: Installation, admin: Any, out: Path) -> dict[str, Any]:
    """Every patient into one Bundle in memory, serialised at the end (one transaction, as
    the service's)."""
    from sqlalchemy import select

    from medrec_desktop.models import Patient

    ctx = inst.ctx
    with ctx.store.unit_of_work() as db:
        event = PendingEvent(Action.EXPORT, DataCategory.BULK_EXPORT, "bench.naive")
        op = Op(db=db, ctx=ctx, session=admin, event=event)
        assert op.role is Role.ADMIN
        system = clinic_system(op)
        now = ctx.now()
        ids = list(
            db.execute(
                select(Patient.id).where(Patient.merged_into_id.is_(None)).order_by(Patient.id)
            ).scalars()
        )
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for pid in ids:
            extract = gather_for_bulk(op, pid, REQUEST.scope)
            for r in patient_resources(extract, clinic_system=system, generated_at=now):
                url = f"urn:uuid:{r['id']}"
                if url not in seen:  # the clinic and its providers once, as the NDJSON
                    seen.add(url)
                    entries.append({"fullUrl": url, "resource": r})
        for n, e in enumerate(entries, start=1):
            validate_resource(e["resource"], f"entry {n}")
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        out.write_bytes(json.dumps(bundle, ensure_ascii=False).encode("utf-8"))
    return {"patients": len(ids), "resources": len(entries)}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
