"""Documents in the demo clinic's charts (issue 12, item 7): what a records specialist has
filed for each synthetic patient, none to four of them: consultation letters, outside lab
reports, imaging reports, a release authorization or a procedure consent, a hospital
discharge summary, and a scanned insurance card (PNG, or a JPEG photo taken at the desk).

Each is dated within the patient's years at the clinic and filed a few days after its date;
some were scanned during a visit and are linked to it (the card at check-in, a consent
before a procedure). A few counseling letters carry the behavioral-health label. The files
come from ``demo_document_files.py`` and name the patient; ``demo_chart_writer.py`` stores
their bytes and files them like the rest of the chart.

Speed: 300 patients get about 540 documents (4.3 MB); planning, filling and storing them adds
about 0.7 s to the demo clinic's 9-10 s on a busy two-core machine.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.services.demo_chart import DemoPatient, Planned, Staff, Version
from medrec_desktop.services.demo_document_files import (
    DemoFile,
    Filled,
    Template,
    insurance_card,
    templates,
)
from medrec_desktop.services.documents import DOCUMENTS

MINUTE = dt.timedelta(minutes=1)
# How many documents a chart holds: none to four, most one or two.
COUNTS = (0, 1, 2, 3, 4)
WEIGHTS = (20, 30, 25, 15, 10)
# Every so many patients with documents, an adult's counseling letter (labelled).
LABELLED_EVERY = 15
# Documents scanned at a visit, linked to it.
LINKED_SHARE = 0.3
_SCANNED_AT = (EncounterType.OFFICE, EncounterType.PROCEDURE)
_EXTENSION = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass
class PlannedFile:
    """A planned document and its file; the writer stores the bytes and fills in the
    input's file facts (``blob_id``, content type, pages, size, SHA-256)."""

    item: Planned
    file: DemoFile


class DocumentPlanner:
    """Plans one patient's documents at a time (see the module docstring)."""

    def __init__(self, rng: random.Random, staff: Staff, now: dt.datetime) -> None:
        self.rng, self.staff, self.now = rng, staff, now
        self.today = now.date()
        letters = templates()
        self.labelled = next(t for t in letters if t.key == "behavioral")
        self.letters = [t for t in letters if t is not self.labelled]
        self.with_documents = 0
        self.label_owed = False

    def documents(self, p: DemoPatient, visits: list[Planned]) -> list[PlannedFile]:
        rng = self.rng
        count = rng.choices(COUNTS, WEIGHTS)[0]
        if count == 0 or not p.family:
            return []
        self.with_documents += 1
        seen = _visits(visits)
        first = min((at.date() for at, _ in seen), default=self.today - dt.timedelta(days=730))
        first = max(first, p.birth_date)
        planned: list[PlannedFile] = []
        kinds: list[Template | None] = []  # None: the insurance card
        if self.with_documents % LABELLED_EVERY == 2 or self.label_owed:
            self.label_owed = age_on(p.birth_date, self.today) < 18
            if not self.label_owed:
                kinds.append(self.labelled)
        if p.card is not None and rng.random() < 0.5:
            kinds.append(None)
        kinds += rng.sample(self.letters, max(count - len(kinds), 0))
        for kind in kinds[:count]:
            linked = seen and kind is not self.labelled and rng.random() < LINKED_SHARE
            encounter = rng.choice(seen) if linked else None
            if encounter is not None:
                start, item = encounter
                day = start.date()
                filed = self._clamp(start + rng.randint(5, 25) * MINUTE)
            else:
                item = None
                day = first + dt.timedelta(days=rng.randint(0, max((self.today - first).days, 0)))
                later = min(day + dt.timedelta(days=rng.randint(0, 6)), self.today)
                filed = self._at(later)
            planned.append(self._document(p, kind, day, filed, item))
        return planned

    def _document(
        self,
        p: DemoPatient,
        kind: Template | None,
        day: dt.date,
        filed: dt.datetime,
        encounter: Planned | None,
    ) -> PlannedFile:
        rng = self.rng
        name = f"{p.given} {p.family}"
        if kind is None:
            assert p.card is not None
            payer, member_id, group, plan = p.card
            photo = rng.random() < 0.4
            file = insurance_card(payer, name, member_id, group, plan, photo=photo)
            doc_type, author = DocumentType.INSURANCE_CARD, payer
            description = f"{payer} card, front" + (" (photo)" if photo else "")
            stem, label = "insurance-card-front", None
        else:
            who = Filled(name, f"{p.birth_date:%m/%d/%Y}", p.mrn, f"{day:%m/%d/%Y}")
            file = kind.fill(who)
            doc_type, author, description = kind.doc_type, kind.author, kind.description
            stem = kind.file_stem
            label = Sensitivity.BEHAVIORAL_HEALTH if kind is self.labelled else None
        extension = _EXTENSION[file.content_type.value]
        file_name = (
            f"SCAN{day:%Y%m%d}_{rng.randint(1000, 9999)}.{extension}"
            if rng.random() < 0.3  # as the scanner named it
            else f"{stem}-{day:%Y-%m-%d}.{extension}"
        )
        typed = DocumentInput(
            sensitivity=label,
            doc_type=doc_type,
            document_date=day,
            author=author,
            description=description,
            file_name=file_name,
        )
        item = Planned(DOCUMENTS, p.id, [Version(typed, filed, self.staff.records)])
        if encounter is not None:
            item.links["encounter_id"] = encounter
        return PlannedFile(item, file)

    def _clamp(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now - MINUTE)

    def _at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment on ``day`` (UTC; 7 am to 3 pm on the US West Coast)."""
        start = dt.datetime.combine(day, dt.time(15, 0), dt.UTC)
        return self._clamp(start + dt.timedelta(minutes=self.rng.randint(0, 8 * 60)))


def _visits(planned: list[Planned]) -> list[tuple[dt.datetime, Planned]]:
    """The visits a document may have been scanned at: office and procedure visits that
    took place (not cancelled nor entered in error) and carry no label (an entry in a
    labelled visit would have to carry its label)."""
    found = []
    for item in planned:
        last = item.versions[-1].input
        if not isinstance(last, EncounterInput) or last.status is not ItemStatus.ACTIVE:
            continue
        if last.sensitivity is None and last.encounter_type in _SCANNED_AT and last.starts_at:
            found.append((last.starts_at, item))
    return found
