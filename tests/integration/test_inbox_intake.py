"""Picking scans up from the scanner folder (issue 12, item 3), on a real SQLCipher clinic and a
real folder: a pick-up killed (SIGKILL) after reading, after its commit and after the
read-back leaves the scan in the folder or stored, and the next pick-up ends with the file
gone and stored exactly once, the same bytes; a file the clinic cannot keep stays and is
listed every time (new only once); a file still being written is not taken; a file reused
by the scanner between the read and the delete is a new arrival, not deleted; the watcher
takes a file dropped into the folder and survives the folder vanishing.
"""

from __future__ import annotations

import hashlib
import os
import queue
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.models import DocumentBlob, InboxItem
from medrec_desktop.services.inbox_intake import (
    FolderMemory,
    FolderWatcher,
    IntakeReport,
    Step,
    pick_up_folder,
)
from medrec_desktop.services.installation import Installation, Unlock
from tests.conftest import PASSPHRASE, Clinic
from tests.integration.test_documents import pdf_bytes

WAIT = 60.0  # seconds a watcher test waits for its report at most (it comes in well under 1)


def stored(c: Clinic, digest: str) -> tuple[int, int]:
    """(inbox rows, blobs) holding these bytes."""
    with c.inst.store.engine.connect() as conn:
        rows = conn.execute(
            select(func.count()).select_from(InboxItem).where(InboxItem.sha256 == digest)
        ).scalar_one()
        blobs = conn.execute(
            select(func.count()).select_from(DocumentBlob).where(DocumentBlob.sha256 == digest)
        ).scalar_one()
    return int(rows), int(blobs)


