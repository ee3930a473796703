"""Importing a patient's record from another system (a FHIR R4 US Core Bundle, issue 14)."""
