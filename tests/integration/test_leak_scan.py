"""No plaintext PHI on disk (DESIGN §4): a whole workflow leaves no trace of its patients.

A child process runs a clinic's day with random canary strings in patient names, phone numbers
and note texts, and in an attached PDF's text and file name (the document is filed, opened and
exported through the service), and in a faxed scan's text and file name (picked up from the
scanner folder, suggested, viewed, split, filed and marked not ours; a cover sheet printed),
with DEBUG logging on and TMPDIR pointing at a fresh folder. Every file in the data folder
(database, WAL, SHM, key file, logs, backups), in the temp folder and in the scanner folder is
then searched for the canaries, in UTF-8 and UTF-16-LE and in several letter cases:
none may appear. File names are searched too: a temporary copy named after the document would
be a leak. The audit export, the user's own export and the exported document are explicit
disclosures and are not searched, but they are the controls that prove the search finds
canaries where they are.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

WORKFLOW = r"""
import csv, datetime as dt, io, json, logging, sys
from dataclasses import asdict
from pathlib import Path
from medrec_desktop import logs
from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import ConflictError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from medrec_desktop.services.patients import PatientInput

cfg = json.loads(sys.argv[1])
paths = DataPaths(Path(cfg["data"]))
exports = Path(cfg["exports"])
c = cfg["canaries"]
PASS = "workstation pass phrase"

inst, _recovery = Installation.create(
    paths, admin=NewAdmin("admin", "Ada Admin", "correct horse battery"), passphrase=PASS
)
logs.configure(paths, level=logging.DEBUG)
logging.getLogger("medrec.workflow").debug("workflow started")
admin = inst.auth.login("admin", "correct horse battery")
inst.users.add_user(
    admin, "drwho", "Dr Who", Role.PROVIDER, "role password 1234", must_change_password=False
)
doc = inst.auth.login("drwho", "role password 1234")

people = []
for i in range(3):
    people.append(inst.patients.register(doc, PatientInput(
        c[f"family{i}"], c[f"given{i}"], dt.date(1960 + i, 2, 3), "female", c[f"phone{i}"]
    )))
for i, p in enumerate(people):
    inst.patients.add_note(doc, p.id, f"Assessment: {c[f'note{i}']} stable.")
    inst.patients.add_note(doc, p.id, c[f"secret{i}"], sensitive=True)
first = people[0]
updated = inst.patients.update(
    doc, first.id,
    PatientInput(c["family0"], c["given0"], first.birth_date, "female", c["newphone"]),
    expected_version=first.version,
)
try:  # a stale edit from "another workstation": refused, audited
    inst.patients.update(
        doc, first.id,
        PatientInput(c["family0"], c["given0"], first.birth_date, "female", c["phone0"]),
        expected_version=first.version,
    )
except ConflictError:
    pass
inst.patients.get(doc, first.id)
inst.patients.notes(doc, first.id)
inst.patients.list_all(doc)
inst.patients.find_by_mrn(doc, updated.mrn)

# A referral letter whose text and file name carry canaries: filed, opened, exported. The page
# is not compressed, so its text is plain bytes in the file (the control below finds it).
from reportlab.pdfgen import canvas
letter = io.BytesIO()
pdf = canvas.Canvas(letter, pageCompression=0)
pdf.drawString(72, 720, f"Referral letter: {c['doctext']} for evaluation")
pdf.showPage()
pdf.drawString(72, 720, "Page two")
pdf.showPage()
pdf.save()
letter_bytes = letter.getvalue()
filed = inst.documents.attach(doc, first.id, DocumentInput(
    doc_type=DocumentType.REFERRAL, document_date=dt.date(2024, 3, 4),
    author="Outside cardiology", file_name=f"{c['docname']}.pdf",
), letter_bytes)
assert inst.documents.open_file(doc, filed.id).content == letter_bytes
exported = inst.documents.export_file(doc, filed.id)
assert exported.content == letter_bytes and exported.file_name == f"{c['docname']}.pdf"
# The export's bytes come back in memory; saved here, outside the scanned folders, as the
# user would save them (an explicit disclosure): the scanner's control for documents.
(exports / exported.file_name).write_bytes(exported.content)

