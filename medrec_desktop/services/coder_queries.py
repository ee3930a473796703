"""Coder queries (issue 13): a coder asks the encounter's provider a compliant, non-leading
question (``domain.coder_queries``); the provider answers in the app and the answer becomes
part of the encounter's record; a coder may withdraw an open query with a reason. Each step is
a version of the query and an audit event; turnaround is the time from asking to answering.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, ItemVersion
from medrec_desktop.domain.coder_queries import (
    QueryData,
    QueryInput,
    QueryRow,
    QueryState,
    QueryTemplate,
    checked_answer,
)
from medrec_desktop.domain.coding_work import clean_reason
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.models import CoderQuery, Encounter, Patient, User
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, Service, audited

ITEM_TYPE = CoderQuery.__item_type__
ONLY_ADDRESSEE = "Only the provider the query was sent to can answer it. This attempt was recorded."


class CoderQueryService(Service):
    """``inst.coder_queries``."""

    @audited(Action.CREATE, DataCategory.CODING)
    def ask(self, op: Op, encounter_id: int, query: QueryInput) -> QueryRow:
        """Send a query about a signed encounter to its provider."""
        encounter = self._encounter(op, encounter_id)
        if op.role is not Role.CODER:
            raise PermissionDeniedError("Only a coder sends coding queries.")
        if encounter.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError("This encounter was entered in error; it is not queried.")
        if encounter.signed_at is None:
            raise ValidationError("Queries are sent about signed notes; this one is not signed.")
        template, question, indicators, options = query.validated()
        data = QueryData(
            encounter_id=encounter.id,
            provider_id=encounter.provider_id,
            template=template,
            question=question,
            indicators=indicators,
            options=options,
            state=QueryState.OPEN,
            asked_by=op.user.id,
            asked_at=op.ctx.now(),
        )
        row = CoderQuery(
            patient_id=encounter.patient_id,
            status=ItemStatus.ACTIVE.value,
            sensitivity=encounter.sensitivity,
        )
        versioning.assign(row, data)
        versioning.save(op, row, QueryData, reason="Query sent")
        op.event.detail = f"query {row.id} ({template.value}) on encounter {encounter.id}"
        return self._rows(op, [row.id])[0]

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def answer(
        self, op: Op, query_id: int, *, expected_version: int, answer: str, note: str = ""
    ) -> QueryRow:
        """The provider's answer: one of the options offered ("other" with its words)."""
        row = self._query(op, query_id, Action.UPDATE, DataCategory.CLINICAL)
        data = versioning.to_info(row, QueryData, {}).data
        if op.role is not Role.PROVIDER or data.provider_id != op.user.id:
            raise PermissionDeniedError(ONLY_ADDRESSEE)
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, QueryData)
        )
        if data.state is not QueryState.OPEN:
            raise ValidationError(f"This query is {data.state.label.lower()}; it takes no answer.")
        choice, text = checked_answer(data.options, answer, note)
        new = replace(
            data,
            state=QueryState.ANSWERED,
            answer=choice,
            answer_note=text,
            answered_at=op.ctx.now(),
        )
        versioning.assign(row, new)
        versioning.save(op, row, QueryData, reason="Answered by the provider")
        op.event.detail = f"query {row.id} answered"
        return self._rows(op, [row.id])[0]

    @audited(Action.UPDATE, DataCategory.CODING)
    def withdraw(self, op: Op, query_id: int, *, expected_version: int, reason: str) -> QueryRow:
        row = self._query(op, query_id, Action.UPDATE, DataCategory.CODING)
        if op.role is not Role.CODER:
            raise PermissionDeniedError("Only a coder withdraws a coding query.")
        why = clean_reason(reason, what="for withdrawing the query")
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, QueryData)
        )
        data = versioning.to_info(row, QueryData, {}).data
        if data.state is not QueryState.OPEN:
            raise ValidationError(f"This query is {data.state.label.lower()} already.")
        new = replace(data, state=QueryState.WITHDRAWN, withdraw_reason=why)
        versioning.assign(row, new)
        versioning.save(op, row, QueryData, reason=f"Withdrawn: {why}")
        op.event.detail = f"query {row.id} withdrawn"
        return self._rows(op, [row.id])[0]

    # ------------------------------------------------------------------ reading

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def for_encounter(self, op: Op, encounter_id: int) -> tuple[QueryRow, ...]:
        """Every query about the encounter (open, answered, withdrawn), oldest first: part
        of its record."""
        encounter = self._encounter(op, encounter_id)
        ids = op.db.execute(
            select(CoderQuery.id)
            .where(CoderQuery.encounter_id == encounter.id)
            .order_by(CoderQuery.asked_at, CoderQuery.id)
        ).scalars()
        rows = self._rows(op, list(ids))
        op.event.detail = f"{len(rows)} queries on encounter {encounter.id}"
        return rows

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def mine(self, op: Op, *, state: QueryState | None = QueryState.OPEN) -> tuple[QueryRow, ...]:
        """The queries sent to the signed-in provider (open ones by default), oldest first."""
        query = select(CoderQuery.id).where(CoderQuery.provider_id == op.user.id)
        if state is not None:
            query = query.where(CoderQuery.state == state.value)
        ids = list(op.db.execute(query.order_by(CoderQuery.asked_at, CoderQuery.id)).scalars())
        rows = self._rows(op, ids)
        op.event.detail = "queries to me: " + ",".join(str(r.patient_id) for r in rows)
        return rows

    @audited(Action.QUERY, DataCategory.CODING)
    def sent(self, op: Op, *, state: QueryState | None = None) -> tuple[QueryRow, ...]:
        """The clinic's queries (all coders'), newest first: the coders' follow-up list."""
        op.require(Action.QUERY, DataCategory.CLINICAL)
        query = select(CoderQuery.id)
        if state is not None:
            query = query.where(CoderQuery.state == state.value)
        ids = list(op.db.execute(query.order_by(CoderQuery.asked_at.desc())).scalars())
        rows = self._rows(op, ids)
        op.event.detail = "coder queries: " + ",".join(str(r.patient_id) for r in rows)
        return rows

    # Every role may read how many queries wait for it: a number, no PHI. Filed under the
    # caller's session (the one category every role may view), like the unsigned-notes days.
    @audited(Action.VIEW, DataCategory.SESSION)
    def waiting_count(self, op: Op) -> int:
        """Open queries addressed to the signed-in user (the main window's count)."""
        n = op.db.execute(
            select(func.count(CoderQuery.id)).where(
                CoderQuery.provider_id == op.user.id, CoderQuery.state == QueryState.OPEN.value
            )
        ).scalar_one()
        op.event.detail = "open queries to me: count only"
        return int(n)

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def history(self, op: Op, query_id: int) -> list[ItemVersion[QueryData]]:
        row = self._query(op, query_id, Action.VIEW, DataCategory.CLINICAL, lock=False)
        versions = versioning.history(op, ITEM_TYPE, row.id, QueryData)
        op.event.detail = f"history of query {row.id}: {len(versions)} versions"
        return versions

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _encounter(op: Op, encounter_id: int) -> Encounter:
        encounter = op.db.get(Encounter, encounter_id)
        if encounter is None:
            raise NotFoundError("That encounter does not exist.")
        op.about_patient(encounter.patient_id)
        op.require(Action.VIEW, DataCategory.CLINICAL, encounter.patient_id)
        if encounter.sensitivity is not None:
            op.require(Action.VIEW, DataCategory.SENSITIVE, encounter.patient_id)
        return encounter

    @staticmethod
    def _query(
        op: Op, query_id: int, action: Action, category: DataCategory, *, lock: bool = True
    ) -> CoderQuery:
        if lock:
            row = versioning.locked_row(op.db, CoderQuery, query_id, "query")
        else:
            found = op.db.get(CoderQuery, query_id)
            if found is None:
                raise NotFoundError("That query does not exist.")
            row = found
        op.about_patient(row.patient_id)
        op.require(action, category, row.patient_id)
        if row.sensitivity is not None:
            op.require(Action.VIEW, DataCategory.SENSITIVE, row.patient_id)
        return row

    @staticmethod
    def _rows(op: Op, ids: list[int]) -> tuple[QueryRow, ...]:
        if not ids:
            return ()
        provider = aliased(User)
        asker = aliased(User)
        found = op.db.execute(
            select(
                CoderQuery,
                Patient.mrn,
                Patient.family_name,
                Patient.given_names,
                Encounter.starts_at,
                provider.display_name,
                asker.display_name,
            )
            .join(Patient, Patient.id == CoderQuery.patient_id)
            .join(Encounter, Encounter.id == CoderQuery.encounter_id)
            .join(provider, provider.id == CoderQuery.provider_id)
            .join(asker, asker.id == CoderQuery.asked_by)
            .where(CoderQuery.id.in_(ids))
        ).all()
        by_id = {}
        can_see_labels = op.can(Action.VIEW, DataCategory.SENSITIVE)
        for q, mrn, family, given, starts_at, provider_name, asker_name in found:
            if q.sensitivity is not None and not can_see_labels:
                continue
            info: ItemInfo[QueryData] = versioning.to_info(q, QueryData, {})
            d = info.data
            by_id[q.id] = QueryRow(
                id=q.id,
                version=q.version,
                encounter_id=d.encounter_id,
                patient_id=q.patient_id,
                mrn=mrn,
                patient_name=f"{family}, {given}",
                encounter_starts_at=starts_at,
                provider=provider_name,
                asked_by=asker_name,
                template=QueryTemplate(d.template),
                question=d.question,
                indicators=d.indicators,
                options=d.options,
                state=d.state,
                asked_at=d.asked_at,
                answer=d.answer,
                answer_note=d.answer_note,
                answered_at=d.answered_at,
                withdraw_reason=d.withdraw_reason,
            )
        return tuple(by_id[i] for i in ids if i in by_id)
