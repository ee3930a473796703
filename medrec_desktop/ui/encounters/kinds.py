"""Encounters and amendment requests declared for the generic chart views (history with
differences, the concurrent-edit conflict view): their fields, labels and how a stored
value reads.

A note's provider and problems are stored as ids; the history and conflict views show them
by name through :class:`Names`, which the encounters page fills from what it has read (the
providers offered, the patient's problems). Each page makes its own declarations with
:func:`encounter_kind` and :func:`amendment_kind`, so nothing is shared between windows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.amendments import (
    AMENDMENT_STATUS_LABELS,
    AmendmentData,
    AmendmentDecision,
    AmendmentInput,
)
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.encounters import (
    ENCOUNTER_STATUS_LABELS,
    EncounterData,
    EncounterInput,
    EncounterType,
)
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.ui.chart.field_widgets import parse_local
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec
from medrec_desktop.ui.chart.kind_view import Column, KindView
from medrec_desktop.ui.encounters.texts import day, note_name, type_label, when

SOAP = ("subjective", "objective", "assessment", "plan")
# Labels with the Alt letters left free on the chart (see ui/chart/kinds.py): the menus
# (f p h), the chart's buttons (w c) and tabs (u o g t d), the form's Save
# (s) and Sign (i) and its "Link a new entry" menu (k).
LABELS = {
    "starts_at": "Date and ti&me",
    "encounter_type": "T&ype",
    "provider_id": "Pro&vider",
    "location": "&Location",
    "reason_for_visit": "&Reason for visit",
    "subjective": "Sub&jective",
    "objective": "O&bjective",
    "assessment": "&Assessment",
    "plan": "Pla&n",
    "problems_addressed": "Problems addressed",
}


@dataclass
class Names:
    """Ids as people read them: users (providers, signers) and the patient's problems."""

    users: dict[int, str] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)

    def user(self, user_id: int | None, fallback: str | None = None) -> str:
        """The user's name; ``fallback`` when this screen has not read it (the version
        that set the id was saved by them, so its author is the name)."""
        if user_id is None:
            return ""
        found = self.users.get(int(user_id))
        if found is not None:
            return found
        return fallback if fallback is not None else f"user no. {user_id}"

    def problem_list(self, ids: tuple[int, ...]) -> str:
        return "; ".join(self.problems.get(int(i), f"problem no. {i}") for i in ids)


def problem_ids(text: str) -> tuple[int, ...]:
    """The problem ids a form value holds ("3,5", or a stored tuple's text "(3, 5)")."""
    return tuple(dict.fromkeys(int(n) for n in re.findall(r"\d+", text)))


def build_encounter(**values: Any) -> EncounterInput:
    """The input from the form's text: the time is local (the form shows local time)."""
    starts = parse_local(str(values.pop("starts_at", "") or ""))
    provider = str(values.pop("provider_id", "") or "").strip()
    problems = problem_ids(str(values.pop("problems_addressed", "") or ""))
    kind = str(values.pop("encounter_type", "") or "")
    return EncounterInput(
        starts_at=starts,
        encounter_type=kind,
        provider_id=int(provider) if provider.isdigit() else None,
        problems_addressed=problems,
        **values,
    )


def build_amendment(**values: Any) -> AmendmentInput:
    """The request as typed in its dialog (all text; the note by its id)."""
    note = str(values.pop("encounter_id", "") or "").strip()
    return AmendmentInput(encounter_id=int(note) if note.isdigit() else None, **values)


def _types() -> tuple[tuple[str, str], ...]:
    return tuple((t.value, t.label) for t in EncounterType)


