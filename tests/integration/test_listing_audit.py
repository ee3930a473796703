"""Bulk listings name every patient they disclose in their audit event."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.listing import disclosed_ids
from medrec_desktop.services.patients import PatientInput
from tests.conftest import PASSPHRASE, ROLE_PASSWORD, Clinic

FAMILIES = ["Smith", "Smithers", "Smythe", "Jones", "Okafor", "Nguyen"]


def _register(clinic: Clinic, count: int) -> list[int]:
    desk = clinic.sessions[Role.FRONT_DESK]
    ids = []
    for i in range(count):
        p = PatientInput(
            FAMILIES[i % len(FAMILIES)], f"Given{i:03d}", dt.date(1950 + i, 1, 2), "female"
        )
        ids.append(
            clinic.inst.patients.register(
                desk, p, duplicates_reviewed=True, reason="a different person (checked)"
            ).id
        )
    return ids


def _last_detail(clinic: Clinic, entry_point: str, username: str) -> str:
    events = clinic.inst.audit.events(clinic.admin, AuditFilter(username=username))
    event = [e for e in events if e.entry_point == entry_point][-1]
    assert event.outcome == "success"
    return event.detail or ""


def test_list_search_recent_and_duplicates_record_every_disclosed_id(clinic: Clinic) -> None:
    registered = _register(clinic, 30)
    nurse = clinic.sessions[Role.NURSE]
    p = clinic.inst.patients

    listed = p.list_all(nurse)
    assert len(listed) == 30
    detail = _last_detail(clinic, "PatientService.list_all", "nurse")
    assert detail.startswith("30 patients: ")
    assert disclosed_ids(detail) == [x.id for x in listed]
    assert sorted(disclosed_ids(detail)) == sorted(registered)

    for typed in ("smi", "smi given00", "1951-01-02", "given"):
        found = p.search(nurse, typed)
        assert found, typed
        detail = _last_detail(clinic, "PatientService.search", "nurse")
        assert disclosed_ids(detail) == [x.id for x in found], typed
        assert typed not in detail  # ids only: the search text is no one's business

    for pid in registered[:3]:
        p.get(nurse, pid)
    recent = p.recent(nurse)
    assert disclosed_ids(_last_detail(clinic, "PatientService.recent", "nurse")) == [
        x.id for x in recent
    ]

    twin = PatientInput("Smith", "Given000", dt.date(1950, 1, 2), "female")
    candidates = p.find_duplicates(nurse, twin)
    assert candidates
    assert disclosed_ids(_last_detail(clinic, "PatientService.find_duplicates", "nurse")) == [
        c.patient.id for c in candidates
    ]


def test_an_empty_search_discloses_nobody(clinic: Clinic) -> None:
    assert clinic.inst.patients.search(clinic.sessions[Role.NURSE], "zzzz") == []
    assert _last_detail(clinic, "PatientService.search", "nurse") == "0 patients"


def test_the_cli_listing_records_every_patient_it_printed(local_clinic: Clinic) -> None:
    _register(local_clinic, 12)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")} | {
        "MEDREC_PASSPHRASE": PASSPHRASE,
        "MEDREC_PASSWORD": ROLE_PASSWORD,
    }
    for args in (["patients", "list"], ["patients", "list", "--search", "smi"]):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "medrec_desktop.cli",
                "--data-dir",
                str(local_clinic.paths.root),
                "--user",
                "nurse",
                "--json",
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        printed = [p["id"] for p in json.loads(out.stdout)]
        entry = "PatientService.search" if "--search" in args else "PatientService.list_all"
        assert disclosed_ids(_last_detail(local_clinic, entry, "nurse")) == printed
        assert len(printed) == (12 if entry.endswith("list_all") else 4)  # Smith, Smithers
