"""What a FHIR R4 export hands back (issue 14, items 5 and 6): one patient's Bundle, or a
bulk export of every patient as NDJSON files with a manifest; the errors they raise; and the
progress/cancel handle a long export reports to (the UI's ``Job`` fits it as it is)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from medrec_desktop.domain.errors import KnownError, ValidationError

#: the name of the bulk export's manifest inside its folder
MANIFEST = "manifest.json"


class FhirInvalidError(ValidationError):
    """A resource the export made does not validate as FHIR R4 (a bug, or a value stored
    before a check existed). The message names the entry and the field, never a value."""


class ExportCancelledError(KnownError):
    """The user stopped a bulk export: its files are removed and nothing is recorded."""

    def __init__(self) -> None:
        super().__init__(
            "The export was cancelled: its files were removed and nothing was recorded."
        )


class ExportJob(Protocol):
    """What a long export reports to: ``progress(done, total)`` after each patient, and
    ``cancelled`` read between patients (``ui.tasks.Job`` has both)."""

    @property
    def cancelled(self) -> bool: ...

    def progress(self, done: int, total: int) -> None: ...


@dataclass(frozen=True)
class FhirRelease:
    """One patient's record as a FHIR R4 Bundle (JSON, UTF-8), recorded as disclosure
    ``disclosure_id``. ``counts``: resource type -> how many; ``withheld``: labelled items
    left out, by item type."""

    content: bytes
    sha256: str
    counts: Mapping[str, int]
    disclosure_id: int
    recipient: str
    withheld: Mapping[str, int] = field(default_factory=dict)

    @property
    def resource_count(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class BulkFile:
    """One NDJSON file of a bulk export: a resource type's resources, one per line."""

    name: str
    resource_type: str
    count: int
    size: int
    sha256: str


@dataclass(frozen=True)
class BulkExport:
    """A bulk export written into ``folder``: its files, the manifest's SHA-256 (the one
    recorded with disclosure ``disclosure_id``), and how many patients it carries."""

    folder: Path
    patients: int
    files: tuple[BulkFile, ...]
    manifest_sha256: str
    disclosure_id: int
    generated_at: dt.datetime
    withheld: Mapping[str, int] = field(default_factory=dict)

    @property
    def resource_count(self) -> int:
        return sum(f.count for f in self.files)
