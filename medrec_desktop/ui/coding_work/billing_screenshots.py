"""Pictures of the billing hand-off (issue 13): the export dialog with its summary, and a coded
encounter's claim summary, on the demo clinic.

The demo's coder codes a few of the most recent month's signed visits first when that month
has no coded ones (the demo clinic may not code any of its own), so the dialog has something
to count. Run alone with ``python -m medrec_desktop.ui.coding_work.billing_screenshots OUT``
(a small demo clinic is made in a temporary folder), or from ``medrec_desktop.ui.screenshots``
with ``render_billing_screenshots``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
    WorklistFilter,
    WorklistScope,
)
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService, OverrideNeededError
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.coding_work.billing_dialog import BillingExportDialog
from medrec_desktop.ui.coding_work.claim_summary_dialog import ClaimSummaryDialog
from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

#: what the demo coder codes, visit by visit (diagnoses, then HCPCS lines with pointers)
SAMPLE_CODES = (
    CodingInput(
        diagnoses=(
            CodedDiagnosis("Z23", ""),
            CodedDiagnosis("E11.65", ""),
            CodedDiagnosis("I10", ""),
        ),
        procedures=(
            CodedProcedure(
                ProcedureSystem.HCPCS,
                "G0008",
                "Administration of influenza virus vaccine",
                pointers=(1,),
            ),
            CodedProcedure(
                ProcedureSystem.HCPCS,
                "G0439",
                "Annual wellness visit, subsequent",
                pointers=(2, 3),
            ),
        ),
    ),
    CodingInput(
        diagnoses=(CodedDiagnosis("J06.9", ""),),
        procedures=(
            CodedProcedure(
                ProcedureSystem.HCPCS,
                "J1100",
                "Injection, dexamethasone sodium phosphate, 1 mg",
                units=4,
                modifiers=("JZ",),
                pointers=(1,),
            ),
        ),
    ),
    CodingInput(diagnoses=(CodedDiagnosis("E78.5", ""), CodedDiagnosis("Z79.899", ""))),
)
CODED_WANTED = 6


def _latest_month(coding: EncounterCodingService, coder: UserSession) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of the latest signed visit."""
    everything = coding.worklist(coder, WorklistFilter(scope=WorklistScope.ALL), limit=1)
    if not everything.total:
        raise RuntimeError("the demo clinic has no signed visits to code")
    [latest] = coding.worklist(
        coder, WorklistFilter(scope=WorklistScope.ALL), offset=everything.total - 1, limit=1
    ).rows
    day = latest.starts_at.astimezone().date()
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _fullest_claim(
    coding: EncounterCodingService, coder: UserSession, since: dt.date, until: dt.date
) -> int:
    """The coded visit of the month with the most procedure lines: the picture shows a claim
    with pointers and modifiers, not one diagnosis alone."""
    rows = coding.worklist(
        coder, WorklistFilter(scope=WorklistScope.CODED, since=since, until=until), limit=50
    ).rows

    def lines(encounter_id: int) -> tuple[int, int]:
        coded = coding.get(coder, encounter_id).coding
        data = coded.data if coded is not None else None
        return (len(data.procedures), len(data.diagnoses)) if data is not None else (0, 0)

    return max((r.encounter_id for r in rows), key=lines)


def code_some(coding: EncounterCodingService, coder: UserSession) -> tuple[dt.date, dt.date]:
    """Code a few visits of the latest month unless some are coded already; that month."""
    since, until = _latest_month(coding, coder)
    month = WorklistFilter(scope=WorklistScope.CODED, since=since, until=until)
    coded = coding.worklist(coder, month, limit=CODED_WANTED).total
    todo = coding.worklist(
        coder, WorklistFilter(scope=WorklistScope.TO_CODE, since=since, until=until), limit=20
    ).rows
    for n, row in enumerate(todo):
        if coded >= CODED_WANTED:
            break
        saved = coding.save(
            coder, row.encounter_id, SAMPLE_CODES[n % len(SAMPLE_CODES)], expected_version=None
        )
        assert saved.version is not None
        try:
            coding.mark_coded(coder, row.encounter_id, expected_version=saved.version)
        except OverrideNeededError as err:
            reasons = dict.fromkeys(err.keys, "Reviewed with the provider: documented as coded")
            coding.mark_coded(
                coder, row.encounter_id, expected_version=saved.version, overrides=reasons
            )
        coded += 1
    return since, until


def render_billing_screenshots(
    out: Path,
    app: QApplication,
    inst: Installation,
    runner: OpRunner,
    *,
    password: str | None = None,
) -> list[Path]:
    """billing-export.png and claim-summary.png in ``out``."""
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD, grab, settle

    coder = inst.auth.login(DEMO_USERS[Role.CODER][0], password or PASSWORD)
    code_sets = CodeSets()
    shots: list[Path] = []
    try:
        services = ServicesHolder(inst=inst, code_sets=code_sets)
        coding = services.coding_work
        since, until = code_some(coding, coder)
        today = until + dt.timedelta(days=3)  # early in the next month: "last month" is it

        dialog = BillingExportDialog(
            None, services=services, runner=runner, session=lambda: coder, today=lambda: today
        )
        dialog.path.setText(str(Path("/home/carl/Billing") / Path(dialog.path.text()).name))
        dialog.show()
        settle(app, runner, lambda: dialog.preview is not None)
        shots.append(grab(dialog, out, "billing-export.png", app, runner))
        dialog.close()

        summary = ClaimSummaryDialog(
            None,
            services=services,
            runner=runner,
            session=lambda: coder,
            encounter_id=_fullest_claim(coding, coder, since, until),
        )
        summary.show()
        settle(app, runner, lambda: summary.summary is not None)
        shots.append(grab(summary, out, "claim-summary.png", app, runner))
        summary.close()
    finally:
        code_sets.close()
    return shots


def main(argv: list[str]) -> int:
    with quick_demo(argv, patients=80) as d:
        shots = render_billing_screenshots(d.out, d.app, d.inst, d.runner)
    return print_paths(shots)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
