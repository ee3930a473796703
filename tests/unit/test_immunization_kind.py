"""Immunizations: the bundled CVX table, given/historical/refused rules, and the summary's
"due or recent" reminder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.cvx_codes import (
    CVX_TABLE,
    INFLUENZA,
    TETANUS,
    cvx_lookup,
    cvx_shape,
    search_cvx,
)
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.immunization_schedule import due_or_recent, season_start, vaccine_group
from medrec_desktop.domain.immunizations import Administration, ImmunizationData, ImmunizationInput
from medrec_desktop.domain.partial_dates import PartialDate

TODAY = dt.date(2026, 11, 26)
WHEN = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
ADULT = dt.date(1970, 5, 1)


def item(n: int, data: ImmunizationData, status: ItemStatus = ItemStatus.ACTIVE) -> ItemInfo[Any]:
    return ItemInfo(
        ItemId(n), "immunization", PatientId(1), 1, status, None, "N", WHEN, "N", WHEN, None, data
    )


def dose(vaccine: str = "", cvx: str = "", on: str = "10/02/2026", **more: Any) -> ImmunizationData:
    return ImmunizationInput(vaccine=vaccine, cvx=cvx, given_on=on, **more).validated(TODAY)


def test_the_bundled_table_is_well_formed() -> None:
    assert len(CVX_TABLE) >= 40
    codes = [c.code for c in CVX_TABLE]
    assert len(set(codes)) == len(codes)
    assert all(cvx_shape(c) == c for c in codes)
    assert cvx_lookup("115") is not None and cvx_lookup("115").name == "Tdap"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "kept"), [("3", "03"), (" 115 ", "115"), ("08", "08"), ("", None)]
)
def test_cvx_codes_are_spelled_as_cdc_writes_them(typed: str, kept: str | None) -> None:
    assert cvx_shape(typed) == kept


@pytest.mark.parametrize("typed", ["Tdap", "1150", "0", "11.5", "-3"])
def test_other_cvx_shapes_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="one to three digits") as refused:
        cvx_shape(typed)
    assert refused.value.field == "cvx"


def test_cvx_type_ahead_by_code_or_name() -> None:
    assert [c.code for c in search_cvx("11")][:3] == ["110", "113", "114"]
    assert {c.code for c in search_cvx("3")} >= {"03", "33", "37"}
    assert {c.code for c in search_cvx("zoster")} == {"121", "187"}


def test_a_known_code_names_the_vaccine_when_the_name_is_blank() -> None:
    data = dose(cvx="187")
    assert (data.vaccine, data.cvx) == ("Zoster recombinant", "187")
    assert dose(vaccine="Shingrix", cvx="187").vaccine == "Shingrix"  # as typed wins
    assert dose(vaccine="Local trial vaccine", cvx="999").cvx == "999"  # unknown codes kept


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"vaccine": ""}, "vaccine", "Name the vaccine"),
        ({"given_on": ""}, "given_on", "date it was given"),
        ({"given_on": "2030-01-01"}, "given_on", "in the future"),
        ({"given_on": "10/2026"}, "given_on", "only a historical dose"),
        ({"administration": "historical", "given_on": "1998"}, "source", "known from"),
        ({"source": "state registry"}, "source", "only for a historical dose"),
        ({"administration": "refused"}, "refusal_reason", "why the vaccine was refused"),
        ({"refusal_reason": "fear of needles"}, "refusal_reason", "only when"),
        (
            {"administration": "refused", "refusal_reason": "declined", "lot_number": "X1"},
            "lot_number",
            'clear the "lot number"',
        ),
        (
            {"administration": "refused", "refusal_reason": "declined", "given_by": "RN"},
            "given_by",
            'clear the "given by"',
        ),
        ({"dose_number": "0"}, "dose_number", "between 1 and 20"),
        ({"dose_number": "1.5"}, "dose_number", "whole number"),
        ({"site": "buttock"}, "site", "Choose a site"),
        ({"route": "IV"}, "route", "Choose a route"),
        ({"cvx": "flu"}, "cvx", "one to three digits"),
        ({"lot_number": "x" * 41}, "lot_number", "keep it to 40"),
        ({"administration": "mailed"}, "administration", "given here, historical or refused"),
        ({"status": ItemStatus.RESOLVED}, "status", "counted"),
    ],
)
def test_refused_values_name_the_field(fields: dict[str, Any], field: str, said: str) -> None:
    typed = {"vaccine": "Tdap", "given_on": "10/02/2026", **fields}
    with pytest.raises(ValidationError) as refused:
        ImmunizationInput(**typed).validated(TODAY)
    assert refused.value.field == field
    assert said in refused.value.message, refused.value.message


def test_historical_doses_may_have_partial_dates_and_refusals_a_reason() -> None:
    old = dose("MMR", on="1998", administration="historical", source="patient's card")
    assert (old.given_on, old.source) == (PartialDate(1998), "patient's card")
    no = dose("Influenza", on="10/01/2026", administration="refused", refusal_reason="declined")
    assert (no.administration, no.refusal_reason) == (Administration.REFUSED, "declined")
    assert ImmunizationInput.editing(item(1, old)).validated(TODAY) == old


def test_doses_are_grouped_by_code_or_else_by_name() -> None:
    assert vaccine_group(dose(cvx="150")) == INFLUENZA
    assert vaccine_group(dose("Fluzone High-Dose")) == INFLUENZA
    assert vaccine_group(dose("flu shot")) == INFLUENZA
    assert vaccine_group(dose("Td booster")) == TETANUS
    assert vaccine_group(dose(cvx="20")) == TETANUS  # childhood DTaP contains tetanus
    assert vaccine_group(dose("Shingrix")) is None


def test_the_influenza_season_starts_on_august_first() -> None:
    assert season_start(dt.date(2026, 11, 26)) == dt.date(2026, 8, 1)
    assert season_start(dt.date(2027, 3, 1)) == dt.date(2026, 8, 1)
    assert season_start(dt.date(2026, 8, 1)) == dt.date(2026, 8, 1)


def test_an_adult_with_nothing_recorded_is_due_both() -> None:
    overview = due_or_recent([], today=TODAY, birth_date=ADULT)
    assert overview.recent == ()
    assert [(d.name, d.reason) for d in overview.due] == [
        ("Influenza", "none since 08/01/2026 (none recorded)"),
        ("Tetanus (Td/Tdap)", "none in the last 10 years (none recorded)"),
    ]


def test_recent_doses_and_what_they_make_not_due() -> None:
    items = [
        item(1, dose(cvx="150", on="09/15/2026")),  # this season's flu
        item(2, dose("Tdap", on="2018", administration="historical", source="registry")),
        item(3, dose("Shingrix", on="01/10/2026")),
        item(4, dose("Hep B", on="11/25/2025")),  # just over a year ago
    ]
    overview = due_or_recent(items, today=TODAY, birth_date=ADULT)
    assert [i.id for i in overview.recent] == [1, 3]  # newest first
    assert overview.due == ()


def test_last_seasons_flu_and_an_old_tetanus_dose_are_due() -> None:
    items = [
        item(1, dose("Influenza", on="10/01/2025")),
        item(2, dose("Td", on="2015", administration="historical", source="card")),
        item(3, dose("Influenza", on="10/03/2026"), ItemStatus.INACTIVE),  # not counted
        item(4, dose("Influenza", on="10/05/2026", administration="refused", refusal_reason="no")),
    ]
    flu, tetanus = due_or_recent(items, today=TODAY, birth_date=ADULT).due
    assert (flu.last_given, flu.refused_on) == (PartialDate(2025, 10, 1), PartialDate(2026, 10, 5))
    assert flu.reason == "none since 08/01/2026 (last 10/01/2025)"
    assert (tetanus.last_given, tetanus.reason) == (
        PartialDate(2015),
        "none in the last 10 years (last 2015)",
    )


def test_the_rules_follow_age() -> None:
    baby = due_or_recent([], today=TODAY, birth_date=dt.date(2026, 7, 1))
    assert baby.due == ()  # under 6 months: no influenza yet, no tetanus booster
    child = due_or_recent([], today=TODAY, birth_date=dt.date(2020, 1, 1))
    assert [d.group for d in child.due] == [INFLUENZA]
    eleven = due_or_recent([], today=TODAY, birth_date=dt.date(2015, 11, 26))
    assert [d.group for d in eleven.due] == [INFLUENZA, TETANUS]
