"""Suggested patients for a scan without a cover sheet (issue 12): clues read from the file's
name and the text layer of a PDF's first pages (``domain.inbox_suggest``), looked up with the
patient search the search box uses (``services.patient_search``: the same name folding,
sound-alikes and typo tolerance, the same index), ranked with the evidence shown.

Only ever a suggestion: nothing is filed here, and nothing is written but the audit event,
which names the inbox item and the patients suggested (ids only: the clues are PHI).
"""

from __future__ import annotations

import builtins

from sqlalchemy import select

from medrec_desktop.domain.document_files import DocumentContent
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.domain.inbox import Candidate
from medrec_desktop.domain.inbox_suggest import Clues, Hit, MrnClue, find_clues, rank
from medrec_desktop.domain.pdf_text import first_pages_text
from medrec_desktop.models import DocumentBlob, InboxItem, Patient
from medrec_desktop.services import patient_rows as rows
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.listing import patients_detail
from medrec_desktop.services.patient_search import find

# How many patients each lookup may bring back: enough for namesakes, few enough that a
# common name in a large clinic stays quick (a date of birth narrows it: searched too).
NAME_HITS = 10
NAME_AND_BIRTH_HITS = 5
BIRTH_HITS = 10
MAX_LIMIT = 20
# Labeled dates of birth searched with each name (a report rarely has more than one).
BIRTHS_SEARCHED = 3


class InboxSuggestionService(Service):
    @audited(Action.VIEW, DataCategory.INBOX)
    def suggest(self, op: Op, inbox_id: int, limit: int = 5) -> builtins.list[Candidate]:
        """Patients this scan may be about, best first, each with the evidence in plain
        words; none when the file name and the text give no clue (a scanned image has no
        text layer: only its file name can help). ``limit`` is kept within 1-20."""
        row = op.db.get(InboxItem, inbox_id)
        if row is None:
            raise NotFoundError("That scan is not in the inbox.")
        pages: list[str] = []
        if row.content_type == DocumentContent.PDF.value:
            blob = op.db.get(DocumentBlob, row.blob_id)
            if blob is not None:
                pages = first_pages_text(blob.content)
        today = op.ctx.now().date()
        clues = find_clues(row.source_name, pages, today=today)
        found = rank(clues, self._hits(op, clues), limit=max(1, min(limit, MAX_LIMIT)))
        op.event.detail = f"inbox item {row.id}: suggested " + patients_detail(
            c.patient_id for c in found
        )
        return found

    @staticmethod
    def _hits(op: Op, clues: Clues) -> builtins.list[Hit]:
        today = op.ctx.now().date()
        hits = [h for clue in clues.mrns for h in _by_mrn(op, clue)]
        births = clues.birth_dates[:BIRTHS_SEARCHED]
        for clue in clues.names:
            for text in clue.lookups():
                matches = find(op.db, text, today=today, limit=NAME_HITS)
                hits += [Hit(p, clue, alike=i >= matches.exact) for i, p in enumerate(matches)]
                # Namesakes beyond the first page of a common name: the date of birth in
                # the text picks the right one out.
                for born in births:
                    also = find(
                        op.db,
                        f"{text} {born.date.isoformat()}",
                        today=today,
                        limit=NAME_AND_BIRTH_HITS,
                    )
                    hits += [Hit(p, clue, alike=i >= also.exact) for i, p in enumerate(also)]
        for born in births:
            hits += [
                Hit(p, born)
                for p in find(op.db, born.date.isoformat(), today=today, limit=BIRTH_HITS)
            ]
        return hits


def _by_mrn(op: Op, clue: MrnClue) -> builtins.list[Hit]:
    """The patient with this MRN, as written or zero-padded as the clinic writes them. A
    record merged into another is never suggested: the record it was merged into is, found
    through it (the search index no longer holds the merged record's MRN)."""
    wanted = {clue.number, clue.key, clue.key.zfill(8)}
    hits = []
    for patient in op.db.execute(select(Patient).where(Patient.mrn.in_(wanted))).scalars():
        kept = patient
        while kept.merged_into_id is not None:
            merged_into = op.db.get(Patient, kept.merged_into_id)
            if merged_into is None:
                break
            kept = merged_into
        if kept.merged_into_id is None:
            hits.append(Hit(rows.info(kept), clue, merged=kept is not patient))
    return hits
