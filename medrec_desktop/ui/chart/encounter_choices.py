"""The "Encounter" choice of the entries recorded during a visit (vitals, tests,
procedures): the patient's unsigned encounters, "03/14/2025 office visit" (issue 10)."""

from __future__ import annotations

from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.fields import Pairs


def encounter_options(inst: Installation, session: UserSession, pid: PatientId) -> Pairs:
    """A set already linked to a signed note keeps its link (the form shows it as linked)."""
    return [(str(i), text) for i, text in inst.encounters.open_choices(session, pid)]
