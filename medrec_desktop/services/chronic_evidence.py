"""The evidence rules of the chronic-condition review (``domain.chronic_rules``) applied to a
record's facts (``services.chronic_record``): medications, results, procedures and words in
this encounter's note that point to a condition the encounter's codes leave out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from medrec_desktop.domain.chronic_review import SuggestionKind
from medrec_desktop.domain.chronic_rules import (
    EVIDENCE_RULES,
    DrugClass,
    EvidenceRule,
    LabCheck,
    category,
    covered,
    norm,
)
from medrec_desktop.domain.chronic_text import mentioned, mentions
from medrec_desktop.services.chronic_record import (
    MedicationFact,
    ProblemFact,
    RecordFacts,
    ResultFact,
    numeric,
)

#: at most this many lines of one kind of evidence (the rest are counted)
MAX_LINES = 3


@dataclass
class Candidate:
    """A suggestion being built; others pointing to the same condition merge into it."""

    key: str
    kind: SuggestionKind
    code: str
    #: the title when the code sets have none for ``code`` (or no code is named)
    title: str
    reason: str
    evidence: list[str]
    #: whether a code on the encounter settles this suggestion
    settles: Callable[[str], bool]
    hcc: str | None = None
    #: the keys of the candidates merged into this one (its own first)
    members: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.members:
            self.members = [self.key]


def under(prefixes: Sequence[str]) -> Callable[[str], bool]:
    return lambda c: covered(c, prefixes)


def dated(day: dt.date) -> str:
    return f"{day:%m/%d/%Y}"


def capped(lines: Sequence[str], what: str) -> list[str]:
    """At most MAX_LINES lines, then how many more there are."""
    kept = list(lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES
        kept.append(f"… and {more} more {what}{'s' if more != 1 else ''}")
    return kept


def evidence_candidates(
    facts: RecordFacts,
    current: Sequence[str],
    coded_procedures: Sequence[str],
    dos: dt.date,
) -> list[Candidate]:
    """One candidate per evidence rule that the record supports and the codes leave out."""
    problems = {p.id: p for p in facts.problems}
    found = []
    for rule in EVIDENCE_RULES:
        if rule.requires and not any(covered(c, rule.requires) for c in current):
            continue
        if any(covered(c, rule.settled_by) for c in current):
            continue
        lines: list[str] = []
        sources: list[str] = []
        drugs = _drugs(rule, facts.medications, current, problems)
        if drugs:
            lines += capped([f"Medication: {m.text}" for m in drugs], "medication")
            sources.append(drugs[0].name)
        staged = None
        for check in rule.labs:
            results, staged_code = _lab(check, facts.results, dos)
            if results:
                lines += capped([_result_line(r) for r in reversed(results)], "result")
                sources.append(f"{check.name} {check.limit_text}")
                staged = staged or staged_code
        quoted = _note(rule, facts)
        if quoted:
            lines += quoted
            sources.append("the note")
        done = _procedures(rule, facts, coded_procedures)
        if done:
            lines += done
            sources.append("a procedure")
        if not lines:
            continue
        code = staged or _refined(rule, facts, drugs, problems) or rule.code
        found.append(
            Candidate(
                key=f"evidence:{rule.id}",
                kind=SuggestionKind.EVIDENCE,
                code=code,
                title=rule.condition,
                reason=rule.why
                or f"The record points to {rule.condition.lower()} ({', '.join(sources)}), "
                "not coded on this encounter.",
                evidence=lines,
                settles=under(rule.settled_by),
            )
        )
    return found


def _drugs(
    rule: EvidenceRule,
    medications: Sequence[MedicationFact],
    current: Sequence[str],
    problems: dict[int, ProblemFact],
) -> list[MedicationFact]:
    """The active medications the rule's drug classes name, leaving out those the codes
    already explain (metformin with prediabetes coded; the problem it is linked to)."""
    found = []
    for m in medications:
        for drug in rule.drugs:
            if not _is(drug, m):
                continue
            linked = problems.get(m.indication_problem_id or -1)
            if drug.also_for and any(covered(c, drug.also_for) for c in current):
                continue
            if (
                linked is not None
                and linked.code
                and any(category(c) == category(linked.code) for c in current)
            ):
                continue
            found.append(m)
            break
    return found


def _is(drug: DrugClass, m: MedicationFact) -> bool:
    if drug.routes and m.route not in drug.routes:
        return False
    return mentioned(m.name, drug.words)


def _lab(
    check: LabCheck, results: Sequence[ResultFact], dos: dt.date
) -> tuple[list[ResultFact], str | None]:
    """The results beyond the check's limit (oldest first) if there are enough of them, far
    enough apart, and the latest result still is; with the code its latest value stages."""
    since = dos - dt.timedelta(days=check.within_days)
    names = {n.casefold() for n in check.names}
    mine = sorted(
        (
            r
            for r in results
            if (r.this_visit or since <= r.collected <= dos)
            and numeric(r.result) is not None
            and (
                (r.result.loinc or "") in check.loincs
                or " ".join(r.result.analyte.split()).casefold() in names
            )
        ),
        key=lambda r: r.collected,
    )
    beyond = [r for r in mine if check.beyond(numeric(r.result) or 0.0)]
    if len(beyond) < check.times:
        return [], None
    if check.times > 1 and beyond[-1] is not mine[-1]:
        return [], None  # recovered since: the latest result is within the limit
    if (beyond[-1].collected - beyond[0].collected).days < check.apart_days:
        return [], None
    latest = numeric(beyond[-1].result) or 0.0
    staged = next((code for floor, code in check.stages if latest >= floor), None)
    return beyond, staged


def _result_line(r: ResultFact) -> str:
    when = "this visit" if r.this_visit else dated(r.collected)
    return f"Result: {r.result}, {when}"


def _note(rule: EvidenceRule, facts: RecordFacts) -> list[str]:
    if not rule.note_words:
        return []
    lines = []
    for part in facts.note:
        for m in mentions(part.text, rule.note_words)[:1]:
            lines.append(f"Note, {part.label}: “{m.quote}”")
    return capped(lines, "mention")


def _procedures(
    rule: EvidenceRule, facts: RecordFacts, coded_procedures: Sequence[str]
) -> list[str]:
    if not rule.procedures:
        return []
    wanted = {norm(c) for c in rule.procedures}
    lines = [
        f"Procedure: {p.description} ({p.code}), {dated(p.performed)}"
        for p in sorted(facts.procedures, key=lambda p: p.performed, reverse=True)
        if norm(p.code) in wanted
    ]
    lines += [f"Coded on this encounter: {c}" for c in coded_procedures if norm(c) in wanted]
    return capped(lines, "procedure")


def _refined(
    rule: EvidenceRule,
    facts: RecordFacts,
    drugs: Sequence[MedicationFact],
    problems: dict[int, ProblemFact],
) -> str | None:
    """A more exact code named by the note, the medications' indications or the problems
    they treat (an anticoagulant "for atrial fibrillation" suggests I48.91)."""
    if not rule.refinements:
        return None
    named = []
    for m in drugs:
        named.append(m.indication or "")
        linked = problems.get(m.indication_problem_id or -1)
        named.append(linked.description if linked is not None else "")
    said = "\n".join(t for t in named if t)
    for refinement in rule.refinements:
        # The note's words must be affirmed ("no atrial fibrillation" names nothing).
        if mentioned(said, refinement.words) or any(
            mentions(p.text, refinement.words) for p in facts.note
        ):
            return refinement.code
    return None
