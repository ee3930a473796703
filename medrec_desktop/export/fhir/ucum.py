"""Units as labs and the chart write them -> UCUM codes, for the units the application's
templates use and the common others. A unit not listed travels as written, without a code:
a wrong UCUM code is worse than none."""

from __future__ import annotations

_UCUM = {
    "%": "%",
    "10³/µL": "10*3/uL",
    "10^3/uL": "10*3/uL",
    "K/uL": "10*3/uL",
    "10⁶/µL": "10*6/uL",
    "10^6/uL": "10*6/uL",
    "M/uL": "10*6/uL",
    "/µL": "/uL",
    "cells/µL": "/uL",
    "fL": "fL",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "IU/L": "[IU]/L",
    "mEq/L": "meq/L",
    "mg/dL": "mg/dL",
    "mg/g": "mg/g",
    "mg/L": "mg/L",
    "mIU/L": "m[IU]/L",
    "µIU/mL": "u[IU]/mL",
    "uIU/mL": "u[IU]/mL",
    "mL/min/1.73m²": "mL/min/{1.73_m2}",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "mm/h": "mm/h",
    "mm/hr": "mm/h",
    "mmol/L": "mmol/L",
    "ng/dL": "ng/dL",
    "ng/mL": "ng/mL",
    "pg": "pg",
    "pg/mL": "pg/mL",
    "s": "s",
    "sec": "s",
    "U/L": "U/L",
    "µg/dL": "ug/dL",
    "ug/dL": "ug/dL",
    "µg/L": "ug/L",
    "µmol/L": "umol/L",
    "umol/L": "umol/L",
}
_FOLDED = {k.casefold(): v for k, v in _UCUM.items()}


def ucum_code(unit: str | None) -> str | None:
    """``"10³/µL"`` -> ``"10*3/uL"``; None for a unit this table does not know."""
    if not unit:
        return None
    text = unit.strip()
    return _UCUM.get(text) or _FOLDED.get(text.casefold().replace("μ", "µ"))
