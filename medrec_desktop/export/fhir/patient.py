"""Patient: the MRN under the clinic's identifier system, name, birth date, gender and US Core
birth sex always (every export names its patient); address, telecom, language, race and
ethnicity, previous names and contacts only when the demographics section is chosen."""

from __future__ import annotations

from medrec_desktop.domain.dto import ContactInfo, PatientRecord
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import Context, Json, coding, compact, concept, resource

#: our sex values -> FHIR administrative gender
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
#: our sex values -> US Core birth sex (only where it is known)
BIRTH_SEX = {"female": "F", "male": "M"}
MRN_TYPE = coding(systems.V2_0203, "MR", "Medical Record Number")


def patient_id(ctx: Context, patient_db_id: int) -> str:
    return ctx.ids.of("Patient", patient_db_id)


def patient(record: PatientRecord, ctx: Context, *, details: bool) -> Json:
    """The Patient resource (its id is ``ctx.patient_id``)."""
    info, more = record.info, record.details
    extensions: list[Json] = []
    if info.sex in BIRTH_SEX:
        extensions.append({"url": systems.BIRTH_SEX, "valueCode": BIRTH_SEX[info.sex]})
    names: list[Json] = [
        {"use": "official", "family": info.family_name, "given": info.given_names.split()}
    ]
    body: Json = {
        "meta": {"profile": [systems.US_CORE + "us-core-patient"]},
        "identifier": [
            {
                "use": "usual",
                "type": concept("Medical Record Number", MRN_TYPE),
                "system": ctx.clinic_system,
                "value": info.mrn,
            }
        ],
        "active": record.merged_into is None,
        "name": names,
        "gender": GENDER.get(info.sex, "unknown"),
        "birthDate": info.birth_date.isoformat(),
    }
    if details:
        # US Core's race and ethnicity extensions carry the words as typed ("text" is their
        # one required part); the clinic records them as text, not OMB codes.
        for url, text in ((systems.RACE, more.race), (systems.ETHNICITY, more.ethnicity)):
            if text:
                extensions.append({"url": url, "extension": [{"url": "text", "valueString": text}]})
        if more.previous_names:
            names.append({"use": "old", "text": more.previous_names})
        body["telecom"] = [
            {"system": "phone", "value": info.phone, "use": "home"} if info.phone else None,
            {"system": "phone", "value": more.mobile_phone, "use": "mobile"}
            if more.mobile_phone
            else None,
            {"system": "email", "value": more.email} if more.email else None,
        ]
        body["address"] = [
            {
                "use": "home",
                "line": [more.address_line1, more.address_line2],
                "city": more.city,
                "state": more.state,
                "postalCode": more.postal_code,
            }
        ]
        if more.preferred_language:
            body["communication"] = [
                {"language": concept(more.preferred_language), "preferred": True}
            ]
        body["contact"] = [_contact(c) for c in more.contacts]
    body["extension"] = extensions
    return resource("Patient", ctx.patient_id, body)


def _contact(c: ContactInfo) -> Json:
    relationship = [concept(c.relationship)]
    if c.emergency_contact:
        relationship.append(concept("Emergency contact", coding(systems.CONTACT_ROLE, "C")))
    return compact(
        {
            "relationship": relationship,
            "name": {"text": c.name},
            "telecom": [{"system": "phone", "value": c.phone}] if c.phone else [],
        }
    )
