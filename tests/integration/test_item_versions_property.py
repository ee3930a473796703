"""Property (Hypothesis): random edits of a problem leave one version per edit that changed
something, each reading back as exactly the item that was saved, and none of them makes the
program update or delete a version row (SQLCipher and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.domain.problems import ProblemData, ProblemInput
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient
from tests.integration.test_version_rows import statements

_CHANGES_VERSIONS = re.compile(
    r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE)\b[^;]*?\bclinical_item_version\b", re.IGNORECASE
)


@st.composite
def partial_dates(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2019, 12, 31)))
    shown = PartialDate(
        day.year,
        *draw(st.sampled_from([(None, None), (day.month, None), (day.month, day.day)])),
    )
    return draw(st.sampled_from([shown.display, shown.storage]))


@st.composite
def problem_inputs(draw: st.DrawFn) -> ProblemInput:
    status = draw(st.sampled_from([ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED]))
    return ProblemInput(
        description=draw(
            st.text(
                st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]),
                min_size=1,
                max_size=60,
            ).filter(str.strip)
        ),
        icd10cm=draw(st.sampled_from(["", "E11.9", "i10", "J45909", "F33.1"])),
        onset=draw(st.one_of(st.just(""), partial_dates())),
        resolution=draw(st.sampled_from(["", "2020", "06/2021"]))
        if status is ItemStatus.RESOLVED
        else "",
        chronic=draw(st.booleans()),
        status=status,
        sensitivity=draw(st.one_of(st.none(), st.sampled_from(list(Sensitivity)))),
    )


def _state(item: ItemInfo[ProblemData]) -> tuple[Any, ...]:
    return (item.data, item.status, item.sensitivity)


@settings(
    max_examples=25,
    deadline=None,
    # One clinic for all examples: each example works on a problem of its own.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    first=problem_inputs(),
    edits=st.lists(problem_inputs(), min_size=1, max_size=6),
    then_in_error=st.booleans(),
)
def test_each_saved_edit_is_one_reconstructable_version(
    clinic: Clinic, first: ProblemInput, edits: list[ProblemInput], then_in_error: bool
) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    with statements(clinic.inst.store.engine) as seen:
        saved = [clinic.inst.problems.add(provider, pid, first)]
        for n, edit in enumerate(edits):
            clinic.clock.advance(seconds=1)
            result = clinic.inst.problems.update(
                provider, saved[-1].id, edit, expected_version=saved[-1].version, reason=f"edit {n}"
            )
            if _state(result) != _state(saved[-1]):
                saved.append(result)
            else:  # an edit that changes nothing keeps the version it was made on
                assert result == saved[-1]
        if then_in_error:
            saved.append(
                clinic.inst.problems.mark_entered_in_error(
                    provider, saved[-1].id, reason="wrong chart", expected_version=saved[-1].version
                )
            )
        history = clinic.inst.problems.history(provider, saved[0].id)
    assert [v.version for v in history] == list(range(1, len(saved) + 1))
    assert [v.item for v in history] == saved
    for before, version in zip([None, *saved], history, strict=False):
        assert bool(version.changes) == (before is None or _state(before) != _state(version.item))
    assert [s for s in seen if _CHANGES_VERSIONS.search(s)] == []
