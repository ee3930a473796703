"""A synthetic demo clinic (Faker): users for every role and realistic patients.

Nothing here is real patient data; it exists so every screen has something to show and so
the search benchmark has 100,000 patients to search.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, exists, func, insert, select

from medrec_desktop.domain.documents import DocumentType
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.models import (
    ClinicalNote,
    Coverage,
    Patient,
    PatientSearchText,
    PatientSearchToken,
    RecordVersion,
    RelatedPerson,
    User,
    Vitals,
)
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import ServiceContext, iso
from medrec_desktop.services.cover_sheets import CoverSheetService
from medrec_desktop.services.demo_chart import DemoPatient, Staff
from medrec_desktop.services.demo_chart_writer import write_charts
from medrec_desktop.services.demo_coding_facts import SECOND_CODER, CodingFacts, read_facts
from medrec_desktop.services.demo_inbox import Who, cover_sheet_scan, waiting_scans
from medrec_desktop.services.inbox import InboxService
from medrec_desktop.services.patient_index import patient_tokens, search_text
from medrec_desktop.services.patient_rows import listing_key, sort_key
from medrec_desktop.services.users import UserService

if TYPE_CHECKING:
    # The code sets load their vocabularies on import: a demo built without them (and the
    # records database's own self-test) must not need those files.
    from medrec_desktop.services.coding import CodeSets
    from medrec_desktop.services.demo_coding import DemoCoding

DEMO_USERS = {
    Role.FRONT_DESK: ("frank", "Frank Front-Desk"),
    Role.NURSE: ("nina", "Nina Nurse, RN"),
    Role.PROVIDER: ("dr.patel", "Dr. Priya Patel"),
    Role.RECORDS: ("rita", "Rita Records"),
    Role.CODER: ("carl", "Carl Coder, CCS"),
}
PAYERS = ("Aetna", "Blue Cross Blue Shield", "Cigna", "Medicare", "Medicaid", "UnitedHealthcare")
LANGUAGES = ("English", "English", "English", "Spanish", "Vietnamese", "Mandarin", "Russian")
RACES = (
    "White",
    "Black or African American",
    "Asian",
    "American Indian or Alaska Native",
    "Native Hawaiian or Other Pacific Islander",
    "Other race",
)
NOTES = (
    "Follow-up for hypertension. BP 138/86. Continue lisinopril 10 mg daily.",
    "Annual physical. No acute complaints. Labs ordered: CBC, CMP, lipid panel.",
    "Type 2 diabetes, A1c 7.4%. Reinforced diet; metformin 1000 mg twice daily.",
    "Cough for 5 days, no fever. Lungs clear. Supportive care advised.",
    "Left knee pain after a fall. X-ray negative. RICE and ibuprofen as needed.",
)
BATCH = 2000
# The version row every demo patient is created with: what marks a patient as synthetic, so
# demo charts are only ever written for demo patients.
DEMO_MARK = json.dumps({"summary": "synthetic demo patient loaded"})
# Charts for the first patients only: the search benchmark's 100,000 patients need names, not
# 100,000 charts.
CHARTS_MAX = 500
CHART_BATCH = 250


@dataclass(frozen=True)
class DemoResult:
    patients: int
    users: dict[str, str]  # user name -> role label
    coding: DemoCoding | None = None  # None: built without the code sets


def _phone(rng: random.Random) -> str:
    return f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}"


class DemoService(Service):
    def __init__(
        self, *, ctx: ServiceContext, inbox: InboxService, cover_sheets: CoverSheetService
    ) -> None:
        super().__init__(ctx=ctx)
        self._inbox = inbox
        self._cover_sheets = cover_sheets

    @audited(Action.CREATE, DataCategory.DEMOGRAPHICS)
    def load_patients(
        self,
        op: Op,
        count: int,
        *,
        seed: int = 1,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Add ``count`` synthetic patients with contacts, insurance and a note each."""
        op.require(Action.CREATE, DataCategory.CLINICAL)
        from faker import Faker  # imported here: it costs 0.15 s of every start-up otherwise

        fake = Faker(["en_US", "es_MX"])  # names: a mix, accents included, as in real clinics
        fake.seed_instance(seed)
        local = Faker("en_US")  # addresses, cities and jobs: the clinic's own area
        local.seed_instance(seed)
        provider = op.db.execute(
            select(User.id).where(User.role == Role.PROVIDER.value, User.active.is_(True))
        ).scalar()
        author = provider if provider is not None else op.user.id
        rng = random.Random(seed)
        now = iso(op.ctx.now())
        today = op.ctx.now().date()
        start = (op.db.execute(select(func.max(Patient.id))).scalar() or 0) + 1
        conn = op.db.connection()
        for first in range(0, count, BATCH):
            patients: list[dict[str, object]] = []
            tokens: list[dict[str, object]] = []
            texts: list[dict[str, object]] = []
            contacts: list[dict[str, object]] = []
            coverages: list[dict[str, object]] = []
            notes: list[dict[str, object]] = []
            versions: list[dict[str, object]] = []
            for pid in range(start + first, start + min(first + BATCH, count)):
                sex = rng.choice(("female", "male"))
                mrn = f"{pid:08d}"
                phone = _phone(rng)
                mobile = _phone(rng) if rng.random() < 0.6 else None
                given = fake.first_name_female() if sex == "female" else fake.first_name_male()
                family = fake.last_name()
                born = today - dt.timedelta(days=rng.randint(0, 95 * 365))
                row: dict[str, object] = {
                    "id": pid,
                    "mrn": mrn,
                    "sort_key": listing_key(family, given),
                    "family_name": family,
                    "given_names": given,
                    "birth_date": born,
                    "sex": sex,
                    "phone": phone,
                    "mobile_phone": mobile,
                    "email": f"{given}.{family}@example.org".lower().replace(" ", ""),
                    "address_line1": local.street_address(),
                    "city": local.city(),
                    "state": "OR",
                    "postal_code": f"97{rng.randint(0, 999):03d}",
                    "preferred_language": rng.choice(LANGUAGES),
                    "race": rng.choice(RACES),
                    "ethnicity": rng.choice(("Not Hispanic or Latino", "Hispanic or Latino")),
                    "occupation": local.job()[:128],
                    "created_at": now,
                    "updated_at": now,
                    "version_id": 1,
                }
                patients.append(row)
                key = sort_key(family, given, pid)
                indexed = patient_tokens([family, given], [phone, mobile], mrn)
                tokens.extend(
                    {"patient_id": pid, "token": t, "sort_key": key} for t in sorted(indexed)
                )
                texts.append({"patient_id": pid, "sort_key": key, "tokens": search_text(indexed)})
                contacts.append(
                    {
                        "patient_id": pid,
                        "name": fake.name(),
                        "phone": _phone(rng),
                        "relationship": rng.choice(("spouse", "mother", "son", "friend")),
                        "emergency_contact": True,
                    }
                )
                coverages.append(
                    {
                        "patient_id": pid,
                        "priority": 1,
                        "payer": rng.choice(PAYERS),
                        "plan": rng.choice(("PPO", "HMO", "Part B", None)),
                        "member_id": f"{rng.choice('ABCHMW')}{rng.randint(10**8, 10**9)}",
                        "group_number": f"G{rng.randint(1000, 99999)}",
                        "subscriber_name": None,
                        "subscriber_relationship": "self",
                    }
                )
                notes.append(
                    {
                        "patient_id": pid,
                        "author_id": author,
                        "sensitive": False,
                        "text": rng.choice(NOTES),
                        "created_at": now,
                        "entered_in_error": False,
                    }
                )
                versions.append(
                    {
                        "entity": "patient",
                        "entity_id": pid,
                        "version": 1,
                        "data_json": DEMO_MARK,
                        "changed_by": op.user.id,
                        "changed_at": now,
                    }
                )
            conn.execute(insert(Patient), patients)
            conn.execute(insert(PatientSearchToken), tokens)
            conn.execute(insert(PatientSearchText), texts)
            conn.execute(insert(RelatedPerson), contacts)
            conn.execute(insert(Coverage), coverages)
            conn.execute(insert(ClinicalNote), notes)
            conn.execute(insert(RecordVersion), versions)
            if progress is not None:
                progress(min(first + BATCH, count), count)
        if conn.dialect.name == "postgresql":
            # The patients were given their ids here: the id sequence must start after them,
            # or the next registration collides with a demo patient.
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('patient', 'id'), "
                "(SELECT max(id) FROM patient))"
            )
        op.event.detail = f"demo data: {count} synthetic patients"
        return count

    @audited(Action.CREATE, DataCategory.CLINICAL)
    def load_charts(
        self,
        op: Op,
        *,
        seed: int = 1,
        limit: int = CHARTS_MAX,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Charts (services/demo_chart.py) for up to ``limit`` synthetic demo patients that
        have none yet; never for a real patient. Returns the number of items written."""
        # Some demo items carry sensitivity labels: only a role that may write those loads them.
        op.require(Action.CREATE, DataCategory.SENSITIVE)
        synthetic = _synthetic()
        charted = exists().where(Vitals.patient_id == Patient.id)
        first_cover = and_(Coverage.patient_id == Patient.id, Coverage.priority == 1)
        rows = op.db.execute(
            select(
                Patient.id,
                Patient.birth_date,
                Patient.sex,
                Patient.occupation,
                Patient.given_names,
                Patient.family_name,
                Patient.mrn,
                Coverage.payer,
                Coverage.member_id,
                Coverage.group_number,
                Coverage.plan,
            )
            .outerjoin(Coverage, first_cover)
            .where(Patient.id.in_(synthetic), Patient.merged_into_id.is_(None), ~charted)
            .order_by(Patient.id)
            .limit(limit)
        ).all()
        patients = [
            DemoPatient(
                r.id,
                r.birth_date,
                r.sex,
                r.occupation,
                r.given_names,
                r.family_name,
                r.mrn,
                None
                if r.payer is None
                else (r.payer, r.member_id, r.group_number or "", r.plan or "Standard"),
            )
            for r in rows
        ]
        staff = self._staff(op)
        written = 0
        conn = op.db.connection()
        for first in range(0, len(patients), CHART_BATCH):
            batch = patients[first : first + CHART_BATCH]
            written += write_charts(conn, batch, staff, seed=seed + first, now=op.ctx.now())
            if progress is not None:
                progress(first + len(batch), len(patients))
        op.event.detail = f"demo charts: {len(patients)} synthetic patients, {written} items"
        return written

    @audited(Action.CREATE, DataCategory.INBOX)
    def load_inbox(self, op: Op, *, seed: int = 1) -> int:
        """Scans waiting in the inbox (services/demo_inbox.py) about synthetic demo patients,
        and one behind a cover sheet printed now, which files itself as it arrives. Picked
        up through the inbox's own receive (checks, storage, cover-sheet intake); only the
        arrival times are set back over the last week, which a real pick-up never does.
        Returns the number of scans received (0 without demo patients)."""
        # The cover sheet is printed here too: the caller must be allowed to print one.
        op.require(Action.PRINT, DataCategory.CLINICAL)
        rows = op.db.execute(
            select(
                Patient.id,
                Patient.given_names,
                Patient.family_name,
                Patient.birth_date,
                Patient.mrn,
            )
            .where(Patient.id.in_(_synthetic()), Patient.merged_into_id.is_(None))
            .order_by(Patient.id)
            .limit(4)
        ).all()
        if not rows:
            op.event.detail = "demo inbox: no demo patients"
            return 0
        people = [Who(f"{r.given_names} {r.family_name}", r.birth_date, r.mrn) for r in rows]
        people = (people * 4)[:4]
        now = op.ctx.now()
        today = now.date()
        scans = waiting_scans(people, today, random.Random(seed))
        for scan in scans:
            arrived = now - scan.age
            mtime = int(arrived.timestamp() * 1_000_000_000)
            self._inbox._receive(op, scan.name, scan.content, mtime, arrived_at=arrived)
        sheet = self._cover_sheets._issue(op, rows[0].id, DocumentType.OUTSIDE_LAB)
        covered = cover_sheet_scan(people[0], sheet.pdf, today)
        mtime = int(now.timestamp() * 1_000_000_000)
        got = self._inbox._receive(op, covered.name, covered.content, mtime)
        filed = "filed" if got.document_id is not None else "not filed"
        op.event.detail = (
            f"demo inbox: {len(scans) + 1} scans; the cover-sheet scan {filed}"
            f" (inbox item {got.inbox_id})"
        )
        return len(scans) + 1

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def coding_facts(self, op: Op) -> CodingFacts:
        """What the demo's coding (services/demo_coding.py) reads of the synthetic patients'
        signed visits, problems, medications and HbA1c results."""
        facts = read_facts(op, _synthetic())
        op.event.detail = f"demo coding: {len(facts.visits)} signed visits of demo patients"
        return facts

    @staticmethod
    def _staff(op: Op) -> Staff:
        """The demo users who write each part of a chart (the caller for any not there)."""
        wanted = {role: name for role, (name, _) in DEMO_USERS.items()}
        found = {
            u.username: u.id
            for u in op.db.execute(
                select(User).where(User.username.in_(wanted.values()), User.active.is_(True))
            ).scalars()
        }

        def who(role: Role) -> int:
            return found.get(wanted[role], op.user.id)

        ids = (who(Role.PROVIDER), who(Role.NURSE), who(Role.RECORDS))
        names = {
            u.id: u.display_name
            for u in op.db.execute(select(User).where(User.id.in_(ids))).scalars()
        }
        return Staff(provider=ids[0], nurse=ids[1], records=ids[2], names=names)


def _synthetic() -> Select[int]:
    """The ids of synthetic demo patients (never a real patient's)."""
    return select(RecordVersion.entity_id).where(
        RecordVersion.entity == "patient",
        RecordVersion.version == 1,
        RecordVersion.data_json == DEMO_MARK,
    )


def create_demo_clinic(
    inst_users: UserService,
    demo: DemoService,
    admin: UserSession,
    login: Callable[[str, str], UserSession],
    *,
    patients: int,
    seed: int,
    password: str,
    progress: Callable[[int, int], None] | None = None,
    charts: int = CHARTS_MAX,
    codes: CodeSets | None = None,
) -> DemoResult:
    """Users for every role (all with ``password``; two coders), then ``patients`` synthetic
    patients, loaded by the demo records specialist so the permission rules apply as usual,
    charts for the first ``charts`` of them, written by the demo provider (some items carry
    sensitivity labels, which a records specialist may read but not write), scans in the
    inbox, picked up by the demo nurse, and, given the workstation's code sets, the coders'
    last two weeks (services/demo_coding.py)."""
    existing = {u.username for u in inst_users.list_users(admin)}
    people = [*((role, name, full) for role, (name, full) in DEMO_USERS.items())]
    people.append((Role.CODER, *SECOND_CODER))
    for role, name, full in people:
        if name not in existing:
            inst_users.add_user(admin, name, full, role, password, must_change_password=False)
    records = login(DEMO_USERS[Role.RECORDS][0], password)
    coding = None
    if patients:
        demo.load_patients(records, patients, seed=seed, progress=progress)
        if charts:
            provider = login(DEMO_USERS[Role.PROVIDER][0], password)
            demo.load_charts(provider, seed=seed, limit=charts)
            if codes is not None:
                from medrec_desktop.services.demo_coding import code_clinic

                coders = (
                    login(DEMO_USERS[Role.CODER][0], password),
                    login(SECOND_CODER[0], password),
                )
                coding = code_clinic(
                    demo._ctx,  # the clinic's, run at the demo's own times (demo_coding.py)
                    codes,
                    demo.coding_facts(coders[0]),
                    coders=coders,
                    provider=provider,
                    seed=seed,
                )
        # The scanner inbox: picked up at the nurse's workstation, as in the clinic.
        demo.load_inbox(login(DEMO_USERS[Role.NURSE][0], password), seed=seed)
    return DemoResult(
        patients=patients,
        users={name: role.label for role, name, _ in people},
        coding=coding,
    )
