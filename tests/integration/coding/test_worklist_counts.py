"""The coding worklist's counts, totals and withheld labelled encounters (issue 13), on
SQLCipher and PostgreSQL, for every scope and flag: what the one pass over the worklist's
indexes counts is what the page lists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.coding_work import CodingInput, WorklistFilter, WorklistScope
from medrec_desktop.domain.enums import Role
from tests.integration.chart_samples import new_patient
from tests.integration.coding.test_billing_export import Billing, at, billing, dx  # noqa: F401

QUESTION = QueryInput("clarify", "Can the cause of the anemia be clarified?", ("Iron deficiency",))


def test_counts_and_totals_follow_the_list(billing: Billing) -> None:  # noqa: F811
    c = billing.c
    coder, provider = c.sessions[Role.CODER], c.sessions[Role.PROVIDER]
    pid = new_patient(c)
    coded = [billing.visit(pid, at(d), CodingInput(diagnoses=dx("I10"))) for d in (2, 3)]
    started = billing.visit(pid, at(4), CodingInput(diagnoses=dx("I10")), coded=False)
    erring = billing.visit(pid, at(5), CodingInput(diagnoses=dx("E11.9", "E10.9")), coded=False)
    untouched = billing.visit(pid, at(6), None)
    asked = billing.visit(pid, at(7), None)
    c.inst.coder_queries.ask(coder, asked, QUESTION)
    returned = billing.visit(pid, at(8), None)
    billing.coding.return_to_provider(coder, returned, expected_version=None, reason="no plan")
    labelled = billing.visit(pid, at(9), None)
    with c.inst.store.unit_of_work() as db:
        db.execute(
            text("UPDATE encounter SET sensitivity = :s WHERE id = :id"),
            {"s": Sensitivity.SUBSTANCE_USE.value, "id": labelled},
        )

    page = billing.coding.worklist(coder, WorklistFilter())
    assert [r.encounter_id for r in page.rows] == [started, erring, untouched, asked]
    assert dict(page.counts) == {
        "all": 7,
        "to_code": 4,
        "returned": 1,
        "coded": 2,
        "open_query": 1,
        "errors": 1,
    }
    assert (page.total, page.withheld) == (4, 1)
    cases = {
        WorklistFilter(scope=WorklistScope.ALL): [
            *coded,
            started,
            erring,
            untouched,
            asked,
            returned,
        ],
        WorklistFilter(scope=WorklistScope.CODED): coded,
        WorklistFilter(scope=WorklistScope.RETURNED): [returned],
        WorklistFilter(has_errors=True): [erring],
        WorklistFilter(has_errors=False): [started, untouched, asked],
        WorklistFilter(has_open_query=True): [asked],
        WorklistFilter(scope=WorklistScope.ALL, has_open_query=False, has_errors=False): [
            *coded,
            started,
            untouched,
            returned,
        ],
    }
    for flt, wanted in cases.items():
        got = billing.coding.worklist(coder, flt)
        assert [r.encounter_id for r in got.rows] == wanted, flt
        assert got.total == len(wanted) and got.counts == page.counts and got.withheld == 1, flt
    # Paging keeps the total; the provider, who may see the label, sees it listed.
    second = billing.coding.worklist(coder, WorklistFilter(), offset=2, limit=1)
    assert [r.encounter_id for r in second.rows] == [untouched] and second.total == 4
    everything = billing.coding.worklist(provider, WorklistFilter(scope=WorklistScope.ALL))
    assert labelled in [r.encounter_id for r in everything.rows] and everything.withheld == 0
    assert everything.counts["all"] == 8


@pytest.mark.parametrize("day", [1, 30])
def test_a_date_range_outside_the_visits_counts_nothing(billing: Billing, day: int) -> None:  # noqa: F811
    c = billing.c
    billing.visit(new_patient(c), at(15), CodingInput(diagnoses=dx("I10")))
    page = billing.coding.worklist(
        c.sessions[Role.CODER],
        WorklistFilter(
            scope=WorklistScope.ALL, since=dt.date(2026, 11, day), until=dt.date(2026, 11, day)
        ),
    )
    assert (page.rows, page.total, page.withheld) == ((), 0, 0)
    assert set(page.counts.values()) == {0}
