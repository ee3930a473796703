"""Pictures of the coder's worklist, the query dialog and the provider's Queries area (issue
13), on the demo clinic:

    python -m medrec_desktop.ui.coding_work.screenshots /tmp/shots   (only these, own demo)

or from ``medrec_desktop.ui.screenshots`` through :func:`render_coding_work_screenshots`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.coder_queries import QueryInput, QueryState, QueryTemplate
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodingInput,
    CodingState,
    WorklistFilter,
    WorklistScope,
)
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)
#: the pictures show the last weeks' visits, as a coder working the current backlog does
RECENT_DAYS = 60
DIAGNOSES = (("I10", ""), ("E11.9", ""), ("J30.2", ""), ("E78.5", ""), ("K21.9", ""))


def stage_coding_work(services: ServicesHolder, coder: UserSession) -> None:
    """On the oldest signed visits nobody has coded yet: some coded, some being coded, one
    saved with an Excludes1 error, one returned to its provider, and three queries to their
    providers. Visits the demo itself coded or queried are left as they are."""
    work, queries = services.coding_work, services.inst.coder_queries
    recent = dt.date.today() - dt.timedelta(days=RECENT_DAYS)
    page = work.worklist(coder, WorklistFilter(scope=WorklistScope.TO_CODE, since=recent), limit=60)
    mine = [r for r in page.rows if r.state is None and not r.open_queries]
    for i, row in enumerate(mine[:12]):
        code = DIAGNOSES[i % len(DIAGNOSES)][0]
        saved = work.save(
            coder,
            row.encounter_id,
            CodingInput(diagnoses=(CodedDiagnosis(code, ""),)),
            expected_version=None,
        )
        clean = saved.coding is not None and saved.coding.data.error_count == 0
        if i % 3 != 2 and saved.version is not None and clean:
            work.mark_coded(coder, row.encounter_id, expected_version=saved.version)
    rest = mine[12:]
    if len(rest) >= 5:
        both = CodingInput(diagnoses=(CodedDiagnosis("E11.9", ""), CodedDiagnosis("E10.9", "")))
        work.save(coder, rest[0].encounter_id, both, expected_version=None)
        work.return_to_provider(
            coder,
            rest[1].encounter_id,
            expected_version=None,
            reason="The note has no assessment or plan; please complete it with an addendum.",
        )
        queries.ask(
            coder,
            rest[2].encounter_id,
            QueryInput(
                QueryTemplate.SPECIFICITY,
                "The record documents diabetes mellitus. Based on your clinical judgment and "
                "the indicators below, can the type be further specified?",
                ("Type 1 diabetes mellitus", "Type 2 diabetes mellitus"),
                "HbA1c 8.4 % on the day of the visit; metformin 500 mg twice daily since 2019.",
            ),
        )
        queries.ask(
            coder,
            rest[3].encounter_id,
            QueryInput(
                QueryTemplate.CLARIFY,
                "The record documents a hemoglobin of 9.8 g/dL with the clinical indicators "
                "listed below. Based on your clinical judgment, can you clarify the condition "
                "being evaluated or treated?",
                ("Iron deficiency anemia", "Anemia of chronic kidney disease"),
                "Hgb 9.8 g/dL, MCV 72 fL, ferritin 9 ng/mL; fatigue for two months.",
            ),
        )
        queries.ask(
            coder,
            rest[4].encounter_id,
            QueryInput(
                QueryTemplate.POA,
                "A pressure injury of the sacrum is documented. Was it present at the time of "
                "the encounter (present on admission)?",
                ("Yes, present at the time", "No, developed after"),
            ),
        )


def render_coding_work_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner, password: str
) -> list[Path]:
    """coding-worklist.png, coding-query-dialog.png, provider-queries.png and
    provider-query-answer.png in ``out``."""
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.coding_work.answer_dialog import AnswerDialog
    from medrec_desktop.ui.coding_work.area import CodingWorkArea
    from medrec_desktop.ui.coding_work.provider_queries import ProviderQueriesPage
    from medrec_desktop.ui.coding_work.query_dialog import QueryDialog
    from medrec_desktop.ui.screenshots import grab, settle

    coder = inst.auth.login(DEMO_USERS[Role.CODER][0], password)
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], password)
    code_sets = CodeSets()
    services = ServicesHolder(inst=inst, code_sets=code_sets)
    prefs = Path(tempfile.mkdtemp(prefix="medrec-coding-work-shots-"))
    settings = QSettings(str(prefs / "shots.ini"), QSettings.Format.IniFormat)
    shots: list[Path] = []
    try:
        stage_coding_work(services, coder)
        window = MainWindow(
            paths=inst.paths,
            services=services,
            runner=runner,
            session=coder,
            settings=settings,
            idle_minutes=15,
        )
        window.resize(*SIZE)
        window.show()
        window.show_area("Coding work")
        lazy = window.areas["Coding work"]
        assert isinstance(lazy, LazyArea)
        area = lazy.ensure()
        assert isinstance(area, CodingWorkArea)
        page = area.worklist
        settle(app, runner, lambda: page.page is not None)
        f = page.filters
        f.since.setDate(QDate.currentDate().addDays(-RECENT_DAYS))
        f.use_dates.setChecked(True)
        settle(app, runner, lambda: page.page is not None and page.model.rowCount() > 0)
        shots.append(grab(window, out, "coding-worklist.png", app, runner))

        # The query dialog as a coder fills it in: the template's wording completed.
        rows = page.model.rows()
        target = next((r for r in rows if r.state is CodingState.IN_PROGRESS), rows[0])
        area.queries.show_encounter(target.encounter_id)
        settle(app, runner)
        area.queries.ask()
        settle(app, runner, lambda: isinstance(area.queries.dialog, QueryDialog))
        dialog = area.queries.dialog
        assert isinstance(dialog, QueryDialog)
        dialog.template.setCurrentIndex(dialog.template.findData(QueryTemplate.SPECIFICITY.value))
        dialog.question.setPlainText(
            "The record documents chronic kidney disease. Based on your clinical judgment and "
            "the indicators below, can the type, acuity, stage or laterality be further "
            "specified?"
        )
        dialog.indicators.setPlainText(
            "eGFR 52 mL/min/1.73m² on 03/02 and 49 on 09/14; urine albumin/creatinine 45 mg/g."
        )
        dialog.options.setPlainText(
            "Chronic kidney disease, stage 3a\nChronic kidney disease, stage 3b\n[another stage]"
        )
        dialog.send_button.click()  # the bracket left in the options is pointed out
        settle(app, runner)
        shots.append(grab(dialog, out, "coding-query-dialog.png", app, runner))
        dialog.tracker.mark_clean()
        dialog.reject()
        window.session = None
        window.close()

        # The provider's Queries area, and answering one.
        pwin = MainWindow(
            paths=inst.paths,
            services=services,
            runner=runner,
            session=provider,
            settings=settings,
            idle_minutes=15,
        )
        pwin.resize(*SIZE)
        pwin.show()
        pwin.show_area("Queries")
        queries = pwin.queries_page
        assert isinstance(queries, ProviderQueriesPage)
        settle(app, runner, lambda: queries.model.rowCount() > 0)
        settle(app, runner, lambda: pwin.status_queries.isVisible())
        shots.append(grab(pwin, out, "provider-queries.png", app, runner))
        clarify = next(
            i
            for i, r in enumerate(queries.model.rows())
            if r.template is QueryTemplate.CLARIFY and r.state is QueryState.OPEN
        )
        queries.table.setCurrentIndex(queries.proxy.mapFromSource(queries.model.index(clarify, 0)))
        queries.answer_current()
        settle(app, runner, lambda: isinstance(queries.dialog, AnswerDialog))
        answer = queries.dialog
        assert isinstance(answer, AnswerDialog)
        answer.buttons[0].setChecked(True)
        # The note agrees with the option chosen, whichever query the demo asked.
        answer.note.setPlainText(
            f"{answer.query.options[0]}: now in this visit's assessment and on the problem list."
        )
        shots.append(grab(answer, out, "provider-query-answer.png", app, runner))
        answer.tracker.mark_clean()
        answer.reject()
        pwin.session = None
        pwin.close()
    finally:
        code_sets.close()
    return shots


def main(argv: list[str]) -> int:
    """Only these pictures, on a demo clinic of their own."""
    with quick_demo(argv, patients=120) as d:
        shots = render_coding_work_screenshots(d.out, d.app, d.inst, d.runner, d.password)
    return print_paths(shots)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
