"""What a release reads (issue 14): only the sections chosen, only the dates chosen (undated
items kept), labelled items only when asked for and never for a role that may not read them,
entered-in-error items never."""

from __future__ import annotations

import datetime as dt

import pytest

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.patient_extract import PatientExtract
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from tests.conftest import Clinic
from tests.integration.chart_samples import new_patient


def _gather(c: Clinic, role: Role, patient_id: PatientId, scope: RecordScope) -> PatientExtract:
    """What a release in ``scope`` reads, as the release dialog previews it."""
    return c.inst.releases.preview(c.sessions[role], patient_id, scope)


def test_sections_dates_labels_and_entered_in_error(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    problems = clinic.inst.problems
    old = problems.add(
        provider, pid, ProblemInput(description="Asthma", icd10cm="J45.909", onset="2010")
    )
    recent = problems.add(
        provider, pid, ProblemInput(description="Hypertension", icd10cm="I10", onset="03/2024")
    )
    undated = problems.add(provider, pid, ProblemInput(description="Obesity", icd10cm="E66.9"))
    labelled = problems.add(
        provider,
        pid,
        ProblemInput(
            description="Major depressive disorder", icd10cm="F32.9", onset="2023",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    )  # fmt: skip
    wrong = problems.add(
        provider, pid, ProblemInput(description="Gout", icd10cm="M10.9", onset="2024")
    )
    problems.mark_entered_in_error(
        provider, wrong.id, expected_version=wrong.version, reason="wrong chart"
    )
    clinic.inst.medications.add(provider, pid, MedicationInput(name="Lisinopril", strength="10 mg"))

    only_problems = RecordScope((RecordSection.PROBLEMS,))
    extract = _gather(clinic, Role.PROVIDER, pid, only_problems)
    assert set(extract.items) == {"problem"}  # the medications were not read at all
    shown = [i.data.description for i in extract.of("problem")]
    assert shown == ["Asthma", "Hypertension", "Obesity"]
    assert extract.withheld == {"problem": 1}
    assert all(i.status is not ItemStatus.ENTERED_IN_ERROR for i in extract.of("problem"))
    assert not extract.encounters and not extract.tests

    since_2020 = RecordScope((RecordSection.PROBLEMS,), since=dt.date(2020, 1, 1))
    dated = _gather(clinic, Role.PROVIDER, pid, since_2020)
    assert [i.id for i in dated.of("problem")] == [recent.id, undated.id]

    with_labels = RecordScope((RecordSection.PROBLEMS,), labelled=True)
    full = _gather(clinic, Role.PROVIDER, pid, with_labels)
    assert labelled.id in [i.id for i in full.of("problem")] and not full.withheld
    assert old.id in [i.id for i in full.of("problem")]

    # A nurse may not read labelled items: asking for them is refused, not silently trimmed.
    with pytest.raises(PermissionDeniedError):
        _gather(clinic, Role.NURSE, pid, with_labels)
