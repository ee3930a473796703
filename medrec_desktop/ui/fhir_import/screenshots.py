"""The picture of the FHIR import (``make screenshots``, on the demo clinic): a record the
clinic sent to a cardiologist comes back as a FHIR Bundle, and the preview shows what it
holds and the patient whose MRN it carries, chosen; then the same file once more, imported
already: the warning, "Import again anyway" and the refusal of Import without it.

    python -m medrec_desktop.ui.fhir_import.screenshots /tmp/shots   # this picture only
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    RecordScope,
    RecordSection,
    ReleaseRequest,
)
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.fhir_import.dialog import FhirImportDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SECTIONS = (
    RecordSection.PROBLEMS,
    RecordSection.MEDICATIONS,
    RecordSection.ALLERGIES,
    RecordSection.IMMUNIZATIONS,
    RecordSection.VITALS,
    RecordSection.RESULTS,
)


def render_fhir_import_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner, code_sets: CodeSets
) -> list[Path]:
    """fhir-import.png and fhir-import-again.png in ``out``."""
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD, grab, settle

    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    patient = inst.patients.list_all(records, limit=5)[0]
    sent = inst.fhir_export.export_patient(
        records,
        patient.id,
        ReleaseRequest(
            scope=RecordScope(SECTIONS),
            recipient="Dr. Ana Lee, Riverside Cardiology",
            purpose=DisclosurePurpose.TREATMENT,
            requester="Riverside Cardiology (referral)",
        ),
    )
    services = ServicesHolder(inst=inst, code_sets=code_sets)
    dialog = FhirImportDialog(None, services=services, runner=runner, session=lambda: records)
    with tempfile.TemporaryDirectory(prefix="medrec-shot-") as tmp:
        # Synthetic demo data, in a folder deleted straight after it is read.
        path = Path(tmp) / "riverside-cardiology-record.json"
        path.write_bytes(sent.content)
        dialog.ask_path = lambda: path
        dialog.source.setText("Riverside Cardiology")
        dialog.resize(920, 820)
        dialog.show()
        dialog.choose_file()
        settle(app, runner, lambda: dialog.preview is not None)
        dialog.file_label.setText("riverside-cardiology-record.json")
        shot = grab(dialog, out, "fhir-import.png", app, runner)
        # Imported, then the same file chosen again and Import pressed without the box.
        inst.fhir_import.commit(
            records, sent.content, patient_id=patient.id, source="Riverside Cardiology"
        )
        dialog.choose_file()
        settle(app, runner, lambda: dialog.preview is not None)
        dialog.run_import(dry_run=False)
        settle(app, runner, lambda: dialog.refused is not None)
    dialog.file_label.setText("riverside-cardiology-record.json")
    again = grab(dialog, out, "fhir-import-again.png", app, runner)
    dialog.close()
    return [shot, again]


def main(argv: list[str]) -> int:  # pragma: no cover - a developer's shortcut
    """Only these pictures, on a demo clinic of their own (the full run renders every screen)."""
    from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo

    with quick_demo(argv, patients=400) as d:
        shots = render_fhir_import_screenshots(d.out, d.app, d.inst, d.runner, d.code_sets)
    return print_paths(shots)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
