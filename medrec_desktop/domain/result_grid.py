"""A patient's results as a grid: analytes down, collection times across, newest first
(issue 10). Built from the tests as read (:func:`build_grid`), so the read model costs one
query and no per-result work beyond decoding.

Rows are grouped by panel (the test an analyte was last reported in), panels by name, and
within a panel in the order the tests reported them (a CBC reads WBC, RBC, hemoglobin... as
labs print it). A column is one collection time; two tests collected at the same moment share it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.results import Flag, ResultData, ValueKind
from medrec_desktop.domain.trends import Trend, TrendPoint


@dataclass(frozen=True)
class GridTest:
    """One test as the grid needs it (its id, for opening it from a cell)."""

    id: int
    name: str
    collected_at: dt.datetime
    resulted_at: dt.datetime | None
    performing_lab: str | None
    results: tuple[ResultData, ...]


@dataclass(frozen=True)
class GridCell:
    result: ResultData
    test: GridTest

    @property
    def flag(self) -> Flag:
        return self.result.flag

    @property
    def text(self) -> str:
        return self.result.value_text


@dataclass(frozen=True)
class GridRow:
    """One analyte: ``key`` names it for a trend (:func:`~medrec_desktop.domain.results.
    analyte_key`); ``unit`` is the latest one; ``numeric`` says a trend can be drawn;
    ``cells`` has one entry per column (None: not measured then)."""

    key: str
    analyte: str
    loinc: str | None
    panel: str
    unit: str | None
    numeric: bool
    cells: tuple[GridCell | None, ...]


@dataclass(frozen=True)
class ResultsGrid:
    columns: tuple[dt.datetime, ...]
    rows: tuple[GridRow, ...]
    tests: int
    withheld: Mapping[Sensitivity, int] = field(default_factory=dict)

    @property
    def withheld_notes(self) -> tuple[str, ...]:
        return tuple(
            f"{n} test{'s' if n != 1 else ''} withheld ({s.label})"
            for s, n in sorted(self.withheld.items())
        )

    def panels(self) -> tuple[tuple[str, tuple[GridRow, ...]], ...]:
        """The rows by panel, in order."""
        found: dict[str, list[GridRow]] = {}
        for row in self.rows:
            found.setdefault(row.panel, []).append(row)
        return tuple((name, tuple(rows)) for name, rows in found.items())


def build_grid(
    tests: Iterable[GridTest], withheld: Mapping[Sensitivity, int] | None = None
) -> ResultsGrid:
    ordered = sorted(tests, key=lambda t: (t.collected_at, t.id), reverse=True)
    columns = tuple(dict.fromkeys(t.collected_at for t in ordered))
    column_of = {moment: n for n, moment in enumerate(columns)}
    # key -> (latest result, its test), from the newest test.
    latest: dict[str, tuple[ResultData, GridTest]] = {}
    cells: dict[str, list[GridCell | None]] = {}
    numeric: set[str] = set()
    width = len(columns)
    # Each result's key worked out once (the panel order reads them again): ten years of
    # results are thousands.
    keyed: list[tuple[GridTest, list[tuple[str, ResultData]]]] = []
    for test in ordered:
        column = column_of[test.collected_at]
        pairs = [(result.key, result) for result in test.results]
        keyed.append((test, pairs))
        for key, result in pairs:
            row = cells.get(key)
            if row is None:
                latest[key] = (result, test)
                row = cells[key] = [None] * width
            if row[column] is None:  # the later-entered test of the same moment wins
                row[column] = GridCell(result, test)
            if result.numeric is not None and result.kind is ValueKind.NUMERIC:
                numeric.add(key)
    order = _panel_order(keyed, {key: test.name for key, (_r, test) in latest.items()})
    rows = [
        GridRow(
            key=key,
            analyte=result.analyte,
            loinc=result.loinc,
            panel=test.name,
            unit=result.unit,
            numeric=key in numeric,
            cells=tuple(cells[key]),
        )
        for key, (result, test) in latest.items()
    ]
    rows.sort(key=lambda r: (r.panel.casefold(), r.panel, order[r.key]))
    return ResultsGrid(columns, tuple(rows), len(ordered), dict(withheld or {}))


def _panel_order(
    newest_first: list[tuple[GridTest, list[tuple[str, ResultData]]]], panel_of: dict[str, str]
) -> dict[str, int]:
    """Each analyte's place in its panel: the order the newest test reported them, with an
    analyte only older tests reported slotted in after the one it followed there (an RBC
    missing from this month's count keeps its place between WBC and hemoglobin).
    ``newest_first`` holds each test with its results' keys."""
    sequences: dict[str, list[str]] = {}
    placed: dict[str, set[str]] = {}
    for test, pairs in newest_first:
        sequence = sequences.setdefault(test.name, [])
        known = placed.setdefault(test.name, set())
        if known.issuperset(key for key, _result in pairs):
            continue  # the same analytes as a newer test of the panel: nothing to place
        after = -1
        for key, _result in pairs:
            if panel_of.get(key) != test.name:
                continue
            if key in sequence:
                after = sequence.index(key)
            else:
                after += 1
                sequence.insert(after, key)
                known.add(key)
    return {key: n for sequence in sequences.values() for n, key in enumerate(sequence)}


def build_trend(tests: Iterable[GridTest], key: str) -> Trend | None:
    """The numeric results of analyte ``key`` oldest first, in the latest result's unit
    (a value reported in another unit is not drawn on the same axis), with the latest
    reference range as the band; None when there is no numeric result to draw."""
    found = [
        (test.collected_at, test.id, result)
        for test in tests
        for result in test.results
        if result.key == key and result.kind is ValueKind.NUMERIC and result.numeric is not None
    ]
    if not found:
        return None
    found.sort(key=lambda f: (f[0], f[1]))
    last = found[-1][2]
    unit = (last.unit or "").casefold()
    points = tuple(
        TrendPoint(at, r.numeric, r.flag.symbol)
        for at, _id, r in found
        if (r.unit or "").casefold() == unit and r.numeric is not None
    )
    return Trend(last.analyte, last.unit or "", points, last.low, last.high)


@dataclass(frozen=True)
class AbnormalResult:
    """An analyte's latest out-of-range result (see :func:`latest_abnormal`);
    ``normal_since`` is when a later result of it came back in range (None: not since)."""

    result: ResultData
    test: GridTest
    normal_since: dt.datetime | None = None


def latest_abnormal(tests: Iterable[GridTest]) -> tuple[AbnormalResult, ...]:
    """Each analyte's latest abnormal result among ``tests``, critical ones first, then
    newest first. A later in-range result does not hide it (the summary says "No abnormal
    results" only when there were none) but is named, so a corrected potassium reads as one."""
    ordered = sorted(tests, key=lambda t: (t.collected_at, t.id), reverse=True)
    found: dict[str, AbnormalResult] = {}
    normal: dict[str, dt.datetime] = {}
    for test in ordered:
        for result in test.results:
            key = result.key
            if key in found:
                continue
            if result.flag.abnormal:
                found[key] = AbnormalResult(result, test, normal.get(key))
            elif result.flag is Flag.NORMAL:
                normal[key] = test.collected_at  # going back: the first normal after it
    return tuple(
        sorted(
            found.values(),
            key=lambda a: (not a.result.flag.critical, -a.test.collected_at.timestamp()),
        )
    )
