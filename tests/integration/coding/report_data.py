"""A clinic's coding work for the report tests (integration and UI): signed visits on chosen
dates, coded by two coders at chosen times (the clinic's clock moved), queries asked and
answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput, finding_key
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_reports import CodingReportService
from medrec_desktop.services.coding_work import EncounterCodingService
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient

VISIT = SAMPLE_INPUTS["encounter"]
assert isinstance(VISIT, EncounterInput)
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def noon(month: int, day: int, hour: int = 12) -> dt.datetime:
    # Midday UTC: the same local date wherever the tests run (UTC-11 to UTC+11).
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


class Desk:
    """The clinic with its coding services, and a second coder."""

    def __init__(self, c: Clinic, store: CodeSetStore) -> None:
        self.c = c
        codes = CodeSets(store=store)
        self.work = EncounterCodingService(ctx=c.inst.ctx, codes=codes)
        self.reports = CodingReportService(ctx=c.inst.ctx, codes=codes)
        self.provider = c.sessions[Role.PROVIDER]
        self.coder = c.sessions[Role.CODER]
        c.inst.users.add_user(
            c.admin, "coder2", "Second Coder", Role.CODER, ROLE_PASSWORD, must_change_password=False
        )
        self.coder2 = c.inst.auth.login("coder2", ROLE_PASSWORD)

    def at(self, moment: dt.datetime) -> None:
        self.c.clock.now = moment

    def visit(self, pid: int, starts_at: dt.datetime) -> int:
        self.at(starts_at + dt.timedelta(hours=1))
        added = self.c.inst.encounters.add(self.provider, pid, replace(VISIT, starts_at=starts_at))  # type: ignore[arg-type]
        self.c.inst.encounters.sign(
            self.provider, added.id, password=ROLE_PASSWORD, expected_version=1
        )
        return int(added.id)

    def code(
        self,
        who: UserSession,
        eid: int,
        *codes: str,
        overrides: dict[str, str] | None = None,
        reason: str | None = None,
        mark: bool = True,
    ) -> None:
        current = self.work.get(who, eid).version
        saved = self.work.save(
            who,
            eid,
            CodingInput(diagnoses=tuple(CodedDiagnosis(c, "") for c in codes)),
            expected_version=current,
            reason=reason,
        )
        if mark:
            assert saved.version is not None
            self.work.mark_coded(who, eid, expected_version=saved.version, overrides=overrides)

    def ask(self, who: UserSession, eid: int) -> tuple[int, int]:
        q = self.c.inst.coder_queries.ask(
            who,
            eid,
            QueryInput("clarify", "Can the type of the condition be clarified?", ("Type 2",)),
        )
        return q.id, q.version

    def answer(self, query: tuple[int, int]) -> None:
        self.c.inst.coder_queries.answer(
            self.provider, query[0], expected_version=query[1], answer="Type 2"
        )


def a_month_of_coding(desk: Desk) -> None:
    """Two patients' November: visits coded on three days by the two coders (one with an
    Excludes1 error overridden), a query answered in 6 hours and one still open."""
    c = desk.c
    p1, p2 = new_patient(c), new_patient(c)
    visits = [desk.visit(p, noon(11, d)) for p, d in ((p1, 2), (p2, 3), (p1, 4), (p2, 5))]
    desk.at(noon(11, 9))
    desk.code(desk.coder, visits[0], "E11.9", "I10")
    desk.code(
        desk.coder,
        visits[1],
        "E11.9",
        "E10.9",
        overrides={finding_key("EXCLUDES1", ("E11.9", "E10.9")): "Both documented"},
    )
    asked = desk.ask(desk.coder, visits[2])
    desk.at(noon(11, 9, 18))
    desk.answer(asked)
    desk.at(noon(11, 10))
    desk.code(desk.coder2, visits[2], "N18.4", "I10")
    desk.at(noon(11, 12))
    desk.code(desk.coder2, visits[3], "J45.909")
    desk.ask(desk.coder, visits[3])
