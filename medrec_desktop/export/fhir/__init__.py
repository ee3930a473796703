"""FHIR R4 export (issue 14, items 5 and 6): pure functions from a patient's record as a
release reads it (``domain.patient_extract.PatientExtract``) to FHIR resources as plain dicts,
validated with ``fhir.resources``' R4B models. No database, no Qt.

One module per resource type (``patient``, ``encounter``, ``condition``, ``observation_vitals``,
``observation_labs``, ``observation_social``, ``diagnostic_report``, ``procedure``,
``medication_statement``, ``allergy_intolerance``, ``immunization``,
``family_member_history``, ``document_reference``, ``coverage``, ``practitioner``,
``organization``); ``bundle`` puts a patient together, ``validate`` checks, ``ndjson`` writes
a bulk export.
"""

from medrec_desktop.export.fhir.bundle import patient_bundle, patient_resources, resource_counts
from medrec_desktop.export.fhir.validate import validate_bundle, validate_resource

__all__ = [
    "patient_bundle",
    "patient_resources",
    "resource_counts",
    "validate_bundle",
    "validate_resource",
]
