"""Organization: the clinic, the encounters' service provider."""

from __future__ import annotations

from medrec_desktop.export.fhir.common import Context, Json, resource


def organization_id(ctx: Context) -> str:
    return ctx.ids.of("Organization", "clinic")


def clinic_organization(name: str, ctx: Context) -> Json:
    return resource(
        "Organization",
        organization_id(ctx),
        {"active": True, "name": name or "Clinic"},
    )