def encounter_kind(names: Names) -> KindView[EncounterData, EncounterInput]:
    def fields() -> tuple[FieldSpec, ...]:
        return (
            FieldSpec("starts_at", LABELS["starts_at"], FieldKind.DATETIME, required=True),
            FieldSpec("encounter_type", LABELS["encounter_type"], FieldKind.CHOICE, _types()),
            # Its choices (the clinic's providers) are loaded by the form.
            FieldSpec("provider_id", LABELS["provider_id"], FieldKind.LOOKUP, required=True),
            FieldSpec("location", LABELS["location"], placeholder="e.g. Room 3, Maple Street"),
            FieldSpec(
                "reason_for_visit",
                LABELS["reason_for_visit"],
                placeholder="in the patient's words or the scheduler's",
                required=True,
            ),
            *(FieldSpec(n, LABELS[n], FieldKind.MULTILINE) for n in SOAP),
            FieldSpec("problems_addressed", LABELS["problems_addressed"]),
        )

    formats: Mapping[str, Any] = {
        "starts_at": lambda i: when(i.data.starts_at),
        "encounter_type": lambda i: type_label(i.data.encounter_type),
        "provider_id": lambda i: names.user(i.data.provider_id),
        "problems_addressed": lambda i: names.problem_list(i.data.problems_addressed),
        "signed_by": lambda i: names.user(i.data.signed_by),
        "signed_at": lambda i: when(i.data.signed_at) if i.data.signed_at else "",
    }
    return KindView(
        key="encounters",
        title="Encounters",
        tab="Encounters",
        noun="encounter",
        service=lambda inst: inst.encounters,
        change=ChangeKind.ENCOUNTERS,
        columns=(Column("Date", lambda i: when(i.data.starts_at)),),
        fields=fields(),
        statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
        status_labels=ENCOUNTER_STATUS_LABELS,
        formats=formats,
        editing=EncounterInput.editing,
        build=build_encounter,
        line=lambda i: f"{note_name(i.data.starts_at, i.data.encounter_type)}",
        name=lambda i: note_name(i.data.starts_at, i.data.encounter_type),
        summary_title="Encounters",
        summary_empty="No encounters recorded.",
        add_label="&Add encounter…",
    )


DECISIONS = {
    AmendmentDecision.PENDING: "◷ Pending",
    AmendmentDecision.ACCEPTED: "✔ Accepted",
    AmendmentDecision.DENIED: "✖ Denied",
}


def decision_text(value: AmendmentDecision | str) -> str:
    try:
        return DECISIONS[AmendmentDecision(value)]
    except ValueError:
        return str(value)


def amendment_kind(
    names: Names, notes: Mapping[int, str]
) -> KindView[AmendmentData, AmendmentInput]:
    """``notes``: the patient's encounters by id, as named in choices ("03/14/2025 office
    visit")."""

    def note(encounter_id: int | None) -> str:
        if encounter_id is None:
            return "(the record in general)"
        return notes.get(int(encounter_id), f"encounter no. {encounter_id}")

    formats: Mapping[str, Any] = {
        "received_on": lambda i: day(i.data.received_on),
        "encounter_id": lambda i: note(i.data.encounter_id),
        "decision": lambda i: decision_text(i.data.decision),
        # The version deciding a request is saved by whoever decided it.
        "decided_by": lambda i: names.user(i.data.decided_by, i.changed_by),
        "decided_on": lambda i: day(i.data.decided_on),
    }
    return KindView(
        key="amendments",
        title="Amendment requests",
        tab="Amendment requests",
        noun="amendment request",
        service=lambda inst: inst.amendments,
        change=ChangeKind.AMENDMENTS,
        columns=(Column("Received", lambda i: day(i.data.received_on)),),
        fields=(
            FieldSpec("received_on", "&Received on", FieldKind.PARTIAL_DATE, required=True),
            FieldSpec("encounter_id", "Concerns the &note", FieldKind.LOOKUP),
            FieldSpec("concerns", "Part of the record"),
            FieldSpec("requested_change", "What to change", FieldKind.MULTILINE, required=True),
            FieldSpec("patient_reason", "Why (the patient's words)", FieldKind.MULTILINE),
        ),
        statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
        status_labels=AMENDMENT_STATUS_LABELS,
        formats=formats,
        editing=AmendmentInput.editing,
        build=build_amendment,
        line=lambda i: f"{day(i.data.received_on)} {decision_text(i.data.decision)}",
        name=lambda i: f"amendment request of {day(i.data.received_on)}",
        summary_title="Amendment requests",
        summary_empty="No amendment requests.",
        add_label="Record a re&quest…",
    )


def is_signed(item: ItemInfo[EncounterData]) -> bool:
    return item.data.signed_at is not None
