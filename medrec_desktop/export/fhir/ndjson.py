"""Writing a bulk export: FHIR NDJSON, one file per resource type (``Patient.ndjson``...),
one resource per line, streamed (a patient's resources are written and forgotten), each file
created owner-only and hashed as it is written; then ``manifest.json`` (the FHIR Bulk Data
manifest's shape, with each file's SHA-256, size and line count, and this application's
extras under ``extension``). On any failure :meth:`NdjsonWriter.remove` deletes what was
written, so a cancelled or failed export leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from medrec_desktop.domain.fhir_export import MANIFEST, BulkFile
from medrec_desktop.export.fhir.bundle import SHARED_TYPES
from medrec_desktop.export.fhir.common import Json


@dataclass
class _Open:
    handle: IO[bytes]
    digest: Any = field(default_factory=hashlib.sha256)
    count: int = 0
    size: int = 0


def dumps(resource: Mapping[str, Any]) -> bytes:
    """One resource as one NDJSON line (UTF-8, no spaces, no newline inside)."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class NdjsonWriter:
    """Writes into ``folder`` (an existing, empty, private folder). Resources every patient
    shares (the clinic, its providers) are written once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, _Open] = {}
        self._made: list[Path] = []
        self.shared: set[str] = set()  # "Type/id" of shared resources written

    def write(self, resources: Iterable[Json]) -> int:
        """Append ``resources``; returns how many were written (shared ones only once)."""
        written = 0
        for r in resources:
            kind = r["resourceType"]
            if kind in SHARED_TYPES:
                key = f"{kind}/{r['id']}"
                if key in self.shared:
                    continue
                self.shared.add(key)
            line = dumps(r)
            out = self._open.get(kind) or self._start(kind)
            out.handle.write(line)
            out.digest.update(line)
            out.count += 1
            out.size += len(line)
            written += 1
        return written

    def finish(self) -> tuple[BulkFile, ...]:
        """Flush every file to disk and close it; the files, by name."""
        files = []
        for kind, out in sorted(self._open.items()):
            out.handle.flush()
            os.fsync(out.handle.fileno())
            out.handle.close()
            files.append(
                BulkFile(
                    name=f"{kind}.ndjson",
                    resource_type=kind,
                    count=out.count,
                    size=out.size,
                    sha256=out.digest.hexdigest(),
                )
            )
        self._open.clear()
        return tuple(files)

    def write_manifest(self, manifest: Mapping[str, Any]) -> str:
        """Write ``manifest.json``; its SHA-256 (the one recorded with the disclosure)."""
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        with self._create(MANIFEST) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _sync_folder(self.folder)
        return hashlib.sha256(data).hexdigest()

    def remove(self) -> None:
        """Delete every file this writer made (after a failure or a cancel)."""
        for out in self._open.values():
            with contextlib.suppress(OSError):
                out.handle.close()
        self._open.clear()
        for path in self._made:
            # Every file is tried: one that cannot go (locked by a virus scanner) must not
            # keep the others, nor hide the error that made the export stop.
            with contextlib.suppress(OSError):
                path.unlink()
        self._made.clear()

    def _start(self, kind: str) -> _Open:
        out = _Open(self._create(f"{kind}.ndjson"))
        self._open[kind] = out
        return out

    def _create(self, name: str) -> IO[bytes]:
        path = self.folder / name
        # O_EXCL: never write into a file that was already there; 0600 whatever the umask.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        self._made.append(path)
        return os.fdopen(fd, "wb")


def manifest(
    *,
    files: tuple[BulkFile, ...],
    transaction_time: str,
    extension: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest of a bulk export, in the FHIR Bulk Data export manifest's shape."""
    return {
        "transactionTime": transaction_time,
        "request": "medrec export bulk",
        "requiresAccessToken": False,
        "output": [
            {
                "type": f.resource_type,
                "url": f.name,
                "count": f.count,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in files
        ],
        "error": [],
        "extension": dict(extension),
    }


def _sync_folder(folder: Path) -> None:
    """Make the folder's entries durable too (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
