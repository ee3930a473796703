"""Test Bundles assembled from the official US Core examples (tests/data/fhir/examples/, see
tests/data/fhir/README.md): one patient's record as another system would send it, and a
larger one of about a thousand resources made by repeating the clinical examples with new ids.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
EXAMPLES = DATA / "examples"
BASE = "http://fhir.example.org/r4"

# The record: the patient, who and where, and every kind this chart imports (plus a few it
# has no place for, which the preview lists as skipped).
RECORD = (
    "patient-example",
    "practitioner-1",
    "practitioner-2",
    "organization-acme-lab",
    "organization-acme-payer",
    "location-hospital",
    "coverage-example",
    "encounter-example-1",
    "condition-duodenal-ulcer",
    "condition-duodenal-ulcer-resolved",
    "condition-encounter-diagnosis-example1",
    "allergyintolerance-example",
    "imm-1",
    "medicationrequest-coded-oral-axid",
    "medicationrequest-contained-oral-axid",
    "medicationrequest-referenced-oral-axid",
    "uscore-med2",
    "medicationrequest-self-tylenol",
    "procedure-rehab",
    "Procedure-R4-defib-implant",
    "blood-pressure",
    "heart-rate",
    "respiratory-rate",
    "temperature",
    "oxygen-saturation",
    "height",
    "weight",
    "bmi",
    "diagnosticreport-metabolic-panel",
    "observation-serum-sodium",
    "observation-serum-potassium",
    "observation-serum-creatinine",
    "observation-serum-co2",
    "observation-serum-chloride",
    "observation-serum-calcium",
    "observation-serum-bun",
    "observation-serum-glucose",
    "diagnosticreport-cbc",
    "observation-cbc-leukocytes",
    "observation-cbc-erythrocytes",
    "observation-cbc-hemoglobin",
    "observation-cbc-hematocrit",
    "observation-cbc-mcv",
    "observation-cbc-mch",
    "observation-cbc-mchc",
    "observation-cbc-platelets",
    "specimen-example-serum",
    "servicerequest-bmp",
    "some-day-smoker",
    "goal-1",
    "careplan-ulcer-example",
)


def example(name: str, *, as_published: bool = False) -> dict[str, Any]:
    """An example as the Bundles carry it, with two faults of the repository's files mended
    unless ``as_published`` (to test that each is refused, naming its entry):

    * two examples hold a narrative (``text``) without its ``div``, which R4 requires (the
      IG publisher writes it when it publishes): that empty narrative is dropped;
    * the hematocrit's reference range is written high to low (46 to 38 %): put in order.
    """
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    if as_published:
        return data
    text = data.get("text")
    if isinstance(text, dict) and "div" not in text:
        del data["text"]
    for rng in data.get("referenceRange", []):
        low, high = rng.get("low", {}).get("value"), rng.get("high", {}).get("value")
        if low is not None and high is not None and low > high:
            rng["low"]["value"], rng["high"]["value"] = high, low
    return data


def record_resources() -> list[dict[str, Any]]:
    return [example(n) for n in RECORD]


def bundle(
    resources: Iterable[dict[str, Any]], *, kind: str = "collection", uuids: bool = False
) -> dict[str, Any]:
    """A Bundle of ``resources``: fullUrls under a server base (relative references resolve
    against them), or, ``uuids``, ``urn:uuid:`` fullUrls with every reference rewritten to
    them (as this program's own export and many transaction senders write)."""
    resources = [copy.deepcopy(r) for r in resources]
    urls = {
        f"{r['resourceType']}/{r['id']}": (
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, r['resourceType'] + '/' + r['id'])}"
            if uuids
            else f"{BASE}/{r['resourceType']}/{r['id']}"
        )
        for r in resources
    }
    entries = []
    for r in resources:
        if uuids:
            _rewrite(r, lambda ref: urls.get(ref, ref))
        entry: dict[str, Any] = {"fullUrl": urls[f"{r['resourceType']}/{r['id']}"], "resource": r}
        if kind in ("transaction", "batch"):
            entry["request"] = {"method": "POST", "url": r["resourceType"]}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def to_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=1).encode()


def record_bundle(*, kind: str = "collection", uuids: bool = False) -> dict[str, Any]:
    return bundle(record_resources(), kind=kind, uuids=uuids)


