"""Saving a form, as a user feels it: p95 of `PatientService.update` (the registration form's
save) over many saves, version check and audit event included.

Figure: the p95 latency of one save, measured call by call on a real SQLCipher file with the
product's pragmas (WAL, synchronous=FULL: every save is an fsynced commit), in a clinic of 300
patients, each save changing the mobile number and address of a patient picked in turn.
Baseline, in the same run and interleaved round by round: the same change written with plain
SQLAlchemy in one transaction each (read the row, assign, commit) with no validation,
no version check, no permission check and no audit event. The audit overhead is printed for
information (issue: "keep the overhead figure in the benchmark for information").
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import write_result

from medrec_desktop.domain.enums import Role
from medrec_desktop.models import Patient
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

SAVES = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
PATIENTS = 300
ROUNDS = 10


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", "correct horse battery"),
            secret_store=InMemorySecretStore(),
        )
        admin = inst.auth.login("admin", "correct horse battery")
        inst.users.add_user(
            admin,
            "rita",
            "Rita Records",
            Role.RECORDS,
            "role password 1234",
            must_change_password=False,
        )
        rita = inst.auth.login("rita", "role password 1234")
        ids = []
        for n in range(PATIENTS):
            info = inst.patients.register(
                rita,
                PatientInput(
                    f"Family{n:03d}",
                    f"Given{n:03d}",
                    dt.date(1950 + n % 60, 1 + n % 12, 1 + n % 28),
                    "female" if n % 2 else "male",
                    f"555 010 {n:04d}",
                ),
                duplicates_reviewed=True,
            )
            ids.append(info.id)

        audited: list[float] = []
        bare: list[float] = []

        def save(i: int) -> None:
            pid = ids[i % PATIENTS]
            record = inst.patients.record(rita, pid)  # what the open form holds
            info = record.info
            details = replace(
                record.details,
                mobile_phone=f"555 020 {i % 10_000:04d}",
                address_line1=f"{i} Main Street",
            )
            data = PatientInput(
                info.family_name, info.given_names, info.birth_date, info.sex, info.phone, details
            )
            start = time.perf_counter()
            inst.patients.update(rita, pid, data, expected_version=info.version)
            audited.append(time.perf_counter() - start)

        def save_bare(i: int) -> None:
            pid = ids[(i + 7) % PATIENTS]
            start = time.perf_counter()
            with inst.store.unit_of_work() as db:
                row = db.get(Patient, pid)
                assert row is not None
                row.mobile_phone = f"555 030 {i % 10_000:04d}"
                row.address_line1 = f"{i} Side Street"
            bare.append(time.perf_counter() - start)

        for i in range(50):  # warm-up, both sides
            save(i)
            save_bare(i)
        audited.clear()
        bare.clear()
        per_round = SAVES // ROUNDS
        for r in range(ROUNDS):
            order = (save, save_bare) if r % 2 == 0 else (save_bare, save)
            for fn in order:
                for i in range(r * per_round, (r + 1) * per_round):
                    fn(i)
        inst.close()
    load_after = os.getloadavg()[0]
    a95, b95 = p95(audited) * 1000, p95(bare) * 1000
    a50, b50 = statistics.median(audited) * 1000, statistics.median(bare) * 1000
    overhead = (sum(audited) / sum(bare) - 1) * 100
    print(
        f"form save p50 {a50:.2f} ms, p95 {a95:.2f} ms over {len(audited):,} saves; "
        f"bare p50 {b50:.2f} ms, p95 {b95:.2f} ms"
    )
    print(
        f"audit + validation + version overhead (for information): {overhead:.0f} %; "
        f"load average {load_before:.2f} before, {load_after:.2f} after"
    )
    write_result(
        "form_save",
        figure=f"save of the registration form (PatientService.update), p95 over "
        f"{len(audited):,} saves",
        unit="ms",
        value=a95,
        baseline="the same change as a bare ORM update in its own transaction (no validation, "
        "version check, permission check or audit event), interleaved in the same run",
        baseline_value=b95,
        target="p95 < 20 ms",
        extra={
            "p50_ms": round(a50, 3),
            "baseline_p50_ms": round(b50, 3),
            "overhead_percent_for_information": round(overhead, 1),
            "saves": len(audited),
            "patients": PATIENTS,
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        },
    )


if __name__ == "__main__":
    main()
