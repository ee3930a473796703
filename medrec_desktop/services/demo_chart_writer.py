"""Writes the demo charts planned in ``demo_chart.py``, the visits planned in
``demo_visits.py`` and the documents planned in ``demo_documents.py`` (their bytes stored
first, as ``DocumentService.attach`` does) in bulk (issue 9, item 7; issue 10, item 8;
issue 12, item 7).

Each version's content is checked by its kind's own ``validated`` (the demo holds nothing a
form would refuse); rows and version rows are inserted a kind at a time, the version rows
with exactly the JSON ``versioning.snapshot`` writes (``domain/item_codec.py``), so lists,
histories and the summary read them like any other item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from medrec_desktop.domain.amendments import addendum_text
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.documents import DocumentInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.item_codec import to_column, to_plain
from medrec_desktop.models import (
    ClinicalItem,
    ClinicalItemVersion,
    DocumentBlob,
    Encounter,
    EncounterAddendum,
)
from medrec_desktop.models.chart_more import UtcText
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    PROCEDURES,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
)
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.context import iso
from medrec_desktop.services.demo_chart import (
    EIE,
    ChartPlanner,
    DemoPatient,
    Planned,
    PlannedAddendum,
    Signing,
    Staff,
    Version,
)
from medrec_desktop.services.demo_documents import DocumentPlanner, PlannedFile
from medrec_desktop.services.demo_visits import VisitPlanner
from medrec_desktop.services.documents import DOCUMENTS
from medrec_desktop.services.encounter_kinds import AMENDMENT_REQUESTS, ENCOUNTERS
from medrec_desktop.services.encounters import SIGNED
from medrec_desktop.services.result_kinds import LAB_TESTS
from medrec_desktop.services.versioning import content_fields


def _validate(items: Sequence[Planned], today: dt.date) -> None:
    """Each version's content as the service would store it (the form's own checks)."""
    for item in items:
        item.data = []
        for v in item.versions:
            if v.input is not None:
                item.data.append((v.input.validated(today), v.input.status, v.input.sensitivity))
                continue
            data, status, label = item.data[-1]
            if v.derive is not None:  # a decision: the content before, changed
                item.data.append((v.derive(data), status, label))
            else:
                item.data.append((data, EIE, label))


def _resolve_links(item: Planned) -> None:
    """Put the ids of the items this one points at (written before it) into its content."""
    if not item.links:
        return
    ids: dict[str, Any] = {}
    for name, target in item.links.items():
        targets = target if isinstance(target, tuple) else (target,)
        if any(t.id == 0 for t in targets):
            raise ValueError(f"{item.kind.item_type} links to an item not written yet ({name})")
        ids[name] = tuple(t.id for t in targets) if isinstance(target, tuple) else target.id
    item.data = [(dataclasses.replace(d, **ids), s, lb) for d, s, lb in item.data]


def _plains(item: Planned) -> list[Any]:
    """Each version's content as plain values (``to_plain``), each distinct content once: the
    version rows and the row's JSON columns share them."""
    memo: dict[int, Any] = {}
    for data, _status, _label in item.data:
        if id(data) not in memo:
            memo[id(data)] = to_plain(data)
    return [memo[id(data)] for data, _status, _label in item.data]


def version_row(
    kind: ClinicalItemKind[Any, Any],
    item: Planned,
    number: int,
    content: tuple[Any, ItemStatus, Sensitivity | None],
    version: Version,
    staff: Staff,
    plain: Any = None,
) -> dict[str, Any]:
    """Version ``number`` of the written ``item``: exactly the JSON ``versioning.snapshot``
    writes (the item's DTO as saved) beside who, when, status and why. ``plain`` is the
    content's ``to_plain`` if known."""
    data, status, label = content
    first = item.versions[0]
    info: ItemInfo[Any] = ItemInfo(
        id=ItemId(item.id),
        item_type=kind.item_type,
        patient_id=PatientId(item.patient_id),
        version=number,
        status=status,
        sensitivity=label,
        created_by=staff.names[first.by],
        # As stored and read back (``iso``/``from_iso``): UTC, to the microsecond.
        created_at=first.at.astimezone(dt.UTC),
        changed_by=staff.names[version.by],
        changed_at=version.at.astimezone(dt.UTC),
        reason=version.reason,
        data=None,
    )
    snapshot = to_plain(info)
    snapshot["data"] = to_plain(data) if plain is None else plain
    return {
        "item_type": kind.item_type,
        "item_id": item.id,
        "version": number,
        "data_json": json.dumps(snapshot, sort_keys=True),
        "status": status.value,
        "sensitivity": label.value if label else None,
        "changed_by": version.by,
        "changed_at": iso(version.at),
        "reason": version.reason,
    }


