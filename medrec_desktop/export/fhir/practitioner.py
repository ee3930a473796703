"""Practitioner: a clinic user named by the record (an encounter's provider, the signer of
its note), by name only (the application keeps no NPI)."""

from __future__ import annotations

from medrec_desktop.export.fhir.common import Context, Json, resource


def practitioner_id(ctx: Context, user_id: int) -> str:
    return ctx.ids.of("Practitioner", user_id)


def practitioner(user_id: int, name: str, ctx: Context) -> Json:
    return resource("Practitioner", practitioner_id(ctx, user_id), {"name": [{"text": name}]})
