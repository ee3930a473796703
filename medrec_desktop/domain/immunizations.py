"""Immunizations: a dose given here, a historical dose from another record, or a refusal
(issue 9). Statuses: ``active`` counts; ``inactive`` is a dose recorded but not counted (an
invalid dose, e.g. given too early or stored wrongly), so the due rules skip it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.cvx_codes import cvx_lookup, cvx_shape
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import (
    Typed,
    choice,
    optional_choice,
    optional_text,
    optional_whole,
)
from medrec_desktop.domain.partial_dates import PartialDate

IMMUNIZATION_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
IMMUNIZATION_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Counted",
    ItemStatus.INACTIVE: "Not counted (invalid dose)",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
VACCINE_MAX = 200
LOT_MAX = 40
DOSE_NUMBER_MAX = 20


class Administration(StrEnum):
    GIVEN = "given"
    HISTORICAL = "historical"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return _ADMINISTRATION_LABELS[self]


_ADMINISTRATION_LABELS = {
    Administration.GIVEN: "Given here",
    Administration.HISTORICAL: "Historical",
    Administration.REFUSED: "Refused",
}


class InjectionSite(StrEnum):
    LEFT_DELTOID = "left-deltoid"
    RIGHT_DELTOID = "right-deltoid"
    LEFT_THIGH = "left-thigh"
    RIGHT_THIGH = "right-thigh"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class VaccineRoute(StrEnum):
    IM = "IM"
    SC = "SC"
    ID = "ID"
    ORAL = "oral"
    INTRANASAL = "intranasal"

    @property
    def label(self) -> str:
        return _ROUTE_LABELS[self]


_ROUTE_LABELS = {
    VaccineRoute.IM: "Intramuscular (IM)",
    VaccineRoute.SC: "Subcutaneous (SC)",
    VaccineRoute.ID: "Intradermal (ID)",
    VaccineRoute.ORAL: "Oral",
    VaccineRoute.INTRANASAL: "Intranasal",
}


@dataclass(frozen=True)
class ImmunizationData:
    """``given_on`` is the day given (or refused); a historical dose may be partial ("1998").
    ``source`` says where a historical dose is known from; ``refusal_reason`` why refused."""

    vaccine: str = field(metadata=label("Vaccine"))
    cvx: str | None = field(default=None, metadata=label("CVX code"))
    administration: Administration = field(
        default=Administration.GIVEN, metadata=label("Administration")
    )
    given_on: PartialDate | None = field(default=None, metadata=label("Date"))
    dose_number: int | None = field(default=None, metadata=label("Dose number"))
    lot_number: str | None = field(default=None, metadata=label("Lot number"))
    site: InjectionSite | None = field(default=None, metadata=label("Site"))
    route: VaccineRoute | None = field(default=None, metadata=label("Route"))
    given_by: str | None = field(default=None, metadata=label("Given by"))
    source: str | None = field(default=None, metadata=label("Source"))
    refusal_reason: str | None = field(default=None, metadata=label("Reason refused"))


@dataclass(frozen=True, kw_only=True)
class ImmunizationInput(ItemInput[ImmunizationData]):
    """The immunization form as typed. A blank vaccine name is filled from a known CVX code."""

    vaccine: str = ""
    cvx: str = ""
    administration: Administration | str = Administration.GIVEN
    given_on: str = ""
    dose_number: Typed = ""
    lot_number: str = ""
    site: InjectionSite | str | None = None
    route: VaccineRoute | str | None = None
    given_by: str = ""
    source: str = ""
    refusal_reason: str = ""

    def validated(self, today: dt.date) -> ImmunizationData:
        if self.status not in IMMUNIZATION_STATUSES:
            raise ValidationError(
                "An immunization is counted, or recorded as not counted.", field="status"
            )
        how = choice(
            Administration,
            self.administration,
            field="administration",
            what="how it was recorded",
        )
        cvx = cvx_shape(self.cvx)
        vaccine = optional_text(self.vaccine, field="vaccine", what="vaccine", limit=VACCINE_MAX)
        known = cvx_lookup(cvx)
        if vaccine is None and known is not None:
            vaccine = known.name
        if vaccine is None:
            raise ValidationError("Name the vaccine (or type its CVX code).", field="vaccine")
        given_on = self._date(how, today)
        data = ImmunizationData(
            vaccine=vaccine,
            cvx=cvx,
            administration=how,
            given_on=given_on,
            dose_number=optional_whole(
                self.dose_number,
                field="dose_number",
                what="dose number",
                low=1,
                high=DOSE_NUMBER_MAX,
            ),
            lot_number=optional_text(
                self.lot_number, field="lot_number", what="lot number", limit=LOT_MAX
            ),
            site=optional_choice(InjectionSite, self.site, field="site", what="a site"),
            route=optional_choice(VaccineRoute, self.route, field="route", what="a route"),
            given_by=optional_text(self.given_by, field="given_by", what="name", limit=VACCINE_MAX),
            source=optional_text(self.source, field="source", what="source", limit=VACCINE_MAX),
            refusal_reason=optional_text(
                self.refusal_reason, field="refusal_reason", what="reason"
            ),
        )
        _refuse_what_does_not_belong(data)
        return data

    def _date(self, how: Administration, today: dt.date) -> PartialDate:
        text = self.given_on.strip()
        if not text:
            said = "refused" if how is Administration.REFUSED else "given"
            raise ValidationError(f"Enter the date it was {said}.", field="given_on")
        given_on = PartialDate.parse(text, today=today, field="given_on")
        if how is not Administration.HISTORICAL and given_on.precision != "day":
            # Only an old record may be vague; what happens here is dated to the day.
            raise ValidationError(
                "Enter the whole date (month, day and year); only a historical dose may "
                "have a partial date.",
                field="given_on",
            )
        return given_on

    @classmethod
    def editing(cls, item: ItemInfo[ImmunizationData]) -> ImmunizationInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            vaccine=data.vaccine,
            cvx=data.cvx or "",
            administration=data.administration,
            given_on=data.given_on.display if data.given_on else "",
            dose_number="" if data.dose_number is None else str(data.dose_number),
            lot_number=data.lot_number or "",
            site=data.site,
            route=data.route,
            given_by=data.given_by or "",
            source=data.source or "",
            refusal_reason=data.refusal_reason or "",
        )


def _refuse_what_does_not_belong(data: ImmunizationData) -> None:
    how = data.administration
    if how is Administration.HISTORICAL and data.source is None:
        raise ValidationError(
            "Say where this dose is known from (for example the state registry or the "
            "patient's card).",
            field="source",
        )
    if how is not Administration.HISTORICAL and data.source is not None:
        raise ValidationError(
            "A source is recorded only for a historical dose: clear it.", field="source"
        )
    if how is Administration.REFUSED:
        if data.refusal_reason is None:
            raise ValidationError("Say why the vaccine was refused.", field="refusal_reason")
        given = (
            ("lot_number", "lot number", data.lot_number),
            ("site", "site", data.site),
            ("route", "route", data.route),
            ("given_by", "given by", data.given_by),
            ("dose_number", "dose number", data.dose_number),
        )
        for name, shown, value in given:
            if value is not None:
                raise ValidationError(
                    f'A refused vaccine was not given: clear the "{shown}" field.', field=name
                )
    elif data.refusal_reason is not None:
        raise ValidationError(
            "A reason for refusing is recorded only when the vaccine was refused: clear it.",
            field="refusal_reason",
        )
