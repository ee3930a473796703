"""The acts of the demo clinic's coding (``demo_coding.py``): the coding and query services
signed in as the demo's coders and provider, each step run at the time the demo says it
happened (a copy of the clinic's context with a clock of the demo's own), and the words the
demo's coders and provider use."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from medrec_desktop.domain.coder_queries import QueryInput, QueryRow, QueryTemplate
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
    finding_key,
)
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.services.chart_kinds import MEDICATIONS, MedicationService
from medrec_desktop.services.coder_queries import CoderQueryService
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.context import ServiceContext
from medrec_desktop.services.demo_coding_facts import Visit

OVERRIDE_REASON = (
    "Provider documents both conditions as separate and unrelated at this visit "
    "(Excludes1 exception, guideline I.A.12.a)."
)
RETURN_REASON = (
    "The assessment does not say which of the problems listed were addressed at this "
    "visit; please add an addendum naming them."
)
#: a code -> (kind of query, question, options, the code the first option leads to)
QUESTIONS: dict[str, tuple[QueryTemplate, str, tuple[str, ...], str]] = {
    "E11.9": (
        QueryTemplate.SPECIFICITY,
        "The record documents type 2 diabetes mellitus with the results listed below. Based "
        "on your clinical judgment, can a complication or the degree of control be specified?",
        (
            "Type 2 diabetes mellitus with hyperglycemia",
            "Type 2 diabetes mellitus without complications",
            "Type 2 diabetes mellitus with diabetic chronic kidney disease",
        ),
        "E11.65",
    ),  # fmt: skip
    "J45.909": (
        QueryTemplate.SPECIFICITY,
        "The record documents asthma. Based on your clinical judgment, can its severity and "
        "persistence be further specified?",
        ("Mild intermittent asthma", "Mild persistent asthma", "Moderate persistent asthma"),
        "J45.20",
    ),
    "E78.5": (
        QueryTemplate.SPECIFICITY,
        "The record documents hyperlipidemia. Based on the lipid results, can the type be "
        "further specified?",
        ("Pure hypercholesterolemia", "Mixed hyperlipidemia", "Hyperlipidemia, unspecified"),
        "E78.00",
    ),
    "N18.30": (
        QueryTemplate.SPECIFICITY,
        "The record documents chronic kidney disease stage 3. Based on the eGFR results, can "
        "the stage be further specified?",
        ("Stage 3a", "Stage 3b"),
        "N18.31",
    ),
    "J06.9": (
        QueryTemplate.CLARIFY,
        "The record documents cough and nasal congestion for 5 days with clear lungs. Based "
        "on your clinical judgment, can you clarify the condition evaluated?",
        ("Acute upper respiratory infection", "Acute bronchitis", "Allergic rhinitis"),
        "J06.9",
    ),
}
APIXABAN_QUERY = QueryInput(
    QueryTemplate.CLARIFY,
    "The medication list documents apixaban 5 mg twice daily; no indication for it is "
    "documented in the problem list or in this visit's assessment. Based on your clinical "
    "judgment, can you clarify the condition it is prescribed for?",
    ("Atrial fibrillation", "History of venous thromboembolism", "It was stopped"),
    indicators="Medication list: apixaban 5 mg twice daily, started by an outside cardiologist.",
)
RECODE_REASON = "Long-term use of metformin (on the medication list) added."
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


class Clock:
    """The demo's clock: each step runs at the time it is said to have happened."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def without(codes: Sequence[str], prefix: str) -> tuple[str, ...]:
    return tuple(c for c in codes if not c.startswith(prefix))


