"""`medrec backup` onto a disk that fills up: a known problem in one plain line (exit 1),
never "internal error" (exit 70), with nothing half-written left behind.

The small disk is real: a tmpfs of a few hundred KiB mounted in a private mount namespace
(`unshare --map-root-user --mount`), so the kernel itself answers ENOSPC, the mount is
invisible to the rest of the machine and disappears with the process. This works as root (CI
here) and, where unprivileged user namespaces are enabled, as any user.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import medrec, medrec_argv, medrec_env, one_plain_line

# Mounts the small disk, runs the command, then lists what is left on the disk (the namespace
# and the disk are gone once the shell exits, so this is the only chance to look).
ON_SMALL_DISK = r"""
size="$1"; disk="$2"; left="$3"; shift 3
mount -t tmpfs -o "size=$size,mode=0700" medrec-test-disk "$disk" || exit 99
"$@"; rc=$?
ls -A "$disk" > "$left"
exit $rc
"""


def backup_on_small_disk(
    data: Path, tmp_path: Path, size_bytes: int
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    disk = tmp_path / "disk"
    disk.mkdir(parents=True)
    left = tmp_path / "left-on-disk.txt"
    size_kib = max(4, size_bytes // 1024)
    result = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", ON_SMALL_DISK, "sh"]
        + [f"{size_kib}k", str(disk), str(left)]
        + medrec_argv("--data-dir", str(data), "--user", "admin", "backup")
        + ["--out", str(disk / "clinic.medrec-backup")],
        capture_output=True,
        text=True,
        env=medrec_env(),
        timeout=180,
    )
    assert result.returncode != 99, f"could not mount the small disk: {result.stderr}"
    return result, left.read_text().split()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("disk-full") / "clinic"
    made = medrec("--data-dir", str(root), "init", "--admin", "admin")
    assert made.returncode == 0, made.stderr
    return root


def database_size(data: Path) -> int:
    # Each attempt adds audit events, so the database (and the room a backup needs) grows.
    return (data / "medrec.db").stat().st_size


# Where the disk runs out: during SQLite's copy; just after the copy (while SQLite finishes
# the copy's journal and the copy is checked); while the zip is written beside the copy.
ROOM = {
    "during the copy": lambda size: 16 * 1024,
    "right after the copy": lambda size: size + 24 * 1024,
    "while writing the zip": lambda size: 2 * size - 16 * 1024,
}


@pytest.mark.parametrize("when", list(ROOM))
def test_backup_on_a_full_disk_is_one_plain_line(data: Path, tmp_path: Path, when: str) -> None:
    result, left = backup_on_small_disk(data, tmp_path, ROOM[when](database_size(data)))
    assert result.returncode == 1, result.stderr
    line = one_plain_line(result.stderr)
    assert "full" in line and "no backup was written" in line and "Free some space" in line
    assert result.stdout == ""
    assert left == [], "a failed backup left files on the disk"


def test_failed_backups_are_in_the_audit_trail_and_a_roomy_disk_works(
    data: Path, tmp_path: Path
) -> None:
    failed, _ = backup_on_small_disk(data, tmp_path / "small", 16 * 1024)
    assert failed.returncode == 1
    # The same command on the same kind of disk with room enough succeeds: the failures
    # above were the full disk, nothing else.
    roomy = tmp_path / "roomy"
    result, left = backup_on_small_disk(data, roomy, 4 * database_size(data) + (2 << 20))
    assert result.returncode == 0, result.stderr
    assert left == ["clinic.medrec-backup"]
    exported = medrec(
        *("--data-dir", str(data), "--user", "admin", "--json"),
        *("audit", "export", "--action", "export"),
    )
    rows = json.loads(exported.stdout)
    backups = [r for r in rows if r["category"] == "backup"]
    assert backups[-1]["outcome"] == "success" and backups[-1]["detail"] == "backup written"
    assert any(r["outcome"] == "failure" and r["reason"] == "BackupError" for r in backups), (
        "a backup that failed on a full disk is recorded as a failed backup"
    )
    # After all those attempts the clinic's own database is sound, its audit chain intact.
    verify = medrec("--data-dir", str(data), "--user", "admin", "verify")
    assert verify.returncode == 0, verify.stderr
