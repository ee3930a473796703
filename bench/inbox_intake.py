"""Scanner-folder intake of 200 scanned pages into an encrypted SQLCipher clinic.

The folder holds 10 PDFs of 20 pages each, every page a rasterised image as a scanner makes
it (a 150 dpi greyscale page with text and sensor noise, JPEG-compressed inside the PDF,
made here with Pillow and reportlab). A run moves the whole folder into the inbox.

* figure: ``pick_up_folder`` as the application's watcher runs it: one file at a time is
  read, checked and stored (one transaction), read back from the database and compared
  (SHA-256), then deleted from the folder: one file's bytes in memory at a time.
* baseline, measured in the same run: the naive intake that reads every file of the folder
  into memory first, then stores each through the same service calls (``receive``, the
  read-back, the delete), so the two differ only in holding the whole batch at once.

Throughput (pages/s, files/s) is the median of ``RUNS`` timed runs of each, interleaved;
every run starts from a copy of the same freshly made clinic and a fresh folder, in its own
forked process. Memory is measured in separate forked runs of each: the tracemalloc peak
(Python allocations: the file bytes, pypdf's parse) and, in the timed runs, the growth of
the process's peak resident set (Linux's VmHWM, reset as the run starts), which also sees
SQLCipher's page cache and what the C libraries allocate.

Thumbnails: intake makes none. The inbox and viewer draw a scan's thumbnails from the stored
bytes when they are shown (pypdfium2/QtPdf); so the cost of that is printed beside (the first
page of each stored file rendered at thumbnail size, through the audited ``open_file``), not
counted in the intake.

Usage: python bench/inbox_intake.py [RUNS]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import machine, write_result
from PIL import Image, ImageDraw, ImageFilter
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.inbox_intake import pick_up_folder
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
FILES = 10
PAGES = 20
DPI = 150
PASSWORD = "bench password 2026"
PASSPHRASE = "bench workstation passphrase"
THUMB_PX = 160


# ---------------------------------------------------------------- the scans


def page_image(rng: random.Random, file_no: int, page_no: int) -> Image.Image:
    """A greyscale page as a sheet-fed scanner at 150 dpi returns it: off-white paper, lines
    of text, a little skew blur and sensor noise."""
    width, height = int(8.5 * DPI), int(11 * DPI)
    page = Image.new("L", (width, height), 242)
    draw = ImageDraw.Draw(page)
    draw.text((90, 80), f"OUTSIDE RECORDS  batch {file_no + 1}  page {page_no + 1}", fill=20)
    for line in range(46):
        y = 140 + line * 33
        words = " ".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
            for _ in range(rng.randint(6, 12))
        )
        draw.text((90, y), words, fill=rng.randint(10, 60))
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    noise = Image.effect_noise((width, height), 9).point(lambda v: v - 128)
    return Image.blend(page, noise.convert("L"), 0.06)


def scanned_pdf(rng: random.Random, file_no: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    pdf.setCreator("Synthetic sheet-fed scanner")
    for page_no in range(PAGES):
        image = page_image(rng, file_no, page_no)
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=75, dpi=(DPI, DPI))
        pdf.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, *letter)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# ---------------------------------------------------------------- one run in a child process


def clinic(root: Path) -> None:
    inst, _ = Installation.create(
        DataPaths(root), admin=NewAdmin("admin", "Ada Admin", PASSWORD), passphrase=PASSPHRASE
    )
    try:
        admin = inst.auth.login("admin", PASSWORD)
        inst.users.add_user(
            admin, "nina", "Nina Nurse", Role.NURSE, PASSWORD, must_change_password=False
        )
    finally:
        inst.close()


def streamed(inst: Installation, nina: UserSession, folder: Path) -> int:
    report = pick_up_folder(inst.inbox, nina, folder)
    assert not report.problems and not report.refused, report
    return len(report.taken)


def all_in_memory_first(inst: Installation, nina: UserSession, folder: Path) -> int:
    files = sorted(folder.iterdir())
    batch = [(p, p.read_bytes(), p.stat().st_mtime_ns) for p in files]  # the whole folder
    for path, content, mtime_ns in batch:
        got = inst.inbox.receive(nina, path.name, content, mtime_ns)
        assert inst.inbox.confirm_stored(nina, got.inbox_id, hashlib.sha256(content).hexdigest())
        path.unlink()
    return len(batch)


def in_child(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``fn`` in a forked process (its own heap and resident-set high-water mark)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            os.write(write_end, json.dumps(fn()).encode())
        except BaseException as err:
            os.write(write_end, json.dumps({"error": repr(err)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = json.loads(pipe.read().decode() or "{}")
    os.waitpid(pid, 0)
    if "error" in said:
        raise RuntimeError(said["error"])
    return said


def one_run(
    method: Callable[[Installation, UserSession, Path], int],
    template: Path,
    scans: list[tuple[str, bytes]],
    work: Path,
    *,
    trace: bool,
) -> dict[str, Any]:
    def body() -> dict[str, Any]:
        shutil.rmtree(work, ignore_errors=True)
        data, folder = work / "data", work / "scans"
        shutil.copytree(template, data)
        folder.mkdir(parents=True)
        for name, content in scans:
            (folder / name).write_bytes(content)
        inst = Installation.open(DataPaths(data), Unlock(passphrase=PASSPHRASE))
        try:
            # Signed in before measuring: the password check's Argon2id takes 64 MiB.
            nina = inst.auth.login("nina", PASSWORD)
            rss_before = reset_peak_rss()
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            files = method(inst, nina, folder)
            took = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            tracemalloc.stop()
            rss_growth = peak_rss_kb() - rss_before
            assert files == FILES and not any(folder.iterdir())
            thumbs_ms = thumbnails_ms(inst) if not trace else 0.0
        finally:
            inst.close()
        return {
            "seconds": took,
            "peak_mb": peak / 2**20,
            "rss_growth_mb": rss_growth / 1024,
            "thumb_ms": thumbs_ms,
        }

    return in_child(body)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> int:
    """Reset the process's resident-set high-water mark (Linux: ``5`` into clear_refs;
    a forked child starts with its parent's) and return the resident set now, in KB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kb() -> int:
    try:
        return _status_kb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def thumbnails_ms(inst: Installation) -> float:
    """Median ms to draw the first page of a stored scan at thumbnail size, as the inbox
    does on demand (the audited read of its bytes included)."""
    import pypdfium2

    admin = inst.auth.login("admin", PASSWORD)
    inst.users.add_user(admin, "rita", "Rita", Role.RECORDS, PASSWORD, must_change_password=False)
    rita = inst.auth.login("rita", PASSWORD)
    took = []
    for entry in inst.inbox.entries(rita):
        start = time.perf_counter()
        content = inst.inbox.open_file(rita, entry.id).content
        pdf = pypdfium2.PdfDocument(content)
        page = pdf[0]
        page.render(scale=THUMB_PX / page.get_width()).to_pil()
        page.close()
        pdf.close()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)


