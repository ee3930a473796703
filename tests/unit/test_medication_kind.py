"""Medications: validation naming the field, and the "current medications" view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.medications import (
    MEDICATION_STATUS_LABELS,
    MedicationData,
    MedicationInput,
    current_medications,
)
from medrec_desktop.domain.partial_dates import PartialDate

TODAY = dt.date(2026, 11, 26)
WHEN = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def item(n: int, data: MedicationData, status: ItemStatus = ItemStatus.ACTIVE) -> ItemInfo[Any]:
    return ItemInfo(
        ItemId(n), "medication", PatientId(1), 1, status, None, "N", WHEN, "N", WHEN, None, data
    )


def test_a_medication_is_kept_as_typed() -> None:
    data = MedicationInput(
        name=" Lisinopril ",
        strength="10 mg",
        dose="0.5",
        dose_unit="tablet",
        route="oral",
        frequency="once daily",
        start="03/2020",
        stop="12/31/2027",  # a planned stop may lie ahead
        indication="blood pressure",
        indication_problem_id=7,
        prescriber="Dr. Osei",
    ).validated(TODAY)
    assert (data.name, data.dose, data.dose_text) == ("Lisinopril", 0.5, "0.5 tablet")
    assert (data.start, data.stop) == (PartialDate(2020, 3), PartialDate(2027, 12, 31))
    assert data.indication_problem_id == 7


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"name": "  "}, "name", "Name the medication"),
        ({"name": "x" * 201}, "name", "keep it to 200"),
        ({"dose": "two"}, "dose", "as a number"),
        ({"dose": "0", "dose_unit": "mg"}, "dose", "no dose"),
        ({"dose": "-1", "dose_unit": "mg"}, "dose", "between 0 and 100000"),
        ({"dose": "2"}, "dose_unit", "unit of the dose"),
        ({"dose": "2", "dose_unit": "spoon"}, "dose_unit", "Choose a dose unit"),
        ({"route": "by mouth"}, "route", "Choose a route"),
        ({"start": "2030"}, "start", "in the future"),
        ({"start": "2019", "stop": "2018"}, "stop", "cannot stop before it started"),
        ({"stop": "2040"}, "stop", "more than 5 years ahead"),
        ({"stop": "13/2020"}, "stop", "no month 13"),
        ({"frequency": "x" * 101}, "frequency", "keep it to 100"),
        ({"status": ItemStatus.ENTERED_IN_ERROR}, "status", "active, stopped or completed"),
    ],
)
def test_refused_values_name_the_field(fields: dict[str, Any], field: str, said: str) -> None:
    typed = {"name": "Metformin", **fields}
    with pytest.raises(ValidationError) as refused:
        MedicationInput(**typed).validated(TODAY)
    assert refused.value.field == field
    assert said in refused.value.message, refused.value.message
    assert "metformin" not in refused.value.message.lower()


def test_current_medications_are_active_and_not_stopped_before_today() -> None:
    def med(name: str, stop: str = "") -> MedicationData:
        return MedicationInput(name=name, stop=stop).validated(TODAY)

    items = [
        item(1, med("Zolpidem")),
        item(2, med("Amoxicillin", stop="11/20/2026")),  # course over
        item(3, med("amlodipine", stop="11/26/2026")),  # last day today
        item(4, med("Prednisone", stop="12/2026")),  # ends this month or next
        item(5, med("Atorvastatin", stop="11/2026")),  # a month: until its last day
        item(6, med("Ibuprofen"), ItemStatus.INACTIVE),  # stopped
        item(7, med("Cephalexin"), ItemStatus.RESOLVED),  # completed
    ]
    current = current_medications(items, TODAY)
    assert [i.data.name for i in current] == [
        "amlodipine",
        "Atorvastatin",
        "Prednisone",
        "Zolpidem",
    ]


def test_statuses_speak_a_clinics_words() -> None:
    assert MEDICATION_STATUS_LABELS[ItemStatus.INACTIVE] == "Stopped"
    assert MEDICATION_STATUS_LABELS[ItemStatus.RESOLVED] == "Completed"


def test_editing_a_saved_medication_gives_back_what_was_typed() -> None:
    data = MedicationInput(
        name="Insulin glargine", dose="0.0625", dose_unit="mL", stop="2027"
    ).validated(TODAY)
    assert MedicationInput.editing(item(1, data)).validated(TODAY) == data
