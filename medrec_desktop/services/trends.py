"""Trends for the plots (issue 10): one vital sign of one patient over time, each read an
audited view; printing or saving a plot is recorded like any other print or export.

A trend holds the counted sets only (not those set aside or entered in error). Sets with a
sensitivity label the caller may not see are left out, and the event says how many.
"""

from __future__ import annotations

from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.loinc import loinc_valid
from medrec_desktop.domain.trends import Trend
from medrec_desktop.domain.vital_trends import Reading, VitalSign, usual_units, vital_trend
from medrec_desktop.domain.vital_units import UnitSystem
from medrec_desktop.models import Vitals
from medrec_desktop.services.base import Op, Service, audited

UNNAMED_ANALYTE = "result (unnamed analyte)"
VITAL_KEYS = frozenset(s.value for s in VitalSign)


class TrendService(Service):
    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def vital(
        self,
        op: Op,
        patient_id: PatientId,
        which: VitalSign | str,
        *,
        units: UnitSystem | None = None,
    ) -> Trend:
        """``which`` vital sign (systolic, diastolic, pulse, respirations, temperature,
        spo2, weight, bmi, pain) over time, oldest first, with its adult reference range.
        Shown in ``units``, by default the units most of the patient's sets were typed in."""
        sign = _sign(which)
        column = getattr(Vitals, sign.column)
        # Every counted set, with or without this sign: the units the clinic typed most
        # are read over all of them (a weight in lb at a clinic that types US units).
        rows = op.db.execute(
            select(Vitals.taken_at, column, Vitals.units, Vitals.sensitivity)
            .where(Vitals.patient_id == patient_id, Vitals.status == ItemStatus.ACTIVE)
            .order_by(Vitals.taken_at, Vitals.id)
        ).all()
        withheld = 0
        if any(r.sensitivity for r in rows) and not op.can(
            Action.VIEW, DataCategory.SENSITIVE, patient_id
        ):
            withheld = sum(1 for r in rows if r.sensitivity and r[1] is not None)
            rows = [r for r in rows if not r.sensitivity]
        shown_in = units or usual_units((r[0], UnitSystem(r[2])) for r in rows)
        readings = [Reading(r[0], float(r[1]), UnitSystem(r[2])) for r in rows if r[1] is not None]
        op.event.detail = f"trend of vital {sign.value}: {len(readings)} readings" + (
            f"; withheld {withheld}" if withheld else ""
        )
        return vital_trend(sign, readings, shown_in)

    @audited(Action.PRINT, DataCategory.CLINICAL, patient="patient_id")
    def printed(self, op: Op, patient_id: PatientId, what: str) -> None:
        """Record that a trend plot of this patient is being printed. ``what`` names the
        trend by its key ("vital:systolic", "result:loinc:4548-4"); any other key (a result
        known only by its typed name) is recorded as an unnamed analyte (see :func:`_what`)."""
        op.event.detail = f"trend plot {_what(what)} printed"

    @audited(Action.EXPORT, DataCategory.CLINICAL, patient="patient_id")
    def exported(self, op: Op, patient_id: PatientId, what: str) -> None:
        """Record that a trend plot of this patient is being saved as a PDF file (the
        user's explicit act; called before the file is written)."""
        op.event.detail = f"trend plot {_what(what)} saved as PDF"


def _sign(which: VitalSign | str) -> VitalSign:
    try:
        return VitalSign(which)
    except ValueError:
        raise ValidationError(
            "Choose a vital sign: " + ", ".join(s.label.lower() for s in VitalSign) + ".",
            field="which",
        ) from None


def _what(what: str) -> str:
    """The trend's name for the audit trail, which administrators read: a vital sign or a
    LOINC code only. An analyte known only by the name typed for it ("result:name:...")
    could say what the patient was tested for, so it, and anything else, is not copied."""
    kind, _, key = what.strip().partition(":")
    if kind == "vital" and key in VITAL_KEYS:
        return f"vital:{key}"
    code = key.removeprefix("loinc:")
    if kind == "result" and key.startswith("loinc:") and loinc_valid(code):
        return f"result:loinc:{code}"
    return UNNAMED_ANALYTE
