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
    """Only this picture, on a demo clinic of its own (the full run renders every screen)."""
    from medrec_desktop.paths import DataPaths
    from medrec_desktop.services.demo import create_demo_clinic
    from medrec_desktop.services.installation import NewAdmin
    from medrec_desktop.ui.screenshots import PASSPHRASE, PASSWORD

    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    runner = OpRunner()
    with tempfile.TemporaryDirectory(prefix="medrec-shots-") as tmp:
        code_sets = CodeSets()
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "demo"),
            admin=NewAdmin("admin", "Dana Admin", PASSWORD),
            passphrase=PASSPHRASE,
            clinic={"clinic_name": "Maple Street Family Clinic"},
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            create_demo_clinic(
                inst.users,
                inst.demo,
                admin,
                inst.auth.login,
                patients=400,
                seed=11,
                password=PASSWORD,
            )
            shots = render_fhir_import_screenshots(out, app, inst, runner, code_sets)
        finally:
            runner.shutdown()
            inst.close()
            code_sets.close()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
