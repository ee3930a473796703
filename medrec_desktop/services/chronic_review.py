"""Chronic-condition review beside an encounter (issue 13): what the record says that this
encounter's codes do not, so a pre-existing condition such as diabetes never slips through
uncoded. Four rules, in this order:

1. active chronic problems on the problem list (the chronic flag, or a chronic code) without
   their code, or one of its category, or a diagnosis linked to them, on the encounter;
2. chronic diagnoses (a chronic category of ``domain.chronic_rules`` or a chronic CMS-HCC
   category) coded on the patient's other encounters in the 12 months before the date of
   service and absent now;
3. chronic HCC categories captured on coded encounters last calendar year and not yet this
   year (in the model year in force on the date of service, hierarchies applied: a higher
   category captured this year covers a lower one), suggesting last year's code;
4. medications, results, procedures and words in this encounter's note pointing to an
   uncoded condition (``domain.chronic_rules.EVIDENCE_RULES``).

A suggestion pointing to the same condition as an earlier one is merged into it (its
evidence added): diabetes on the problem list, coded last spring and treated with metformin
is one suggestion with three lines of evidence. A dismissal recorded on the encounter
(``CodingData.dismissals``) names a suggestion's key and sets aside the whole condition:
dismissed suggestions are returned apart, with the reason.

The record is read in a fixed number of queries (``services.chronic_record``) and the code
sets in two (``coding.hcc``), however long the record: the issue's figure is under 200 ms for
a patient with ten years of data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from medrec_desktop.coding import hcc as hcc_sets
from medrec_desktop.coding.detail import hcc_payment_year
from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import HccCategory
from medrec_desktop.domain.chronic_review import ReviewResult, ReviewSuggestion, SuggestionKind
from medrec_desktop.domain.chronic_rules import (
    EVIDENCE_RULES,
    category,
    chronic_by_category,
    norm,
)
from medrec_desktop.domain.coding_work import CodingData
from medrec_desktop.services.base import Op
from medrec_desktop.services.chronic_evidence import Candidate, capped, dated, evidence_candidates
from medrec_desktop.services.chronic_record import (
    LOOKBACK_DAYS,
    CodedVisit,
    RecordFacts,
    read_record,
)

if TYPE_CHECKING:  # services.coding_work imports this module
    from medrec_desktop.services.coding_work import EncounterContext

_ORDER = {k: n for n, k in enumerate(SuggestionKind)}
#: every code a rule may suggest: their HCC categories are read with the record's
_RULE_CODES = tuple(
    {
        c
        for r in EVIDENCE_RULES
        for c in (
            r.code,
            *(f.code for f in r.refinements),
            *(s[1] for x in r.labs for s in x.stages),
        )
    }
)
Hccs = Mapping[str, tuple[HccCategory, ...]]


def review(
    op: Op, store: CodeSetStore, context: EncounterContext, coding: CodingData | None
) -> ReviewResult:
    """The suggestions for this encounter (``context``) given its saved codes (``coding``,
    None before the first save), and those dismissed on it, with their reasons."""
    dos = context.dos
    facts = read_record(
        op, encounter_id=context.encounter_id, patient_id=context.patient_id, dos=dos
    )
    return suggest(store, facts, dos, coding)


def suggest(
    store: CodeSetStore, facts: RecordFacts, dos: dt.date, coding: CodingData | None
) -> ReviewResult:
    """The rules applied to the record's facts (what :func:`review` does once it has read
    them; the benchmark's naive baseline reads them its own way and calls this)."""
    current = [d.code for d in coding.diagnoses] if coding is not None else []
    linked = {d.problem_id for d in coding.diagnoses if d.problem_id} if coding else set()
    coded_procedures = [p.code for p in coding.procedures] if coding is not None else []
    codes = {
        *current,
        *(p.code for p in facts.problems if p.code),
        *(c for v in facts.visits for c, _ in v.diagnoses),
        *_RULE_CODES,
    }
    lookup = store.view()  # one reading for the review's many lookups
    hccs = hcc_sets.categories_for(lookup, codes, dos)
    chronic_hccs = hcc_sets.chronic_categories()

    def chronic(code: str) -> bool:
        return chronic_by_category(code) or any(
            c.category in chronic_hccs for c in hccs.get(norm(code), ())
        )

    candidates = [
        *_problem_list(facts, current, linked, dos, chronic),
        *_coded_before(facts.visits, current, dos, chronic),
        *_hcc_gaps(facts.visits, current, dos, hccs, chronic_hccs),
        *evidence_candidates(facts, current, coded_procedures, dos),
    ]
    merged = _merged(candidates)
    titles = hcc_sets.titles_for(lookup, (c.code for c in merged if c.code), dos)
    dismissals = {d.key: d.reason for d in coding.dismissals} if coding is not None else {}
    suggestions: list[ReviewSuggestion] = []
    dismissed: list[tuple[ReviewSuggestion, str]] = []
    for c in sorted(merged, key=lambda c: (_ORDER[c.kind], c.code or "~", c.key)):
        found = ReviewSuggestion(
            key=c.key,
            kind=c.kind,
            code=_display(c.code),
            title=titles.get(norm(c.code), c.title) if c.code else c.title,
            reason=c.reason,
            evidence=tuple(c.evidence),
            hcc=c.hcc or _hcc_text(hccs.get(norm(c.code), ())),
        )
        why = next((dismissals[k] for k in c.members if k in dismissals), None)
        if why is None:
            suggestions.append(found)
        else:
            dismissed.append((found, why))
    return ReviewResult(suggestions=tuple(suggestions), dismissed=tuple(dismissed))


