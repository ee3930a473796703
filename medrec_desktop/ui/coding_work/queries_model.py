"""Coder queries as lists show them (``QueryRow`` DTOs) and as a detail reads: the coder's
panel beside an encounter, and the provider's queries waiting for an answer."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from medrec_desktop.domain.coder_queries import QueryRow, QueryState, turnaround_text
from medrec_desktop.ui.encounters.texts import local, when
from medrec_desktop.ui.itemmodels.base import DtoTableModel

STATE_MARKS = {QueryState.OPEN: "?", QueryState.ANSWERED: "✔", QueryState.WITHDRAWN: "⊘"}


def state_text(row: QueryRow) -> str:
    return f"{STATE_MARKS[row.state]} {row.state.label}"


def waited(row: QueryRow, now: dt.datetime) -> str:
    """How long an open query has waited ("3 h"), or its turnaround once answered."""
    if row.state is QueryState.ANSWERED:
        return turnaround_text(row.turnaround)
    if row.state is QueryState.OPEN:
        return turnaround_text(now - row.asked_at)
    return ""


class EncounterQueriesModel(DtoTableModel[QueryRow]):
    """The queries about one encounter, oldest first (the coder's side panel)."""

    HEADERS = ("Asked", "Kind", "State", "Answer", "Turnaround")
    COL_ASKED, COL_KIND, COL_STATE, COL_ANSWER, COL_TURNAROUND = range(5)

    def display(self, row: QueryRow, column: int) -> str:
        if column == self.COL_ASKED:
            return when(row.asked_at)
        if column == self.COL_KIND:
            return row.template.label
        if column == self.COL_STATE:
            return state_text(row)
        if column == self.COL_ANSWER:
            return row.answer or ""
        return turnaround_text(row.turnaround)

    def sort_key(self, row: QueryRow, column: int) -> Any:
        if column == self.COL_ASKED:
            return row.asked_at.isoformat()
        if column == self.COL_TURNAROUND:
            return row.turnaround.total_seconds() if row.turnaround is not None else -1.0
        return self.display(row, column).casefold()

    def tooltip(self, row: QueryRow, column: int) -> str | None:
        if column == self.COL_ANSWER and row.answer_note:
            return f"Provider's note: {row.answer_note}"
        if column == self.COL_STATE and row.withdraw_reason:
            return f"Withdrawn: {row.withdraw_reason}"
        return None

    def find(self, query_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == query_id), -1)


class ProviderQueriesModel(DtoTableModel[QueryRow]):
    """The queries sent to the signed-in provider, oldest first."""

    HEADERS = ("Asked", "Patient", "MRN", "Visit", "Kind", "Asked by", "Waiting", "State")
    (
        COL_ASKED,
        COL_PATIENT,
        COL_MRN,
        COL_VISIT,
        COL_KIND,
        COL_ASKER,
        COL_WAITING,
        COL_STATE,
    ) = range(8)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.now = dt.datetime.now(dt.UTC)

    def display(self, row: QueryRow, column: int) -> str:
        return (
            when(row.asked_at),
            row.patient_name,
            row.mrn,
            f"{local(row.encounter_starts_at):%m/%d/%Y}",
            row.template.label,
            row.asked_by,
            waited(row, self.now),
            state_text(row),
        )[column]

    def sort_key(self, row: QueryRow, column: int) -> Any:
        if column in (self.COL_ASKED, self.COL_WAITING):
            return row.asked_at.isoformat()
        if column == self.COL_VISIT:
            return row.encounter_starts_at.isoformat()
        return self.display(row, column).casefold()

    def tooltip(self, row: QueryRow, column: int) -> str | None:
        if column == self.COL_WAITING and row.state is QueryState.ANSWERED:
            return "Time from the question to your answer"
        if column == self.COL_WAITING and row.state is QueryState.OPEN:
            return "Time since the coder asked"
        return None

    def find(self, query_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == query_id), -1)


def detail_html(row: QueryRow) -> str:
    """The whole query as its reader needs it: question, indicators, options, and the answer
    with the provider's note and the turnaround (escaped: every text is typed by someone)."""
    e = html.escape
    parts = [
        f"<p><b>{e(row.template.label)}</b> · {e(state_text(row))}<br>"
        f"Asked by {e(row.asked_by)} on {e(when(row.asked_at))}, to {e(row.provider)}</p>",
        f"<p><b>Question</b><br>{e(row.question)}</p>",
    ]
    if row.indicators:
        lines = "<br>".join(e(line) for line in row.indicators.splitlines())
        parts.append(f"<p><b>Clinical indicators</b><br>{lines}</p>")
    options = "".join(
        f"<li>{'<b>' + e(o) + ' ✔</b>' if o == row.answer else e(o)}</li>" for o in row.options
    )
    parts.append(f"<p><b>Options</b></p><ul>{options}</ul>")
    if row.state is QueryState.ANSWERED and row.answered_at is not None:
        answer = f"<p><b>Answer</b>: {e(row.answer or '')}"
        if row.answer_note:
            answer += f"<br><b>Note</b>: {e(row.answer_note)}"
        answer += (
            f"<br>Answered on {e(when(row.answered_at))} · turnaround "
            f"{e(turnaround_text(row.turnaround))}</p>"
        )
        parts.append(answer)
    if row.state is QueryState.WITHDRAWN:
        parts.append(f"<p><b>Withdrawn</b>: {e(row.withdraw_reason or '')}</p>")
    return "".join(parts)
