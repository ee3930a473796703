"""DocumentReference: a filed document's metadata (type, the date on it, who it is from, a
description, the file's content type, size, pages and SHA-256), never its bytes; and an
encounter's note (SOAP sections, signature and addenda) as a US Core clinical note whose text
travels inline.

FHIR R4 defines ``Attachment.hash`` as the SHA-1 of the data (base64). The chart stores a
document's SHA-256, so that goes in the extension :data:`~systems.SHA256_EXTENSION` (hex, as
the chart shows it) and ``hash`` is left out; for a note, whose text is here, ``hash`` is the
true SHA-1 of that text.
"""

from __future__ import annotations

import base64
import hashlib

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.documents import DocumentData
from medrec_desktop.domain.patient_extract import EncounterExtract
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    day,
    instant,
    item_meta,
    resource,
)

PAGES = systems.LOCAL_EXTENSION + "attachment-pages"
PROGRESS_NOTE = coding(systems.LOINC, "11506-3", "Progress note")
CLINICAL_NOTE = coding(systems.DOCUMENT_CATEGORY, "clinical-note", "Clinical Note")


def document_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("DocumentReference", "document", item_id)


def note_id(ctx: Context, encounter_item_id: int) -> str:
    return ctx.ids.of("DocumentReference", "encounter-note", encounter_item_id)


def document(item: ItemInfo[DocumentData], ctx: Context) -> Json:
    d = item.data
    attachment: Json = {
        "extension": [
            {"url": systems.SHA256_EXTENSION, "valueString": d.sha256},
            {"url": PAGES, "valueInteger": d.page_count},
        ],
        "contentType": d.content_type,
        "size": d.size,
        "title": d.file_name or d.type_text,
        "creation": d.document_date.isoformat(),
    }
    body: Json = {
        "meta": item_meta(item),
        "status": "current",
        "docStatus": "final",
        "type": concept(
            d.type_text, coding(systems.DOCUMENT_TYPE, d.doc_type.value, d.doc_type.label)
        ),
        "subject": ctx.patient,
        "date": instant(item.created_at),
        "author": [{"display": d.author}] if d.author else [],
        "description": d.description,
        "content": [{"attachment": attachment}],
        "context": {
            "encounter": [ctx.encounter(d.encounter_id)],
            "period": {"start": day(d.document_date)},
        },
    }
    return resource("DocumentReference", document_id(ctx, item.id), body)


def note_text(e: EncounterExtract) -> str:
    """The note as plain text: the visit, its SOAP sections, the signature, the addenda."""
    d = e.item.data
    lines = [
        f"{d.encounter_type.label}, {d.starts_at.astimezone():%m/%d/%Y %H:%M}",
        f"Provider: {e.provider}",
        f"Reason for visit: {d.reason_for_visit}",
    ]
    for name in ("subjective", "objective", "assessment", "plan"):
        text = getattr(d, name)
        if text:
            lines += ["", f"{name.capitalize()}:", text]
    if d.signed_at is not None:
        lines += [
            "",
            f"Signed by {e.signed_by or '(unknown)'} on {d.signed_at.astimezone():%m/%d/%Y %H:%M}",
        ]
    for a in e.addenda:
        lines += [
            "",
            f"Addendum by {a.author} on {a.written_at.astimezone():%m/%d/%Y %H:%M} ({a.reason}):",
            a.text,
        ]
    return "\n".join(lines) + "\n"


def encounter_note(e: EncounterExtract, ctx: Context) -> Json:
    d = e.item.data
    data = note_text(e).encode("utf-8")
    if e.addenda:
        doc_status = "amended"
    else:
        doc_status = "final" if d.signed_at is not None else "preliminary"
    body: Json = {
        "meta": item_meta(e.item, "us-core-documentreference"),
        "status": "current",
        "docStatus": doc_status,
        "type": concept("Progress note", PROGRESS_NOTE),
        "category": [concept("Clinical Note", CLINICAL_NOTE)],
        "subject": ctx.patient,
        "date": instant(d.signed_at or d.starts_at),
        "author": [ctx.practitioner(d.provider_id)],
        "authenticator": ctx.practitioner(d.signed_by),
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(data).decode("ascii"),
                    "size": len(data),
                    "hash": base64.b64encode(
                        hashlib.sha1(data, usedforsecurity=False).digest()
                    ).decode("ascii"),
                    "title": f"{d.encounter_type.label} note",
                }
            }
        ],
        "context": {
            "encounter": [ctx.encounter(e.item.id)],
            "period": {"start": instant(d.starts_at)},
        },
    }
    return resource("DocumentReference", note_id(ctx, e.item.id), body)
