"""The billing hand-off (issue 13, item 5) on SQLCipher and PostgreSQL: a coded encounter's
claim summary; the export of a date range's coded encounters as CSV (one row per line item,
pointers as letters, modifiers and units, cells that never open as formulas) and as JSON
(grouped per encounter), each recorded in the same transaction as a disclosure for payment
with one row per patient; labelled encounters left out and counted for a role that may not
see them; an empty range refused with nothing recorded; who may export; and the insider who
tries to rewrite or delete the disclosure with the database key or a server login."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, replace
from typing import Any

import psycopg
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import func, select, text
from sqlalchemy.engine.url import make_url

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.billing import claim_text
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
)
from medrec_desktop.domain.dto import CoverageInfo, PatientDetails, PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.export.billing import CSV_HEADER
from medrec_desktop.models import ClinicSetting, Disclosure, DisclosurePatient
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient
from tests.integration.test_faults import raw_db
from tests.support import pg

VISIT = SAMPLE_INPUTS["encounter"]
NOV = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
FORMULA = '=HYPERLINK("http://evil.example","click")'


def at(day: int, hour: int = 9) -> dt.datetime:
    """A local time in November 2026 (dates of service are local dates)."""
    return dt.datetime(2026, 11, day, hour, 30).astimezone().astimezone(dt.UTC)


def dx(*codes: str) -> tuple[CodedDiagnosis, ...]:
    return tuple(CodedDiagnosis(code=c, title="") for c in codes)


@dataclass
class Billing:
    c: Clinic
    coding: EncounterCodingService

    def visit(
        self,
        pid: PatientId,
        when: dt.datetime,
        data: CodingInput | None,
        *,
        coded: bool = True,
        **changes: Any,
    ) -> int:
        """A signed visit, coded (and marked coded) with ``data`` unless None."""
        provider = self.c.sessions[Role.PROVIDER]
        added = self.c.inst.encounters.add(provider, pid, replace(VISIT, starts_at=when, **changes))
        self.c.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
        if data is not None:
            coder = self.c.sessions[Role.CODER]
            view = self.coding.save(coder, added.id, data, expected_version=None)
            if coded:
                errors = [f for f in view.findings if f.severity.value == "error"]
                assert not errors, errors
                self.coding.mark_coded(coder, added.id, expected_version=1)
        return added.id


@pytest.fixture
def billing(clinic: Clinic, store: CodeSetStore) -> Billing:
    return Billing(clinic, EncounterCodingService(ctx=clinic.inst.ctx, codes=CodeSets(store=store)))


def insured(c: Clinic, family: str = "Billingham") -> PatientId:
    data = PatientInput(
        family,
        "Rosa",
        dt.date(1961, 4, 12),
        "female",
        "555-030-0101",
        details=PatientDetails(
            coverages=(
                CoverageInfo("Acme Health", "ab-12345", plan="Gold PPO", group_number="G77"),
                CoverageInfo(
                    "+Second Payer",
                    "ZZ-999",
                    subscriber_name="Ray Billingham",
                    subscriber_relationship="spouse",
                    priority=2,
                ),
            )
        ),
    )
    return c.inst.patients.register(
        c.sessions[Role.RECORDS], data, duplicates_reviewed=True, reason="checked: different"
    ).id


DIABETES_VISIT = CodingInput(
    diagnoses=dx("E11.9", "I10", "E78.5"),
    procedures=(
        CodedProcedure(
            ProcedureSystem.HCPCS,
            "G0008",
            "Flu shot given",
            modifiers=("25", "lt"),
            units=1,
            pointers=(2, 1),
        ),
        CodedProcedure(
            ProcedureSystem.HCPCS, "J1100", "Dexamethasone 1 mg", units=3, pointers=(3,)
        ),
    ),
)


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@dataclass(frozen=True)
class Made:
    id: int
    disclosed_at: dt.datetime
    disclosed_by: int
    recipient: str
    purpose: str
    description: str
    patient_count: int


@dataclass(frozen=True)
class Carried:
    disclosure_id: int
    patient_id: int
    detail: str


def disclosures(c: Clinic) -> tuple[list[Made], list[Carried]]:
    """The disclosure tables as stored."""
    with c.inst.store.unit_of_work() as db:
        made = [
            Made(
                d.id,
                d.disclosed_at,
                d.disclosed_by,
                d.recipient,
                d.purpose,
                d.description,
                d.patient_count,
            )
            for d in db.execute(select(Disclosure).order_by(Disclosure.id)).scalars()
        ]
        carried = [
            Carried(p.disclosure_id, p.patient_id, p.detail)
            for p in db.execute(select(DisclosurePatient).order_by(DisclosurePatient.id)).scalars()
        ]
    return made, carried


def test_csv_has_a_row_per_line_item_and_the_export_is_a_disclosure(billing: Billing) -> None:
    c = billing.c
    coder = c.sessions[Role.CODER]
    rosa, other = insured(c), new_patient(c)
    first = billing.visit(rosa, at(5), DIABETES_VISIT, location=FORMULA)
    second = billing.visit(rosa, at(12), CodingInput(diagnoses=dx("J06.9")))
    third = billing.visit(other, at(20), CodingInput(diagnoses=dx("I10")))
    billing.visit(other, at(21), CodingInput(diagnoses=dx("I10")), coded=False)  # being coded
    billing.visit(
        other, dt.datetime(2026, 10, 30, 15, tzinfo=dt.UTC), CodingInput(diagnoses=dx("I10"))
    )

    preview = c.inst.billing.preview(coder, *NOV)
    assert (preview.encounters, preview.lines, preview.patients, preview.withheld) == (3, 4, 2, 0)
    assert preview.label == "3 encounters, 4 lines, 2 patients"
    assert disclosures(c) == ([], [])  # a preview records nothing

    done = c.inst.billing.export(coder, *NOV, fmt="csv", recipient="  Acme  Billing  Co ")
    assert done.preview == preview and done.recipient == "Acme Billing Co"
    assert done.suggested_name == "coded-encounters-20261101-20261130.csv"
    got = rows(done.content)
    assert list(got[0]) == list(CSV_HEADER)
    assert [(r["encounter_id"], r["line"]) for r in got] == [
        (str(first), "1"),
        (str(first), "2"),
        (str(second), ""),  # no procedure lines: one row with the diagnoses
        (str(third), ""),
    ]
    flu, inj = got[0], got[1]
    assert (flu["dx_A"], flu["dx_B"], flu["dx_C"], flu["dx_D"]) == ("E11.9", "I10", "E78.5", "")
    assert (flu["procedure_code"], flu["code_system"], flu["units"]) == ("G0008", "hcpcs", "1")
    assert (flu["modifier_1"], flu["modifier_2"], flu["modifier_3"]) == ("25", "LT", "")
    assert flu["pointers"] == "BA" and inj["pointers"] == "C" and inj["units"] == "3"
    assert flu["procedure_title"] == "Flu shot given"
    assert (flu["mrn"], flu["family_name"], flu["birth_date"], flu["sex"]) == (
        flu["mrn"],
        "Billingham",
        "1961-04-12",
        "female",
    )
    assert (flu["payer"], flu["member_id"], flu["plan"], flu["group_number"]) == (
        "Acme Health",
        "AB-12345",
        "Gold PPO",
        "G77",
    )
    assert (flu["date_of_service"], flu["provider"], flu["setting"]) == (
        "2026-11-05",
        "Test Provider",
        "outpatient",
    )
    assert flu["visit_type"] == "Office visit"
    # The typed location would be a live link in a spreadsheet: written as text.
    assert flu["place"] == "'" + FORMULA
    assert got[2]["dx_A"] == "J06.9" and got[2]["procedure_code"] == got[2]["pointers"] == ""
    assert got[3]["payer"] == ""  # no insurance recorded

    # Recorded: one disclosure for payment, one row per patient with what it carried.
    [made], carried = disclosures(c)
    assert made.id == done.disclosure_id
    assert (made.purpose, made.recipient, made.patient_count) == ("payment", "Acme Billing Co", 2)
    assert made.disclosed_by == coder.user_id and made.disclosed_at == c.clock.now
    assert "11/01/2026 to 11/30/2026" in made.description
    assert [(d.patient_id, d.detail) for d in carried] == [
        (rosa, "2 encounters: 11/05/2026, 11/12/2026"),
        (other, "1 encounter: 11/20/2026"),
    ]
    assert {d.disclosure_id for d in carried} == {made.id}
    # Audited as an export: counts and patient ids, never a name or a code.
    [event] = c.inst.audit.events(c.admin, AuditFilter(username=coder.username))[-1:]
    assert (event.entry_point, event.action) == ("BillingExportService.export", "export")
    assert f"patients {min(rosa, other)},{max(rosa, other)}" in (event.detail or "")
    assert "Billingham" not in (event.detail or "") and "E11" not in (event.detail or "")


def test_json_groups_lines_per_encounter(billing: Billing) -> None:
    c = billing.c
    coder = c.sessions[Role.CODER]
    rosa = insured(c)
    first = billing.visit(rosa, at(5), DIABETES_VISIT)
    billing.visit(rosa, at(12), CodingInput(diagnoses=dx("J06.9")))
    done = c.inst.billing.export(coder, *NOV, fmt="json")
    doc = json.loads(done.content)
    assert doc["format"] == "medrec-billing-export/1"
    assert (doc["purpose"], doc["recipient"], doc["exported_by"]) == (
        "payment",
        "Billing office",
        "Test Coder",
    )
    assert doc["dates_of_service"] == {"from": "2026-11-01", "to": "2026-11-30"}
    one, two = doc["encounters"]
    assert one["encounter_id"] == first and one["date_of_service"] == "2026-11-05"
    assert one["patient"]["family_name"] == "Billingham"
    assert [cv["payer"] for cv in one["coverage"]] == ["Acme Health", "+Second Payer"]
    assert [(d["letter"], d["code"]) for d in one["diagnoses"]] == [
        ("A", "E11.9"),
        ("B", "I10"),
        ("C", "E78.5"),
    ]
    assert one["diagnoses"][0]["title"].startswith("Type 2 diabetes mellitus")
    assert [
        (ln["line"], ln["code"], ln["modifiers"], ln["units"], ln["pointers"])
        for ln in one["lines"]
    ] == [(1, "G0008", ["25", "LT"], 1, ["B", "A"]), (2, "J1100", [], 3, ["C"])]
    assert two["lines"] == []
    [made], carried = disclosures(c)
    assert made.patient_count == 1 and len(carried) == 1 and "JSON" in made.description


def test_claim_summary_of_a_coded_encounter(billing: Billing) -> None:
    c = billing.c
    coder = c.sessions[Role.CODER]
    with c.inst.store.unit_of_work() as db:
        db.merge(ClinicSetting(key="clinic_name", value="Maple Street Family Clinic"))
    rosa = insured(c)
    eid = billing.visit(rosa, at(5), DIABETES_VISIT)
    s = c.inst.billing.claim_summary(coder, eid)
    assert s.clinic_name == "Maple Street Family Clinic"
    assert (s.patient.name, s.patient.sex, s.date_of_service) == (
        "Billingham, Rosa",
        "female",
        dt.date(2026, 11, 5),
    )
    assert s.primary is not None and s.primary.payer == "Acme Health"
    assert [(d.letter, d.code) for d in s.diagnoses] == [
        ("A", "E11.9"),
        ("B", "I10"),
        ("C", "E78.5"),
    ]
    assert [(ln.code, ln.modifiers, ln.units, ln.pointers) for ln in s.lines] == [
        ("G0008", ("25", "LT"), 1, ("B", "A")),
        ("J1100", (), 3, ("C",)),
    ]
    assert s.coded_by == "Test Coder" and s.place == "Room 2"
    text = claim_text(s)
    for words in (
        "Maple Street Family Clinic",
        "Billingham, Rosa",
        "04/12/1961",
        "11/05/2026",
        "Acme Health, Gold PPO, member AB-12345, group G77",
        "A. E11.9",
        "modifiers 25 LT; units 1; diagnoses BA",
        "Coded by Test Coder",
    ):
        assert words in text, words
    # Not coded yet: no claim summary.
    started = billing.visit(rosa, at(6), CodingInput(diagnoses=dx("I10")), coded=False)
    with pytest.raises(NotFoundError, match="not marked coded"):
        c.inst.billing.claim_summary(coder, started)
    events = c.inst.audit.events(c.admin, AuditFilter(patient_id=rosa))
    assert "BillingExportService.claim_summary" in {e.entry_point for e in events}


def test_labelled_encounters_are_left_out_and_counted(billing: Billing) -> None:
    c = billing.c
    coder, provider = c.sessions[Role.CODER], c.sessions[Role.PROVIDER]
    pid = new_patient(c)
    billing.visit(pid, at(5), CodingInput(diagnoses=dx("I10")))
    labelled = billing.visit(pid, at(6), CodingInput(diagnoses=dx("F32.A")))
    # A label put on the signed note after it was coded (the database lets a signed note's
    # label change; a coder without the label's rights could not have coded it labelled).
    with c.inst.store.unit_of_work() as db:
        db.execute(
            text("UPDATE encounter SET sensitivity = :s WHERE id = :id"),
            {"s": Sensitivity.BEHAVIORAL_HEALTH.value, "id": labelled},
        )
    preview = c.inst.billing.preview(coder, *NOV)
    assert (preview.encounters, preview.withheld) == (1, 1)
    assert preview.withheld_note == "1 labelled encounter your role may not see is left out."
    done = c.inst.billing.export(coder, *NOV)
    assert str(labelled) not in {r["encounter_id"] for r in rows(done.content)}
    with pytest.raises(PermissionDeniedError):
        c.inst.billing.claim_summary(coder, labelled)
    # The provider, who may see the label, exports nothing (no export right) but reads it.
    assert c.inst.billing.claim_summary(provider, labelled).encounter_id == labelled


def test_an_empty_range_records_nothing(billing: Billing) -> None:
    c = billing.c
    coder = c.sessions[Role.CODER]
    billing.visit(new_patient(c), at(5), CodingInput(diagnoses=dx("I10")), coded=False)
    with pytest.raises(ValidationError, match="No coded encounters") as refused:
        c.inst.billing.export(coder, *NOV)
    assert "11/01/2026 to 11/30/2026" in refused.value.message
    assert disclosures(c) == ([], [])
    bad = [
        ((dt.date(2026, 11, 30), dt.date(2026, 11, 1)), {}, "until"),
        ((dt.date(2025, 1, 1), dt.date(2026, 11, 30)), {}, "until"),
        (NOV, {"recipient": "   "}, "recipient"),
        (NOV, {"fmt": "xlsx"}, "fmt"),
    ]
    for dates, kwargs, field in bad:
        with pytest.raises(ValidationError) as err:
            c.inst.billing.export(coder, *dates, **kwargs)
        assert err.value.field == field
    assert disclosures(c) == ([], [])


def test_who_may_export(billing: Billing) -> None:
    c = billing.c
    eid = billing.visit(new_patient(c), at(5), CodingInput(diagnoses=dx("I10")))
    # The administrator manages coding but sees no clinical data; the others lack the right.
    for role in (Role.ADMIN, Role.NURSE, Role.PROVIDER, Role.RECORDS, Role.FRONT_DESK):
        with pytest.raises(PermissionDeniedError):
            c.inst.billing.export(c.sessions[role], *NOV)
        with pytest.raises(PermissionDeniedError):
            c.inst.billing.preview(c.sessions[role], *NOV)
    assert disclosures(c) == ([], [])
    refused = c.inst.audit.events(c.admin, AuditFilter(action="export"))
    assert {e.outcome for e in refused} == {"denied"}
    # Whoever sees the record may read a claim summary; the administrator may not.
    assert c.inst.billing.claim_summary(c.sessions[Role.PROVIDER], eid).encounter_id == eid
    with pytest.raises(PermissionDeniedError):
        c.inst.billing.claim_summary(c.admin, eid)


# ---------------------------------------------------------------- the insider


ATTACKS = (
    "UPDATE disclosure SET recipient = 'nobody'",
    "UPDATE disclosure SET patient_count = 0",
    "DELETE FROM disclosure",
    "UPDATE disclosure_patient SET patient_id = patient_id + 1",
    "UPDATE disclosure_patient SET detail = 'nothing'",
    "DELETE FROM disclosure_patient",
)


def _count(c: Clinic) -> tuple[int, int]:
    with c.inst.store.unit_of_work() as db:
        return (
            db.execute(select(func.count()).select_from(Disclosure)).scalar_one(),
            db.execute(select(func.count()).select_from(DisclosurePatient)).scalar_one(),
        )


def test_an_insider_cannot_rewrite_or_remove_a_disclosure(billing: Billing) -> None:
    c = billing.c
    billing.visit(new_patient(c), at(5), CodingInput(diagnoses=dx("I10")))
    c.inst.billing.export(c.sessions[Role.CODER], *NOV)
    before = disclosures(c)
    assert _count(c) == (1, 1)
    if c.backend == "postgresql":
        # straight to the clinic's database, as an insider with the owner's password would
        conninfo = make_url(pg.owner_of(c.server_url)).set(drivername="postgresql")
        with psycopg.connect(
            conninfo.render_as_string(hide_password=False), autocommit=True
        ) as conn:
            for sql in (*ATTACKS, "TRUNCATE disclosure_patient", "TRUNCATE disclosure CASCADE"):
                with pytest.raises(psycopg.errors.RaiseException, match="never changed"):
                    conn.execute(sql)
    else:
        with raw_db(c.paths) as conn:
            for sql in (
                *ATTACKS,
                "INSERT OR REPLACE INTO disclosure_patient (id, disclosure_id, patient_id, detail)"
                " SELECT id, disclosure_id, patient_id, 'nothing' FROM disclosure_patient",
            ):
                with pytest.raises(sqlcipher.IntegrityError, match="never"):
                    conn.execute(sql)
    assert disclosures(c) == before
    assert _count(c) == (1, 1)
