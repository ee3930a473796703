"""The encounter and amendment forms as typed, the unsigned-note setting, and the text of the
signed-note locks (issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import exc as sa_exc

from medrec_desktop.db import signed_locks
from medrec_desktop.db.errors import ADDENDA_LOCKED, SIGNED_LOCKED, known_error_for
from medrec_desktop.domain.amendments import AmendmentInput, addendum_text, denial_text
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounters import (
    EncounterInput,
    EncounterType,
    encounter_title,
    unsigned_note_days,
)
from medrec_desktop.domain.errors import ConflictError, ValidationError

TODAY = dt.date(2026, 11, 26)
VISIT = EncounterInput(
    starts_at=dt.datetime(2026, 11, 26, 9, 30, 15, 999, tzinfo=dt.UTC),
    provider_id=4,
    reason_for_visit="  Cough for two weeks  ",
    subjective="Dry cough.",
    problems_addressed=(3, 5, 3),
)


def test_a_typed_visit_is_cleaned_and_its_signature_is_never_typed() -> None:
    data = VISIT.validated(TODAY)
    assert data.starts_at == dt.datetime(2026, 11, 26, 9, 30, 15, tzinfo=dt.UTC)
    assert data.reason_for_visit == "Cough for two weeks"
    assert (data.subjective, data.objective, data.location) == ("Dry cough.", None, None)
    assert data.problems_addressed == (3, 5)
    assert (data.signed_by, data.signed_at, data.signed) == (None, None, False)
    assert data.encounter_type is EncounterType.OFFICE


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        (EncounterInput(provider_id=4, reason_for_visit="x"), "starts_at"),
        (
            EncounterInput(
                starts_at=dt.datetime(1899, 12, 31, tzinfo=dt.UTC),
                provider_id=4,
                reason_for_visit="x",
            ),
            "starts_at",
        ),
        (EncounterInput(starts_at=VISIT.starts_at, reason_for_visit="x"), "provider_id"),
        (EncounterInput(starts_at=VISIT.starts_at, provider_id=4), "reason_for_visit"),
        (
            EncounterInput(
                starts_at=VISIT.starts_at,
                provider_id=4,
                reason_for_visit="x",
                status=ItemStatus.RESOLVED,
            ),
            "status",
        ),
        (
            EncounterInput(
                starts_at=VISIT.starts_at, provider_id=4, reason_for_visit="x", plan="p" * 20_001
            ),
            "plan",
        ),
    ],
    ids=["no time", "before 1900", "no provider", "no reason", "resolved", "long plan"],
)
def test_a_visit_typed_wrong_names_the_field(typed: EncounterInput, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        typed.validated(TODAY)
    assert refused.value.field == field


def test_editing_gives_back_what_was_saved() -> None:
    data = VISIT.validated(TODAY)
    when = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
    item = ItemInfo(
        id=ItemId(1),
        item_type="encounter",
        patient_id=PatientId(2),
        version=1,
        status=ItemStatus.ACTIVE,
        sensitivity=None,
        created_by="a",
        created_at=when,
        changed_by="a",
        changed_at=when,
        reason=None,
        data=data,
    )
    assert EncounterInput.editing(item).validated(TODAY) == data


def test_the_encounter_title_names_the_local_day_and_type() -> None:
    local = dt.datetime(2025, 3, 14, 10, 0).astimezone()
    assert encounter_title(local, EncounterType.OFFICE) == "03/14/2025 office visit"
    assert encounter_title(local, EncounterType.LAB_ONLY) == "03/14/2025 lab-only visit"


@pytest.mark.parametrize(("stored", "days"), [(None, 3), ("", 3), ("0", 0), ("365", 365)])
def test_the_unsigned_note_setting_reads_whole_days(stored: str | None, days: int) -> None:
    assert unsigned_note_days(stored) == days


@pytest.mark.parametrize("stored", ["-1", "366", "3.5", "a week"])
def test_the_unsigned_note_setting_refuses_anything_else(stored: str) -> None:
    with pytest.raises(ValidationError, match="0 to 365"):
        unsigned_note_days(stored)


def test_a_request_is_pending_and_received_today_unless_dated() -> None:
    request = AmendmentInput(requested_change=" Correct my smoking status ").validated(TODAY)
    assert (request.received_on, request.requested_change) == (TODAY, "Correct my smoking status")
    assert request.decision.value == "pending"
    for typed, field in (
        (AmendmentInput(requested_change="x", received_on="11/27/2026"), "received_on"),
        (AmendmentInput(requested_change=""), "requested_change"),
    ):
        with pytest.raises(ValidationError) as refused:
            typed.validated(TODAY)
        assert refused.value.field == field


def test_addenda_and_denials_need_their_words() -> None:
    assert addendum_text("  Late   entry ", " Text ") == ("Late entry", "Text")
    assert denial_text("Accurate.", "  ") == ("Accurate.", None)
    with pytest.raises(ValidationError) as refused:
        addendum_text("Why", " ")
    assert refused.value.field == "text"


def test_lock_triggers_cover_every_content_column() -> None:
    """Not the merge's patient_id (guarded apart) nor the label and its save's stamps."""
    bookkeeping = ["sensitivity", "version", "changed_by", "changed_at", "reason"]
    columns = {
        t: ["patient_id", "id", "b", "status", "a", "encounter_id", *bookkeeping]
        for t in signed_locks.TABLES
    }
    sqlite = signed_locks.sqlite_triggers(columns)
    assert "UPDATE OF a, b, encounter_id, id, status ON vitals" in sqlite["vitals_signed_no_update"]
    # Addenda have no bookkeeping: any column of theirs is content.
    assert (
        "UPDATE OF a, b, changed_at, changed_by, encounter_id, id, reason, sensitivity, status, "
        "version ON encounter_addendum" in sqlite["encounter_addendum_no_update"]
    )
    assert "UPDATE OF patient_id ON vitals" in sqlite["vitals_signed_no_move"]
    pg = signed_locks.pg_triggers(columns)
    assert pg["encounter_signed_no_update"].definition == (
        "CREATE TRIGGER encounter_signed_no_update BEFORE UPDATE OF a, b, encounter_id, id, "
        "status ON encounter FOR EACH ROW WHEN ((old.signed_at IS NOT NULL)) EXECUTE FUNCTION "
        "signed_note_refuse()"
    )
    assert {t.function for t in pg.values()} == set(signed_locks.PG_FUNCTIONS)


@pytest.mark.parametrize(
    ("raised", "said"),
    [(signed_locks.LOCKED, SIGNED_LOCKED), (signed_locks.APPEND_ONLY, ADDENDA_LOCKED)],
)
def test_a_lock_reached_past_the_services_is_said_in_plain_words(raised: str, said: str) -> None:
    err = sa_exc.IntegrityError("UPDATE encounter ...", {}, Exception(raised))
    known = known_error_for(err)
    assert isinstance(known, ConflictError) and known.message == said