def _write_kind(
    conn: Connection, kind: ClinicalItemKind[Any, Any], items: list[Planned], staff: Staff
) -> int:
    if not items:
        return 0
    model = kind.model
    names = content_fields(kind.data)
    rows: list[dict[str, Any]] = []
    plains: list[list[Any]] = []
    for item in items:
        _resolve_links(item)
        plains.append(_plains(item))
        data, status, label = item.data[-1]
        first, last = item.versions[0], item.versions[-1]
        row = {}
        for n in names:
            value = getattr(data, n)
            # A list inside the item: the JSON ``to_column`` would make of it.
            row[n] = (
                json.dumps(plains[-1][-1][n], sort_keys=True)
                if isinstance(value, tuple | list)
                else to_column(value)
            )
        row.update(
            patient_id=item.patient_id,
            version=len(item.versions),
            status=status.value,
            sensitivity=label.value if label else None,
            created_by=first.by,
            created_at=iso(first.at),
            changed_by=last.by,
            changed_at=iso(last.at),
            reason=last.reason,
        )
        rows.append(row)
    ids = _insert(conn, model, rows)
    versions: list[dict[str, Any]] = []
    for item, item_id, plain in zip(items, ids, plains, strict=True):
        item.id = item_id
        for number, (v, content, p) in enumerate(
            zip(item.versions, item.data, plain, strict=True), 1
        ):
            versions.append(version_row(kind, item, number, content, v, staff, p))
    conn.execute(insert(ClinicalItemVersion), versions)
    return len(items)


