"""The demo clinic's coding (issue 13, item 8): what two coders did over the last two weeks,
so the worklist, the review panel and the reports have work to show.

Done through the services themselves (``EncounterCodingService``, ``CoderQueryService``),
signed in as the demo coders and the demo provider, at the times the demo says each step
happened: the services run on a copy of the clinic's context whose clock the demo sets, as
the charts' dates are set in the past (the audit trail says when each step "happened").

Of the newest signed visits the demo can code (``demo_coding_facts.py``), the newest few are
not started; one is returned to its provider; one has an Excludes1 error still standing and
another was marked coded with the error overridden and the reason written; a few are being
coded, one with an open query; three were coded after a query the provider answered; one was
re-coded; the rest were coded, over the last ten working days, by either coder. Chronic
conditions are left uncoded on purpose, each on a visit being coded: a diabetic on metformin
with an HbA1c without E11 on the visit; a patient on apixaban without I48 (the medication is
added to an older patient's list when the demo has nobody on it), with an open query asking
what it treats; a CKD patient whose CKD was coded last year and not on this year's visit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from medrec_desktop.domain.coder_queries import QueryInput
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.context import ServiceContext
from medrec_desktop.services.demo_coding_acts import (
    APIXABAN_QUERY,
    HOUR,
    MINUTE,
    QUESTIONS,
    RECODE_REASON,
    Coders,
    without,
)
from medrec_desktop.services.demo_coding_facts import CodingFacts, Visit

#: the second demo coder (the first is DEMO_USERS' coder)
WINDOW = 30  # the newest visits the demo decides about (the older ones wait in the worklist)
WORK_DAYS = 10
#: a code -> the code a coder would add by mistake beside it (an Excludes1 pair)
EXCLUDES1 = {"E11.9": "R73.9", "J45.909": "R06.2", "N30.00": "N39.0", "M54.50": "M54.41"}
TURNAROUNDS = (3.0, 20.0, 52.0)  # hours the provider took to answer the three queries


@dataclass(frozen=True)
class DemoCoding:
    coded: int
    in_progress: int
    returned: int
    queries_open: int
    queries_answered: int
    #: what was left uncoded on purpose ("diabetes", "anticoagulant", "ckd") -> encounter id;
    #: "ckd last year" is the visit where that CKD was coded
    planted: Mapping[str, int]


def code_clinic(
    ctx: ServiceContext,
    codes: CodeSets,
    facts: CodingFacts,
    *,
    coders: Sequence[UserSession],
    provider: UserSession,
    seed: int,
) -> DemoCoding:
    """Code the demo clinic's visits as the module docstring says."""
    c = Coders(ctx, codes, coders, provider)
    rng = random.Random(seed * 7_919 + 13)
    today = c.now.astimezone().date()
    days = _work_days(today)
    recent = days[-3:]
    codable = [v for v in facts.visits if v.diagnoses and v.signed_at < c.now - 2 * HOUR]
    used: set[int] = set()
    planted: dict[str, int] = {}

    def when(v: Visit, choices: Sequence[dt.date]) -> dt.datetime | None:
        """A working time on one of ``choices`` after the note was signed, before now."""
        for day in sorted(choices, key=lambda _d: rng.random()):
            at = _local(day, rng.randint(8 * 60 + 30, 16 * 60 + 30))
            if v.signed_at + HOUR < at < c.now - 10 * MINUTE:
                return at
        later = v.signed_at + rng.randint(2, 20) * HOUR
        return later if later < c.now - 10 * MINUTE else None

    def pick(fits: Callable[[Visit], bool]) -> Visit | None:
        found = next((v for v in codable if v.id not in used and fits(v)), None)
        if found is not None:
            used.add(found.id)
        return found

    def plant(name: str, v: Visit | None, dx: Sequence[str]) -> dt.datetime | None:
        at = when(v, recent) if v is not None else None
        if v is None or at is None or not dx:
            return None
        c.begin(at, rng.choice(coders), v, dx)
        planted[name] = v.id
        return at

    meds, problems = facts.medications, facts.problems
    sugar = pick(
        lambda v: (
            "metformin" in meds.get(v.patient_id, ())
            and v.patient_id in facts.a1c
            and any(p.startswith("E11") for p in problems.get(v.patient_id, ()))
            and bool(without(v.diagnoses, "E11"))
        )
    )
    plant("diabetes", sugar, without(sugar.diagnoses, "E11") if sugar else ())
    thinner = pick(
        lambda v: "apixaban" in meds.get(v.patient_id, ()) and bool(without(v.diagnoses, "I48"))
    )
    if thinner is None:  # nobody on apixaban: an older patient's list gets it
        diabetic = sugar.patient_id if sugar is not None else None
        thinner = pick(lambda v: v.age >= 60 and v.patient_id != diabetic)
        if thinner is not None:
            c.prescribe_apixaban(thinner.starts_at - 2 * HOUR, thinner)
    asked_at = plant("anticoagulant", thinner, without(thinner.diagnoses, "I48") if thinner else ())
    if thinner is not None and asked_at is not None:
        c.ask(asked_at + 5 * MINUTE, rng.choice(coders), thinner, APIXABAN_QUERY)
    _plant_ckd(c, codable, problems, used, planted, today, rng, plant)

    # The special cases, among the newest visits that fit them.
    settled = c.now - 5 * 24 * HOUR  # signed days ago: time for a query and its answer
    standing = pick(lambda v: any(d in EXCLUDES1 for d in v.diagnoses))
    overridden = pick(lambda v: any(d in EXCLUDES1 for d in v.diagnoses))
    unsure = pick(lambda v: any(d in QUESTIONS for d in v.diagnoses))
    answered = [
        pick(lambda v: v.signed_at < settled and any(d in QUESTIONS for d in v.diagnoses))
        for _ in TURNAROUNDS
    ]
    recoded = pick(
        lambda v: (
            v.signed_at < settled
            and "E11.9" in v.diagnoses
            and "metformin" in meds.get(v.patient_id, ())
        )
    )
    if standing is not None and (at := when(standing, recent)) is not None:
        code = next(d for d in standing.diagnoses if d in EXCLUDES1)
        c.begin(at, rng.choice(coders), standing, (*standing.diagnoses, EXCLUDES1[code]))
    if overridden is not None and (at := when(overridden, days)) is not None:
        code = next(d for d in overridden.diagnoses if d in EXCLUDES1)
        c.code(at, coders[0], overridden, (*overridden.diagnoses, EXCLUDES1[code]), override=True)
    if unsure is not None and (at := when(unsure, recent)) is not None:
        code = next(d for d in unsure.diagnoses if d in QUESTIONS)
        c.begin(at, coders[0], unsure, unsure.diagnoses)
        c.ask(at + 5 * MINUTE, coders[0], unsure, _query(code))
    for v, hours in zip(answered, TURNAROUNDS, strict=True):
        asked = when(v, days[:-3]) if v is not None else None
        if v is None or asked is None or asked + (hours + 1) * HOUR >= c.now - 10 * MINUTE:
            continue
        code = next(d for d in v.diagnoses if d in QUESTIONS)
        who = coders[1 if hours > 10 else 0]
        c.ask(asked, who, v, _query(code))
        c.answer(asked + hours * HOUR, v)
        dx = tuple(QUESTIONS[code][3] if d == code else d for d in v.diagnoses)
        c.code(asked + (hours + 1) * HOUR, who, v, dx)
    if recoded is not None and (at := when(recoded, days[:5])) is not None:
        c.code(at, coders[1], recoded, recoded.diagnoses)
        again = at + rng.randint(24, 72) * HOUR
        if again < c.now - HOUR:
            c.code(again, coders[0], recoded, (*recoded.diagnoses, "Z79.84"), reason=RECODE_REASON)

    # Of the other newest visits: the newest not reached yet, one returned, two being coded,
    # the rest coded over the working days, oldest first, the two coders taking turns.
    window = [v for v in codable if v.id not in used][:WINDOW]
    pool = window[max(2, len(window) // 7) :]
    rng.shuffle(pool)
    returned, busy = pool[:1], pool[1:3]  # (a tiny demo may have none)
    for v in returned:
        if (at := when(v, recent)) is not None:
            c.give_back(at, rng.choice(coders), v)
    for v in busy:
        if (at := when(v, recent)) is not None:
            c.begin(at, rng.choice(coders), v, v.diagnoses)
    rest = sorted(pool[3:], key=lambda v: v.signed_at)
    for n, v in enumerate(rest):
        day = days[min(n * len(days) // max(len(rest), 1), len(days) - 1)]
        if (at := when(v, [day])) is not None:
            turn = days.index(day) + (rng.random() < 0.25)  # now and then the other one
            c.code(at, coders[turn % len(coders)], v, v.diagnoses)
    c.run()
    return DemoCoding(
        coded=c.coded,
        in_progress=c.in_progress,
        returned=c.returned,
        queries_open=c.open,
        queries_answered=c.answered,
        planted=planted,
    )


def _plant_ckd(
    c: Coders,
    codable: list[Visit],
    problems: Mapping[int, frozenset[str]],
    used: set[int],
    planted: dict[str, int],
    today: dt.date,
    rng: random.Random,
    plant: Callable[[str, Visit | None, Sequence[str]], dt.datetime | None],
) -> None:
    """CKD coded on a visit last year, and not on the patient's newest visit this year."""
    for v in codable:
        ckd = sorted(p for p in problems.get(v.patient_id, ()) if p.startswith("N18"))
        rest = without(v.diagnoses, "N18")
        if v.id in used or v.dos.year != today.year or not ckd or not rest:
            continue
        before = next(
            (
                w
                for w in codable
                if w.patient_id == v.patient_id
                and w.dos.year == today.year - 1
                and w.id not in used
            ),
            None,
        )
        if before is None:
            continue
        dx = before.diagnoses
        if not any(d.startswith("N18") for d in dx):
            dx = (*dx, ckd[0])
        used.update((v.id, before.id))
        c.code(before.signed_at + rng.randint(20, 70) * HOUR, rng.choice(c.coders), before, dx)
        planted["ckd last year"] = before.id
        plant("ckd", v, rest)
        return


def _query(code: str) -> QueryInput:
    template, question, options, _leads_to = QUESTIONS[code]
    return QueryInput(template, question, options)


def _local(day: dt.date, minutes: int) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return moment.astimezone().astimezone(dt.UTC)


def _work_days(today: dt.date) -> list[dt.date]:
    """The last WORK_DAYS weekdays before today, oldest first."""
    out: list[dt.date] = []
    day = today
    while len(out) < WORK_DAYS:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out[::-1]
