"""Laboratory Observations and DiagnosticReports -> tests with their results.

A DiagnosticReport (or a lab panel Observation with members) is one test: its results are
the Observations it points at, in its order, each with its value (a number with its unit and
comparator, text, or a SNOMED CT coded answer), reference range, interpretation and LOINC code.
A lab Observation no report holds is a test of its own. A result's flag is computed here from
the range, as for every test; the sender's interpretation marks as abnormal a value the range
cannot judge. Text longer than a result holds goes to the test's notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.specimen import Specimen

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.fhir_import import EntryRef, ImportKind
from medrec_desktop.domain.result_flags import ValueKind
from medrec_desktop.domain.results import LabTestInput, ResultInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    LOINC,
    SNOMED,
    When,
    code_in,
    codes_of,
    first_text,
    first_when,
    joined,
    number_text,
    printed_unit,
    sensitivity,
    source_codes,
    when,
    words,
)

TEXT_MAX = 200  # a text result's length (domain.results); longer goes to the notes
NAME_MAX = 100
# HL7 interpretation codes that call a value abnormal.
ABNORMAL = frozenset({"A", "AA", "H", "HH", "HU", "L", "LL", "LU", "POS", "DET", "RR", "W"})
# v2-0074 diagnostic service sections that are laboratory work.
LAB_SECTIONS = frozenset(
    {"LAB", "CH", "HM", "MB", "SP", "BLB", "CP", "IMM", "MYC", "PAR", "SR", "TX", "URN", "VR",
     "VRP", "HL", "CG", "SE"}
)  # fmt: skip
_LEFT_OUT = {
    "entered-in-error": "entered in error at the source",
    "cancelled": "cancelled at the source",
    "registered": "ordered, with no result yet",
}


@dataclass(frozen=True)
class _Row:
    result: ResultInput
    entry: EntryRef
    note: str | None = None


def is_lab_report(report: DiagnosticReport) -> bool:
    sections = codes_of(report.category or [])
    return bool(sections & LAB_SECTIONS) or (not sections and bool(report.result))


def report_test(reading: Reading, entry: Entry, members: Sequence[Entry]) -> PlannedItem:
    """A DiagnosticReport (or lab panel Observation) and its member Observations."""
    res = entry.resource
    assert isinstance(res, DiagnosticReport | Observation)
    status = str(res.status or "unknown")
    if status in _LEFT_OUT:
        raise Skip(_LEFT_OUT[status])
    rows: list[_Row] = []
    for member in members:
        obs = member.resource
        assert isinstance(obs, Observation)
        reading.require_patient(member, obs.subject, "subject")
        if str(obs.status) in ("entered-in-error", "cancelled"):
            continue  # a member withdrawn at the source: the report's other results stand
        rows += _rows(obs, member.ref)
    if not rows:
        raise Skip("a report without results to record (its text alone is not imported)")
    if isinstance(res, DiagnosticReport):
        effective = first_when(
            res.effectiveDateTime, res.effectivePeriod.start if res.effectivePeriod else None
        )
        performers, specimens = list(res.performer or []), list(res.specimen or [])
        extra = [res.conclusion]
        ordered = _ordered_by(reading, res.basedOn or [])
    else:
        effective = _effective(res)
        performers, specimens = list(res.performer or []), [res.specimen] if res.specimen else []
        extra, ordered = [n.text for n in res.note or []], None
    first = members[0].resource if members else None
    if effective is None and isinstance(first, Observation):
        effective = _effective(first)
    issued = when(res.issued) or _latest_issued(members)
    name = words(res.code)
    if name is None:
        raise Unreadable("code", "the test is not named (no code or text)")
    return _test(
        reading,
        entry,
        name=name,
        loinc=code_in(res.code, LOINC),
        rows=rows,
        effective=effective,
        issued=issued,
        lab=reading.names(list(performers)),
        specimen=_specimen(reading, specimens, res),
        ordered=ordered,
        notes=[
            *extra,
            "preliminary at the source" if status in ("preliminary", "partial") else None,
        ],
        entries=(entry.ref, *(m.ref for m in members)),
        label=sensitivity(res)
        or next((s for m in members if (s := sensitivity(m.resource)) is not None), None),
        codes=source_codes(res.code),
    )


def observation_test(reading: Reading, entry: Entry) -> PlannedItem:
    """A lab Observation no report holds: a test of one analyte (and its components)."""
    obs = entry.resource
    assert isinstance(obs, Observation)
    reading.require_patient(entry, obs.subject, "subject")
    status = str(obs.status or "unknown")
    if status in _LEFT_OUT:
        raise Skip(_LEFT_OUT[status])
    name = words(obs.code)
    if name is None:
        raise Unreadable("code", "the test is not named (no code or text)")
    return _test(
        reading,
        entry,
        name=name,
        loinc=code_in(obs.code, LOINC),
        rows=_rows(obs, entry.ref),
        effective=_effective(obs),
        issued=when(obs.issued),
        lab=reading.names(list(obs.performer or [])),
        specimen=_specimen(reading, [obs.specimen] if obs.specimen else [], obs),
        ordered=None,
        notes=[n.text for n in obs.note or []]
        + ["preliminary at the source" if status == "preliminary" else None],
        entries=(entry.ref,),
        label=sensitivity(obs),
        codes=source_codes(obs.code),
    )


def _test(
    reading: Reading,
    entry: Entry,
    *,
    name: str,
    loinc: str | None,
    rows: list[_Row],
    effective: When | None,
    issued: When | None,
    lab: str | None,
    specimen: str | None,
    ordered: str | None,
    notes: list[str | None],
    entries: tuple[EntryRef, ...],
    label: Sensitivity | None,
    codes: list[str],
) -> PlannedItem:
    collected = effective.instant() if effective is not None else None
    if collected is None:
        raise Unreadable("effective[x]", "the day the specimen was collected is missing")
    resulted = issued.moment if issued is not None else None
    if resulted is not None and effective is not None and effective.moment is None:
        # A collection day without a time is noon there; a result issued that morning
        # must not seem to come before it.
        collected = min(collected, resulted)
    for n, row in enumerate(rows, start=1):
        try:
            row.result.validated(n)
        except ValidationError as err:
            raise Unreadable(f"result ({row.result.analyte})", err.message, row.entry) from None
    text = joined(
        [*notes, *(r.note for r in rows), f"Imported from {reading.source}"],
        ". ",
    )
    data = LabTestInput(
        sensitivity=label,
        name=name[:200],
        loinc=loinc or "",
        specimen=(specimen or "")[:100],
        collected_at=collected,
        resulted_at=resulted,
        ordering_provider=(ordered or "")[:200],
        performing_lab=(lab or "")[:200],
        results=tuple(r.result for r in rows),
        notes=text[:4000],
    )
    return PlannedItem(
        ImportKind.LAB_TEST,
        data,
        entries,
        summary=f"Test: {name} ({len(rows)} result{'s' if len(rows) != 1 else ''})",
        codes=tuple(c for c in codes if not c.startswith("LOINC")),
        results=len(rows),
    )


def _rows(obs: Observation, where: EntryRef) -> list[_Row]:
    """The Observation's value and its components' values, each a result row."""
    found: list[_Row] = []
    name = words(obs.code)
    if name is None:
        raise Unreadable("code", "the result is not named (no code or text)", where)
    main = _row(obs, name, code_in(obs.code, LOINC), where)
    if main is not None:
        found.append(main)
    for n, comp in enumerate(obs.component or []):
        said = words(comp.code)
        if said is None:
            raise Unreadable(f"component[{n}].code", "the result is not named", where)
        row = _row(comp, said, code_in(comp.code, LOINC), where, f"component[{n}].")
        if row is not None:
            found.append(row)
    if not found:
        raise Unreadable("value[x]", "the result has no value (nor a reason it is absent)", where)
    return found


def _row(
    source: Observation | ObservationComponent,
    analyte: str,
    loinc: str | None,
    where: EntryRef,
    prefix: str = "",
) -> _Row | None:
    kind: ValueKind = ValueKind.TEXT
    value = ""
    unit = ""
    code = ""
    if source.valueQuantity is not None:
        q = source.valueQuantity
        if q.value is None:
            raise Unreadable(f"{prefix}valueQuantity.value", "the quantity has no value", where)
        kind, value, unit = ValueKind.NUMERIC, (q.comparator or "") + number_text(q.value), ""
        unit = printed_unit(q)
    elif source.valueInteger is not None:
        kind, value = ValueKind.NUMERIC, str(source.valueInteger)
    elif source.valueCodeableConcept is not None:
        value = words(source.valueCodeableConcept) or ""
        snomed = code_in(source.valueCodeableConcept, SNOMED)
        if snomed:
            kind, code = ValueKind.CODED, snomed
    elif source.valueString is not None:
        value = " ".join(source.valueString.split())
    elif source.valueBoolean is not None:
        value = "Yes" if source.valueBoolean else "No"
    elif source.valueRatio is not None:
        r = source.valueRatio
        top = number_text(r.numerator.value) if r.numerator and r.numerator.value else "?"
        bottom = number_text(r.denominator.value) if r.denominator and r.denominator.value else "?"
        value = f"{top}:{bottom}"
    elif source.valueRange is not None:
        low, high = source.valueRange.low, source.valueRange.high
        value = "-".join(
            number_text(q.value) if q is not None and q.value is not None else "?"
            for q in (low, high)
        )
        unit = printed_unit(high or low) if (high or low) is not None else ""  # type: ignore[arg-type]
        kind = ValueKind.TEXT
    elif source.valueDateTime is not None or source.valueTime is not None:
        value = str(source.valueDateTime or source.valueTime)
    elif source.valueSampledData is not None or source.valuePeriod is not None:
        raise Skip("a waveform or period result, which a test here cannot hold")
    elif source.dataAbsentReason is not None:
        value = f"not available ({words(source.dataAbsentReason) or 'no reason given'})"
    else:
        return None
    note = None
    if kind is not ValueKind.NUMERIC and len(value) > TEXT_MAX:
        note, value = f"{analyte}: {value}", "(see the notes)"
    ranges = [r for r in source.referenceRange or [] if r.low or r.high or r.text]
    rng = ranges[0] if ranges else None
    interpretation = codes_of(source.interpretation or [])
    result = ResultInput(
        analyte=analyte[:NAME_MAX],
        value=value,
        unit=unit,
        low=number_text(rng.low.value) if rng and rng.low and rng.low.value is not None else "",
        high=number_text(rng.high.value) if rng and rng.high and rng.high.value is not None else "",
        reference_text=(first_text([rng.text]) or "") if rng else "",
        loinc=loinc or "",
        kind=kind,
        code=code,
        abnormal=bool(interpretation & ABNORMAL),
    )
    return _Row(result, where, note)


def _effective(obs: Observation) -> When | None:
    return first_when(
        obs.effectiveDateTime,
        obs.effectiveInstant,
        obs.effectivePeriod.start if obs.effectivePeriod else None,
    )


def _latest_issued(members: Sequence[Entry]) -> When | None:
    moments = [w for m in members if (w := when(getattr(m.resource, "issued", None))) is not None]
    return max(
        moments, key=lambda w: w.moment or dt.datetime.min.replace(tzinfo=dt.UTC), default=None
    )


def _specimen(reading: Reading, refs: Sequence[Reference], within: object) -> str | None:
    for ref in refs:
        found = reading.index.resolve(ref, within)
        if isinstance(found, Specimen):
            said = words(found.type)
            if said:
                return said
        if ref.display:
            return first_text([ref.display])
    return None


def _ordered_by(reading: Reading, based_on: Sequence[Reference]) -> str | None:
    """Who ordered the test: the requester of the ServiceRequest the report answers."""
    for ref in based_on:
        order = reading.index.resolve(ref)
        if isinstance(order, ServiceRequest):
            return reading.who(order.requester, order)
    return None