# The scanner inbox: a faxed scan whose text and file name carry canaries arrives in the
# scanner folder, is picked up (the folder is scanned for leftovers too), suggested, viewed,
# split, one part filed and the other marked not ours; a cover sheet is printed for the chart.
from medrec_desktop.services.inbox_intake import pick_up_folder
inst.users.add_user(
    admin, "rita", "Rita Records", Role.RECORDS, "role password 1234", must_change_password=False
)
rita = inst.auth.login("rita", "role password 1234")
scans = Path(cfg["scans"])
fax = io.BytesIO()
pdf = canvas.Canvas(fax, pageCompression=0)
pdf.drawString(72, 720, f"Patient: {c['family0']}, {c['given0']}  fax {c['scantext']}")
pdf.showPage()
pdf.drawString(72, 720, f"Second page {c['scantext']}")
pdf.showPage()
pdf.save()
(scans / f"{c['scanname']}.pdf").write_bytes(fax.getvalue())
report = pick_up_folder(inst.inbox, doc, scans)
assert len(report.taken) == 1 and not any(scans.iterdir()), report
waiting = inst.inbox.entries(rita)[0]
assert inst.inbox_suggestions.suggest(rita, waiting.id)[0].patient_id == first.id
assert inst.inbox.open_file(rita, waiting.id).content == fax.getvalue()
one, two = inst.inbox.split(rita, waiting.id, [(1, 1), (2, 2)], expected_version=1)
inst.inbox.file(rita, one.id, first.id, DocumentInput(
    doc_type=DocumentType.CORRESPONDENCE, document_date=dt.date(2024, 3, 5),
), expected_version=1)
inst.inbox.reject(rita, two.id, "Fax for another practice", expected_version=1)
assert inst.cover_sheets.issue(rita, first.id, DocumentType.REFERRAL).pdf.startswith(b"%PDF")

events = inst.audit.export(admin, AuditFilter())
with (exports / "audit.csv").open("w", newline="", encoding="utf-8") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(asdict(events[0])))
    writer.writeheader()
    writer.writerows(asdict(e) for e in events)

# End of the day: the administrator signs in afresh, backs up, rotates the key, verifies.
inst.close()
inst = Installation.open(paths, Unlock(passphrase=PASS))
admin = inst.auth.login("admin", "correct horse battery")
doc = inst.auth.login("drwho", "role password 1234")
inst.backup(admin, paths.backups / "day.medrec-backup")
inst.rekey(admin)
assert inst.verify(admin).ok
assert inst.audit.verify(admin).ok

# The user's own plaintext export (an explicit disclosure): the scanner's control.
with (exports / "patient-export.txt").open("w", encoding="utf-8") as fh:
    for p in inst.patients.list_all(doc):
        fh.write(f"{p.family_name}, {p.given_names} {p.phone}\n")
        for n in inst.patients.notes(doc, p.id):
            fh.write(f"  {n.text}\n")
inst.auth.logout(doc)
inst.close()

