"""`medrec inbox` (issue 12, item 6), run as real processes, one per scenario: a nurse picks the
scanner folder up (a refused Word document left there and listed with the reason), a records
specialist lists, splits, files and rejects scans, an administrator sets the folder; usage
mistakes are refused in plain words before anyone signs in."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import keyslots, passwords
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.integration.test_documents import pdf_bytes
from tests.support.cli import PASSPHRASE, PASSWORD, medrec, one_plain_line


@dataclass
class Clinic:
    data: Path
    mrn: str

    def open(self) -> Installation:
        return Installation.open(DataPaths(self.data), Unlock(passphrase=PASSPHRASE))

    def receive(self, name: str, content: bytes) -> int:
        """A scan picked up (in this process), waiting in the inbox."""
        inst = self.open()
        try:
            nina = inst.auth.login("nina", PASSWORD)
            mtime = dt.datetime.now().timestamp()
            return inst.inbox.receive(nina, name, content, int(mtime * 1e9)).inbox_id
        finally:
            inst.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    """A records specialist ("rita"), a nurse ("nina") and one patient."""
    data = tmp_path_factory.mktemp("cli-inbox") / "clinic"
    with pytest.MonkeyPatch.context() as cheap:
        # Test-sized Argon2id for the key slot and the passwords, as tests/conftest.py sets
        # per test: the parameters travel in the slot and in each hash, so every command
        # below unlocks and signs in at that cost too.
        cheap.setattr(keyslots, "KDF_MEMORY_KIB", 8 * 1024)
        cheap.setattr(keyslots, "KDF_TIME", 1)
        cheap.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        )
        inst, _ = Installation.create(
            DataPaths(data), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            for name, full, role in (
                ("rita", "Rita Records", Role.RECORDS),
                ("nina", "Nina", Role.NURSE),
            ):
                inst.users.add_user(admin, name, full, role, PASSWORD, must_change_password=False)
            patient = inst.patients.register(
                inst.auth.login("nina", PASSWORD),
                PatientInput("Inbox", "Ivy", dt.date(1971, 5, 6), "female", "555-040-0001"),
            )
        finally:
            inst.close()
    return Clinic(data, patient.mrn)


def run(c: Clinic, *args: str, user: str = "rita") -> subprocess.CompletedProcess[str]:
    return medrec("--data-dir", str(c.data), "--user", user, "inbox", *args)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_nurse_picks_the_folder_up_and_a_refused_file_stays(
    clinic: Clinic, tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    content = pdf_bytes(2, "Picked up")
    (folder / "scan0001.pdf").write_bytes(content)
    (folder / "letter.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml")
    (folder / "scan0002.pdf.part").write_bytes(b"%PDF-1.7 still arriving")

    got = json.loads(
        ok(run(clinic, "scan", "--folder", str(folder), "--settle", "0", "--json", user="nina"))
    )
    assert [t["name"] for t in got["taken"]] == ["scan0001.pdf"]
    assert [r["name"] for r in got["refused"]] == ["letter.docx"]
    assert "Word document" in got["refused"][0]["reason"]
    assert got["problems"] == []
    assert sorted(p.name for p in folder.iterdir()) == ["letter.docx", "scan0002.pdf.part"]
    inst = clinic.open()
    try:
        rita = inst.auth.login("rita", PASSWORD)
        stored = inst.inbox.open_file(rita, got["taken"][0]["inbox_id"]).content
    finally:
        inst.close()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(content).hexdigest()


def test_a_records_specialist_lists_the_inbox(clinic: Clinic) -> None:
    first = clinic.receive("referral-park.pdf", pdf_bytes(3, "Listed"))
    shown = ok(run(clinic, "list"))
    lines = shown.splitlines()
    assert lines[0].split() == ["ID", "Arrived", "Pages", "Size", "Status", "Name"]
    line = next(line for line in lines if line.split()[0] == str(first))
    assert "Waiting to be filed" in line and line.endswith("referral-park.pdf")
    assert " 3  " in line


def test_a_batch_is_split_into_parts(clinic: Clinic) -> None:
    batch = clinic.receive("batch.pdf", pdf_bytes(3, "Batch"))
    split = json.loads(ok(run(clinic, "split", str(batch), "--pages", "1-2,3", "--json")))
    assert split["split"] == batch
    assert [(p["pages_of_parent"], p["pages"], p["status"]) for p in split["parts"]] == [
        ("1-2", 2, "unfiled"),
        ("3", 1, "unfiled"),
    ]


def test_a_scan_is_filed_dated_the_day_it_arrived_by_default(clinic: Clinic) -> None:
    scan = clinic.receive("referral.pdf", pdf_bytes(2, "Filed"))
    filed = ok(
        run(
            clinic,
            *("file", str(scan), "--patient", clinic.mrn, "--type", "referral"),
            *("--from", "Dr. Lena Park", "--description", "Palpitations"),
        )
    )
    today = dt.date.today().isoformat()
    assert filed.startswith(f"Filed inbox item {scan} as document ")
    assert filed.rstrip().endswith(f"(Referral, {today}, 2 pages) for MRN {clinic.mrn}.")
    inst = clinic.open()
    try:
        rita = inst.auth.login("rita", PASSWORD)
        entry = inst.inbox.get(rita, scan)
        assert entry.status is InboxStatus.FILED and entry.document_id is not None
        doc = inst.documents.get(rita, ItemId(entry.document_id))
    finally:
        inst.close()
    assert (doc.data.author, doc.data.description) == ("Dr. Lena Park", "Palpitations")


def test_not_ours_is_recorded_with_the_reason(clinic: Clinic) -> None:
    scan = clinic.receive("fax-for-ortiz.pdf", pdf_bytes(1, "Not ours"))
    closed = json.loads(
        ok(run(clinic, "reject", str(scan), "--reason", "Fax for Dr. Ortiz", "--json"))
    )
    assert (closed["status"], closed["close_reason"]) == ("not_ours", "Fax for Dr. Ortiz")


def test_reject_says_when_a_scan_was_dealt_with_already(clinic: Clinic) -> None:
    scan = clinic.receive("fax-for-ortiz.pdf", pdf_bytes(1, "Not ours"))
    inst = clinic.open()
    try:
        inst.inbox.reject(
            inst.auth.login("rita", PASSWORD), scan, "Fax for Dr. Ortiz", expected_version=1
        )
    finally:
        inst.close()
    again = run(clinic, "reject", str(scan), "--reason", "again")
    assert again.returncode == 1
    assert (
        one_plain_line(again.stderr)
        == f"medrec: Inbox item {scan} is no longer waiting (not ours)."
    )


def test_an_administrator_sets_the_folder_and_scan_uses_it(clinic: Clinic, tmp_path: Path) -> None:
    shown = ok(
        run(clinic, "settings", "--folder", str(tmp_path), "--highlight-days", "5", user="admin")
    )
    assert f"Scanner folder: {tmp_path}" in shown and "waiting 5 days" in shown
    nothing = ok(run(clinic, "scan", "--settle", "0", user="nina"))
    assert nothing.strip() == f"No scans in {tmp_path}."


def test_usage_mistakes_are_refused_before_signing_in(clinic: Clinic) -> None:
    # No password in the environment would be needed: the command stops before signing in.
    bad = medrec("--data-dir", str(clinic.data), "inbox", "split", "7", "--pages", "1-3,,4-6")
    assert bad.returncode == 2
    assert "--pages: Part 2 is empty: put pages between the commas" in bad.stderr
    assert "Traceback" not in bad.stderr
