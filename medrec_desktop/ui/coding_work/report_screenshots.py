"""Screenshots of the coding reports (issue 13): productivity over the last three weeks and
the diagnoses of the last twelve months by chapter and by HCC, from the coded demo clinic.

Called by ``ui/screenshots.py``; on its own (a smaller demo clinic, for a quick look):

    python -m medrec_desktop.ui.coding_work.report_screenshots /tmp/shots
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.coding_reports import DiagnosisGrouping
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.coding_work.reports_page import CodingReportsPage
from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)


def _settle(app: QApplication, runner: OpRunner, until: Callable[[], bool]) -> None:
    from medrec_desktop.ui.screenshots import settle

    settle(app, runner, lambda: until() and runner.in_flight == 0, timeout=30)
    # The charts lay themselves out on the next few turns of the event loop.
    for _ in range(10):
        runner.wait_for_done(20)
        app.processEvents()


def render_report_screenshots(
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    services: ServicesHolder,
    session: UserSession,
    today: dt.date | None = None,
) -> list[Path]:
    """coding-report-productivity.png, coding-report-chapters.png, coding-report-hcc.png."""
    day = today or dt.date.today()
    page = CodingReportsPage(services=services, runner=runner, session=lambda: session)
    page.resize(*SIZE)
    page.show()
    shots: list[Path] = []

    def shoot(grouping: DiagnosisGrouping | None, since: dt.date, name: str) -> None:
        page.choose_report(grouping)
        page.set_custom_period(since, day)
        _settle(
            app,
            runner,
            lambda: (
                not page.loading
                and page.report is not None
                and page.report.since == since
                and (grouping is None) == (not hasattr(page.report, "by"))
            ),
        )
        path = out / name
        page.grab().save(str(path))
        shots.append(path)

    try:
        shoot(None, day - dt.timedelta(days=20), "coding-report-productivity.png")
        year_ago = day.replace(year=day.year - 1) + dt.timedelta(days=1)
        shoot(DiagnosisGrouping.CHAPTER, year_ago, "coding-report-chapters.png")
        shoot(DiagnosisGrouping.HCC, year_ago, "coding-report-hcc.png")
    finally:
        page.close()
        page.deleteLater()
    return shots


def main(argv: list[str]) -> int:  # pragma: no cover - a developer's quick look
    from medrec_desktop.domain.enums import Role
    from medrec_desktop.services.demo import DEMO_USERS

    with quick_demo(argv, patients=150) as d:
        coder = d.inst.auth.login(DEMO_USERS[Role.CODER][0], d.password)
        services = ServicesHolder(inst=d.inst, code_sets=d.code_sets)
        shots = render_report_screenshots(d.out, d.app, d.runner, services=services, session=coder)
    return print_paths(shots)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