# Reopen as the next morning would, and stay open while the parent looks at WAL and SHM.
inst = Installation.open(paths, Unlock(passphrase=PASS))
doc = inst.auth.login("drwho", "role password 1234")
inst.patients.notes(doc, first.id)
assert inst.documents.open_file(doc, filed.id).content == letter_bytes
print("READY", flush=True)
sys.stdin.readline()
inst.close()
print("DONE", flush=True)
"""


def _canary(rng_letters: int = 12) -> str:
    return "Qx" + "".join(secrets.choice(string.ascii_letters) for _ in range(rng_letters))


def _phone() -> str:
    # A US number in the form it is stored and shown in (area code and exchange start 2-9),
    # random enough to be unique.
    d = "".join(secrets.choice(string.digits) for _ in range(8))
    area, exchange = secrets.choice("23456789"), secrets.choice("23456789")
    return f"({area}{d[:2]}) {exchange}{d[2:4]}-{d[4:]}"


def _needles(canaries: dict[str, str]) -> dict[bytes, str]:
    needles: dict[bytes, str] = {}
    for name, value in canaries.items():
        variants = {value, value.lower(), value.upper(), value.swapcase()}
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) >= 10:
            variants.add(digits)  # a phone as the search index holds it: digits only
        for variant in variants:
            for encoding in ("utf-8", "utf-16-le"):
                needles[variant.encode(encoding)] = f"{name} ({encoding})"
    return needles


def _contents(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, and for a zip (backups) each member's bytes as well. A file that went
    away between listing and reading (the key file's temporary copy, renamed into place by the
    running program) is scanned under its final name."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    found = [(str(path), data)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            found += [(f"{path}!{n}", zf.read(n)) for n in zf.namelist()]
    return found


def _scan(roots: list[Path], needles: dict[bytes, str]) -> tuple[list[str], list[Path]]:
    hits: list[str] = []
    files = sorted(
        p for root in roots for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()
    )
    for path in files:
        hits += [f"{label} in the name {path}" for n, label in needles.items() if n in bytes(path)]
        for where, data in _contents(path):
            hits += [f"{label} in {where}" for needle, label in needles.items() if needle in data]
    return hits, files


def test_no_canary_reaches_any_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    temp = tmp_path / "tmp"
    exports = tmp_path / "exports"  # outside the data folder: explicit disclosures only
    temp.mkdir()
    exports.mkdir()
    canaries = {
        f"{kind}{i}": _canary() for kind in ("family", "given", "note", "secret") for i in range(3)
    }
    canaries |= {f"phone{i}": _phone() for i in range(3)} | {"newphone": _phone()}
    in_document = {"doctext": _canary(), "docname": _canary()}
    in_document |= {"scantext": _canary(), "scanname": _canary()}
    needles = _needles(canaries | in_document)
    scans = tmp_path / "scans"  # the scanner folder: empty once the scan is picked up
    scans.mkdir()
    cfg = {
        "data": str(data),
        "exports": str(exports),
        "scans": str(scans),
        "canaries": canaries | in_document,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")}
    env |= {"TMPDIR": str(temp), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    child = subprocess.Popen(
        [sys.executable, "-c", WORKFLOW, json.dumps(cfg)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        ready = child.stdout.readline()
        if ready.strip() != "READY":
            child.kill()
            raise AssertionError(f"workflow failed: {ready}{child.communicate()[1]}")
        # While the database is open: its WAL and SHM exist and are searched too.
        assert Path(f"{data / 'medrec.db'}-wal").is_file()
        assert Path(f"{data / 'medrec.db'}-shm").is_file()
        hits_open, files_open = _scan([data, temp], needles)
        child.stdin.write("go\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0 and out.strip() == "DONE", err
    hits_closed, files_closed = _scan([data, temp, scans], needles)

    names = {p.name for p in files_open + files_closed}
    assert {"medrec.db", "medrec.keys", "medrec.log", "day.medrec-backup"} <= names, names
    assert (data / "logs" / "medrec.log").stat().st_size > 0  # DEBUG logging was on
    assert not hits_open, hits_open
    assert not hits_closed, hits_closed

    # Control: the same scanner does find every canary in the user's own plaintext export
    # (names and notes; sensitive notes too, since the provider may see them).
    control = _scan([exports / "patient-export.txt"], needles)[0]
    for name in canaries:
        if name != "phone0":  # replaced by newphone before the export
            assert any(hit.startswith(f"{name} (utf-8)") for hit in control), name

    # Control: the exported document, saved outside the scanned folders, holds the letter's
    # text in its bytes and the file name in its name, and the scanner finds both.
    document = _scan([exports / f"{in_document['docname']}.pdf"], needles)[0]
    assert any(hit.startswith("doctext (utf-8) in ") for hit in document), document
    assert any(hit.startswith("docname (utf-8) in the name ") for hit in document), document
