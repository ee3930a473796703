"""Validation of what the registration form sends: plain-language errors naming the field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from medrec_desktop.domain.dto import ContactInfo, CoverageInfo, PatientDetails
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.phones import format_phone

SEXES = ("female", "male", "intersex", "unknown")
RELATIONSHIPS = ("self", "spouse", "child", "parent", "other")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")


def _clean(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def check_phone(phone: str | None, *, field: str) -> str | None:
    value = _clean(phone)
    if value is None:
        return None
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value):
        raise ValidationError(
            "A phone number has digits, spaces, dashes, dots, brackets and '+' only.", field=field
        )
    if value.startswith("+"):
        if not 8 <= digits <= 15:
            raise ValidationError(
                "An international number has 8 to 15 digits after '+'.", field=field
            )
    elif digits not in (10, 11) or (digits == 11 and value.lstrip("(")[0] != "1"):
        raise ValidationError(
            f"A US phone number has 10 digits, like 555-123-4567 (this one has {digits}).",
            field=field,
        )
    return format_phone(value)


def check_email(text: str | None) -> str | None:
    email = _clean(text)
    if email is not None and not _EMAIL.match(email):
        raise ValidationError(
            "The e-mail address should look like name@example.com.", field="email"
        )
    return email


def check_postal_code(text: str | None) -> str | None:
    postal = _clean(text)
    if postal is not None and not _ZIP.match(postal):
        raise ValidationError(
            "A ZIP code is 5 digits, or 5+4 like 12345-6789.", field="postal_code"
        )
    return postal


def check_state(text: str | None) -> str | None:
    state = _clean(text)
    if state is not None and not re.fullmatch(r"[A-Za-z]{2}", state):
        raise ValidationError("Use the two-letter state code, like OR or NY.", field="state")
    return state.upper() if state else None


def _check_details(d: PatientDetails) -> PatientDetails:
    email = check_email(d.email)
    postal = check_postal_code(d.postal_code)
    state = check_state(d.state)
    contacts = []
    for i, c in enumerate(d.contacts, start=1):
        name, rel = _clean(c.name), _clean(c.relationship)
        phone = check_phone(c.phone, field=f"contact.{i}.phone")
        if not name:
            raise ValidationError("Enter the contact's name.", field=f"contact.{i}.name")
        if not rel:
            raise ValidationError(
                "Enter how the contact is related (e.g. spouse, mother).",
                field=f"contact.{i}.relationship",
            )
        contacts.append(ContactInfo(name, rel, phone, c.emergency_contact))
    coverages = []
    for i, cov in enumerate(d.coverages, start=1):
        payer, member = _clean(cov.payer), _clean(cov.member_id)
        if not payer:
            raise ValidationError("Enter the insurance payer.", field=f"coverage.{i}.payer")
        if not member or not re.fullmatch(r"[A-Za-z0-9\-]{3,30}", member):
            raise ValidationError(
                "The member ID is 3-30 letters, digits or dashes, as on the insurance card.",
                field=f"coverage.{i}.member_id",
            )
        relationship = (cov.subscriber_relationship or "self").strip().lower()
        if relationship not in RELATIONSHIPS:
            raise ValidationError(
                f"The subscriber's relationship is one of: {', '.join(RELATIONSHIPS)}.",
                field=f"coverage.{i}.subscriber_relationship",
            )
        if relationship != "self" and not _clean(cov.subscriber_name):
            raise ValidationError(
                "Enter the subscriber's name (the patient is not the subscriber).",
                field=f"coverage.{i}.subscriber_name",
            )
        coverages.append(
            CoverageInfo(
                payer,
                member.upper(),
                _clean(cov.plan),
                _clean(cov.group_number),
                _clean(cov.subscriber_name),
                relationship,
                i,
            )
        )
    return replace(
        d,
        previous_names=_clean(d.previous_names),
        gender_identity=_clean(d.gender_identity),
        sexual_orientation=_clean(d.sexual_orientation),
        race=_clean(d.race),
        ethnicity=_clean(d.ethnicity),
        preferred_language=_clean(d.preferred_language),
        address_line1=_clean(d.address_line1),
        address_line2=_clean(d.address_line2),
        city=_clean(d.city),
        state=state,
        postal_code=postal,
        mobile_phone=check_phone(d.mobile_phone, field="mobile_phone"),
        email=email,
        occupation=_clean(d.occupation),
        contacts=tuple(contacts),
        coverages=tuple(coverages),
    )


@dataclass(frozen=True)
class PatientInput:
    family_name: str
    given_names: str
    birth_date: dt.date
    sex: str
    phone: str | None = None
    details: PatientDetails = field(default_factory=PatientDetails)

    def validated(self, today: dt.date) -> PatientInput:
        family = self.family_name.strip()
        given = self.given_names.strip()
        if not family:
            raise ValidationError("Enter the family (last) name.", field="family_name")
        if not given:
            raise ValidationError("Enter the given (first) name.", field="given_names")
        if self.birth_date > today:
            raise ValidationError("The date of birth is in the future.", field="birth_date")
        if self.birth_date.year < 1880:
            raise ValidationError("The date of birth is too far in the past.", field="birth_date")
        sex = self.sex.strip().lower()
        if sex not in SEXES:
            raise ValidationError(f"Sex must be one of: {', '.join(SEXES)}.", field="sex")
        phone = check_phone(self.phone, field="phone")
        return PatientInput(
            family, given, self.birth_date, sex, phone, _check_details(self.details)
        )
