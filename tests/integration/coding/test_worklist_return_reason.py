"""The worklist's rows carry the coder's reason while an encounter is returned to its
provider (the provider's Queries area lists it), and no longer once it is sent back; on
SQLCipher and PostgreSQL."""

from __future__ import annotations

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_work import WorklistFilter, WorklistScope
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient


def test_returned_rows_carry_the_reason_until_sent_back(
    clinic: Clinic, store: CodeSetStore
) -> None:
    svc = EncounterCodingService(ctx=clinic.inst.ctx, codes=CodeSets(store=store))
    coder, provider = clinic.sessions[Role.CODER], clinic.sessions[Role.PROVIDER]
    added = clinic.inst.encounters.add(provider, new_patient(clinic), SAMPLE_INPUTS["encounter"])  # type: ignore[arg-type]
    clinic.inst.encounters.sign(provider, added.id, password=ROLE_PASSWORD, expected_version=1)
    eid = int(added.id)
    returned = svc.return_to_provider(
        coder, eid, expected_version=None, reason="The plan is missing"
    )

    [row] = svc.returned_to_me(provider).rows
    assert row.encounter_id == eid and row.return_reason == "The plan is missing"
    assert row.coding_version == returned.version
    [listed] = svc.worklist(coder, WorklistFilter(scope=WorklistScope.RETURNED)).rows
    assert listed.return_reason == "The plan is missing"

    svc.send_back_to_coding(
        provider, eid, expected_version=row.coding_version or 0, note="Plan added"
    )
    assert svc.returned_to_me(provider).rows == ()
    [again] = svc.worklist(coder, WorklistFilter(scope=WorklistScope.TO_CODE)).rows
    assert again.encounter_id == eid and again.return_reason is None
