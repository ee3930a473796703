"""`medrec documents add|list|get` (issue 12, item 6), run as real processes: real files in
(a reportlab PDF, a Pillow PNG), listed as text and --json, the same bytes back out of an
audited export (SHA-256 equal) into a file only its owner may read; a refused file named in
the error with what was attached before it kept; a missing --date, an existing --out and an
unknown MRN refused in plain words."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput
from tests.support import argon2_cost
from tests.support.cli import PASSPHRASE, PASSWORD, medrec, medrec_in_process, one_plain_line

FAMILIES = ("Filed", "Refused", "Exported", "Empty")


@dataclass
class Clinic:
    data: Path
    mrns: dict[str, str]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """A records specialist ("rita") and a provider; one patient per test."""
    data = tmp_path_factory.mktemp("cli-documents") / "clinic"
    # Made before conftest's per-test fixtures run: test-sized Argon2 is asked for here.
    with pytest.MonkeyPatch.context() as mp:
        argon2_cost.lower(mp)
        mrns = _fill(data)
    yield Clinic(data, mrns)


def _fill(data: Path) -> dict[str, str]:
    inst, _ = Installation.create(
        DataPaths(data), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
    )
    try:
        admin = inst.auth.login("admin", PASSWORD)
        for name, full, role in (
            ("rita", "Rita Records", Role.RECORDS),
            ("pat", "Dr. Patel", Role.PROVIDER),
        ):
            inst.users.add_user(admin, name, full, role, PASSWORD, must_change_password=False)
        doc = inst.auth.login("pat", PASSWORD)
        mrns = {}
        for n, family in enumerate(FAMILIES):
            p = inst.patients.register(
                doc,
                PatientInput(family, "Dana", dt.date(1960 + n, 3, 4), "female", f"555-030-{n:04d}"),
                duplicates_reviewed=True,
                reason="different people",
            )
            mrns[family] = p.mrn
    finally:
        inst.close()
    return mrns


def run(c: Clinic, *args: str, user: str = "rita") -> subprocess.CompletedProcess[str]:
    return medrec("--data-dir", str(c.data), "--user", user, *args)


def run_here(c: Clinic, *args: str, user: str = "rita") -> subprocess.CompletedProcess[str]:
    """``run`` by the same main() in this process (no interpreter start-up)."""
    return medrec_in_process("--data-dir", str(c.data), "--user", user, *args)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_pdf(path: Path, pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"Referral letter for a synthetic patient, page {n + 1}")
        pdf.showPage()
    pdf.save()
    path.write_bytes(out.getvalue())
    return out.getvalue()


def write_png(path: Path) -> bytes:
    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).text((20, 90), "Insurance card (synthetic)", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return out.getvalue()


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_files_are_attached_listed_and_exported_byte_for_byte(
    clinic: Clinic, tmp_path: Path
) -> None:
    letter, card = tmp_path / "park-referral.pdf", tmp_path / "card-front.png"
    pdf, png = write_pdf(letter, 3), write_png(card)
    mrn = clinic.mrns["Filed"]

    added = run(
        clinic,
        *("documents", "add", "--patient", mrn, "--type", "referral", "--date", "2025-10-02"),
        *("--from", "Dr. Lena Park, Cardiology", "--description", "Palpitations"),
        *(str(letter), str(card), "--json"),
    )
    attached = json.loads(ok(added))["attached"]
    assert [(a["file_name"], a["content"], a["pages"], a["sha256"]) for a in attached] == [
        ("park-referral.pdf", "PDF", 3, sha(pdf)),
        ("card-front.png", "PNG image", 1, sha(png)),
    ]
    assert all(a["from"] == "Dr. Lena Park, Cardiology" for a in attached)

    other = tmp_path / "disability.pdf"
    write_pdf(other, 1)
    text = ok(
        run(
            clinic,
            *("documents", "add", str(other), "--patient", mrn, "--type", "other"),
            *("--type-name", "Disability form", "--date", "2025-11-20"),
        )
    )
    assert text.startswith(f"Attached {other} as document ")
    assert "(PDF, 1 page, " in text

    # A provider reads the list: newest document date first, as text and as JSON.
    listed = ok(run(clinic, "documents", "list", "--patient", mrn, user="pat"))
    lines = listed.splitlines()
    assert lines[0].split() == ["ID", "Date", "Type", "From", "Pages", "Size", "Description"]
    assert "2025-11-20" in lines[1] and "Disability form" in lines[1]
    assert "Referral" in lines[2] and "Dr. Lena Park, Cardiology" in lines[2]
    assert "Palpitations" in lines[2] and " 3  " in lines[2]
    rows = json.loads(ok(run(clinic, "documents", "list", "--json", "--patient", mrn, user="pat")))
    docs = rows["documents"]
    assert [d["file_name"] for d in docs] == [
        "disability.pdf",
        "park-referral.pdf",
        "card-front.png",
    ]
    assert docs[1]["size"] == len(pdf) and docs[1]["pages"] == 3 and docs[1]["type"] == "referral"

    # The same bytes back out, into files only their owner may read.
    for row, content in ((docs[1], pdf), (docs[2], png)):
        out = tmp_path / "out" / row["file_name"]
        out.parent.mkdir(exist_ok=True)
        got = ok(run(clinic, "documents", "get", str(row["id"]), "--out", str(out), user="pat"))
        assert f"Exported document {row['id']}" in got
        assert sha(out.read_bytes()) == sha(content) == row["sha256"]
        assert stat.S_IMODE(out.stat().st_mode) == 0o600

    # Every export is in the audit trail, by whom and about which patient.
    events = json.loads(
        ok(run(clinic, "audit", "export", "--json", "--action", "export", user="admin"))
    )
    exports = [e for e in events if e["entry_point"] == "DocumentService.export_file"]
    assert len(exports) == 2 and {e["username"] for e in exports} == {"pat"}
    assert all(e["outcome"] == "success" for e in exports)


def test_a_refused_file_is_named_and_the_ones_before_it_stay(
    clinic: Clinic, tmp_path: Path
) -> None:
    good, later = tmp_path / "lab-report.pdf", tmp_path / "later.pdf"
    write_pdf(good, 2)
    write_pdf(later, 1)
    bad = tmp_path / "notes.pdf"  # a Word document under a PDF's name
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml")
    mrn = clinic.mrns["Refused"]

    result = run(
        clinic,
        *("documents", "add", "--patient", mrn, "--type", "outside_lab", "--date", "2025-09-01"),
        *(str(good), str(bad), str(later)),
    )
    assert result.returncode == 1
    assert result.stdout.startswith(f"Attached {good} as document ")
    line = one_plain_line(result.stderr)
    assert "“notes.pdf” is not a PDF, PNG, JPEG or TIFF file" in line and "Word" in line
    assert f"Not tried: {later}." in line

    listed = json.loads(ok(run(clinic, "documents", "list", "--patient", mrn, "--json")))
    assert [d["file_name"] for d in listed["documents"]] == ["lab-report.pdf"]

    # Entered in error: gone from the list, shown (and said so) with --all.
    doc_id = listed["documents"][0]["id"]
    inst = Installation.open(DataPaths(clinic.data), Unlock(passphrase=PASSPHRASE))
    try:
        rita = inst.auth.login("rita", PASSWORD)
        inst.documents.mark_entered_in_error(
            rita, ItemId(doc_id), reason="scanned twice", expected_version=1
        )
    finally:
        inst.close()
    assert ok(run(clinic, "documents", "list", "--patient", mrn)).strip() == "No documents."
    shown = ok(run(clinic, "documents", "list", "--all", "--patient", mrn))
    assert "[entered in error]" in shown.splitlines()[1]


def test_usage_mistakes_and_unknown_patients_are_refused_plainly(
    clinic: Clinic, tmp_path: Path
) -> None:
    letter = tmp_path / "letter.pdf"
    write_pdf(letter, 1)
    mrn = clinic.mrns["Empty"]

    no_date = run(clinic, "documents", "add", "--patient", mrn, "--type", "referral", str(letter))
    assert no_date.returncode == 2
    assert "--date is required: the date written on the document" in no_date.stderr
    assert "Traceback" not in no_date.stderr

    # The usage error and the unknown patient as real processes (their exit status), the
    # other refusals by the same main() in-process.
    future = run_here(
        clinic,
        *("documents", "add", "--patient", mrn, "--type", "referral", "--date", "2999-01-01"),
        str(letter),
    )
    assert future.returncode == 1
    assert "letter.pdf: The document's date cannot be in the future" in one_plain_line(
        future.stderr
    )

    missing = run_here(
        clinic,
        *("documents", "add", "--patient", mrn, "--type", "referral", "--date", "today"),
        *(str(letter), str(tmp_path / "nope.pdf")),
    )
    assert missing.returncode == 1
    assert "nope.pdf: no such file (nothing was attached)" in one_plain_line(missing.stderr)

    unknown = run(
        clinic,
        *("documents", "add", "--patient", "99999999", "--type", "referral", "--date", "today"),
        str(letter),
    )
    assert unknown.returncode == 1
    assert one_plain_line(unknown.stderr) == "medrec: No patient has that MRN."
    listing = run_here(clinic, "documents", "list", "--patient", "99999999")
    assert listing.returncode == 1 and "No patient has that MRN." in listing.stderr

    empty = ok(run_here(clinic, "documents", "list", "--patient", mrn))
    assert empty.strip() == "No documents."


def test_get_never_overwrites_unless_forced(clinic: Clinic, tmp_path: Path) -> None:
    letter = tmp_path / "consent.pdf"
    content = write_pdf(letter, 2)
    mrn = clinic.mrns["Exported"]
    added = run(
        clinic,
        *("documents", "add", "--patient", mrn, "--type", "consent", "--date", "2025-01-15"),
        *(str(letter), "--json"),
    )
    doc_id = str(json.loads(ok(added))["attached"][0]["id"])

    out = tmp_path / "existing.pdf"
    out.write_bytes(b"keep me")
    out.chmod(0o644)
    refused = run(clinic, "documents", "get", doc_id, "--out", str(out))
    assert refused.returncode == 1
    assert "already exists; choose another file or add --force" in one_plain_line(refused.stderr)
    assert out.read_bytes() == b"keep me"

    forced = json.loads(
        ok(run(clinic, "documents", "get", doc_id, "--out", str(out), "--force", "--json"))
    )
    assert forced["sha256"] == sha(content) == sha(out.read_bytes())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    nothing = run(clinic, "documents", "get", "999999", "--out", str(tmp_path / "x.pdf"))
    assert nothing.returncode == 1 and "Traceback" not in nothing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_get_help_says_the_file_leaves_the_encrypted_store() -> None:
    shown = medrec("documents", "get", "--help")
    assert shown.returncode == 0
    assert "leaving the encrypted database" in " ".join(shown.stdout.split())
    assert "0600" in shown.stdout


def test_the_size_limit_is_shown_changed_by_an_administrator_and_checked_before_reading(
    clinic: Clinic, tmp_path: Path
) -> None:
    assert json.loads(ok(run(clinic, "documents", "settings", "--json"))) == {"max_file_mb": 50}
    denied = run(clinic, "documents", "settings", "--max-mb", "5")
    assert denied.returncode == 1 and "Traceback" not in denied.stderr
    wrong = run(clinic, "documents", "settings", "--max-mb", "0", user="admin")
    assert wrong.returncode == 2 and "--max-mb must be from 1 to 200, not 0" in wrong.stderr
    changed = ok(run(clinic, "documents", "settings", "--max-mb", "1", user="admin"))
    try:
        assert changed.strip() == "The size limit per document file is now 1 MB."
        # A 2 GB file (sparse: no disk used) is refused from its size on disk, unread: only
        # the size on disk could say 2 GB, as no more than the limit is ever read.
        huge = tmp_path / "whole-archive.pdf"
        with huge.open("wb") as fh:
            fh.truncate(2 * 1024**3)
        result = run(
            clinic,
            *("documents", "add", "--patient", clinic.mrns["Empty"], "--type", "referral"),
            *("--date", "today", str(huge)),
        )
        assert result.returncode == 1
        line = one_plain_line(result.stderr)
        assert "“whole-archive.pdf” is 2048 MB; this clinic's limit is 1 MB per file." in line
        assert "Administration › Documents and scanner inbox" in line
    finally:
        ok(run(clinic, "documents", "settings", "--max-mb", "50", user="admin"))