class Coders:
    """The services, signed in as the demo's coders and provider, run at the demo's times."""

    def __init__(
        self,
        ctx: ServiceContext,
        codes: CodeSets,
        coders: Sequence[UserSession],
        provider: UserSession,
    ) -> None:
        self.now = ctx.now()
        self.clock = Clock(self.now)
        run_ctx = dataclasses.replace(ctx, clock=self.clock)
        self.work = EncounterCodingService(ctx=run_ctx, codes=codes)
        self.queries = CoderQueryService(ctx=run_ctx)
        self.medications: MedicationService = MedicationService(ctx=run_ctx, kind=MEDICATIONS)
        self.coders = coders
        self.provider = provider
        self.versions: dict[int, int] = {}
        self.asked: dict[int, QueryRow] = {}
        #: a reason for each error the last save found (for the visit coded with an override)
        self._override: dict[str, str] = {}
        self.steps: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.coded = self.in_progress = self.returned = self.answered = self.open = 0

    def at(self, when: dt.datetime, step: Callable[[], None]) -> None:
        self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        for when, _n, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            self.clock.at = when
            step()

    # -------------------------------------------------------------- the acts

    def save(self, who: UserSession, v: Visit, dx: Sequence[str], reason: str | None = None) -> int:
        """Save the codes; the number of errors the checks found."""
        view = self.work.save(
            who,
            v.id,
            CodingInput(
                diagnoses=tuple(CodedDiagnosis(c, "") for c in dx),
                procedures=tuple(
                    CodedProcedure(ProcedureSystem.HCPCS, c, "", pointers=(1,)) for c in v.hcpcs
                ),
            ),
            expected_version=self.versions.get(v.id),
            reason=reason,
        )
        assert view.coding is not None
        self.versions[v.id] = view.coding.version
        self._override = {
            finding_key(f.rule_id, f.codes): OVERRIDE_REASON
            for f in view.findings
            if f.severity.value == "error"
        }
        return view.coding.data.error_count

    def code(
        self,
        when: dt.datetime,
        who: UserSession,
        v: Visit,
        dx: Sequence[str],
        *,
        override: bool = False,
        reason: str | None = None,
    ) -> None:
        def step() -> None:
            errors = self.save(who, v, dx, reason)
            if errors and not override:
                self.in_progress += 1  # left for a coder to fix
                return
            self.clock.at = when + 3 * MINUTE
            view = self.work.mark_coded(
                who,
                v.id,
                expected_version=self.versions[v.id],
                overrides=self._override if override else None,
            )
            assert view.version is not None
            self.versions[v.id] = view.version
            self.coded += reason is None

        self.at(when, step)

    def begin(self, when: dt.datetime, who: UserSession, v: Visit, dx: Sequence[str]) -> None:
        def step() -> None:
            self.save(who, v, dx)
            self.in_progress += 1

        self.at(when, step)

    def give_back(self, when: dt.datetime, who: UserSession, v: Visit) -> None:
        def step() -> None:
            self.work.return_to_provider(who, v.id, expected_version=None, reason=RETURN_REASON)
            self.returned += 1

        self.at(when, step)

    def ask(self, when: dt.datetime, who: UserSession, v: Visit, query: QueryInput) -> None:
        def step() -> None:
            self.asked[v.id] = self.queries.ask(who, v.id, query)
            self.open += 1

        self.at(when, step)

    def answer(self, when: dt.datetime, v: Visit) -> None:
        def step() -> None:
            q = self.asked[v.id]
            self.queries.answer(
                self.provider, q.id, expected_version=q.version, answer=q.options[0]
            )
            self.open -= 1
            self.answered += 1

        self.at(when, step)

    def prescribe_apixaban(self, when: dt.datetime, v: Visit) -> None:
        start = v.dos - dt.timedelta(days=300)

        def step() -> None:
            self.medications.add(
                self.provider,
                PatientId(v.patient_id),
                MedicationInput(
                    name="Apixaban",
                    strength="5 mg",
                    dose="1",
                    dose_unit="tablet",
                    route="oral",
                    frequency="twice daily",
                    start=f"{start:%m/%d/%Y}",
                    prescriber="Outside cardiologist",
                ),
            )

        self.at(when, step)