def main() -> None:
    rng = random.Random(20261201)
    started = time.perf_counter()
    scans = [(f"scan{n + 1:04d}.pdf", scanned_pdf(rng, n)) for n in range(FILES)]
    made_in = time.perf_counter() - started
    total = sum(len(c) for _, c in scans)
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        clinic(template)
        work = Path(tmp) / "work"
        ours: list[float] = []
        theirs: list[float] = []
        thumbs: list[float] = []
        rss: dict[str, list[float]] = {"ours": [], "theirs": []}
        for n in range(RUNS):
            pair = [("ours", streamed), ("theirs", all_in_memory_first)]
            for label, method in pair if n % 2 == 0 else pair[::-1]:
                got = one_run(method, template, scans, work, trace=False)
                (ours if label == "ours" else theirs).append(got["seconds"])
                rss[label].append(got["rss_growth_mb"])
                if label == "ours":
                    thumbs.append(got["thumb_ms"])
        peak_ours = one_run(streamed, template, scans, work, trace=True)["peak_mb"]
        peak_theirs = one_run(all_in_memory_first, template, scans, work, trace=True)["peak_mb"]
    pages = FILES * PAGES
    t_ours, t_theirs = statistics.median(ours), statistics.median(theirs)
    rss_ours, rss_theirs = statistics.median(rss["ours"]), statistics.median(rss["theirs"])
    print(
        f"intake of {pages} scanned pages ({FILES} PDFs x {PAGES} pages, {DPI} dpi greyscale "
        f"JPEG pages, {total / 2**20:.1f} MB in all; made in {made_in:.1f} s) into an encrypted "
        f"SQLCipher clinic, median of {RUNS} runs:\n"
        f"  streamed pick-up (one file at a time, read back, then deleted): {t_ours:.2f} s = "
        f"{pages / t_ours:.1f} pages/s, {FILES / t_ours:.2f} files/s; tracemalloc peak "
        f"{peak_ours:.1f} MB, peak RSS growth {rss_ours:.1f} MB\n"
        f"  naive (the whole folder read into memory first): {t_theirs:.2f} s = "
        f"{pages / t_theirs:.1f} pages/s, {FILES / t_theirs:.2f} files/s; tracemalloc peak "
        f"{peak_theirs:.1f} MB, peak RSS growth {rss_theirs:.1f} MB\n"
        f"  thumbnails (not made at intake): first page of a stored scan at {THUMB_PX} px, "
        f"audited read included: median {statistics.median(thumbs):.1f} ms\n"
        f"  machine: {machine()}; load average {os.getloadavg()[0]:.2f}"
    )
    write_result(
        "inbox_intake",
        figure=f"scanner-folder intake of {pages} scanned pages ({FILES} x {PAGES}-page PDFs) "
        "into an encrypted SQLCipher clinic, streamed, one file in memory at a time; "
        "throughput (median)",
        unit="pages/s",
        value=pages / t_ours,
        baseline="the whole folder read into memory first, then stored through the same "
        "service calls (receive, read-back, delete), interleaved in the same run",
        baseline_value=pages / t_theirs,
        target="streamed: peak memory about one file, not the whole batch",
        extra={
            "runs": RUNS,
            "files": FILES,
            "pages": pages,
            "bytes_in_all": total,
            "largest_file_bytes": max(len(c) for _, c in scans),
            "files_per_s": round(FILES / t_ours, 3),
            "baseline_files_per_s": round(FILES / t_theirs, 3),
            "tracemalloc_peak_mb": round(peak_ours, 2),
            "baseline_tracemalloc_peak_mb": round(peak_theirs, 2),
            "peak_rss_growth_mb": round(rss_ours, 2),
            "baseline_peak_rss_growth_mb": round(rss_theirs, 2),
            "thumbnails": "not made at intake: drawn from the stored bytes when shown",
            "thumbnail_first_page_ms": round(statistics.median(thumbs), 2),
        },
    )


if __name__ == "__main__":
    main()
