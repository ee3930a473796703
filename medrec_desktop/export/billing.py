"""The billing office's files (issue 13): coded encounters as CSV, one row per procedure line,
and as JSON, one object per encounter holding its lines.

CSV: every row carries the patient's identifiers, the date of service, the provider and all
the encounter's diagnoses in order (columns ``dx_A`` to ``dx_L`` as on a professional claim;
any after the twelfth, which no line can point to, in ``dx_more``), then the line: its code
system, code, title, up to four modifiers, units and the letters of the diagnoses it points
to ("AB"). An encounter coded without procedure lines gives one row with its diagnoses and the
line columns empty. Cells go through ``csv_cells`` so none opens as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from medrec_desktop.domain.billing import ClaimCoverage, ClaimLine, ClaimSummary
from medrec_desktop.domain.coding_work import MAX_MODIFIERS, POINTABLE_DIAGNOSES
from medrec_desktop.export.csv_cells import write_csv

_LETTERS = [chr(ord("A") + i) for i in range(POINTABLE_DIAGNOSES)]

CSV_HEADER: tuple[str, ...] = (
    "encounter_id",
    "mrn",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "payer",
    "plan",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relationship",
    "date_of_service",
    "visit_type",
    "setting",
    "place",
    "provider",
    *(f"dx_{letter}" for letter in _LETTERS),
    "dx_more",
    "line",
    "code_system",
    "procedure_code",
    "procedure_title",
    *(f"modifier_{i}" for i in range(1, MAX_MODIFIERS + 1)),
    "units",
    "pointers",
)
JSON_FORMAT = "medrec-billing-export/1"


def csv_bytes(summaries: Sequence[ClaimSummary]) -> bytes:
    """UTF-8, like every CSV file the product writes."""
    buffer = io.StringIO(newline="")
    write_csv(buffer, CSV_HEADER, (row for s in summaries for row in csv_rows(s)))
    return buffer.getvalue().encode("utf-8")


def csv_rows(s: ClaimSummary) -> list[list[object]]:
    p = s.patient
    cover = s.primary
    dx = [d.code for d in s.diagnoses]
    head: list[object] = [
        s.encounter_id,
        p.mrn,
        p.family_name,
        p.given_names,
        p.birth_date.isoformat(),
        p.sex,
        *_coverage_cells(cover),
        s.date_of_service.isoformat(),
        s.visit_type,
        s.setting.value,
        s.place or "",
        s.provider,
        *(dx[i] if i < len(dx) else "" for i in range(POINTABLE_DIAGNOSES)),
        " ".join(dx[POINTABLE_DIAGNOSES:]),
    ]
    if not s.lines:
        return [head + [""] * (len(CSV_HEADER) - len(head))]
    return [head + _line_cells(line) for line in s.lines]


def _coverage_cells(c: ClaimCoverage | None) -> list[object]:
    if c is None:
        return [""] * 6
    return [
        c.payer,
        c.plan or "",
        c.member_id,
        c.group_number or "",
        c.subscriber_name or "",
        c.subscriber_relationship,
    ]


def _line_cells(line: ClaimLine) -> list[object]:
    mods = list(line.modifiers) + [""] * (MAX_MODIFIERS - len(line.modifiers))
    return [
        line.line,
        line.system.value,
        line.code,
        line.title,
        *mods[:MAX_MODIFIERS],
        line.units,
        "".join(line.pointers),
    ]


def json_bytes(
    summaries: Sequence[ClaimSummary],
    *,
    clinic_name: str,
    since: dt.date,
    until: dt.date,
    recipient: str,
    exported_at: dt.datetime,
    exported_by: str,
) -> bytes:
    doc = {
        "format": JSON_FORMAT,
        "clinic": clinic_name,
        "purpose": "payment",
        "recipient": recipient,
        "exported_at": exported_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "exported_by": exported_by,
        "dates_of_service": {"from": since.isoformat(), "to": until.isoformat()},
        "encounters": [encounter_json(s) for s in summaries],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def encounter_json(s: ClaimSummary) -> dict[str, Any]:
    p = s.patient
    return {
        "encounter_id": s.encounter_id,
        "patient": {
            "mrn": p.mrn,
            "family_name": p.family_name,
            "given_names": p.given_names,
            "birth_date": p.birth_date.isoformat(),
            "sex": p.sex,
        },
        "coverage": [
            {
                "priority": c.priority,
                "payer": c.payer,
                "plan": c.plan,
                "member_id": c.member_id,
                "group_number": c.group_number,
                "subscriber_name": c.subscriber_name,
                "subscriber_relationship": c.subscriber_relationship,
            }
            for c in sorted(s.coverages, key=lambda c: c.priority)
        ],
        "date_of_service": s.date_of_service.isoformat(),
        "visit_type": s.visit_type,
        "setting": s.setting.value,
        "place": s.place,
        "provider": s.provider,
        "diagnoses": [
            {"position": d.position, "letter": d.letter or None, "code": d.code, "title": d.title}
            for d in s.diagnoses
        ],
        "lines": [
            {
                "line": ln.line,
                "code_system": ln.system.value,
                "code": ln.code,
                "title": ln.title,
                "modifiers": list(ln.modifiers),
                "units": ln.units,
                "pointers": list(ln.pointers),
            }
            for ln in s.lines
        ],
    }
