"""Immunization: a vaccine given here, recorded from another source (not the primary source;
the source named), or refused (not done, with the reason); CVX when known; lot, site, route,
who gave it, the dose number; a dose the clinic does not count is subpotent."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.immunizations import (
    Administration,
    ImmunizationData,
    InjectionSite,
    VaccineRoute,
)
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    item_meta,
    partial,
    resource,
)

ACT_SITE = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
ROUTE = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
SITES = {
    InjectionSite.LEFT_DELTOID: ("LD", "left deltoid"),
    InjectionSite.RIGHT_DELTOID: ("RD", "right deltoid"),
    InjectionSite.LEFT_THIGH: ("LT", "left thigh"),
    InjectionSite.RIGHT_THIGH: ("RT", "right thigh"),
}
ROUTES = {
    VaccineRoute.IM: ("IM", "Injection, intramuscular"),
    VaccineRoute.SC: ("SQ", "Injection, subcutaneous"),
    VaccineRoute.ID: ("IDINJ", "Injection, intradermal"),
    VaccineRoute.ORAL: ("PO", "Swallow, oral"),
    VaccineRoute.INTRANASAL: ("NASINHLC", "Inhalation, nasal"),
}


def immunization_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Immunization", item_id)


def immunization(item: ItemInfo[ImmunizationData], ctx: Context) -> Json:
    d = item.data
    refused = d.administration is Administration.REFUSED
    site = SITES.get(d.site) if d.site else None
    route = ROUTES.get(d.route) if d.route else None
    dose: Json = {}
    if d.dose_number is not None:
        key = "doseNumberPositiveInt" if d.dose_number > 0 else "doseNumberString"
        dose[key] = d.dose_number if d.dose_number > 0 else str(d.dose_number)
    body: Json = {
        "meta": item_meta(item, "us-core-immunization"),
        "status": "not-done" if refused else "completed",
        "statusReason": concept(
            d.refusal_reason or "Patient objection",
            coding(ACT_REASON, "PATOBJ", "patient objection"),
        )
        if refused
        else None,
        "vaccineCode": concept(d.vaccine, coding(systems.CVX, d.cvx))
        if d.cvx
        else concept(d.vaccine),
        "patient": ctx.patient,
        "occurrenceDateTime": partial(d.given_on),
        "occurrenceString": None if d.given_on else "Date not recorded",
        "primarySource": d.administration is not Administration.HISTORICAL,
        "reportOrigin": concept(d.source) if d.source else None,
        "lotNumber": d.lot_number,
        "site": concept(site[1], coding(ACT_SITE, *site))
        if site
        else (concept(d.site.value) if d.site else None),
        "route": concept(route[1], coding(ROUTE, *route)) if route else None,
        "performer": [{"actor": {"display": d.given_by}}] if d.given_by else [],
        "isSubpotent": True if item.status is ItemStatus.INACTIVE else None,
        "protocolApplied": [dose] if dose else [],
    }
    return resource("Immunization", immunization_id(ctx, item.id), body)
