"""FHIR R4 import (issue 14, item 5): a US Core Bundle from another system read into an
:class:`~medrec_desktop.export.fhir_import.plan.ImportPlan` of ordinary chart inputs, or
refused whole, naming each entry and field (``domain.fhir_import.BundleRefusedError``).

Pure: no database. ``services/fhir_import.py`` matches the patient, checks the caller's rights
and records the plan in one transaction.
"""

from medrec_desktop.export.fhir_import.plan import ImportPlan, PatientFacts, PlannedItem
from medrec_desktop.export.fhir_import.reader import read_bundle

__all__ = ["ImportPlan", "PatientFacts", "PlannedItem", "read_bundle"]
