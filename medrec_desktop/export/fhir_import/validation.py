"""Reading the file as a FHIR R4 Bundle, validated with ``fhir.resources.R4B`` (the package's
top level is R5: an R4 Bundle fails there, an R5 one must fail here).

Every problem is named by its entry (position, ``fullUrl`` or type and id) and field, and none
quotes a value from the file (it may be PHI): a refusal says where and what kind of problem,
the sender's own validator says the rest.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from medrec_desktop.domain.fhir_import import BundleRefusedError, EntryProblem, EntryRef
from medrec_desktop.export.fhir_import.entries import Entry, EntryIssues

# Bundle types read: a transaction or batch sent to be stored, a collection (what this
# program's own export writes) and a search result. A document Bundle is a signed whole
# (its Composition), a message is an event: neither is taken apart here.
ACCEPTED_TYPES = ("transaction", "batch", "collection", "searchset")
# The largest file read (a patient's whole record is a few MB; this is far beyond).
MAX_BYTES = 64 * 1024 * 1024
_ERRORS_READ = 50


def refuse(entry: EntryRef | None, field: str | None, message: str) -> BundleRefusedError:
    return BundleRefusedError((EntryProblem(entry, field, message),))


def load(data: bytes) -> tuple[Bundle, list[Entry], list[EntryRef]]:
    """The validated Bundle, its entries that hold a resource, and those that hold none (a
    transaction's delete, a search's outcome). Raises BundleRefusedError naming what is
    wrong."""
    raw = _json(data)
    refs = _refs(raw)
    _check_shape(raw, refs)
    try:
        bundle = Bundle.model_validate(raw)
    except pydantic.ValidationError as err:
        raise BundleRefusedError(_problems(err, refs)) from None
    except (KeyError, ValueError, TypeError):
        # fhir.resources fails this way (not with a validation error) on an unknown type
        # deep inside; the checks above catch the usual places.
        raise refuse(
            None, None, "it is not a valid FHIR R4 Bundle (an element of an unknown type)"
        ) from None
    entries, empty = [], []
    for i, e in enumerate(bundle.entry or []):
        ref = refs.get(i) or EntryRef(i, "(no resource)")
        if e.resource is not None:
            method = e.request.method if e.request is not None else None
            entries.append(Entry(ref, e.resource, str(method) if method else None))
        else:
            empty.append(ref)
    return bundle, entries, empty


def _json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BYTES:
        raise refuse(None, None, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    text = data.lstrip()
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:].lstrip()
    if text.startswith(b"<"):
        raise refuse(None, None, "FHIR XML is not read; ask for the Bundle as JSON")
    try:
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise refuse(None, None, "the file is not text (UTF-8 JSON)") from None
    except json.JSONDecodeError as err:
        raise refuse(
            None, None, f"the file is not JSON (line {err.lineno}, column {err.colno})"
        ) from None
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        found = raw.get("resourceType") if isinstance(raw, dict) else None
        said = f"a single {found} resource" if isinstance(found, str) else "something else"
        raise refuse(None, "resourceType", f"this is {said}, not a FHIR Bundle")
    return raw


def _refs(raw: dict[str, Any]) -> dict[int, EntryRef]:
    """What names each entry (from the raw JSON: it names entries that fail validation)."""
    found: dict[int, EntryRef] = {}
    entries = raw.get("entry")
    if not isinstance(entries, list):
        return found
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            continue
        res = e.get("resource")
        rtype = res.get("resourceType") if isinstance(res, dict) else None
        rid = res.get("id") if isinstance(res, dict) else None
        url = e.get("fullUrl")
        found[i] = EntryRef(
            index=i,
            resource_type=rtype if isinstance(rtype, str) else "(no resource)",
            resource_id=rid if isinstance(rid, str) else None,
            full_url=url if isinstance(url, str) else None,
        )
    return found


def _check_shape(raw: dict[str, Any], refs: dict[int, EntryRef]) -> None:
    """What the models do not check (or fail on with other errors than validation ones): the
    Bundle's type, and a known resource type in every entry and contained resource."""
    issues = EntryIssues()
    kind = raw.get("type")
    if kind not in ACCEPTED_TYPES:
        shown = f'"{kind}"' if isinstance(kind, str) and len(kind) < 40 else "missing"
        issues.add(
            None,
            "type",
            f"the Bundle type is {shown}; a {', '.join(ACCEPTED_TYPES[:-1])} or "
            f"{ACCEPTED_TYPES[-1]} Bundle is imported",
        )
    entries = raw.get("entry", [])
    if not isinstance(entries, list):
        issues.add(None, "entry", "the entries are not a list")
        entries = []
    for i, e in enumerate(entries):
        where = refs.get(i) or EntryRef(i, "(not an object)")
        if not isinstance(e, dict):
            issues.add(where, None, "the entry is not a JSON object")
            continue
        res = e.get("resource")
        if res is None:
            continue
        if not isinstance(res, dict):
            issues.add(where, "resource", "the resource is not a JSON object")
            continue
        _check_type(issues, where, "resource.resourceType", res.get("resourceType"))
        contained = res.get("contained") or []
        for n, c in enumerate(contained if isinstance(contained, list) else []):
            found = c.get("resourceType") if isinstance(c, dict) else None
            _check_type(issues, where, f"resource.contained[{n}].resourceType", found)
    if issues:
        raise BundleRefusedError(tuple(issues.found))


def _check_type(issues: EntryIssues, where: EntryRef, field: str, name: object) -> None:
    if not isinstance(name, str) or not name:
        issues.add(where, field, "the resource names no resourceType")
        return
    try:
        model = get_fhir_model_class(name)
    except (ValueError, KeyError):
        model = None
    if model is None or not issubclass(model, Resource):
        issues.add(where, field, "this is not an R4 resource type")


def _problems(err: pydantic.ValidationError, refs: dict[int, EntryRef]) -> tuple[EntryProblem, ...]:
    """pydantic's errors as entry and field (``msg`` only: ``input`` is the sender's data)."""
    found: list[EntryProblem] = []
    errors = err.errors()
    for e in errors[:_ERRORS_READ]:
        loc = [p for p in e["loc"] if p != "root"]
        entry: EntryRef | None = None
        if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
            entry = refs.get(loc[1]) or EntryRef(loc[1], "(unknown)")
            loc = loc[2:]
            if loc[:1] == ["resource"]:
                loc = loc[1:]
        field = _path(loc)
        found.append(EntryProblem(entry, field or None, _message(e["msg"])))
    if len(errors) > _ERRORS_READ:
        more = len(errors) - _ERRORS_READ
        found.append(EntryProblem(None, None, f"{more} more problems were not read"))
    return tuple(dict.fromkeys(found))


def _path(loc: list[Any]) -> str:
    """("valueQuantity", "value") -> "valueQuantity.value"; (..., "component", 1, ...) ->
    "component[1]..."."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(msg: str) -> str:
    # pydantic's wording, trimmed of its prefixes and of the model's internals.
    text = msg.removeprefix("Value error, ").strip().rstrip(".")
    if "Value is expected from the instance of" in text:
        kind = text.split("instance of", 1)[1].split(",", 1)[0].strip()
        return f"expected a {kind} here (for example an object where a list was given)"
    return text[:1].lower() + text[1:] if text else "not valid FHIR R4"
