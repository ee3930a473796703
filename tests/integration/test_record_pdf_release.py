"""The record PDF made from a real chart (issue 14, items 1 and 2), on SQLCipher and
PostgreSQL: a patient with one of everything, entered through the services (a signed visit
with an addendum, coded; a lab test with a high potassium; a scanned document; a labelled
problem), read as a release reads it (``inst.releases.preview``), turned into a document and
drawn, then read back with pypdf and poppler. Minimum necessary: a section not chosen leaves
no word behind, not even its heading; a labelled item not chosen is not in the file, and
neither is how many were left out. The superbill of the coded visit carries its codes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
)
from medrec_desktop.domain.dto import CoverageInfo, PatientDetails, PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import DisclosurePurpose, RecordScope, RecordSection
from medrec_desktop.export.record_document import record_document
from medrec_desktop.export.record_pdf import render
from medrec_desktop.export.superbill import superbill_document
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import (
    SAMPLE_DOCUMENT,
    SAMPLE_INPUTS,
    sample_pdf,
    services,
)
from tests.integration.coding.conftest import codes_dir, store  # noqa: F401 - fixtures
from tests.support.pdf_pages import flat, poppler_pages, pypdf_pages

GENERATED = dt.datetime(2026, 11, 26, 16, 45, tzinfo=dt.UTC)
CLINIC = "Maple Street Family Practice"
S = RecordSection

# Words only the section carries (the sample inputs of tests/integration/chart_samples.py).
WORDS: dict[RecordSection, tuple[str, ...]] = {
    S.DEMOGRAPHICS: ("Demographics and insurance", "4 Rue Saint-Denis", "Acme Health", "G77"),
    S.PROBLEMS: ("Problems", "Essential hypertension"),
    S.HISTORIES: (
        "Medical, surgical, family and social history",
        "Appendicitis",
        "Appendectomy",
        "Breast cancer",
        "Teacher",
    ),
    S.MEDICATIONS: ("Medications", "Metformin 500 mg", "1 tablet, oral, twice daily"),
    S.ALLERGIES: ("Allergies", "Penicillin", "Hives", "No known allergies"),
    S.IMMUNIZATIONS: ("Immunizations", "Tdap", "AC52B041AA"),
    S.VITALS: ("Vital signs", "154.3 lb"),
    S.RESULTS: ("Test results", "Quest Diagnostics", "Potassium", "H ↑ High"),
    S.PROCEDURES: ("Treatments and procedures", "Laparoscopic appendectomy", "0DTJ4ZZ"),
    S.ENCOUNTERS: (
        "Encounters with signed notes and addenda",
        "Feels well; no headaches.",
        "Continue lisinopril",
        "Reason: Late entry",
        "Patient called: BP 124/80.",
    ),
    S.CODING: ("Coded diagnoses and procedures", "E78.5", "J1100"),
    S.DOCUMENTS: ("List of documents", "Valley Labs", "Lipid panel from the outside lab"),
}
LABELLED = "Major depressive disorder"


@dataclass(frozen=True)
class Chart:
    c: Clinic
    patient: PatientId
    encounter: int


@pytest.fixture
def chart(clinic: Clinic, store: CodeSetStore) -> Chart:  # noqa: F811 - the fixture above
    c = clinic
    admin, records = c.sessions[Role.ADMIN], c.sessions[Role.RECORDS]
    provider, coder = c.sessions[Role.PROVIDER], c.sessions[Role.CODER]
    c.inst.setup.update_settings(admin, {"clinic_name": CLINIC})
    registered = PatientInput(
        "Ковалёва",
        "Наталья",
        dt.date(1961, 4, 12),
        "female",
        "555-030-0101",
        details=PatientDetails(
            address_line1="4 Rue Saint-Denis",
            city="Portland",
            state="OR",
            postal_code="97205",
            coverages=(
                CoverageInfo("Acme Health", "AB-12345", plan="Gold PPO", group_number="G77"),
            ),
        ),
    )
    pid = c.inst.patients.register(
        records, registered, duplicates_reviewed=True, reason="checked: different"
    ).id
    encounter = 0
    for item_type, service in services(c).items():
        if item_type == "amendment-request":
            continue
        sample = SAMPLE_INPUTS[item_type]
        if item_type == "allergy-statement":  # an earlier statement, before the allergy
            sample = replace(sample, status=ItemStatus.INACTIVE)
        added = service.add(provider, pid, sample)
        if item_type == "encounter":
            encounter = added.id
    c.inst.encounters.sign(provider, encounter, password=ROLE_PASSWORD, expected_version=1)
    c.inst.encounters.add_addendum(
        provider, encounter, reason="Late entry", text="Patient called: BP 124/80."
    )
    coding = EncounterCodingService(ctx=c.inst.ctx, codes=CodeSets(store=store))
    coded = CodingInput(
        diagnoses=tuple(CodedDiagnosis(code, "") for code in ("I10", "E78.5")),
        procedures=(
            CodedProcedure(
                ProcedureSystem.HCPCS, "G0008", "Flu shot given", modifiers=("25",), pointers=(1,)
            ),
            CodedProcedure(
                ProcedureSystem.HCPCS, "J1100", "Dexamethasone 1 mg", units=3, pointers=(2, 1)
            ),
        ),
    )
    coding.save(coder, encounter, coded, expected_version=None)
    coding.mark_coded(coder, encounter, expected_version=1)
    c.inst.documents.attach(records, pid, SAMPLE_DOCUMENT, sample_pdf())
    c.inst.problems.add(
        provider,
        pid,
        ProblemInput(
            description=LABELLED, icd10cm="F32.9", sensitivity=Sensitivity.BEHAVIORAL_HEALTH
        ),
    )
    return Chart(c, pid, encounter)


def _pdf_text(chart: Chart, scope: RecordScope, tmp_path: Path, **release: str) -> str:
    extract = chart.c.inst.releases.preview(chart.c.sessions[Role.PROVIDER], chart.patient, scope)
    doc = record_document(extract, generated_by="Rosa Díaz", generated_at=GENERATED, **release)
    pdf = render(doc)
    poppler = flat(" ".join(poppler_pages(pdf, tmp_path)))
    assert flat(" ".join(pypdf_pages(pdf))).split() != []
    return poppler + " || " + flat(" ".join(pypdf_pages(pdf)))


def test_every_section_chosen_is_printed(chart: Chart, tmp_path: Path) -> None:
    everything = RecordScope(tuple(RecordSection))
    text = _pdf_text(
        chart,
        everything,
        tmp_path,
        recipient="Dr. Amal Haddad, Riverside Cardiology",
        purpose_label=DisclosurePurpose.TREATMENT.label,
    )
    for section, words in WORDS.items():
        for word in words:
            assert word in text, (section, word)
    assert "Patient: Ковалёва, Наталья DOB: 04/12/1961" in text
    assert "Released to: Dr. Amal Haddad, Riverside Cardiology" in text
    assert "Purpose: Treatment (another provider)" in text
    total = int(re.findall(r"Page 1 of (\d+)", text)[0])
    assert all(f"Page {n} of {total}" in text for n in range(1, total + 1))
    # the coded procedure lines with their pointers as letters, in the coded order
    assert re.search(r"G0008 .*25 .*A", text) and re.search(r"J1100 .* 3 BA", text)
    # a labelled item is not printed unless chosen, and neither is the count left out
    assert LABELLED not in text and "withheld" not in text.lower()


@pytest.mark.parametrize(
    "chosen",
    [
        (S.PROBLEMS, S.MEDICATIONS, S.ALLERGIES),
        (S.DEMOGRAPHICS,),
        (S.CODING,),
        (S.RESULTS, S.VITALS, S.DOCUMENTS),
    ],
    ids=lambda sections: "+".join(s.value for s in sections),
)
def test_a_section_not_chosen_is_not_in_the_file(
    chart: Chart, tmp_path: Path, chosen: tuple[RecordSection, ...]
) -> None:
    text = _pdf_text(chart, RecordScope(chosen), tmp_path)
    for section, words in WORDS.items():
        for word in words:
            if section in chosen:
                assert word in text, (section, word)
            else:
                assert word not in text, (section, word)
    # the patient is named on every page whatever the sections
    assert "Ковалёва, Наталья" in text and "MRN:" in text


def test_labelled_items_print_only_when_chosen(chart: Chart, tmp_path: Path) -> None:
    scope = RecordScope((S.PROBLEMS,), labelled=True)
    assert LABELLED in _pdf_text(chart, scope, tmp_path)


def test_the_superbill_of_the_coded_visit(chart: Chart, tmp_path: Path) -> None:
    c = chart.c
    summary = c.inst.billing.claim_summary(c.sessions[Role.CODER], chart.encounter)
    doc = superbill_document(summary, generated_by="Billing Clerk", generated_at=GENERATED)
    pages = poppler_pages(render(doc), tmp_path)
    text = flat(" ".join(pages))
    assert "Billing summary (superbill)" in text and CLINIC in text
    assert "Ковалёва, Наталья" in text and "04/12/1961" in text
    assert "Acme Health" in text and "AB-12345" in text and "G77" in text
    assert re.search(r"A I10 Essential \(primary\) hypertension", text)
    assert re.search(r"B E78\.5 Hyperlipidemia", text)
    assert re.search(r"1 HCPCS G0008 Flu shot given 25 1 A ", text)
    assert re.search(r"2 HCPCS J1100 Dexamethasone 1 mg 3 BA ", text)
    assert all(f"Page {n} of {len(pages)}" in text for n in range(1, len(pages) + 1))
    # the encounter's note is not part of a superbill
    assert "Feels well" not in text


def test_an_empty_chart_says_none_recorded(clinic: Clinic, tmp_path: Path) -> None:
    data = replace(
        PatientInput("Emptyman", "Ed", dt.date(1980, 1, 1), "male"), phone="555-030-0199"
    )
    pid = clinic.inst.patients.register(
        clinic.sessions[Role.RECORDS], data, duplicates_reviewed=True, reason="checked"
    ).id
    chart = Chart(clinic, pid, 0)
    text = _pdf_text(chart, RecordScope(tuple(RecordSection)), tmp_path)
    assert text.count("None recorded.") >= 10 and "No insurance recorded." in text
    assert "No coded encounters." in text
