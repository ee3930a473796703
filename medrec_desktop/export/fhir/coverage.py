"""Coverage: the patient's insurance, in the order of its priority (primary first). The payer
is named (a display-only reference: the clinic keeps no payer directory)."""

from __future__ import annotations

from medrec_desktop.domain.dto import CoverageInfo
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import Context, Json, coding, concept, resource

MEMBER_TYPE = coding(systems.V2_0203, "MB", "Member Number")
#: our subscriber relationships are HL7's codes already
RELATIONSHIPS = {"self", "spouse", "child", "parent", "other"}


def coverage_id(ctx: Context, position: int) -> str:
    # By position, not by member id: an id must not be a hash of an identifier.
    return ctx.ids.of("Coverage", ctx.patient_id, position)


def coverage(c: CoverageInfo, position: int, ctx: Context) -> Json:
    relation = c.subscriber_relationship if c.subscriber_relationship in RELATIONSHIPS else "other"
    classes: list[Json] = []
    if c.group_number:
        classes.append(
            {
                "type": concept("Group", coding(systems.COVERAGE_CLASS, "group")),
                "value": c.group_number,
            }
        )
    if c.plan:
        classes.append(
            {
                "type": concept("Plan", coding(systems.COVERAGE_CLASS, "plan")),
                "value": c.plan,
                "name": c.plan,
            }
        )
    subscriber = (
        None
        if relation == "self"
        else {"display": c.subscriber_name}
        if c.subscriber_name
        else None
    )
    return resource(
        "Coverage",
        coverage_id(ctx, position),
        {
            "identifier": [{"type": concept(None, MEMBER_TYPE), "value": c.member_id}],
            "status": "active",
            "subscriber": ctx.patient if relation == "self" else subscriber,
            "subscriberId": c.member_id,
            "beneficiary": ctx.patient,
            "relationship": concept(
                relation.capitalize(), coding(systems.SUBSCRIBER_RELATIONSHIP, relation)
            ),
            "payor": [{"display": c.payer}],
            "class": classes,
            "order": c.priority if c.priority > 0 else None,
        },
    )
