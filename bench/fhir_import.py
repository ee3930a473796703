"""Importing a 1,000-resource US Core Bundle (issue 14, figure 3): target < 5 s, one
transaction.

Setup, on a real SQLCipher file with the product's pragmas (WAL, synchronous=FULL): a clinic
with a records specialist; the Bundle: one patient's record of exactly 1,000 resources, the
official US Core examples (tests/data/fhir/examples/) repeated with new ids by
``tests/support/fhir_bundles.large_bundle`` (a transaction Bundle with urn:uuid references):
conditions, allergies, medication requests, immunizations, procedures, encounters, vital
signs, metabolic panels and CBCs (DiagnosticReports with their Observations), plus entries
this chart has no place for (listed as skipped).

* figure: ``FhirImportService.commit`` as the CLI calls it (an audited call: the JSON read and
  validated with fhir.resources' R4B models, every entry mapped and checked by its kind's own
  form rules, a new patient registered, every item written through its kind's service with
  its version row, the outside visits as notes, one audit event; one transaction), median of
  the runs (each into a new patient);
* baseline, same run: the naive way, one service call per item, each its own transaction
  and audit event (``inst.patients.register``, then ``inst.<kind>.add`` for every planned item
  and ``inst.patients.add_note`` for every visit), after the same read of the Bundle.

Also printed: the preview (read, validate, map, match; nothing written).

Usage: python bench/fhir_import.py [RUNS]
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import write_result

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.export.fhir_import import read_bundle
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patient_input import PatientInput
from tests.support.fhir_bundles import large_bundle, to_bytes
from tests.support.secrets import InMemorySecretStore

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
RESOURCES = 1000
PASSWORD = "correct horse battery"
TARGET_S = 5.0


def main() -> None:
    load_before = os.getloadavg()
    data = to_bytes(large_bundle(RESOURCES))
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            inst.users.add_user(
                admin, "rita", "Rita Records", Role.RECORDS, PASSWORD, must_change_password=False
            )
            rita = inst.auth.login("rita", PASSWORD)
            timings = measure(inst, rita, data)
        finally:
            inst.close()
    report(timings, data, load_before, os.getloadavg())


def measure(inst: Installation, rita: UserSession, data: bytes) -> dict[str, Any]:
    previews, imports, naive = [], [], []
    result = None
    for run in range(RUNS):
        start = time.perf_counter()
        inst.fhir_import.preview(rita, data)
        previews.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = inst.fhir_import.commit(
            rita, data, patient_id=None, reason=None if run == 0 else f"benchmark run {run}"
        )
        imports.append(time.perf_counter() - start)
        start = time.perf_counter()
        calls = naive_import(inst, rita, data, run)
        naive.append(time.perf_counter() - start)
    assert result is not None
    return {
        "preview": previews,
        "import": imports,
        "naive": naive,
        "calls": calls,
        "counts": {k.value: n for k, n in result.counts.items()},
        "results": result.results,
        "skipped": len(result.skipped),
    }


def naive_import(inst: Installation, session: UserSession, data: bytes, run: int) -> int:
    """The same Bundle recorded one service call (one transaction, one audit event) at a
    time. Returns the number of calls."""
    plan = read_bundle(data, today=dt.date.today())
    facts = plan.patient
    assert facts.birth_date is not None
    patient = inst.patients.register(
        session,
        PatientInput(
            f"Naive{run}", facts.given_names, facts.birth_date, facts.sex, None, facts.details
        ),
        duplicates_reviewed=True,
        reason="benchmark baseline",
    )
    writers = {
        ImportKind.PROBLEM: inst.problems,
        ImportKind.ALLERGY_STATEMENT: inst.allergy_statements,
        ImportKind.ALLERGY: inst.allergies,
        ImportKind.MEDICATION: inst.medications,
        ImportKind.IMMUNIZATION: inst.immunizations,
        ImportKind.VITALS: inst.vitals,
        ImportKind.LAB_TEST: inst.lab_tests,
        ImportKind.PROCEDURE: inst.procedures,
        ImportKind.SURGICAL_HISTORY: inst.surgical_history,
    }
    calls = 1
    for item in plan.items:
        writers[item.kind].add(session, patient.id, item.input)  # type: ignore[attr-defined]
        calls += 1
    for visit in plan.visits:
        inst.patients.add_note(session, patient.id, visit.text)
        calls += 1
    return calls


def report(t: dict[str, Any], data: bytes, load_before: Any, load_after: Any) -> None:
    value = statistics.median(t["import"])
    baseline = statistics.median(t["naive"])
    written = sum(t["counts"].values())
    print(f"preview (read, validate, map, match): {statistics.median(t['preview']):.2f} s")
    write_result(
        "fhir_import",
        figure=(
            f"import of a {RESOURCES}-resource US Core Bundle "
            f"({len(data) / 1e6:.1f} MB JSON) into a new patient, one transaction "
            "(FhirImportService.commit: R4B validation, mapping, the chart's rules, "
            f"{written} items and notes written with their versions, one audit event; "
            "SQLCipher), median of the runs"
        ),
        unit="s",
        value=value,
        baseline=(
            f"the same Bundle recorded naively: one service call per item ({t['calls']} calls: "
            "register, then each problem, drug, test... added by its own service), each its "
            "own transaction and audit event, after the same read of the Bundle (same run)"
        ),
        baseline_value=baseline,
        target=f"< {TARGET_S:g} s, one transaction",
        extra={
            "runs": RUNS,
            "import_seconds": [round(x, 3) for x in t["import"]],
            "baseline_seconds": [round(x, 3) for x in t["naive"]],
            "preview_seconds": round(statistics.median(t["preview"]), 3),
            "resources": RESOURCES,
            "bundle_bytes": len(data),
            "imported": t["counts"],
            "lab_results": t["results"],
            "skipped_entries": t["skipped"],
            "transactions": {"import": 1, "baseline": t["calls"]},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
    )


if __name__ == "__main__":
    main()
