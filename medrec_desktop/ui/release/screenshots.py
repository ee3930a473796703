"""Pictures of the release of information and the accounting of disclosures (``make
screenshots``, on the demo clinic): the dialog filled in for a court's subpoena with the
sections chosen and what it carries counted, then the patient's accounting after that release
and an earlier one for treatment."""

from __future__ import annotations

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
from medrec_desktop.ui.release.accounting_dialog import AccountingDialog
from medrec_desktop.ui.release.release_dialog import ReleaseDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


def render_release_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner, code_sets: CodeSets
) -> list[Path]:
    """release-dialog.png and accounting-of-disclosures.png in ``out``."""
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD, grab, settle

    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    patient = inst.patients.list_all(records, limit=5)[0]
    services = ServicesHolder(inst=inst, code_sets=code_sets)
    # An earlier release for treatment, so the accounting shows an exempt one beside it.
    inst.releases.release_pdf(
        records,
        patient.id,
        ReleaseRequest(
            scope=RecordScope((RecordSection.PROBLEMS, RecordSection.MEDICATIONS)),
            recipient="Dr. Ana Lee, Riverside Cardiology",
            purpose=DisclosurePurpose.TREATMENT,
            requester="Riverside Cardiology (referral)",
        ),
    )
    shots: list[Path] = []
    dialog = ReleaseDialog(
        None, services=services, runner=runner, session=lambda: records, patient=patient
    )
    dialog.requester.setText("Multnomah County Circuit Court (subpoena)")
    dialog.recipient.setText("Clerk of the Court, 1200 SW 1st Ave, Portland OR")
    dialog.purpose.setCurrentIndex(dialog.purpose.findData(DisclosurePurpose.LEGAL.value))
    dialog.note.setText("Subpoena duces tecum 26-CV-01184")
    dialog.scope.set_sections(
        (RecordSection.PROBLEMS, RecordSection.MEDICATIONS, RecordSection.ENCOUNTERS)
    )
    dialog.encrypt.setChecked(True)
    dialog.password.setText("court copy 2026")
    dialog.show()
    settle(app, runner, lambda: dialog.extract is not None)
    shots.append(grab(dialog, out, "release-dialog.png", app, runner))
    request = dialog.request()
    dialog.close()
    inst.releases.release_pdf(records, patient.id, request, password="court copy 2026")

    accounting = AccountingDialog(
        None, services=services, runner=runner, session=lambda: records, patient=patient
    )
    accounting.show()
    settle(app, runner, lambda: accounting.accounting is not None)
    shots.append(grab(accounting, out, "accounting-of-disclosures.png", app, runner))
    accounting.close()
    return shots
