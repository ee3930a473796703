"""The error an importer raises for a malformed file: it names the line and the field."""

from __future__ import annotations

from medrec_desktop.domain.errors import KnownError, ValidationError


class ImportFormatError(ValidationError):
    """The file does not follow the official layout; nothing of it was imported."""

    def __init__(self, source: str, line: int, field: str, problem: str) -> None:
        super().__init__(f"{source}, line {line}, field {field}: {problem}", field=field)
        self.source = source
        self.line = line


class ImportCancelledError(KnownError):
    """The user cancelled the import; nothing of the file was kept."""

    def __init__(self) -> None:
        super().__init__("Import cancelled; nothing was imported.")
