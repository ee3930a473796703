"""The Bundle's entries and the references between them.

A reference is found the way FHIR resolves one inside a Bundle: by the entry's ``fullUrl``
(``urn:uuid:...`` as this program's own export writes, or an absolute URL), by
``ResourceType/id`` (relative references, also at the end of an absolute URL, ignoring a
``/_history/...`` version), or by ``#id`` among the resource's contained resources.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from medrec_desktop.domain.fhir_import import EntryProblem, EntryRef


@dataclass(frozen=True)
class Entry:
    """An entry holding a resource; ``method``: its transaction or batch request's."""

    ref: EntryRef
    resource: Resource
    method: str | None = None


class EntryIssues:
    """The problems found so far, collected so that one refusal lists them all."""

    def __init__(self) -> None:
        self.found: list[EntryProblem] = []

    def add(self, entry: EntryRef | None, field: str | None, message: str) -> None:
        self.found.append(EntryProblem(entry, field, message))

    def __bool__(self) -> bool:
        return bool(self.found)


class Unreadable(Exception):
    """An entry that cannot be mapped: raised by a mapper, caught by the reader (which names
    the entry, or ``entry`` when it is another: a test's result read from its own entry).
    ``field`` is the FHIR element at fault."""

    def __init__(self, field: str | None, message: str, entry: EntryRef | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.entry = entry


class BundleIndex:
    """Every entry by ``fullUrl`` and by ``ResourceType/id``."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_url: dict[str, Entry] = {}
        self._by_key: dict[str, Entry] = {}
        for e in entries:
            if e.ref.full_url:
                self._by_url.setdefault(e.ref.full_url, e)
                key = _type_and_id(e.ref.full_url)
                if key is not None:
                    self._by_key.setdefault(key, e)
            if e.ref.resource_id:
                self._by_key.setdefault(f"{e.ref.resource_type}/{e.ref.resource_id}", e)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def entry(self, reference: Reference | None) -> Entry | None:
        """The Bundle entry a reference points at (None: not in the Bundle, or contained)."""
        target = _target(reference)
        if target is None or target.startswith("#"):
            return None
        found = self._by_url.get(target)
        if found is None:
            key = _type_and_id(target)
            found = self._by_key.get(key) if key is not None else None
        return found

    def resolve(self, reference: Reference | None, within: Any = None) -> Resource | None:
        """The resource a reference points at: an entry's, or one contained in ``within``."""
        target = _target(reference)
        if target is None:
            return None
        if target.startswith("#"):
            for contained in getattr(within, "contained", None) or []:
                if contained.id == target[1:]:
                    return contained  # type: ignore[no-any-return]
            return None
        found = self.entry(reference)
        return found.resource if found is not None else None


def _target(reference: Reference | None) -> str | None:
    if reference is None or not reference.reference:
        return None
    text = str(reference.reference).strip()
    if "/_history/" in text:
        text = text.split("/_history/")[0]
    return text or None


def _type_and_id(url: str) -> str | None:
    """ "Observation/heart-rate" from "http://x/fhir/Observation/heart-rate" or itself."""
    if url.startswith(("urn:", "#")):
        return None
    parts = url.rstrip("/").split("/")
    if len(parts) < 2 or not parts[-2][:1].isupper():
        return None
    return f"{parts[-2]}/{parts[-1]}"


class Skip(Exception):
    """An entry left out on purpose (listed with ``reason`` in the preview and the result)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
