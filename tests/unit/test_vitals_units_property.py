"""Property (Hypothesis): whatever is typed in either unit system, opening the saved entry
and saving it again gives exactly the same stored values (so it makes no new version), and
the entry's own units show back what was typed (to the tenth the form keeps)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.vital_units import UnitSystem, in_units
from medrec_desktop.domain.vitals import VitalsData, VitalsInput

TODAY = dt.date(2026, 11, 26)
TAKEN = dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC)

# Typed ranges inside what is possible, in each system: (height, weight, temperature).
RANGES = {
    UnitSystem.METRIC: ((40.0, 220.0), (2.0, 300.0), (30.0, 43.0)),
    UnitSystem.US: ((16.0, 86.0), (5.0, 660.0), (86.0, 109.0)),
}


def tenths(low: float, high: float) -> st.SearchStrategy[float]:
    return st.integers(int(low * 10), int(high * 10)).map(lambda n: n / 10)


@st.composite
def entries(draw: st.DrawFn) -> tuple[UnitSystem, float, float, float]:
    units = draw(st.sampled_from(list(UnitSystem)))
    (h, w, t) = RANGES[units]
    return units, draw(tenths(*h)), draw(tenths(*w)), draw(tenths(*t))


def _item(data: VitalsData) -> ItemInfo[VitalsData]:
    return ItemInfo(
        ItemId(1),
        "vitals",
        PatientId(1),
        1,
        ItemStatus.ACTIVE,
        None,
        "N",
        TAKEN,
        "N",
        TAKEN,
        None,
        data,
    )


@given(entries())
def test_typed_values_survive_storage_in_either_unit_system(
    entry: tuple[UnitSystem, float, float, float],
) -> None:
    units, height, weight, temperature = entry
    form = VitalsInput(
        taken_at=TAKEN,
        units=units,
        height=str(height),
        weight=str(weight),
        temperature=str(temperature),
    )
    try:
        saved = form.validated(TODAY)
    except ValidationError as refused:  # only an impossible BMI may refuse these ranges
        assert refused.field == "weight", refused
        return
    assert saved.height_cm is not None and saved.weight_kg is not None
    assert saved.temperature_c is not None
    assert in_units(saved.height_cm, "height", units) == height
    assert in_units(saved.weight_kg, "weight", units) == weight
    assert in_units(saved.temperature_c, "temperature", units) == temperature
    assert VitalsInput.editing(_item(saved)).validated(TODAY) == saved
