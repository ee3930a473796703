"""Test results: flags computed from the range (critical limits first), validation that names
the row and the field, the bundled templates (real LOINC codes, sane ranges), the fast
decoder agreeing with the generic codec, and the grid and trend built from tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import replace

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, text_value
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_codec import from_plain, to_column
from medrec_desktop.domain.loinc import loinc_valid
from medrec_desktop.domain.panels import (
    BMP,
    BUNDLED,
    CBC,
    HBA1C,
    TSH,
    URINALYSIS,
    PanelTemplate,
    TemplateInput,
)
from medrec_desktop.domain.result_answers import abnormal_answer
from medrec_desktop.domain.result_grid import GridTest, build_grid, build_trend
from medrec_desktop.domain.results import (
    CodedValue,
    Flag,
    LabTestData,
    LabTestInput,
    ResultData,
    ResultInput,
    ValueKind,
    reads_as_number,
    results_from_json,
)

TODAY = dt.date(2026, 11, 26)
WHEN = dt.datetime(2026, 11, 20, 8, 10, tzinfo=dt.UTC)
POTASSIUM = ResultData(
    "Potassium",
    numeric=4.0,
    unit="mmol/L",
    low=3.5,
    high=5.1,
    critical_low=2.8,
    critical_high=6.2,
    loinc="2823-3",
)


@pytest.mark.parametrize(
    ("value", "flag", "symbol"),
    [
        (2.7, Flag.CRITICAL_LOW, "LL"),
        (2.8, Flag.LOW, "L"),  # at the critical limit: low, not yet critical
        (3.4, Flag.LOW, "L"),
        (3.5, Flag.NORMAL, ""),
        (5.1, Flag.NORMAL, ""),
        (5.8, Flag.HIGH, "H"),
        (6.2, Flag.HIGH, "H"),
        (6.3, Flag.CRITICAL_HIGH, "HH"),
    ],
)
def test_a_numeric_flag_comes_from_the_range_and_the_critical_limits(
    value: float, flag: Flag, symbol: str
) -> None:
    result = replace(POTASSIUM, numeric=value)
    assert result.flag is flag
    assert flag.symbol == symbol
    # Never colour alone: every abnormal flag has a symbol and words.
    assert bool(flag.mark) == flag.abnormal and flag.label


def test_open_ranges_text_and_coded_results() -> None:
    hdl = ResultData("HDL cholesterol", numeric=35, unit="mg/dL", low=40)
    assert hdl.flag is Flag.LOW and hdl.range_text == "≥ 40"
    ldl = ResultData("LDL", numeric=99, unit="mg/dL", high=99)
    assert ldl.flag is Flag.NORMAL and ldl.range_text == "≤ 99"
    assert ResultData("Lead", numeric=2.0).flag is Flag.NONE
    color = ResultData("Color", kind=ValueKind.TEXT, text="Red", reference_text="Yellow")
    assert color.flag is Flag.NORMAL
    assert replace(color, abnormal=True).flag is Flag.ABNORMAL
    nitrite = ResultData(
        "Nitrite", kind=ValueKind.CODED, coded=CodedValue("10828004", "Positive"), abnormal=True
    )
    assert (nitrite.value_text, nitrite.flag.symbol) == ("Positive", "A")
    assert str(replace(POTASSIUM, numeric=5.8)) == "Potassium 5.8 mmol/L (H)"
    assert POTASSIUM.critical_text == "critical below 2.8 or above 6.2"


def _panel(*values: str) -> LabTestInput:
    rows = tuple(replace(r, value=v) for r, v in zip(BMP.rows(), values, strict=False))
    rows += BMP.rows()[len(rows) :]
    return LabTestInput(name=BMP.name, loinc=BMP.loinc or "", collected_at=WHEN, results=rows)


def test_a_panel_keeps_the_rows_typed_and_leaves_out_those_not_resulted() -> None:
    data = _panel("102", "", "1.1", "139", "5.8").validated(TODAY)
    assert [r.analyte for r in data.results] == ["Glucose", "Creatinine", "Sodium", "Potassium"]
    potassium = data.results[-1]
    assert (potassium.numeric, potassium.unit, potassium.flag) == (5.8, "mmol/L", Flag.HIGH)
    assert (potassium.low, potassium.high, potassium.critical_high) == (3.5, 5.1, 6.2)
    assert potassium.loinc == "2823-3" and data.loinc == "51990-0"
    assert data.abnormal_count == 2 and data.critical_count == 0  # glucose 102 is high too


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": "5,8.x"}, "Result 5 (Potassium): type the value as a number."),
        ({"low": "low"}, "Result 5 (Potassium): type the reference low as a number."),
        ({"low": "6", "high": "5"}, "Result 5 (Potassium): the reference low is above"),
        ({"critical_low": "3.6"}, "Result 5 (Potassium): the critical low must not be above"),
        ({"analyte": " "}, "Result 5: name what was measured."),
        ({"loinc": "2823-4"}, "Result 5 (Potassium): that LOINC code does not check out"),
        ({"loinc": "K+"}, "Result 5 (Potassium): type the LOINC code as digits"),
        ({"value": "1e12"}, "Result 5 (Potassium): type the value as a number."),
    ],
)
def test_a_refused_row_is_named_by_its_number_analyte_and_field(
    change: dict[str, str], message: str
) -> None:
    typed = _panel("102", "18", "1.1", "139", "5.8")
    rows = list(typed.results)
    rows[4] = replace(rows[4], **change)
    with pytest.raises(ValidationError) as refused:
        replace(typed, results=tuple(rows)).validated(TODAY)
    assert refused.value.message.startswith(message)
    assert refused.value.field == "results"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Name the test."),
        ({"collected_at": None}, "collected_at", "Enter when the specimen was collected."),
        ({"collected_at": "yesterday"}, "collected_at", "Type when the specimen was collected"),
        ({"collected_at": WHEN + dt.timedelta(days=30)}, "collected_at", "cannot be collected"),
        ({"resulted_at": WHEN - dt.timedelta(hours=1)}, "resulted_at", "cannot come before"),
        ({"loinc": "51990-1"}, "loinc", "does not check out"),
        ({"results": BMP.rows()}, "results", "Enter at least one result's value."),
        ({"encounter_id": "x"}, "encounter_id", "Choose the encounter"),
    ],
)
def test_the_test_fields_are_refused_by_name(
    change: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        replace(_panel("102"), **change).validated(TODAY)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert message in refused.value.message


def test_a_row_typed_freely_is_a_number_when_it_reads_as_one_else_text() -> None:
    typed = LabTestInput(
        name="Strep A rapid",
        collected_at=WHEN,
        results=(
            ResultInput(analyte="Strep A antigen", value="Detected", abnormal=True),
            ResultInput(analyte="Lead", value="3.1", unit="µg/dL", high="3.4"),
        ),
    )
    strep, lead = typed.validated(TODAY).results
    assert (strep.kind, strep.text, strep.flag) == (ValueKind.TEXT, "Detected", Flag.ABNORMAL)
    assert (lead.kind, lead.numeric, lead.flag) == (ValueKind.NUMERIC, 3.1, Flag.NORMAL)
    # The form shows the flag as the user types, and nothing while it cannot tell.
    assert ResultInput(analyte="K", value="7", high="5.1").flag() is Flag.HIGH
    assert ResultInput(analyte="K", value="7", high="x").flag() is None
    assert ResultInput(analyte="K", value="").flag() is None


def test_editing_gives_back_what_was_saved() -> None:
    data = _panel("102", "18", "1.1", "139", "5.8", "101", "24", "9.4").validated(TODAY)
    ua = URINALYSIS.rows()
    coded = replace(ua[10], value="Positive", code="10828004", abnormal=True)
    text = replace(ua[0], value="Amber")
    urine = LabTestInput(name="UA", collected_at=WHEN, results=(text, coded)).validated(TODAY)
    data = replace(data, results=(*data.results, *urine.results))
    item = ItemInfo(
        ItemId(1), "lab-test", PatientId(1), 1, ItemStatus.ACTIVE, None, "N", WHEN, "N", WHEN,
        None, data,
    )  # fmt: skip
    assert LabTestInput.editing(item).validated(TODAY) == data


def test_the_fast_decoder_reads_what_the_codec_wrote() -> None:
    every_field = ResultData(
        analyte="Nitrite",
        kind=ValueKind.CODED,
        numeric=1.5,
        text="t",
        coded=CodedValue("10828004", "Positive"),
        unit="u",
        low=1,
        high=2,
        reference_text="Negative",
        critical_low=0.5,
        critical_high=3,
        abnormal=True,
        loinc="5802-4",
        comparator=">",
    )
    assert all(getattr(every_field, f.name) != f.default for f in dataclasses.fields(ResultData))
    column = to_column((every_field, POTASSIUM))
    assert results_from_json(column) == (every_field, POTASSIUM)
    assert from_plain(ResultData, json.loads(column)[0]) == every_field
    # A result saved before a field existed reads back with the field's default.
    old = results_from_json('[{"analyte": "Old", "numeric": 3}]')
    assert old == (ResultData("Old", numeric=3),)


def test_a_history_says_each_result_on_its_own_line() -> None:
    results = (replace(POTASSIUM, numeric=5.8), ResultData("Sodium", numeric=139, unit="mmol/L"))
    assert text_value(results) == "Potassium 5.8 mmol/L (H)\nSodium 139 mmol/L"


# ---------------------------------------------------------------------- censored and coded


TSH_ROW, A1C_ROW = TSH.rows()[0], HBA1C.rows()[0]
EGFR = ResultInput(analyte="eGFR", unit="mL/min/1.73m²", low="60", kind=ValueKind.NUMERIC)
GLUCOSE = BMP.rows()[0]


@pytest.mark.parametrize(
    ("row", "typed", "comparator", "bound", "shown", "flag"),
    [
        (TSH_ROW, "<0.01", "<", 0.01, "<0.01", Flag.LOW),  # below the assay, below 0.4
        (replace(TSH_ROW, low="0.45"), "<0.45", "<", 0.45, "<0.45", Flag.LOW),
        (replace(TSH_ROW, low="0.45"), "<=0.45", "<=", 0.45, "<=0.45", Flag.NORMAL),
        (A1C_ROW, ">14", ">", 14.0, ">14.0", Flag.HIGH),  # above the assay, above 5.6
        (A1C_ROW, "≥ 5.6", ">=", 5.6, ">=5.6", Flag.NORMAL),
        (A1C_ROW, ">5.6", ">", 5.6, ">5.6", Flag.HIGH),
        (EGFR, ">60", ">", 60.0, ">60", Flag.NORMAL),  # at least 60: within the range
        (GLUCOSE, ">600", ">", 600.0, ">600", Flag.CRITICAL_HIGH),
        (GLUCOSE, "<20", "<", 20.0, "<20", Flag.CRITICAL_LOW),
        # Bounded from below yet under the low limit: it may be either side, never "L".
        (replace(TSH_ROW, low="4"), ">2", ">", 2.0, ">2.0", Flag.NORMAL),
    ],
)
def test_a_censored_value_keeps_its_comparator_and_is_flagged_by_its_bound(
    row: ResultInput, typed: str, comparator: str, bound: float, shown: str, flag: Flag
) -> None:
    result = replace(row, value=typed).validated(1)
    assert (result.kind, result.comparator, result.numeric) == (
        ValueKind.NUMERIC,
        comparator,
        bound,
    )
    assert (result.value_text, result.flag) == (shown, flag)
    assert replace(row, value=typed).flag() is flag  # as the form shows it while typing
    # Saved and edited again, it reads back the same.
    assert ResultInput.of(result).validated(1) == result
    assert results_from_json(to_column((result,))) == (result,)


def test_a_censored_value_typed_freely_is_a_number_and_the_trend_plots_its_bound() -> None:
    free = ResultInput(analyte="Troponin I", value="< 0.01", unit="ng/mL", high="0.04")
    result = free.validated(1)
    assert (result.kind, result.comparator, result.flag) == (ValueKind.NUMERIC, "<", Flag.NORMAL)
    assert reads_as_number("<0.01") and reads_as_number(">= 60")
    assert not reads_as_number("<") and not reads_as_number(">1:160")
    with pytest.raises(ValidationError, match="type the value"):
        replace(A1C_ROW, value=">").validated(1)
    a1c = (replace(A1C_ROW, value=">14").validated(1),)
    trend = build_trend([GridTest(1, "A1c", WHEN, None, None, a1c)], a1c[0].key)
    assert trend is not None and [(p.value, p.flag) for p in trend.points] == [(14.0, "H")]


def test_a_coded_answer_the_template_calls_abnormal_flags_the_result() -> None:
    nitrite = next(r for r in URINALYSIS.rows() if r.analyte == "Nitrite")
    positive = replace(nitrite, value="Positive", code="10828004", abnormal=False)
    assert positive.validated(1).abnormal and positive.validated(1).flag is Flag.ABNORMAL
    negative = replace(nitrite, value="Negative", code="260385009", abnormal=False)
    assert negative.validated(1).flag is Flag.NORMAL
    # The user's judgement still counts where the template's answer is normal.
    assert replace(negative, abnormal=True).validated(1).flag is Flag.ABNORMAL
    # A code another analyte offers, or an analyte the template does not know: as ticked.
    odd = replace(positive, loinc="2823-3")
    assert not odd.validated(1).abnormal
    assert abnormal_answer("5802-4", "10828004") and not abnormal_answer(None, "10828004")


# ---------------------------------------------------------------------- bundled templates


@pytest.mark.parametrize("template", BUNDLED, ids=lambda t: t.key)
def test_every_bundled_template_has_checked_loinc_codes_and_sane_ranges(template: object) -> None:
    assert isinstance(template, PanelTemplate)
    assert template.loinc is not None and loinc_valid(template.loinc)
    names = [a.analyte for a in template.analytes]
    assert len(set(names)) == len(names)
    for a in template.analytes:
        assert a.loinc is not None and loinc_valid(a.loinc), a.analyte
        bounds = [b for b in (a.critical_low, a.low, a.high, a.critical_high) if b is not None]
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), a.analyte
        if a.kind is ValueKind.NUMERIC:
            assert a.low is not None or a.high is not None, a.analyte
            assert all(b >= 0 for b in bounds)
        if a.kind is ValueKind.CODED:
            assert a.choices and sum(c.normal for c in a.choices) == 1, a.analyte
            assert all(c.code.isdigit() for c in a.choices)
        else:
            assert not a.choices
        # An empty row of the template validates once a normal value is typed in it.
        value = a.reference_text if a.kind is not ValueKind.NUMERIC else a.low or a.high
        row = replace(a.row(), value=str(value))
        if a.kind is ValueKind.CODED:
            normal = next(c for c in a.choices if c.normal)
            row = replace(row, value=normal.display, code=normal.code)
        assert row.validated(1).flag is Flag.NORMAL, a.analyte


def test_the_well_known_codes_are_where_they_belong() -> None:
    codes = {a.analyte: a.loinc for t in BUNDLED for a in t.analytes if t is not URINALYSIS}
    assert codes["Hemoglobin A1c"] == "4548-4"
    assert codes["TSH"] == "3016-3"
    assert codes["Glucose"] == "2345-7"
    assert codes["Potassium"] == "2823-3"
    assert codes["Sodium"] == "2951-2"
    assert codes["LDL cholesterol (calculated)"] == "13457-7"
    assert codes["HDL cholesterol"] == "2085-9"
    assert codes["Cholesterol, total"] == "2093-3"
    assert codes["Triglycerides"] == "2571-8"
    assert codes["Hemoglobin"] == "718-7"
    assert codes["WBC"] == "6690-2"
    assert codes["Platelets"] == "777-3"
    assert codes["Creatinine"] == "2160-0"
    assert [t.loinc for t in BUNDLED] == [
        "58410-2", "51990-0", "24323-8", "24331-1", "4548-4", "24357-6", "3016-3",
    ]  # fmt: skip
    assert not loinc_valid("4548-5") and not loinc_valid("45484")


def test_a_clinic_template_is_validated_row_by_row() -> None:
    typed = TemplateInput(
        name=" Hepatic  function ",
        loinc="24325-3",
        analytes=(
            ResultInput(analyte="ALT", loinc="1742-6", unit="U/L", low="7", high="56"),
            ResultInput(),  # a blank row of the dialog
            ResultInput(analyte="Appearance", reference_text="Clear"),
        ),
    )
    name, loinc, specimen, analytes = typed.validated()
    assert (name, loinc, specimen) == ("Hepatic function", "24325-3", None)
    assert [(a.analyte, a.kind) for a in analytes] == [
        ("ALT", ValueKind.NUMERIC),
        ("Appearance", ValueKind.TEXT),
    ]
    bad = replace(typed, analytes=(*typed.analytes, ResultInput(unit="U/L", low="x")))
    with pytest.raises(ValidationError, match=r"^Analyte 4: name what is measured") as refused:
        bad.validated()
    assert refused.value.field == "analytes"
    with pytest.raises(ValidationError, match="listed twice"):
        replace(typed, analytes=typed.analytes * 2).validated()
    with pytest.raises(ValidationError, match="Name the template"):
        replace(typed, name="").validated()


# ---------------------------------------------------------------------- grid and trend


def _test(test_id: int, days_ago: int, template_rows: int, **values: str) -> GridTest:
    rows = [r for r in CBC.rows()[:template_rows]]
    typed = tuple(replace(r, value=values.get(r.analyte, "")) for r in rows)
    data = LabTestInput(name=CBC.name, collected_at=WHEN, results=typed).validated(TODAY)
    return GridTest(
        test_id, data.name, WHEN - dt.timedelta(days=days_ago), None, "Quest", data.results
    )


def test_the_grid_puts_analytes_down_in_panel_order_and_dates_across_newest_first() -> None:
    old = _test(1, 400, 3, WBC="7.1", RBC="4.9", Hemoglobin="14.0")
    new = _test(2, 10, 3, WBC="12.5", Hemoglobin="6.5")
    zinc = ResultData("Zinc", numeric=80.0, unit="µg/dL")
    apple = ResultData("Apple", text="x", kind=ValueKind.TEXT)
    lipid_like = GridTest(3, "Another panel", new.collected_at, None, None, (zinc, apple))
    grid = build_grid([old, new, lipid_like])
    assert grid.columns == (new.collected_at, old.collected_at)  # one column per moment
    assert grid.tests == 3
    assert [(r.panel, r.analyte) for r in grid.rows] == [
        ("Another panel", "Zinc"),
        ("Another panel", "Apple"),
        (CBC.name, "WBC"),
        (CBC.name, "RBC"),
        (CBC.name, "Hemoglobin"),
    ]
    wbc = grid.rows[2]
    assert [c.text if c else None for c in wbc.cells] == ["12.5", "7.1"]
    assert [c.flag if c else None for c in grid.rows[4].cells] == [Flag.CRITICAL_LOW, Flag.NORMAL]
    assert grid.rows[3].cells[0] is None  # no RBC in the newer count
    assert wbc.key == "loinc:6690-2" and wbc.numeric and not grid.rows[1].numeric
    assert [name for name, _rows in grid.panels()] == ["Another panel", CBC.name]


def test_a_trend_is_oldest_first_in_the_latest_unit_with_the_latest_range() -> None:
    tests = [_test(n, 100 * (5 - n), 1, WBC=v) for n, v in ((1, "5"), (2, "11.6"), (3, "1.9"))]
    other_unit = replace(tests[0].results[0], numeric=5000.0, unit="/µL")
    odd = GridTest(9, "Outside lab", WHEN - dt.timedelta(days=250), None, None, (other_unit,))
    trend = build_trend([*tests, odd], "loinc:6690-2")
    assert trend is not None
    assert (trend.title, trend.unit, trend.low, trend.high) == ("WBC", "10³/µL", 4.0, 11.0)
    assert [(p.value, p.flag) for p in trend.points] == [(5.0, ""), (11.6, "H"), (1.9, "LL")]
    assert [p.at for p in trend.points] == sorted(p.at for p in trend.points)
    assert build_trend(tests, "name:nothing") is None


def test_lab_test_data_has_every_field_labelled_in_the_contracts_order() -> None:
    assert [f.name for f in dataclasses.fields(LabTestData)] == [
        "name", "loinc", "specimen", "collected_at", "resulted_at", "ordering_provider",
        "performing_lab", "results", "notes", "encounter_id",
    ]  # fmt: skip
