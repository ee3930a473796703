"""The cost of the audit trail on writes: 10,000 notes through the audited service vs bare.

Figure: 10,000 `PatientService.add_note` calls, each one audited, permission-checked
transaction (fsync'd commit, HMAC chain link). Baseline: the same ORM work (read the author
and the patient, insert the note) in the same number of transactions, without the audit event
or the permission check. Each side runs on its own fresh database.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from _common import write_result

from medrec_desktop.domain.enums import Role
from medrec_desktop.models import ClinicalNote, Patient, User
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.patients import PatientInput
from tests.support.secrets import InMemorySecretStore

WRITES = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000


def fresh(root: Path) -> tuple[Installation, object, int]:
    inst, _ = Installation.create(
        DataPaths(root),
        admin=NewAdmin("admin", "Ada Admin", "correct horse battery"),
        secret_store=InMemorySecretStore(),
    )
    admin = inst.auth.login("admin", "correct horse battery")
    inst.users.add_user(
        admin, "doc", "Dr Doc", Role.PROVIDER, "role password 1234", must_change_password=False
    )
    doc = inst.auth.login("doc", "role password 1234")
    patient = inst.patients.register(doc, PatientInput("Bench", "Ben", dt.date(1980, 1, 1), "male"))
    return inst, doc, patient.id


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inst, doc, pid = fresh(Path(tmp) / "audited")
        start = time.perf_counter()
        for i in range(WRITES):
            inst.patients.add_note(doc, pid, f"Progress note {i}: stable, continue plan.")
        audited_s = time.perf_counter() - start
        inst.close()

        inst, doc, pid = fresh(Path(tmp) / "bare")
        start = time.perf_counter()
        for i in range(WRITES):
            with inst.store.unit_of_work() as db:
                author = db.get(User, doc.user_id)
                assert author is not None and db.get(Patient, pid) is not None
                db.add(
                    ClinicalNote(
                        patient_id=pid,
                        author_id=author.id,
                        sensitive=False,
                        text=f"Progress note {i}: stable, continue plan.",
                        created_at=dt.datetime.now(dt.UTC).isoformat(),
                        entered_in_error=False,
                    )
                )
                db.flush()
        bare_s = time.perf_counter() - start
        inst.close()

    overhead = (audited_s / bare_s - 1) * 100
    print(f"audited: {audited_s:.2f} s, bare: {bare_s:.2f} s for {WRITES:,} writes")
    write_result(
        "audited_writes",
        figure=f"audited write (add_note), mean over {WRITES:,} transactions",
        unit="ms",
        value=audited_s / WRITES * 1000,
        baseline="the same ORM writes, same number of transactions, no audit event",
        baseline_value=bare_s / WRITES * 1000,
        target="audit costs < 30 % (value < 1.3 x baseline)",
        extra={
            "overhead_percent": round(overhead, 1),
            "audited_seconds": round(audited_s, 3),
            "bare_seconds": round(bare_s, 3),
            "writes": WRITES,
        },
    )


if __name__ == "__main__":
    main()
