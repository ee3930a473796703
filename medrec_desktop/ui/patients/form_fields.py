"""The registration form's fields: one table says label, key, kind and choices for each."""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.services.patient_input import RELATIONSHIPS, SEXES


@dataclass(frozen=True)
class FieldSpec:
    key: str  # the ValidationError.field the services use for it
    label: str
    kind: str = "text"  # text | date | choice | editable-choice
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    required: bool = False


GENDER_IDENTITIES = (
    "",
    "Identifies as female",
    "Identifies as male",
    "Non-binary",
    "Transgender female",
    "Transgender male",
    "Other",
    "Choose not to disclose",
)
ORIENTATIONS = (
    "",
    "Straight or heterosexual",
    "Lesbian or gay",
    "Bisexual",
    "Something else",
    "Don't know",
    "Choose not to disclose",
)
RACES = (
    "",
    "American Indian or Alaska Native",
    "Asian",
    "Black or African American",
    "Native Hawaiian or Other Pacific Islander",
    "White",
    "Other race",
    "Choose not to disclose",
)
ETHNICITIES = ("", "Hispanic or Latino", "Not Hispanic or Latino", "Choose not to disclose")
LANGUAGES = (
    "",
    "English",
    "Spanish",
    "Vietnamese",
    "Chinese",
    "Tagalog",
    "Arabic",
    "Russian",
    "Korean",
    "French",
    "Other",
)

SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (
        "Identity",
        (
            FieldSpec("family_name", "Fami&ly name", required=True),
            FieldSpec("given_names", "Gi&ven names", required=True),
            FieldSpec("previous_names", "P&revious names", placeholder="maiden or former names"),
            FieldSpec(
                "birth_date", "Date of &birth", "date", placeholder="MM/DD/YYYY", required=True
            ),
            FieldSpec("sex", "Se&x", "choice", ("",) + SEXES, required=True),
            FieldSpec("gender_identity", "Gender identity", "choice", GENDER_IDENTITIES),
            FieldSpec("sexual_orientation", "Sexual orientation", "choice", ORIENTATIONS),
        ),
    ),
    (
        "Demographics",
        (
            FieldSpec("race", "Race", "choice", RACES),
            FieldSpec("ethnicity", "Ethnicity", "choice", ETHNICITIES),
            FieldSpec("preferred_language", "Preferred language", "editable-choice", LANGUAGES),
            FieldSpec("occupation", "Occupation"),
        ),
    ),
    (
        "Address and phone",
        (
            FieldSpec("address_line1", "&Address"),
            FieldSpec("address_line2", "Address line 2"),
            FieldSpec("city", "City"),
            FieldSpec("state", "State", placeholder="two-letter code"),
            FieldSpec("postal_code", "&ZIP code", placeholder="five or nine digits"),
            FieldSpec("phone", "Home pho&ne", placeholder="area code and number"),
            FieldSpec("mobile_phone", "&Mobile phone", placeholder="area code and number"),
            FieldSpec("email", "&E-mail"),
        ),
    ),
    (
        "Emergency contact",
        (
            FieldSpec("contact.1.name", "Contact name"),
            FieldSpec("contact.1.relationship", "Relationship", placeholder="how they are related"),
            FieldSpec("contact.1.phone", "Contact phone", placeholder="area code and number"),
        ),
    ),
    (
        "Insurance",
        (
            FieldSpec("coverage.1.payer", "Pa&yer", placeholder="insurance company or program"),
            FieldSpec("coverage.1.plan", "Plan"),
            FieldSpec("coverage.1.member_id", "Member &ID"),
            FieldSpec("coverage.1.group_number", "Group number"),
            FieldSpec("coverage.1.subscriber_name", "Subscriber", placeholder="if not the patient"),
            FieldSpec(
                "coverage.1.subscriber_relationship", "Subscriber is", "choice", RELATIONSHIPS
            ),
        ),
    ),
)

ALL_FIELDS = {spec.key: spec for _, specs in SECTIONS for spec in specs}