def _rewrite(node: Any, fix: Callable[[str], str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                node[key] = fix(value)
            else:
                _rewrite(value, fix)
    elif isinstance(node, list):
        for value in node:
            _rewrite(value, fix)


def find(data: dict[str, Any], resource_type: str, rid: str) -> dict[str, Any]:
    """The resource of a Bundle (to change it in a test)."""
    for e in data["entry"]:
        r = e["resource"]
        if r["resourceType"] == resource_type and r.get("id") == rid:
            return r  # type: ignore[no-any-return]
    raise KeyError(f"{resource_type}/{rid}")


def index_of(data: dict[str, Any], resource_type: str, rid: str) -> int:
    for i, e in enumerate(data["entry"]):
        r = e["resource"]
        if r["resourceType"] == resource_type and r.get("id") == rid:
            return i
    raise KeyError(f"{resource_type}/{rid}")


# ---------------------------------------------------------------------- the large Bundle

# Repeated with new ids: each copy is a visit's worth of data (vitals at another moment, a
# metabolic panel, problems, drugs, a dose, a procedure). Who and where are shared.
_SHARED = (
    "patient-example",
    "practitioner-1",
    "practitioner-2",
    "organization-acme-lab",
    "location-hospital",
    "uscore-med2",
    "specimen-example-serum",
)
_REPEATED = tuple(
    n
    for n in RECORD
    if n not in _SHARED and n not in ("coverage-example", "organization-acme-payer")
)


def large_bundle(resources: int = 1000) -> dict[str, Any]:
    """One patient's record of exactly ``resources`` resources: the shared ones once, then
    whole copies of the clinical examples, each with new ids, its references moved to the
    copy's own resources and its dates moved back a week per copy (so each copy's vitals are
    a set of their own); the last few places filled with more copies of the problems."""
    shared = [example(n) for n in _SHARED]
    template = [example(n) for n in _REPEATED]
    filler = [r for r in template if r["resourceType"] == "Condition"]
    out = list(shared)
    copy_no = 0
    while len(out) < resources:
        copy_no += 1
        batch = template if len(out) + len(template) <= resources else filler
        ids = {f"{r['resourceType']}/{r['id']}": f"{r['id']}-c{copy_no}" for r in batch}
        for r in batch[: resources - len(out)]:
            clone = copy.deepcopy(r)
            clone["id"] = ids[f"{r['resourceType']}/{r['id']}"]

            def fix(ref: str, ids: dict[str, str] = ids) -> str:
                kind = ref.split("/")[0]
                return f"{kind}/{ids[ref]}" if ref in ids else ref

            _rewrite(clone, fix)
            _shift_dates(clone, copy_no)
            out.append(clone)
    return bundle(out, kind="transaction", uuids=True)


_DATE_KEYS = {
    "effectiveDateTime",
    "issued",
    "performedDateTime",
    "occurrenceDateTime",
    "authoredOn",
    "onsetDateTime",
    "abatementDateTime",
    "recordedDate",
    "start",
    "end",
}


def _shift_dates(node: Any, weeks: int) -> None:
    """Move every date of a resource back ``weeks`` weeks (days stay days, times times)."""
    import datetime as dt

    if isinstance(node, dict):
        for key, value in node.items():
            if key in _DATE_KEYS and isinstance(value, str) and len(value) >= 10:
                day = dt.date.fromisoformat(value[:10]) - dt.timedelta(weeks=weeks)
                node[key] = day.isoformat() + value[10:]
            else:
                _shift_dates(value, weeks)
    elif isinstance(node, list):
        for value in node:
            _shift_dates(value, weeks)


# ---------------------------------------------------------------------- the files

FILES = {
    "us-core-record-collection.json": lambda: record_bundle(),
    "us-core-record-transaction.json": lambda: record_bundle(kind="transaction", uuids=True),
}


def write_files() -> None:
    """Write the test Bundles into tests/data/fhir/ (``python -m tests.support.fhir_bundles``);
    a test checks they are what this module builds."""
    for name, make in FILES.items():
        (DATA / name).write_bytes(to_bytes(make()))


if __name__ == "__main__":
    write_files()