def scan(folder: Path, name: str, content: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return hashlib.sha256(content).hexdigest()


# ---------------------------------------------------------------- killed at each step


def _killed_child(c: Clinic, folder: Path, at: Step, out: int) -> None:
    """Runs in the forked child; never returns: dies by its own SIGKILL at ``at``."""
    try:
        inst = Installation.open(c.paths, Unlock(passphrase=PASSPHRASE), clock=c.clock)

        def die(step: Step) -> None:
            if step is at:
                os.kill(os.getpid(), signal.SIGKILL)

        pick_up_folder(inst.inbox, c.sessions[Role.NURSE], folder, on_step=die)
        os.write(out, f"the pick-up ended without reaching {at}\n".encode())
    except BaseException as err:  # report to the parent instead of running pytest's code
        os.write(out, f"error {type(err).__name__}: {err}\n".encode())
    finally:
        os._exit(1)


def test_a_pick_up_killed_at_any_step_neither_loses_nor_doubles_a_scan(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    c = local_clinic
    steps = (Step.READ, Step.COMMITTED, Step.VERIFIED)
    folders = {step: tmp_path / f"scans-{step}" for step in steps}
    digests = {
        step: scan(folders[step], f"scan-{step}.pdf", pdf_bytes(2, f"Killed at {step}"))
        for step in steps
    }
    c.inst.close()  # no open engine (or file descriptor on the database) at fork time
    sys.stdout.flush()
    sys.stderr.flush()
    for step in steps:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _killed_child(c, folders[step], step, write_end)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as pipe:
            said = pipe.read().decode()
        assert said == "", said
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        # Killed before the delete: the file is still there, whatever was committed.
        assert (folders[step] / f"scan-{step}.pdf").exists()

    c.reopen()
    nurse, records = c.sessions[Role.NURSE], c.sessions[Role.RECORDS]
    assert stored(c, digests[Step.READ]) == (0, 0)  # nothing was committed before the kill
    assert stored(c, digests[Step.COMMITTED]) == (1, 1)
    for step in steps:
        report = pick_up_folder(c.inst.inbox, nurse, folders[step])
        assert report.problems == () and report.refused == ()
        name = f"scan-{step}.pdf"
        if step is Step.READ:
            assert [t.name for t in report.taken] == [name] and report.cleared == ()
        else:  # the row was committed: found again, the file only deleted
            assert report.taken == () and report.cleared == (name,)
        assert list(folders[step].iterdir()) == []
        assert stored(c, digests[step]) == (1, 1)
    waiting = c.inst.inbox.entries(records)
    assert sorted(e.source_name for e in waiting) == sorted(f"scan-{s}.pdf" for s in steps)
    for entry in waiting:
        content = c.inst.inbox.open_file(records, entry.id).content
        assert hashlib.sha256(content).hexdigest() == entry.sha256 in digests.values()


# ---------------------------------------------------------------- what is taken, what stays


def test_refused_files_stay_and_are_listed_every_time_new_only_once(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    c = local_clinic
    folder = tmp_path / "scans"
    scan(folder, "letter.docx", b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml")
    scan(folder, "cut.pdf", pdf_bytes(2)[:-300])
    good = scan(folder, "good.pdf", pdf_bytes(1))
    # Never candidates: hidden, still being written, Office's lock file, a subfolder.
    for name in (".hidden.pdf", "scan.pdf.part", "upload.crdownload", "x.tmp", "~$note.pdf"):
        scan(folder, name, pdf_bytes(1))
    scan(folder / "sub", "inner.pdf", pdf_bytes(1))
    memory = FolderMemory()
    nurse = c.sessions[Role.NURSE]

    first = pick_up_folder(c.inst.inbox, nurse, folder, memory=memory)
    assert [t.name for t in first.taken] == ["good.pdf"] and stored(c, good) == (1, 1)
    assert [(r.name, r.new) for r in first.refused] == [("cut.pdf", True), ("letter.docx", True)]
    reasons = {r.name: r.reason for r in first.refused}
    assert "“cut.pdf” is damaged or incomplete" in reasons["cut.pdf"]
    assert "Word document" in reasons["letter.docx"]
    assert first.news

    again = pick_up_folder(c.inst.inbox, nurse, folder, memory=memory)
    assert again.refused == tuple(replace(r, new=False) for r in first.refused)
    assert again.taken == () and not again.news
    left = {p.name for p in folder.iterdir()}
    assert {"letter.docx", "cut.pdf", ".hidden.pdf", "scan.pdf.part", "sub"} <= left

    # Saved again properly under the same name: a new file, taken.
    fixed = scan(folder, "cut.pdf", pdf_bytes(2))
    os.utime(folder / "cut.pdf", ns=(1, 2_000_000_000))
    third = pick_up_folder(c.inst.inbox, nurse, folder, memory=memory)
    assert [t.name for t in third.taken] == ["cut.pdf"] and stored(c, fixed) == (1, 1)
    assert [r.name for r in third.refused] == ["letter.docx"]


def test_a_file_still_being_written_is_not_taken(local_clinic: Clinic, tmp_path: Path) -> None:
    c = local_clinic
    now = [1000.0]
    memory = FolderMemory(settle_seconds=5.0, clock=lambda: now[0])
    folder = tmp_path / "scans"
    content = pdf_bytes(3)
    path = folder / "growing.pdf"
    scan(folder, "growing.pdf", content[:1000])
    nurse = c.sessions[Role.NURSE]

    def one_pass() -> IntakeReport:
        return pick_up_folder(c.inst.inbox, nurse, folder, memory=memory)

    seen = one_pass()
    assert (seen.taken, seen.waiting) == ((), 1)
    now[0] += 10  # long past the settle time, but the file has grown meanwhile
    with path.open("ab") as fh:
        fh.write(content[1000:])
    os.utime(path, ns=(1, 5_000_000_000))
    grown = one_pass()
    assert (grown.taken, grown.waiting) == ((), 1)
    now[0] += 4.9
    assert one_pass().taken == ()  # unchanged, but not for 5 seconds yet
    now[0] += 0.1
    done = one_pass()
    assert [t.name for t in done.taken] == ["growing.pdf"] and done.waiting == 0
    assert stored(c, hashlib.sha256(content).hexdigest()) == (1, 1)
    assert not path.exists()


def test_a_name_reused_before_the_delete_is_a_new_arrival(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    c = local_clinic
    folder = tmp_path / "scans"
    first = scan(folder, "scan0001.pdf", pdf_bytes(1, "First"))
    second_content = pdf_bytes(1, "Second")

    def scanner_writes_again(step: Step) -> None:
        if step is Step.VERIFIED:
            (folder / "scan0001.pdf").write_bytes(second_content)
            os.utime(folder / "scan0001.pdf", ns=(1, 9_000_000_000))

    nurse = c.sessions[Role.NURSE]
    report = pick_up_folder(c.inst.inbox, nurse, folder, on_step=scanner_writes_again)
    assert [t.name for t in report.taken] == ["scan0001.pdf"] and stored(c, first) == (1, 1)
    assert (folder / "scan0001.pdf").read_bytes() == second_content  # not deleted
    later = pick_up_folder(c.inst.inbox, nurse, folder)
    assert [t.name for t in later.taken] == ["scan0001.pdf"]
    assert stored(c, hashlib.sha256(second_content).hexdigest()) == (1, 1)
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- the watcher


def watch(c: Clinic, folder: Path) -> tuple[FolderWatcher, queue.Queue[IntakeReport]]:
    reports: queue.Queue[IntakeReport] = queue.Queue()
    watcher = FolderWatcher(
        inbox=lambda: c.inst.inbox,
        session=c.sessions[Role.NURSE],
        folder=folder,
        on_report=reports.put,
        settle_seconds=0.2,
        rescan_seconds=3600,  # only events and scan_now() below: no rescan helps
    )
    watcher.start()
    return watcher, reports


def next_report(
    reports: queue.Queue[IntakeReport], wanted: Callable[[IntakeReport], bool]
) -> IntakeReport:
    """The first report ``wanted`` accepts (raises queue.Empty after WAIT seconds)."""
    while True:
        report = reports.get(timeout=WAIT)
        if wanted(report):
            return report


def test_the_watcher_takes_a_dropped_file_and_survives_the_folder_vanishing(
    local_clinic: Clinic, tmp_path: Path
) -> None:
    c = local_clinic
    folder = tmp_path / "share" / "scans"
    folder.mkdir(parents=True)
    old = scan(folder, "left-from-yesterday.pdf", pdf_bytes(1, "Old"))
    watcher, reports = watch(c, folder)
    try:
        # The scan at start.
        assert next_report(reports, lambda r: bool(r.taken)).taken[0].name == (
            "left-from-yesterday.pdf"
        )
        # Dropped as scanner software does: written under a partial name, then renamed.
        content = pdf_bytes(2, "Dropped")
        scan(folder, "incoming.pdf.part", content)
        (folder / "incoming.pdf.part").rename(folder / "incoming.pdf")
        taken = next_report(reports, lambda r: bool(r.taken))
        assert [t.name for t in taken.taken] == ["incoming.pdf"]
        assert not (folder / "incoming.pdf").exists()

        # The share goes away: a problem reported, no crash.
        folder.rename(tmp_path / "share" / "unmounted")
        watcher.scan_now()
        gone = next_report(reports, lambda r: bool(r.problems))
        assert "The scanner folder cannot be reached" in gone.problems[0]
        assert watcher.running

        # Mounted again (a new folder on the same path), a scan waiting: taken, and the
        # folder watched anew: a file dropped later is heard without any rescan.
        back = scan(folder, "after.pdf", pdf_bytes(1, "After"))
        watcher.scan_now()
        assert [t.name for t in next_report(reports, lambda r: bool(r.taken)).taken] == [
            "after.pdf"
        ]
        scan(folder, "last.pdf", pdf_bytes(1, "Last"))
        assert [t.name for t in next_report(reports, lambda r: bool(r.taken)).taken] == ["last.pdf"]
    finally:
        watcher.stop()
    assert not watcher.running
    assert stored(c, old) == (1, 1) and stored(c, back) == (1, 1)
    statuses = {e.status for e in c.inst.inbox.entries(c.sessions[Role.RECORDS])}
    assert statuses == {InboxStatus.UNFILED}
