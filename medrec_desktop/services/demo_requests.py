"""Amendment requests in the demo clinic (issue 10, item 8): some patients asked to amend a
signed note. In turn, one request is accepted (the change made as an addendum citing it),
one denied (the basis, and the patient's statement of disagreement, given with the request
or received later), one still pending; the turns go round so that even a small demo clinic
has each.

A request is planned as the form records it (``AmendmentInput``, checked by its own
``validated``); its decision is a later version made as ``AmendmentService.accept`` or
``deny`` makes it (the domain's ``addendum_text`` and ``denial_text`` check the words), with
the reason those services give the version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

from medrec_desktop.domain.amendments import (
    AmendmentData,
    AmendmentDecision,
    AmendmentInput,
    addendum_text,
    denial_text,
)
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.services import amendments
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.demo_chart import Planned, PlannedAddendum, Signing, Staff, Version
from medrec_desktop.services.encounter_kinds import AMENDMENT_REQUESTS

# Every this many patients with signed notes, one of each outcome.
EVERY = 30
TURNS = {0: AmendmentDecision.ACCEPTED, 10: AmendmentDecision.DENIED, 20: AmendmentDecision.PENDING}


class RequestPlanner:
    def __init__(self, rng: random.Random, staff: Staff, now: dt.datetime) -> None:
        self.rng, self.staff, self.now = rng, staff, now
        self.patients = 0

    def _at(self, day: dt.date) -> dt.datetime:
        start = dt.datetime.combine(day, dt.time(16, 0), dt.UTC)
        moment = start + dt.timedelta(minutes=self.rng.randint(0, 6 * 60))
        return min(moment, self.now - dt.timedelta(minutes=2))

    def plan(
        self, patient_id: int, signed: list[Signing]
    ) -> tuple[Planned | None, PlannedAddendum | None]:
        """The patient's request, if it is their turn (and the addendum that accepts it)."""
        notes = [s for s in signed if _unlabelled(s.encounter)]
        if not notes:
            return None, None
        turn = self.patients % EVERY
        self.patients += 1
        outcome = TURNS.get(turn)
        today = self.now.date()
        if outcome is None:
            return None, None
        if outcome is AmendmentDecision.PENDING:
            recent = [s for s in notes if s.at.date() < today - dt.timedelta(days=5)]
            if not recent:
                return None, None
            note = max(recent, key=lambda s: s.at)
            received = max(note.at.date() + dt.timedelta(days=1), today - dt.timedelta(days=20))
            return self._request(patient_id, note, tx.PENDING, received), None
        # A decided request: received, then decided within the 60 days the rule allows.
        older = [s for s in notes if s.at.date() < today - dt.timedelta(days=120)]
        if not older:
            return None, None
        note = self.rng.choice(older)
        received = note.at.date() + dt.timedelta(days=self.rng.randint(10, 60))
        decided = self._at(received + dt.timedelta(days=self.rng.randint(5, 45)))
        if outcome is AmendmentDecision.ACCEPTED:
            request = self._request(patient_id, note, tx.ACCEPTED, received)
            reason, text = addendum_text(
                f"Amendment requested by the patient on {received:%m/%d/%Y}, accepted",
                tx.ACCEPTED.accepted_text,
            )
            self._decide(request, decided, self.staff.provider, amendments.ACCEPTED,
                         decision=AmendmentDecision.ACCEPTED)  # fmt: skip
            addendum = PlannedAddendum(  # written with the decision, as the service does
                note.encounter, self.staff.provider, request.versions[-1].at, reason, text, request
            )
            return request, addendum
        request = self._request(patient_id, note, tx.DENIED, received)
        later = self.rng.random() < 0.5  # the statement came after the denial
        why, statement = denial_text(tx.DENIED.denial_reason, tx.DENIED.disagreement)
        self._decide(
            request,
            decided,
            self.staff.records,
            amendments.DENIED,
            decision=AmendmentDecision.DENIED,
            denial_reason=why,
            disagreement=None if later else statement,
        )
        received_statement = decided + dt.timedelta(days=self.rng.randint(7, 30))
        if later and received_statement < self.now:
            request.versions.append(
                Version(
                    None,
                    received_statement,
                    self.staff.records,
                    amendments.DISAGREEMENT,
                    derive=lambda d: dataclasses.replace(d, disagreement=statement),
                )
            )
        return request, None

    def _request(
        self, patient_id: int, note: Signing, words: tx.Request, received: dt.date
    ) -> Planned:
        typed = AmendmentInput(
            received_on=f"{received:%m/%d/%Y}",
            concerns=words.concerns,
            requested_change=words.requested_change,
            patient_reason=words.patient_reason,
        )
        at = max(self._at(received), note.at + dt.timedelta(minutes=1))
        request = Planned(AMENDMENT_REQUESTS, patient_id, [Version(typed, at, self.staff.records)])
        request.links["encounter_id"] = note.encounter
        return request

    @staticmethod
    def _decide(request: Planned, at: dt.datetime, by: int, reason: str, **decided: Any) -> None:
        when = max(at, request.versions[-1].at + dt.timedelta(minutes=1))

        def derive(data: AmendmentData) -> AmendmentData:
            return dataclasses.replace(data, decided_by=by, decided_on=when.date(), **decided)

        request.versions.append(Version(None, when, by, reason, derive=derive))


def _unlabelled(encounter: Planned) -> bool:
    typed = encounter.versions[-1].input
    return isinstance(typed, EncounterInput) and typed.sensitivity is None
