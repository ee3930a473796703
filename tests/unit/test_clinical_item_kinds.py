"""Every declared kind works with the generic mechanism: labelled fields for the history, a
lossless round trip through the version JSON, and columns for every content field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from medrec_desktop.domain.clinical import (
    FieldChange,
    ItemId,
    ItemInfo,
    ItemList,
    ItemStatus,
    Sensitivity,
    changes,
    field_label,
)
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_codec import item_from_plain, to_plain
from medrec_desktop.domain.problems import ProblemData, icd10cm_shape
from medrec_desktop.models import ITEM_MODELS
from medrec_desktop.services.chart_kinds import KINDS
from tests.integration.chart_samples import SAMPLE_INPUTS

TODAY = dt.date(2026, 11, 26)
WHEN = dt.datetime(2026, 11, 26, 9, 30, 1, 123456, tzinfo=dt.UTC)


def _item(data: Any, **changed: Any) -> ItemInfo[Any]:
    fields = {
        "id": ItemId(4),
        "item_type": "problem",
        "patient_id": PatientId(2),
        "version": 1,
        "status": ItemStatus.ACTIVE,
        "sensitivity": None,
        "created_by": "Test Nurse",
        "created_at": WHEN,
        "changed_by": "Test Nurse",
        "changed_at": WHEN,
        "reason": None,
        "data": data,
    }
    return ItemInfo(**{**fields, **changed})


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.item_type)
def test_every_kind_is_fully_declared(kind: Any) -> None:
    assert ITEM_MODELS[kind.item_type] is kind.model
    assert kind.item_type in SAMPLE_INPUTS, "add a sample input to tests/.../chart_samples.py"
    for f in dataclasses.fields(kind.data):
        # Unlabelled fields would silently drop out of the history's differences.
        assert field_label(f), f"{kind.data.__name__}.{f.name} has no label"
        assert f.name in kind.model.__table__.c, f"{kind.model.__name__} lacks {f.name}"
    sample = SAMPLE_INPUTS[kind.item_type].validated(TODAY)
    assert isinstance(sample, kind.data)
    item = _item(sample, item_type=kind.item_type, sensitivity=Sensitivity.GENETIC)
    stored = json.loads(json.dumps(to_plain(item)))
    assert item_from_plain(kind.data, stored) == item


def test_the_first_version_lists_what_was_recorded_and_later_ones_what_changed() -> None:
    first = _item(ProblemData("Asthma"))
    assert changes(None, first) == (
        FieldChange("status", "Status", "", "Active"),
        FieldChange("description", "Problem", "", "Asthma"),
    )
    later = _item(
        ProblemData("Asthma", icd10cm="J45.909", chronic=True),
        version=2,
        sensitivity=Sensitivity.CLINIC_DEFINED,
    )
    assert changes(first, later) == (
        FieldChange("sensitivity", "Sensitivity", "", "clinic-defined"),
        FieldChange("icd10cm", "ICD-10-CM code", "", "J45.909"),
        FieldChange("chronic", "Chronic", "No", "Yes"),
    )


def test_withheld_items_are_counted_in_words() -> None:
    listed = ItemList[Any]((), {Sensitivity.GENETIC: 2, Sensitivity.BEHAVIORAL_HEALTH: 1})
    assert listed.withheld_notes == (
        "1 item withheld (behavioral health)",
        "2 items withheld (genetic)",
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("e11.65", "E11.65"),
        (" I10 ", "I10"),
        ("J45909", "J45.909"),
        ("", None),
        ("s72.001a", "S72.001A"),
    ],
)
def test_icd10cm_codes_are_kept_in_the_coders_spelling(typed: str, kept: str | None) -> None:
    assert icd10cm_shape(typed) == kept


@pytest.mark.parametrize("typed", ["diabetes", "E1", "11.9", "E11.12345", "E11-9"])
def test_other_shapes_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(ValidationError, match="for example E11.9") as refused:
        icd10cm_shape(typed)
    assert refused.value.field == "icd10cm"