def _insert(
    conn: Connection, model: type[ClinicalItem] | type[DocumentBlob], rows: list[dict[str, Any]]
) -> list[int]:
    """Insert ``rows``, returning their ids in order. PostgreSQL batches INSERT ... RETURNING;
    SQLite (SQLCipher) would run it one row at a time, so there the ids are given here, after
    the highest one: the file has one writer, and this transaction is it."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
        return list(found.scalars())
    start = (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
    ids = list(range(start, start + len(rows)))
    conn.execute(insert(model), [dict(row, id=i) for row, i in zip(rows, ids, strict=True)])
    return ids


def _sign(s: Signing) -> Version:
    """The signature as a version of the planned note: its content with who signed and
    when, saved by the signer with the reason the service gives ("Signed")."""
    item = s.encounter
    data, status, label = item.data[-1]
    version = Version(None, s.at, s.by, SIGNED)
    item.versions.append(version)
    item.data.append((dataclasses.replace(data, signed_by=s.by, signed_at=s.at), status, label))
    return version


def sign_notes(conn: Connection, signings: Sequence[Signing], staff: Staff) -> None:
    """What ``EncounterService.sign`` writes for written notes: the row gets who signed and
    when, its next version number and who changed it why, and a version row holds the
    signed note. After the entries recorded in the notes, which the database refuses in a
    signed note (schema 0012)."""
    if not signings:
        return
    rows: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for s in signings:
        item = s.encounter
        version = _sign(s)
        number = len(item.versions)
        rows.append(
            {
                "b_id": item.id,
                "b_signed_by": s.by,
                "b_signed_at": s.at,
                "b_version": number,
                "b_changed_by": s.by,
                "b_changed_at": iso(s.at),
            }
        )
        versions.append(version_row(ENCOUNTERS, item, number, item.data[-1], version, staff))
    conn.execute(
        update(Encounter)
        .where(Encounter.id == bindparam("b_id"))
        .values(
            signed_by=bindparam("b_signed_by"),
            signed_at=bindparam("b_signed_at", type_=UtcText()),
            version=bindparam("b_version"),
            changed_by=bindparam("b_changed_by"),
            changed_at=bindparam("b_changed_at"),
            reason=SIGNED,
        ),
        rows,
    )
    conn.execute(insert(ClinicalItemVersion), versions)


def write_addenda(conn: Connection, addenda: Sequence[PlannedAddendum]) -> None:
    """Addenda to the signed notes, their words checked as the service checks them."""
    rows = []
    for a in addenda:
        reason, text = addendum_text(a.reason, a.text)
        rows.append(
            {
                "encounter_id": a.encounter.id,
                "patient_id": a.encounter.patient_id,
                "author_id": a.by,
                "written_at": a.at,
                "reason": reason,
                "text": text,
                "amendment_request_id": a.request.id if a.request is not None else None,
            }
        )
    if rows:
        conn.execute(insert(EncounterAddendum), rows)


# Problems first: medications name the problem they treat by its id, encounters the problems
# they addressed; encounters before the vitals, tests and procedures recorded in them.
ORDER = (
    PROBLEMS,
    ENCOUNTERS,
    MEDICATIONS,
    ALLERGIES,
    ALLERGY_STATEMENTS,
    IMMUNIZATIONS,
    VITALS,
    MEDICAL_HISTORY,
    SURGICAL_HISTORY,
    FAMILY_HISTORY,
    SOCIAL_HISTORY,
    LAB_TESTS,
    PROCEDURES,
    DOCUMENTS,
)


def write_charts(
    conn: Connection,
    patients: Sequence[DemoPatient],
    staff: Staff,
    *,
    seed: int,
    now: dt.datetime,
) -> int:
    """Plan, check and write the charts and visits of ``patients``; the number of items
    written. The database refuses entries in a signed note (schema 0012), so notes are
    signed once their entries are written; amendment requests and addenda come last."""
    charts = ChartPlanner(random.Random(seed), staff, now)
    visits = VisitPlanner(random.Random(seed * 1_000_003 + 17), staff, now)
    documents = DocumentPlanner(random.Random(seed * 7_919 + 5), staff, now)
    planned: list[Planned] = []
    files: list[PlannedFile] = []
    signings: list[Signing] = []
    addenda: list[PlannedAddendum] = []
    for p in patients:
        chart = charts.chart(p)
        seen = visits.visits(p, chart)
        planned += chart + seen.items
        signings += seen.signings
        addenda += seen.addenda
        files += documents.documents(p, seen.items)
    write_files(conn, files)
    planned += [f.item for f in files]
    return write_plan(conn, planned, signings, addenda, staff, now.date())


def write_files(conn: Connection, files: Sequence[PlannedFile]) -> None:
    """Store the documents' bytes (as ``DocumentService.attach`` does, facts from the bytes
    the demo made) and put what they are into each document's form input."""
    if not files:
        return
    rows: list[dict[str, Any]] = []
    for f in files:
        filed = f.item.versions[0]
        rows.append(
            {
                "sha256": hashlib.sha256(f.file.content).hexdigest(),
                "content_type": f.file.content_type.value,
                "page_count": f.file.pages,
                "size": len(f.file.content),
                "content": f.file.content,
                "created_by": filed.by,
                "created_at": iso(filed.at),
            }
        )
    ids = _insert(conn, DocumentBlob, rows)
    for f, row, blob_id in zip(files, rows, ids, strict=True):
        for v in f.item.versions:
            if isinstance(v.input, DocumentInput):
                v.input = dataclasses.replace(
                    v.input,
                    blob_id=blob_id,
                    sha256=row["sha256"],
                    content_type=row["content_type"],
                    page_count=row["page_count"],
                    size=row["size"],
                )


def write_plan(
    conn: Connection,
    planned: Sequence[Planned],
    signings: Sequence[Signing],
    addenda: Sequence[PlannedAddendum],
    staff: Staff,
    today: dt.date,
) -> int:
    """Check and write planned items (of any kinds in ``ORDER`` and amendment requests),
    sign the notes and add the addenda; the number of items written."""
    _validate(planned, today)
    by_kind: dict[str, list[Planned]] = {}
    for item in planned:
        by_kind.setdefault(item.kind.item_type, []).append(item)
    # A note nothing was recorded in is written signed, as it ends up (one INSERT); the
    # others are signed once their entries are in.
    holding = {
        id(item.links["encounter_id"])
        for kind in (VITALS, LAB_TESTS, PROCEDURES, DOCUMENTS)
        for item in by_kind.get(kind.item_type, [])
        if "encounter_id" in item.links
    }
    for s in signings:
        if id(s.encounter) not in holding:
            _sign(s)
    written = sum(_write_kind(conn, kind, by_kind.get(kind.item_type, []), staff) for kind in ORDER)
    sign_notes(conn, [s for s in signings if id(s.encounter) in holding], staff)
    requests = by_kind.get(AMENDMENT_REQUESTS.item_type, [])
    written += _write_kind(conn, AMENDMENT_REQUESTS, requests, staff)
    write_addenda(conn, addenda)
    return written