# ---------------------------------------------------------------------- the rules


def _problem_list(
    facts: RecordFacts,
    current: Sequence[str],
    linked: set[int],
    dos: dt.date,
    chronic: Callable[[str], bool],
) -> list[Candidate]:
    day = dos.isoformat()
    found = []
    for p in facts.problems:
        if not (p.chronic or (p.code and chronic(p.code))):
            continue
        if p.onset and p.onset > day[: len(p.onset)]:
            continue  # began after this visit
        if p.id in linked or (p.code and any(category(c) == category(p.code) for c in current)):
            continue
        code = p.code or ""
        lines = [
            f"Problem list: {p.description}"
            + (f" ({_display(code)})" if code else " (no code on the problem list)")
            + (", chronic" if p.chronic else "")
            + (f", since {_partial(p.onset)}" if p.onset else "")
        ]
        if p.id in facts.addressed:
            lines.append("The note says this visit addressed it")
        found.append(
            Candidate(
                key=f"problem_list:{category(code)}" if code else f"problem_list:problem-{p.id}",
                kind=SuggestionKind.PROBLEM_LIST,
                code=code,
                title=p.description,
                reason="An active chronic problem on the problem list, not coded on this encounter."
                if code
                else "An active chronic problem without a code: search the code sets for it.",
                evidence=lines,
                settles=same_category(code) if code else _nothing,
            )
        )
    return found


def _coded_before(
    visits: Sequence[CodedVisit],
    current: Sequence[str],
    dos: dt.date,
    chronic: Callable[[str], bool],
) -> list[Candidate]:
    since = dos - dt.timedelta(days=LOOKBACK_DAYS)
    now = {category(c) for c in current}
    by_category: dict[str, list[tuple[CodedVisit, str, str]]] = defaultdict(list)
    for v in sorted(visits, key=lambda v: (v.dos, v.encounter_id), reverse=True):
        if not since <= v.dos < dos:
            continue
        for code, title in v.diagnoses:
            cat = category(code)
            if cat not in now and chronic(code):
                by_category[cat].append((v, code, title))
    found = []
    for cat, seen in by_category.items():
        _, code, title = seen[0]
        visits_seen = len({v.encounter_id for v, _, _ in seen})
        found.append(
            Candidate(
                key=f"coded_before:{cat}",
                kind=SuggestionKind.CODED_BEFORE,
                code=code,
                title=title,
                reason=f"Coded at {visits_seen} visit{'s' if visits_seen != 1 else ''} in the "
                "12 months before this one, not on this encounter.",
                evidence=capped(
                    [
                        f"Coded {dated(v.dos)} ({v.encounter_type.label.lower()}): "
                        f"{_display(c)} {t}".rstrip()
                        for v, c, t in seen
                    ],
                    "visit",
                ),
                settles=same_category(cat),
            )
        )
    return found


