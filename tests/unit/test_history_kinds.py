"""Medical, surgical, family and social history: validation naming the field, pack-years,
AUDIT-C, and the one current social history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemInput, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    Relative,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.social_history import (
    SmokingStatus,
    SocialHistoryData,
    SocialHistoryInput,
    audit_c_positive,
    audit_c_score,
    current_social_history,
)

TODAY = dt.date(2026, 11, 26)
WHEN = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def refused(form: ItemInput[Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        form.validated(TODAY)
    return caught.value


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        (MedicalHistoryInput(condition=" "), "condition", "Name the condition"),
        (MedicalHistoryInput(condition="Asthma", icd10cm="asthma"), "icd10cm", "ICD-10-CM"),
        (MedicalHistoryInput(condition="Asthma", onset="2031"), "onset", "in the future"),
        (
            MedicalHistoryInput(condition="Asthma", status=ItemStatus.ENTERED_IN_ERROR),
            "status",
            "active, inactive or resolved",
        ),
        (SurgicalHistoryInput(procedure=""), "procedure", "Name the procedure"),
        (SurgicalHistoryInput(procedure="Knee", performed="1899"), "performed", "before 1900"),
        (SurgicalHistoryInput(procedure="Knee", laterality="up"), "laterality", "Choose a side"),
        (SurgicalHistoryInput(procedure="Knee", site="x" * 201), "site", "keep it to 200"),
        (
            FamilyHistoryInput(relative="cousin", condition="Gout"),
            "relative",
            "Choose the relative",
        ),
        (FamilyHistoryInput(relative="mother", condition=""), "condition", "Name the condition"),
        (
            FamilyHistoryInput(relative="mother", condition="Gout", age_at_onset="121"),
            "age_at_onset",
            "between 0 and 120 years",
        ),
        (
            FamilyHistoryInput(relative="mother", condition="Gout", age_at_death="80"),
            "age_at_death",
            "Deceased",
        ),
        (
            FamilyHistoryInput(
                relative="father",
                condition="Gout",
                age_at_onset="70",
                deceased=True,
                age_at_death="60",
            ),
            "age_at_death",
            "lower than the age at onset",
        ),
        (
            SocialHistoryInput(smoking_status="sometimes"),
            "smoking_status",
            "current every day smoker",
        ),
        (SocialHistoryInput(packs_per_day="11"), "packs_per_day", "between 0 and 10"),
        (SocialHistoryInput(years_smoked="101"), "years_smoked", "between 0 and 100"),
        (SocialHistoryInput(pack_years="301"), "pack_years", "between 0 and 300"),
        (
            SocialHistoryInput(packs_per_day="4", years_smoked="80"),
            "years_smoked",
            "over 300 pack-years",
        ),
        (
            SocialHistoryInput(packs_per_day="1", years_smoked="20", pack_years="10"),
            "pack_years",
            "do not match",
        ),
        (
            SocialHistoryInput(smoking_status="never", pack_years="5"),
            "smoking_status",
            "never smoker has no",
        ),
        (SocialHistoryInput(audit_c_frequency="5"), "audit_c_frequency", "between 0 and 4"),
        (SocialHistoryInput(audit_c_frequency="2"), "audit_c_typical", "all three"),
        (
            SocialHistoryInput(audit_c_frequency="0", audit_c_six_or_more="2"),
            "audit_c_six_or_more",
            "never drinks",
        ),
        (SocialHistoryInput(housing="house"), "housing", "stable, unstable, homeless or unknown"),
        (SocialHistoryInput(feels_safe="maybe"), "feels_safe", "yes, no or unknown"),
        (SocialHistoryInput(living_situation="tent"), "living_situation", "lives alone"),
        (SocialHistoryInput(status=ItemStatus.RESOLVED), "status", "current or inactive"),
    ],
)
def test_refused_values_name_the_field(form: ItemInput[Any], field: str, said: str) -> None:
    error = refused(form)
    assert error.field == field
    assert said in error.message, error.message


def test_family_history_keeps_ages_and_the_deceased_flag() -> None:
    data = FamilyHistoryInput(
        relative="maternal-grandfather",
        condition="Colon cancer",
        icd10cm="c18.9",
        age_at_onset="68",
        deceased=True,
        age_at_death="71",
    ).validated(TODAY)
    assert (data.relative, data.icd10cm, data.age_at_onset, data.age_at_death) == (
        Relative.MATERNAL_GRANDFATHER,
        "C18.9",
        68,
        71,
    )
    assert data.relative.label == "Maternal grandfather"


@pytest.mark.parametrize(
    ("ppd", "years", "typed", "pack_years"),
    [
        ("1", "20", "", 20.0),
        ("0.5", "15", "", 7.5),
        ("1.5", "10", "15", 15.0),
        ("", "", "35", 35.0),
        ("2", "", "", None),
    ],
)
def test_pack_years_are_computed_or_typed(
    ppd: str, years: str, typed: str, pack_years: float | None
) -> None:
    data = SocialHistoryInput(
        smoking_status="former", packs_per_day=ppd, years_smoked=years, pack_years=typed
    ).validated(TODAY)
    assert data.pack_years == pack_years


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ((1, 1, 0), 2),
        ((4, 4, 4), 12),
        ((0, None, None), 0),
        ((None, None, None), None),
        ((2, None, 1), None),
    ],
)
def test_audit_c_score(
    answers: tuple[int | None, int | None, int | None], score: int | None
) -> None:
    assert audit_c_score(answers) == score


@pytest.mark.parametrize(
    ("score", "sex", "positive"),
    [
        (4, "male", True),
        (3, "male", False),
        (3, "female", True),
        (2, "female", False),
        (3, "unknown", True),
        (None, "male", None),
    ],
)
def test_audit_c_positive_at_4_for_men_and_3_for_women(
    score: int | None, sex: str, positive: bool | None
) -> None:
    assert audit_c_positive(score, sex) is positive


def test_audit_c_is_computed_when_saved() -> None:
    data = SocialHistoryInput(
        audit_c_frequency="3", audit_c_typical="1", audit_c_six_or_more="1"
    ).validated(TODAY)
    assert data.audit_c_score == 5
    never = SocialHistoryInput(audit_c_frequency="0").validated(TODAY)
    assert (never.audit_c_score, never.audit_c_typical) == (0, None)
    assert SmokingStatus.CURRENT_UNKNOWN.label == "Smoker, current status unknown"


def test_the_latest_active_social_history_is_the_current_one() -> None:
    def social(n: int, minutes: int, status: ItemStatus) -> ItemInfo[SocialHistoryData]:
        when = WHEN + dt.timedelta(minutes=minutes)
        data = SocialHistoryInput(occupation=f"job {n}").validated(TODAY)
        return ItemInfo(
            ItemId(n),
            "social-history",
            PatientId(1),
            1,
            status,
            None,
            "N",
            when,
            "N",
            when,
            None,
            data,
        )

    items = [
        social(1, 0, ItemStatus.INACTIVE),
        social(2, 5, ItemStatus.ACTIVE),
        social(3, 9, ItemStatus.INACTIVE),
    ]
    current = current_social_history(items)
    assert current is not None and current.id == 2
    assert current_social_history([]) is None
