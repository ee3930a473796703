"""Validation of what the export made, with ``fhir.resources``' R4B models (the package's top
level is FHIR R5; R4B's models accept R4 content): each resource against its type's model,
then the Bundle around them, then every reference inside the export resolved.

A failure names the entry (its position, type and id) and the field, never a value: the
values are patient data, and the message reaches logs and screens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from medrec_desktop.domain.fhir_export import FhirInvalidError

_ERROR_MAX = 160


def validate_resource(resource: Mapping[str, Any], where: str) -> None:
    """Check one resource against its R4B model; ``where`` says which in the message
    ("entry 3", "line 12 of Observation.ndjson")."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise FhirInvalidError(f"{where} has no resourceType.", field=where)
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):  # ValueError in fhir.resources 8
        raise FhirInvalidError(
            f"{where}: {kind} is not a FHIR R4 resource type.", field=where
        ) from None
    try:
        model.model_validate(resource)
    except pydantic.ValidationError as err:
        raise _invalid(err, f"{where} ({kind} {resource.get('id', '')})".strip()) from None


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Raise :class:`FhirInvalidError` naming the first entry that is not valid R4, or a
    reference that points outside the Bundle; return quietly when all is well."""
    if bundle.get("resourceType") != "Bundle":
        raise FhirInvalidError("This is not a FHIR Bundle.", field="resourceType")
    entries = bundle.get("entry") or []
    urls: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        resource = entry.get("resource") or {}
        where = f"entry {n}"
        url = entry.get("fullUrl")
        if not url:
            raise FhirInvalidError(f"{where} has no fullUrl.", field=where)
        if url in urls:
            raise FhirInvalidError(
                f"{where}: its fullUrl is used by an earlier entry.", field=where
            )
        if url.startswith("urn:uuid:") and url != f"urn:uuid:{resource.get('id')}":
            raise FhirInvalidError(f"{where}: its fullUrl and id disagree.", field=where)
        urls.add(url)
        validate_resource(resource, where)
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    try:
        Bundle.model_validate(shell)
    except pydantic.ValidationError as err:
        raise _invalid(err, "the Bundle") from None
    for n, entry in enumerate(entries, start=1):
        kind = entry["resource"].get("resourceType")
        for target in references(entry["resource"]):
            if target not in urls:
                raise FhirInvalidError(
                    f"entry {n} ({kind}) refers to a resource that is not in the Bundle.",
                    field=f"entry {n}",
                )


def check_references(resources: Iterable[Mapping[str, Any]], known: set[str], where: str) -> None:
    """For NDJSON (``Type/id`` references): every reference names a resource in ``known``
    (``Type/id`` of everything exported so far and in this batch)."""
    for resource in resources:
        for target in references(resource):
            if target not in known:
                kind = resource.get("resourceType")
                raise FhirInvalidError(
                    f"{where}: a {kind} refers to a resource that is not in the export.",
                    field=where,
                )


def references(value: Any) -> Iterator[str]:
    """Every ``reference`` string inside a resource (display-only references have none)."""
    if isinstance(value, dict):
        for key, v in value.items():
            if key == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


def _invalid(err: pydantic.ValidationError, where: str) -> FhirInvalidError:
    first = err.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or "(the resource)"
    message = str(first.get("msg", "invalid"))[:_ERROR_MAX]
    return FhirInvalidError(
        f"The export does not validate as FHIR R4: {where}, field {field}: {message}",
        field=f"{where}: {field}",
    )