def _hcc_gaps(
    visits: Sequence[CodedVisit],
    current: Sequence[str],
    dos: dt.date,
    hccs: Hccs,
    chronic_hccs: frozenset[str],
) -> list[Candidate]:
    year = dos.year
    payment_year = hcc_payment_year(dos)
    above = hcc_sets.trumped_by(payment_year)
    captured: dict[str, list[tuple[CodedVisit, str, str, HccCategory]]] = defaultdict(list)
    this_year = {cat.category for c in current for cat in hccs.get(norm(c), ())}
    for v in sorted(visits, key=lambda v: (v.dos, v.encounter_id), reverse=True):
        for code, title in v.diagnoses:
            for cat in hccs.get(norm(code), ()):
                if v.dos.year == year:
                    this_year.add(cat.category)
                elif v.dos.year == year - 1 and cat.category in chronic_hccs:
                    captured[cat.category].append((v, code, title, cat))
    found = []
    for name, seen in captured.items():
        covering = {name} | above.get(name, frozenset())
        if covering & this_year:
            continue
        if above.get(name, frozenset()) & set(captured):
            continue  # a higher category of the same hierarchy was captured too
        _, code, _, cat = seen[0]
        label = f"{cat.category} {cat.label}".strip()
        found.append(
            Candidate(
                key=f"hcc_gap:{name}",
                kind=SuggestionKind.HCC_GAP,
                code=code,
                title=label,
                reason=f"{label} was captured in {year - 1} and not yet in {year} "
                f"({cat.model}, payment year {payment_year}).",
                evidence=capped(
                    [
                        f"Captured {dated(v.dos)} ({v.encounter_type.label.lower()}): "
                        f"{_display(c)} {t}".rstrip()
                        for v, c, t, _ in seen
                    ],
                    "visit",
                ),
                settles=_in_categories(covering, hccs),
                hcc=label,
            )
        )
    return found


def _merged(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates pointing to the same condition as an earlier one join it: their evidence
    is added to its own (the earlier rule is the stronger: the problem list first)."""
    kept: list[Candidate] = []
    for c in candidates:
        into = next(
            (k for k in kept if (c.code and k.settles(c.code)) or (k.code and c.settles(k.code))),
            None,
        )
        if into is None:
            kept.append(c)
            continue
        into.evidence += [e for e in c.evidence if e not in into.evidence]
        into.members.append(c.key)
        into.hcc = into.hcc or c.hcc
    return kept


def same_category(code: str) -> Callable[[str], bool]:
    cat = category(code)
    return lambda c: category(c) == cat


def _nothing(code: str) -> bool:
    return False


def _in_categories(covering: set[str], hccs: Hccs) -> Callable[[str], bool]:
    return lambda c: any(x.category in covering for x in hccs.get(norm(c), ()))


# ---------------------------------------------------------------------- wording


def _display(code: str) -> str:
    n = norm(code)
    return f"{n[:3]}.{n[3:]}" if len(n) > 3 else n


def _partial(stored: str) -> str:
    """A stored partial date as shown ("2012", "03/2012", "03/14/2012")."""
    parts = stored.split("-")
    return "/".join([*parts[1:], parts[0]])


def _hcc_text(cats: Sequence[HccCategory]) -> str | None:
    return f"{cats[0].category} {cats[0].label}".strip() if cats else None
