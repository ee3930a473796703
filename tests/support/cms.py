"""The official CMS code-set files kept (gzipped) in tests/data/cms, unpacked for a test run.

Everything a test reads lives in the repository: a clone alone, with nothing beside it, runs
the whole suite.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

CMS_DATA = Path(__file__).resolve().parents[1] / "data" / "cms"


def official_sha256() -> dict[str, str]:
    """File name -> SHA-256 of the official, uncompressed file."""
    sums: dict[str, str] = {}
    for line in (CMS_DATA / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack_cms_files(dest: Path) -> Path:
    """Unpack every kept file into ``dest`` under its official name (importers read release
    years from the name) and check each against its official checksum."""
    sums = official_sha256()
    for packed in sorted(CMS_DATA.glob("*.gz")):
        target = dest / packed.name.removesuffix(".gz")
        with gzip.open(packed, "rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        if sha256_of(target) != sums[target.name]:
            raise AssertionError(f"{packed} does not unpack to the official {target.name}")
    return dest
